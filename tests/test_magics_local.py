"""``%kit`` verbs on the local store through a real IPython shell: results and their reprs, the secret
scan, progress summaries, an interrupted pack, Kitfiles from the kernel and the ``%%kitfile`` cell."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression

from kitops_jupyter import api
from kitops_jupyter.adapter_helpers import progress_display
from kitops_jupyter.core import listing
from kitops_jupyter.core.storefiles import LOCK_FILE
from kitops_jupyter.magics.results import KitfileDraft, ModelKitList, ModelKitResult
from tests.test_magics_support import loaded_shell, make_context

# Shaped like an AWS access key id; split so that secret scanners of this repository stay quiet.
AWS_KEY = "AKIA" + "Z7QX3LMN5PR2TUVW"


@pytest.fixture
def ip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    with loaded_shell() as shell:
        shell.run_line_magic("config", "KitMagics.progress = 'text'")
        yield shell
    for name in ("df", "clf", "other", "mk"):
        shell.user_ns.pop(name, None)


def run(ip: InteractiveShell, line: str) -> Any:
    return ip.run_line_magic("kit", line)


# -- results -----------------------------------------------------------------------------------------


def test_pack_returns_a_result_with_text_and_html(
    ip: InteractiveShell, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_context(tmp_path / "ctx")
    mk = run(ip, "pack ctx -t team/tiny:v1,latest")
    assert isinstance(mk, ModelKitResult)
    stored = api.Kit().get("team/tiny:v1")
    assert mk.digest == stored.digest
    assert mk.pinned == f"team/tiny@{stored.digest}"
    text = repr(mk)
    assert text.splitlines()[0] == "Packed team/tiny:v1, team/tiny:latest"
    assert f"pinned: team/tiny@{stored.digest}" in text
    assert re.search(r"model\s+model\.bin\s+\d[\d.]* KiB\s+sha256:[0-9a-f]{12}\n", text)
    assert re.search(r"dataset\s+data/train\.csv\s", text) and re.search(r"docs\s+README\.md\s", text)
    html = mk._repr_html_()
    assert "<table>" in html and "data/train.csv" in html and stored.digest in html and "Kitfile" in html
    assert [row.type for row in mk.layers] == ["model", "dataset", "docs"]
    summary = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(
        r"Packed team/tiny:v1, team/tiny:latest sha256:[0-9a-f]{8}… [\d.]+ KiB in \d+\.\d s", summary
    )


def test_list_renders_kits_table(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/tiny:v1")
    listed = run(ip, "list")
    assert isinstance(listed, ModelKitList)
    assert repr(listed) == listing.list_table(api.Kit().list_modelkits()).rstrip("\n")
    assert "<table>" in listed._repr_html_() and "team/tiny" in listed._repr_html_()
    assert json.loads(repr(run(ip, "list --format json")))[0]["repo"] == "team/tiny"


def test_inspect_info_diff_tag_remove(
    ip: InteractiveShell, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/tiny:v1")
    make_context(tmp_path / "ctx", model=b"\1" * 2048)
    run(ip, "pack ctx -t team/tiny:v2")
    inspected = run(ip, "inspect team/tiny:v1")
    found = api.Kit().get("team/tiny:v1")
    assert repr(inspected) == listing.inspect_json(found.digest, found.manifest, found.kitfile).rstrip("\n")
    assert "<table>" in inspected._repr_html_()
    info = run(ip, "info team/tiny:v1")
    assert repr(info).startswith("manifestVersion: 1.0.0") and "tiny-model" in repr(info)
    diff = run(ip, "diff team/tiny:v1 team/tiny:v2")
    assert "Unique Layers to ModelKit1 (team/tiny:v1)" in repr(diff)
    assert "<table>" in diff._repr_html_()
    run(ip, "tag team/tiny:v1 team/tiny:stable")
    run(ip, "remove team/tiny:v2")
    out = capsys.readouterr().out
    assert "Tagged team/tiny:v1 as team/tiny:stable" in out and "Removed team/tiny:v2" in out
    assert sorted(tag for info in run(ip, "list") for tag in info.tags) == ["stable", "v1"]


def test_unpack_with_filter(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/tiny:v1")
    result = run(ip, "unpack team/tiny:v1 -d out --filter datasets")
    assert sorted(p.relative_to("out").as_posix() for p in Path("out").rglob("*") if p.is_file()) == [
        "data/train.csv"
    ]
    assert result.action.startswith("Unpacked into out")
    Path("out/data/train.csv").write_text("edited\n")
    with pytest.raises(UsageError, match=r"path 'data/train.csv' already exists; use overwrite=True \(-o\)"):
        run(ip, "unpack team/tiny:v1 -d out --filter datasets")
    assert Path("out/data/train.csv").read_text() == "edited\n"
    run(ip, "unpack team/tiny:v1 -d out --filter datasets -o")
    assert Path("out/data/train.csv").read_text() == "a,b\n1,2\n3,4\n"


def test_load_local_dataset(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/tiny:v1")
    ip.run_cell("df = %kit load team/tiny:v1 --dataset train")
    assert ip.user_ns["df"].to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_plain_init_writes_a_kitfile(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "proj").joinpath("Kitfile").unlink()
    result = run(ip, "init proj --name demo --author Me")
    assert (tmp_path / "proj" / "Kitfile").is_file()
    assert "name: demo" in repr(result)
    with pytest.raises(UsageError, match="--force"):
        run(ip, "init proj")


# -- the secret scan ---------------------------------------------------------------------------------


def test_pack_stops_on_secrets_until_allowed(ip: InteractiveShell, tmp_path: Path) -> None:
    kitfile = (make_context(tmp_path / "ctx") / "Kitfile").read_text() + "code:\n  - path: settings.py\n"
    make_context(
        tmp_path / "ctx", extra={"Kitfile": kitfile, "settings.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'}
    )
    with pytest.raises(UsageError) as info:
        run(ip, "pack ctx -t team/tiny:v1")
    message = str(info.value)
    assert "pack stopped" in message and "settings.py:1" in message and "--allow-secrets" in message
    assert AWS_KEY not in message
    assert run(ip, "list").infos == []
    assert run(ip, "pack ctx -t team/tiny:v1 --allow-secrets").digest


def test_secrets_in_kitignored_files_do_not_stop_a_pack(ip: InteractiveShell, tmp_path: Path) -> None:
    kitfile = (make_context(tmp_path / "ctx") / "Kitfile").read_text() + "code:\n  - path: .\n"
    make_context(tmp_path / "ctx", extra={"Kitfile": kitfile, ".env": f"AWS_ACCESS_KEY_ID={AWS_KEY}\n"})
    with pytest.raises(UsageError, match=r"\.env"):
        run(ip, "pack ctx -t team/tiny:v1")
    (tmp_path / "ctx" / ".kitignore").write_text(".env\n")
    assert run(ip, "pack ctx -t team/tiny:v1").digest


# -- interrupting a pack -----------------------------------------------------------------------------


class _Interrupting:
    """A progress sink that presses the stop button once half the bytes are done."""

    def __init__(self) -> None:
        self.closed_with: str | None = None
        self.calls = 0

    def __call__(self, done: int, total: int) -> None:
        self.calls += 1
        if total and done >= total // 2:
            raise KeyboardInterrupt

    def close(self, summary: str = "", *, failed: bool = False) -> None:
        self.closed_with = summary
        self.failed = failed


def _store_files(home: Path) -> set[str]:
    """Files with content in the store (the empty cross-process lock file does not count)."""
    return {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file() and p.name != LOCK_FILE}


def test_interrupted_pack_leaves_nothing_behind(
    ip: InteractiveShell, tmp_path: Path, kitops_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_context(tmp_path / "ctx", model=os.urandom(1 << 20) * 48)  # 48 MiB
    run(ip, "list")  # creates the store layout
    before = _store_files(kitops_home)
    sinks: list[_Interrupting] = []

    def interrupting(description: str, style: str = "auto", **_: Any) -> _Interrupting:
        sinks.append(_Interrupting())
        return sinks[-1]

    original = progress_display.make_progress
    monkeypatch.setattr(progress_display, "make_progress", interrupting)
    with pytest.raises(KeyboardInterrupt):
        run(ip, "pack ctx -t team/big:v1")
    assert sinks[0].calls > 1 and sinks[0].closed_with is not None
    assert "interrupted; nothing partial was kept" in sinks[0].closed_with
    assert sinks[0].failed  # the bar goes; the note says what happened
    assert _store_files(kitops_home) == before  # no blob, no manifest, no temp file
    assert not list((tmp_path / "ctx").glob(".*tmp*"))
    result = ip.run_cell("%kit pack ctx -t team/big:v1")  # and the kernel's stop is clean: run it again
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    monkeypatch.setattr(progress_display, "make_progress", original)
    ip.run_line_magic("config", "KitMagics.progress = 'none'")
    assert run(ip, "pack ctx -t team/big:v1").digest


# -- Kitfiles from the kernel ------------------------------------------------------------------------


def _kernel_state(ip: InteractiveShell) -> None:
    df = pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20) % 2})
    ip.user_ns.update(df=df, clf=LogisticRegression().fit(df[["x"]], df["y"]), other=pd.DataFrame({"z": [1]}))


def test_init_from_kernel_writes_files_and_inserts_a_kitfile_cell(
    ip: InteractiveShell, tmp_path: Path
) -> None:
    _kernel_state(ip)
    ip.rl_next_input = None
    draft = run(ip, "init --from-kernel --dataset train=df --model clf --name demo --no-notebook")
    assert isinstance(draft, KitfileDraft)
    kitfile = (tmp_path / "modelkit" / "Kitfile").read_text()
    assert (
        "name: train" in kitfile
        and "path: data/train.parquet" in kitfile
        and "framework: scikit-learn" in kitfile
    )
    assert "rows: 20" in kitfile and "other" not in kitfile
    assert ip.rl_next_input == "%%kitfile modelkit\n" + kitfile
    assert {"Kitfile", "data/train.parquet", "model/clf.skops", "requirements.txt"} == {
        p for p, _ in draft.files
    }
    assert "%%kitfile cell inserted below" in repr(draft) and "<pre" in draft._repr_html_()
    assert run(ip, "list").infos == []  # reviewed first: nothing packed


def test_init_from_kernel_takes_everything_without_names(ip: InteractiveShell, tmp_path: Path) -> None:
    _kernel_state(ip)
    run(ip, "init out --from-kernel --no-notebook --no-requirements")
    kitfile = (tmp_path / "out" / "Kitfile").read_text()
    assert "name: df" in kitfile and "name: other" in kitfile and "clf.skops" in kitfile
    assert "requirements" not in kitfile


def _write_notebook(path: Path, source: str, output: str = "") -> None:
    """A minimal nbformat 4 notebook (written as JSON: importing nbformat's validator is slow)."""
    outputs = [{"output_type": "stream", "name": "stdout", "text": output}] if output else []
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": {},
        "outputs": outputs,
        "source": source,
    }
    book = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(book))


