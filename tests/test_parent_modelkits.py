"""A Kitfile whose model.path is another ModelKit's reference (docs/format.md §1.3, §2.3, §3.3, §4.2,
§7, #840): pack keeps the reference, pull fetches the parent chain, unpack extracts the parent's
model first. Against the real local registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from kitops_jupyter.api import Kit
from kitops_jupyter.core.parents import MAX_PARENTS
from kitops_jupyter.errors import InvalidReference, KitError, NotFound

PARENT_KITFILE = """\
manifestVersion: 1.0.0
package:
  name: base
model:
  name: base
  path: model/base.bin
datasets:
  - name: pretrain
    path: data/pretrain.csv
"""

CHILD_KITFILE = """\
manifestVersion: 1.0.0
package:
  name: child
model:
  name: tuned
  path: {parent}
datasets:
  - name: train
    path: data/train.csv
docs:
  - path: README.md
"""

PARENT_FILES = {"model/base.bin": b"weights" * 50, "data/pretrain.csv": b"a\n1\n"}
CHILD_FILES = {"data/train.csv": b"x\n2\n", "README.md": b"# child\n"}


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _publish(
    kit: Kit, root: Path, ref: str, kitfile: str, files: dict[str, bytes], push: bool = True
) -> None:
    """Pack ``files`` with ``kitfile`` under ``ref`` and push it there."""
    root.mkdir(parents=True)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    kit.pack(root, tag=ref, kitfile_text=kitfile)
    if push:
        kit.push(ref)


@pytest.fixture
def published(tmp_path: Path, registry, repo_name: str) -> tuple[str, str]:
    """A parent ModelKit and a child whose model.path references it, both pushed."""
    base = f"{registry.registry}/{repo_name}/base:v1"
    child = f"{registry.registry}/{repo_name}/child:v1"
    publisher = Kit(tmp_path / "publisher")
    _publish(publisher, tmp_path / "base", base, PARENT_KITFILE, PARENT_FILES)
    _publish(publisher, tmp_path / "child", child, CHILD_KITFILE.format(parent=base), CHILD_FILES)
    return base, child


def test_pack_keeps_the_reference_and_adds_no_model_layer(published: tuple[str, str], tmp_path: Path) -> None:
    base, child = published
    info = Kit(tmp_path / "publisher").get(child)
    assert info.kitfile.model is not None and info.kitfile.model.path == base
    assert len(info.manifest.layers) == 2  # dataset and docs only


def test_pull_fetches_the_parent_and_unpack_writes_its_model(
    published: tuple[str, str], tmp_path: Path
) -> None:
    base, child = published
    consumer = Kit(tmp_path / "consumer")
    consumer.pull(child)
    assert consumer.get(base).kitfile.package.name == "base"
    out = tmp_path / "out"
    consumer.unpack(child, out)
    assert _files(out) == {"model/base.bin", *CHILD_FILES, "Kitfile"}
    assert (out / "model/base.bin").read_bytes() == PARENT_FILES["model/base.bin"]
    assert f"path: {base}" in (out / "Kitfile").read_text()


def test_remote_unpack_fetches_only_the_parents_model(published: tuple[str, str], tmp_path: Path) -> None:
    _, child = published
    consumer = Kit(tmp_path / "consumer")
    out = tmp_path / "out"
    consumer.unpack(child, out)
    assert _files(out) == {"model/base.bin", *CHILD_FILES, "Kitfile"}
    assert consumer.store.entries() == []
    model_only = tmp_path / "model-only"
    consumer.unpack(child, model_only, filters=["model"])
    assert _files(model_only) == {"model/base.bin"}


def test_filter_without_model_never_touches_the_parent(tmp_path: Path, registry, repo_name: str) -> None:
    missing = f"{registry.registry}/{repo_name}/never-pushed:v1"
    child = f"{registry.registry}/{repo_name}/child:v1"
    _publish(
        Kit(tmp_path / "publisher"),
        tmp_path / "child",
        child,
        CHILD_KITFILE.format(parent=missing),
        CHILD_FILES,
    )
    consumer = Kit(tmp_path / "consumer")
    consumer.unpack(child, tmp_path / "out", filters=["datasets"])
    assert _files(tmp_path / "out") == {"data/train.csv"}
    with pytest.raises(KitError):
        consumer.unpack(child, tmp_path / "out2", filters=["model"])


def test_local_only_parent_must_be_in_the_store(tmp_path: Path, registry, repo_name: str) -> None:
    child = f"{registry.registry}/{repo_name}/child:v1"
    kitfile = CHILD_KITFILE.format(parent="org/base:v1")
    _publish(Kit(tmp_path / "publisher"), tmp_path / "child", child, kitfile, CHILD_FILES)
    with pytest.raises(NotFound) as missing:
        Kit(tmp_path / "consumer").pull(child)
    assert str(missing.value) == (
        "parent ModelKit org/base:v1 (referenced by model.path) is not in local storage and its reference "
        "names no registry; pack or pull it first"
    )


def test_cycle_is_rejected_naming_the_chain(tmp_path: Path, registry, repo_name: str) -> None:
    a = f"{registry.registry}/{repo_name}/a:v1"
    b = f"{registry.registry}/{repo_name}/b:v1"
    # pack refuses a cycle it can see in its store, so two publishers who never pulled each other's
    # ModelKit build it in the registry
    _publish(Kit(tmp_path / "pub-b"), tmp_path / "b", b, CHILD_KITFILE.format(parent=a), CHILD_FILES)
    _publish(Kit(tmp_path / "pub-a"), tmp_path / "a", a, CHILD_KITFILE.format(parent=b), CHILD_FILES)
    consumer = Kit(tmp_path / "consumer")
    with pytest.raises(InvalidReference, match="Found cycle in modelkit references") as err:
        consumer.pull(a)
    assert f"{a} -> {b} -> {a}" in str(err.value)
    with pytest.raises(InvalidReference, match="cycle"):
        Kit(tmp_path / "other").unpack(a, tmp_path / "out")


def test_chain_longer_than_ten_is_refused(tmp_path: Path, registry, repo_name: str) -> None:
    publisher = Kit(tmp_path / "publisher")
    refs = [f"{registry.registry}/{repo_name}/k{i}:v1" for i in range(MAX_PARENTS + 2)]
    _publish(publisher, tmp_path / "k0", refs[0], PARENT_KITFILE, PARENT_FILES)
    for i in range(1, len(refs)):
        last = i == len(refs) - 1  # pack would refuse the eleventh parent it can see: pack it elsewhere
        _publish(
            Kit(tmp_path / "last-publisher") if last else publisher,
            tmp_path / f"k{i}",
            refs[i],
            CHILD_KITFILE.format(parent=refs[i - 1]),
            CHILD_FILES,
        )
    Kit(tmp_path / "ok").pull(refs[MAX_PARENTS])  # exactly ten parents
    with pytest.raises(InvalidReference, match=r"reached maximum number of model references.*longer than 10"):
        Kit(tmp_path / "too-long").pull(refs[MAX_PARENTS + 1])


def test_pack_excludes_paths_of_a_stored_parent(tmp_path: Path) -> None:
    kit = Kit(tmp_path / "home")
    _publish(kit, tmp_path / "base", "org/base:v1", PARENT_KITFILE, PARENT_FILES, push=False)
    kitfile = "manifestVersion: 1.0.0\nmodel:\n  path: org/base:v1\ncode:\n  - path: .\n"
    _publish(kit, tmp_path / "child", "org/child:v1", kitfile, {**PARENT_FILES, "train.py": b"x"}, push=False)
    kit.unpack("org/child:v1", tmp_path / "out", filters=["code"])
    assert _files(tmp_path / "out") == {"train.py"}


def test_pack_refuses_a_cycle_through_the_store(tmp_path: Path) -> None:
    """kit's pack-time check: re-packing a parent so it points at its own descendant is a loop."""
    kit = Kit(tmp_path / "home")
    _publish(kit, tmp_path / "one", "org/m:one", PARENT_KITFILE, PARENT_FILES, push=False)
    _publish(
        kit, tmp_path / "two", "org/m:two", CHILD_KITFILE.format(parent="org/m:one"), CHILD_FILES, push=False
    )
    looping = tmp_path / "again"
    looping.mkdir()
    before = kit.get("org/m:one").digest
    with pytest.raises(InvalidReference) as cycle:
        kit.pack(looping, tag="org/m:one", kitfile_text=CHILD_KITFILE.format(parent="org/m:two"))
    assert str(cycle.value) == (
        "Found cycle in modelkit references: org/m:one -> org/m:two -> org/m:one (through model.path); "
        "point one model.path at a ModelKit that does not lead back"
    )
    assert kit.get("org/m:one").digest == before  # nothing was stored or retagged


