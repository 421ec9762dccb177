"""walk_layer must visit the context exactly like kit's filepath.Walk-based packer (docs/format.md §3.1)."""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import pytest

from kitops_jupyter.core.ignore import IgnoreRules
from kitops_jupyter.core.layerwalk import TarEntry, walk_layer
from kitops_jupyter.errors import PackError


def make(root: Path, *paths: str) -> Path:
    """Create files (and dirs for paths ending in '/') with mode 0644 / 0755."""
    for rel in paths:
        target = root / rel
        if rel.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            target.chmod(0o755)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rel)
            target.chmod(0o644)
    return root


def walk(
    ctx: Path, layer: str, others: tuple[str, ...] = (), ignore: str | None = None, **kw: str
) -> tuple[list[str], list[str]]:
    if ignore is not None:
        (ctx / ".kitignore").write_text(ignore)
    warnings: list[str] = []
    rules = IgnoreRules.load(ctx)
    names = [e.name for e in walk_layer(ctx, layer, rules, [layer, *others], warnings.append, **kw)]
    return names, warnings


def test_order_is_bytewise_per_directory_depth_first(tmp_path: Path) -> None:
    make(tmp_path, "a/x", "a-b", "a.b", "B", "é", "a/B/z", "a/a")
    names, _ = walk(tmp_path, ".")
    assert names == ["B", "a", "a/B", "a/B/z", "a/a", "a/x", "a-b", "a.b", "é"]


def test_entry_fields(tmp_path: Path) -> None:
    make(tmp_path, "d/run.sh", "d/sub/")
    (tmp_path / "d/run.sh").chmod(0o4755)
    (tmp_path / "d").chmod(0o2750)
    entries = list(walk_layer(tmp_path, "d", IgnoreRules([]), [], print))
    assert entries == [
        TarEntry("d", tmp_path / "d", 0o2750, 0, True),
        TarEntry("d/run.sh", tmp_path / "d/run.sh", 0o4755, len("d/run.sh"), False),
        TarEntry("d/sub", tmp_path / "d/sub", 0o755, 0, True),
    ]


def test_file_layer_includes_ancestor_dirs_only(tmp_path: Path) -> None:
    make(tmp_path, "data/train.csv", "data/test.csv", "other.txt")
    assert walk(tmp_path, "data/train.csv")[0] == ["data", "data/train.csv"]


@pytest.mark.parametrize("spelling", ["./data/", "data//", "data/./", "x/../data"])
def test_layer_path_is_cleaned(tmp_path: Path, spelling: str) -> None:
    make(tmp_path, "data/a.csv", "x/")
    assert walk(tmp_path, spelling)[0] == ["data", "data/a.csv"]


def test_dot_layer_excludes_other_layers_component_wise(tmp_path: Path) -> None:
    make(
        tmp_path,
        "data/a.csv",
        "data2/b.csv",
        "data-v2/c.csv",
        "datafile.txt",
        "model.bin",
        "model.bin.sha256",
    )
    names, _ = walk(tmp_path, ".", others=("data", "model.bin"))
    assert names == ["data-v2", "data-v2/c.csv", "data2", "data2/b.csv", "datafile.txt", "model.bin.sha256"]


def test_v17_rule_is_a_string_prefix(tmp_path: Path) -> None:
    make(tmp_path, "data/a.csv", "data2/b.csv", "datafile.txt", "src/x.py")
    names, _ = walk(tmp_path, ".", others=("data",), exclusion_rule="v1.7")
    assert names == ["src", "src/x.py"]


def test_nested_layer_is_excluded_from_parent_layer(tmp_path: Path) -> None:
    make(tmp_path, "src/main.py", "src/data/in.csv", "src/data_extra/x.csv")
    assert walk(tmp_path, "src", others=("src/data",))[0] == [
        "src",
        "src/data_extra",
        "src/data_extra/x.csv",
        "src/main.py",
    ]


def test_layers_that_contain_the_current_path_are_not_exclusions(tmp_path: Path) -> None:
    make(tmp_path, "a/b/c.txt", "a/z.txt")
    assert walk(tmp_path, "a/b", others=("a", "."))[0] == ["a", "a/b", "a/b/c.txt"]