def test_init_from_kernel_includes_a_named_notebook_stripped(ip: InteractiveShell, tmp_path: Path) -> None:
    _write_notebook(tmp_path / "work.ipynb", "print(1)", output="1\n")
    _kernel_state(ip)
    run(ip, "init --from-kernel --model clf --notebook work.ipynb")
    copy = json.loads((tmp_path / "modelkit" / "notebooks" / "work.ipynb").read_text())
    assert copy["cells"][0]["source"] == "print(1)" and copy["cells"][0]["outputs"] == []


def test_pack_from_kernel_shows_review_then_packs_with_yes(ip: InteractiveShell, tmp_path: Path) -> None:
    _kernel_state(ip)
    ip.rl_next_input = None
    draft = run(ip, "pack --dataset train=df --model clf -t team/demo:v1 --no-notebook")
    assert isinstance(draft, KitfileDraft)
    assert ip.rl_next_input.startswith("%%kitfile modelkit -t team/demo:v1\nmanifestVersion")
    assert run(ip, "list").infos == []
    mk = run(ip, "pack --dataset train=df --model clf -t team/demo:v1 --no-notebook --yes")
    assert isinstance(mk, ModelKitResult)
    assert {row.path for row in mk.layers} == {"model/clf.skops", "data/train.parquet", "requirements.txt"}