def test_pack_refuses_more_than_ten_parents_in_the_store(tmp_path: Path) -> None:
    kit = Kit(tmp_path / "home")
    _publish(kit, tmp_path / "k0", "org/k:0", PARENT_KITFILE, PARENT_FILES, push=False)
    for i in range(1, MAX_PARENTS + 1):
        _publish(
            kit,
            tmp_path / f"k{i}",
            f"org/k:{i}",
            CHILD_KITFILE.format(parent=f"org/k:{i - 1}"),
            CHILD_FILES,
            push=False,
        )
    (tmp_path / "k11").mkdir()
    with pytest.raises(InvalidReference) as too_long:
        kit.pack(
            tmp_path / "k11", tag="org/k:11", kitfile_text=CHILD_KITFILE.format(parent=f"org/k:{MAX_PARENTS}")
        )
    chain = " -> ".join(f"org/k:{i}" for i in range(MAX_PARENTS + 1, -1, -1))
    assert str(too_long.value) == (
        f"reached maximum number of model references: {chain}; a chain through model.path may not be longer "
        f"than {MAX_PARENTS}: re-pack a ModelKit in the chain with its model files instead of a reference"
    )
    assert "org/k:11" not in {f"{i.repo}:{t}" for i in kit.list_modelkits() for t in i.tags}