def test_symlinks_are_skipped_with_a_warning(tmp_path: Path) -> None:
    make(tmp_path, "src/real.py", "other/o.txt")
    os.symlink("real.py", tmp_path / "src/link.py")
    os.symlink("../other", tmp_path / "src/dirlink")
    names, warnings = walk(tmp_path, "src")
    assert names == ["src", "src/real.py"]
    assert warnings == [
        "skipped symlink src/dirlink; kit does not pack symlinks",
        "skipped symlink src/link.py; kit does not pack symlinks",
    ]


def test_layer_path_that_is_a_symlink_gives_an_empty_layer(tmp_path: Path) -> None:
    make(tmp_path, "real.csv")
    os.symlink("real.csv", tmp_path / "linked.csv")
    names, warnings = walk(tmp_path, "linked.csv")
    assert names == [] and warnings == ["skipped symlink linked.csv; kit does not pack symlinks"]


def test_special_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    make(tmp_path, "d/a.txt")
    os.mkfifo(tmp_path / "d/pipe")
    names, warnings = walk(tmp_path, "d")
    assert names == ["d", "d/a.txt"]
    assert warnings == [
        "skipped d/pipe: not a regular file or directory; kit packs only files and directories"
    ]


def test_ignored_directory_is_pruned(tmp_path: Path) -> None:
    make(tmp_path, "src/build/out.o", "src/main.py", "Kitfile", "src/Kitfile")
    assert walk(tmp_path, ".", ignore="src/build\n")[0] == ["src", "src/Kitfile", "src/main.py"]


def test_negation_descends_but_omits_ignored_directory_headers(tmp_path: Path) -> None:
    make(tmp_path, "data/keep/a.csv", "data/keep/sub/b.csv", "data/drop/c.csv", "data/important.csv")
    names, _ = walk(tmp_path, ".", ignore="data/**\n!data/keep/**\n!data/important.csv\n")
    assert names == ["data", "data/important.csv", "data/keep/a.csv", "data/keep/sub", "data/keep/sub/b.csv"]


def test_ignored_layer_path_warns_and_keeps_only_ancestors(tmp_path: Path) -> None:
    make(tmp_path, "data/x.csv")
    names, warnings = walk(tmp_path, "data/x.csv", ignore="data/*.csv\n")
    assert names == ["data"]
    assert len(warnings) == 1 and warnings[0].startswith("layer path data/x.csv is ignored by ")


def test_names_containing_dotdot_are_skipped_like_kit(tmp_path: Path) -> None:
    make(tmp_path, "tree/weird..name.txt", "tree/ok.txt", "sib..ling/x")
    names, warnings = walk(tmp_path, "tree")
    assert names == ["tree", "tree/ok.txt"]
    assert warnings == [
        "skipped tree/weird..name.txt: kit does not pack paths whose relative path contains '..'"
    ]


def test_missing_layer_path_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(
        PackError, match=r"^datasets\[0\]\.path 'nope' does not exist .*fix the path in the Kitfile"
    ):
        walk(tmp_path, "nope", field="datasets[0].path")


def test_layer_path_outside_the_context_is_empty_like_kit_17(tmp_path: Path) -> None:
    ctx = make(tmp_path / "ctx", "a.txt")
    make(tmp_path, "outside/x.txt")
    names, warnings = walk(ctx, "../outside")
    assert names == [] and "outside the context" in warnings[0]
    with pytest.raises(PackError, match="does not exist"):
        walk(ctx, "../missing")


def test_absolute_layer_path_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="is absolute"):
        walk(tmp_path, "/etc")


def test_special_layer_path_is_rejected(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(PackError, match="neither a file nor a directory"):
        walk(tmp_path, "pipe")


def test_unknown_exclusion_rule_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exclusion_rule"):
        walk(tmp_path, ".", exclusion_rule="v2")


def test_deep_trees_do_not_recurse(tmp_path: Path) -> None:
    deep = "/".join(["d"] * 60)
    make(tmp_path, deep + "/leaf")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 40)  # a walk that recursed per level would fail
    try:
        names, _ = walk(tmp_path, "d")
    finally:
        sys.setrecursionlimit(limit)
    assert len(names) == 61 and names[-1] == deep + "/leaf"