def test_pack_from_kernel_stops_on_secrets_in_the_notebook(ip: InteractiveShell, tmp_path: Path) -> None:
    _write_notebook(tmp_path / "nb.ipynb", f'aws_key = "{AWS_KEY}"')
    _kernel_state(ip)
    with pytest.raises(UsageError) as info:
        run(ip, "pack --model clf --notebook nb.ipynb -t team/demo:v1 --yes")
    assert "notebooks/nb.ipynb cell 0" in str(info.value) and AWS_KEY not in str(info.value)
    assert run(ip, "list").infos == []
    assert run(ip, "pack --model clf --notebook nb.ipynb -t team/demo:v1 --yes --allow-secrets").digest


def test_bad_kernel_selections_are_usage_errors(ip: InteractiveShell) -> None:
    _kernel_state(ip)
    with pytest.raises(UsageError, match="no variable named 'nope'"):
        run(ip, "init --from-kernel --model nope --no-notebook")
    with pytest.raises(UsageError, match="not a DataFrame"):
        run(ip, "init --dataset train=clf --no-notebook")
    with pytest.raises(UsageError, match="NAME=VARIABLE"):
        run(ip, "init --dataset =df --no-notebook")


# -- the %%kitfile cell ------------------------------------------------------------------------------


def test_kitfile_cell_validates_saves_and_packs(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    edited = (tmp_path / "ctx" / "Kitfile").read_text().replace("name: tiny\n", "name: edited\n")
    saved = ip.run_cell_magic("kitfile", "ctx", edited)
    assert (tmp_path / "ctx" / "Kitfile").read_text() == edited
    assert "Saved ctx/Kitfile" in repr(saved)
    assert run(ip, "list").infos == []
    mk = ip.run_cell_magic("kitfile", "ctx -t team/edited:v1", edited)
    assert mk.kitfile.package.name == "edited"


def test_kitfile_cell_errors_name_the_line(ip: InteractiveShell, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"%%kitfile cell line 3"):
        ip.run_cell_magic("kitfile", "ctx", "manifestVersion: 1.0.0\npackage:\n  name: [unclosed\n")
    assert not (tmp_path / "ctx" / "Kitfile").exists()
    with pytest.raises(UsageError, match="unknown option --tga"):
        ip.run_cell_magic("kitfile", "ctx --tga x", "manifestVersion: 1.0.0\n")


def test_kit_panel_shows_the_panel_handed_in_by_the_package_root(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    from kitops_jupyter.panel import FALLBACK_TEXT

    assert run(ip, "panel") is None  # it displays itself; returning it too would show it twice
    assert FALLBACK_TEXT in capsys.readouterr().out  # a terminal shell shows the panel's text form


# -- arguments that must not echo, and repeatable authors ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "login 127.0.0.1:5999 -u ada S3cr3tPassw0rd",
        "login 127.0.0.1:5999 S3cr3tPassw0rd -u ada extra",
        "login 127.0.0.1:5999 -u ada --password S3cr3tPassw0rd",
        "login 127.0.0.1:5999 -u ada --concurrency S3cr3tPassw0rd",
    ],
)
def test_login_never_echoes_a_stray_word_that_may_be_a_password(ip: InteractiveShell, line: str) -> None:
    with pytest.raises(UsageError) as info:
        run(ip, line)
    assert "S3cr3tPassw0rd" not in str(info.value)
    assert "%kit login" in str(info.value)


def test_other_verbs_still_name_a_stray_argument(ip: InteractiveShell) -> None:
    with pytest.raises(UsageError, match="unexpected argument 'extra'"):
        run(ip, "tag a:v1 b:v1 extra")


def test_init_author_is_repeatable_and_gives_one_list(ip: InteractiveShell, tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "train.py").write_text("print(1)\n")
    run(ip, "init proj --author Ada --author 'Grace Hopper'")
    text = (tmp_path / "proj" / "Kitfile").read_text()
    assert "  authors: [Ada, Grace Hopper]\n" in text
    assert api.parse_kitfile(text).package.authors == ["Ada", "Grace Hopper"]  # reads back


@pytest.mark.parametrize(
    ("author", "expected"), [("Ada", ["Ada"]), (["Ada", "Bob"], ["Ada", "Bob"]), ("", [])]
)
def test_api_init_takes_one_author_or_a_list(
    tmp_path: Path, author: str | list[str], expected: list[str]
) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "train.py").write_text("print(1)\n")
    generated = api.Kit(tmp_path / "home").init(tmp_path / "p", author=author)
    assert generated.kitfile.package.authors == expected
