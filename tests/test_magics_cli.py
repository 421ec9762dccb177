"""``%kit`` as a command line: loading, help from the one verb table, typos, errors, expansion,
``%config`` options and tab completion, driven through a real IPython shell."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets import TraitError

from kitops_jupyter.errors import NotFound
from kitops_jupyter.magics.config import KitOptions
from kitops_jupyter.magics.verbs import CELL_MAGICS, all_verbs
from tests.test_magics_support import loaded_shell, make_context

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def ip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    with loaded_shell() as shell:
        yield shell


def run(ip: InteractiveShell, line: str) -> Any:
    return ip.run_line_magic("kit", line)


# -- loading ---------------------------------------------------------------------------------------


def test_import_does_not_load_ipython() -> None:
    code = (
        "import sys, kitops_jupyter; print(sorted(m for m in ('IPython', 'traitlets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_load_ext_registers_line_and_cell_magics(ip: InteractiveShell) -> None:
    magics = ip.magics_manager.magics
    assert "kit" in magics["line"]
    assert {"kit", "kitfile"} <= set(magics["cell"])
    from kitops_jupyter.magics import load

    load(ip)  # loading twice registers nothing twice
    assert len([c for c in ip.configurables if type(c).__name__ == "KitMagics"]) == 1
    assert len([m for m in ip.Completer.custom_matchers if "kitops" in m.matcher_identifier]) == 1


def test_unload_removes_magics_completer_and_config(ip: InteractiveShell) -> None:
    ip.run_line_magic("unload_ext", "kitops_jupyter")
    assert "kit" not in ip.magics_manager.magics["line"]
    assert "kitfile" not in ip.magics_manager.magics["cell"]
    assert not [c for c in ip.configurables if type(c).__name__ == "KitMagics"]
    assert not [m for m in ip.Completer.custom_matchers if "kitops" in getattr(m, "matcher_identifier", "")]
    ip.run_line_magic("load_ext", "kitops_jupyter")
    assert "kit" in ip.magics_manager.magics["line"]


def test_extension_enabled_from_ipython_config(tmp_path: Path) -> None:
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["kitops_jupyter"]\n'
        'c.KitMagics.default_registry = "127.0.0.1:5999"\n'
    )
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    cmd = [sys.executable, "-m", "IPython", "--quick", "--no-banner", "--profile=default", "-c", "%kit help"]
    cmd.remove("--quick")  # --quick skips config files; we need them
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "%kit VERB [ARGS]" in out.stdout
    assert "default_registry='127.0.0.1:5999'" in out.stdout


# -- help and did-you-mean ---------------------------------------------------------------------------


def test_kit_alone_lists_every_verb_from_the_table(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(ip, "") is None
    out = capsys.readouterr().out
    for verb in all_verbs().values():
        assert f"  {verb.name} " in out and verb.summary in out
    for magic in CELL_MAGICS.values():
        assert magic.name in out
    kit_verbs = {"init", "pack", "push", "pull", "unpack", "list", "inspect", "info", "diff", "tag", "remove"}
    assert kit_verbs | {"login", "logout", "load"} <= set(all_verbs())


def test_verb_help_is_built_from_the_table(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(ip, "pack --help") is None
    out = capsys.readouterr().out
    assert out.startswith("usage: %kit pack")
    flat = " ".join(out.split())  # argparse wraps to the terminal width
    for line in (
        "-t REFERENCE, --tag REFERENCE reference(s) to tag it with: repo:tag[,tag2]",
        "-f KITFILE, --file KITFILE Kitfile to use (default: DIRECTORY/Kitfile)",
        "--compression {none,gzip,gzip-fastest,zstd} layer compression",
        "--allow-secrets pack even if the secret scan finds something",
        "--no-cache read every file again (no layer cache)",
        "--concurrency N blobs transferred in parallel",
        "--model VAR a fitted model variable",
    ):
        assert line in flat
    run(ip, "help unpack")
    out = capsys.readouterr().out
    assert "-o, --overwrite" in out and "-i, --ignore-existing" in out and "--filter" in out


def test_magic_docstring_is_the_overview(ip: InteractiveShell) -> None:
    doc = ip.find_line_magic("kit").__doc__
    assert "%kit VERB [ARGS]" in doc and "pack" in doc


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pakc .", "Did you mean pack"),
        ("pul x", "Did you mean pull"),
        ("lst", "Did you mean list"),
        ("pack --tga x", "unknown option --tga. Did you mean --tag?"),
        ("unpack ref --overwrit", "Did you mean --overwrite?"),
        ("frobnicate", "Run %kit alone"),
        ("kitfile", "cell magic"),
    ],
)
def test_typos_get_did_you_mean(ip: InteractiveShell, line: str, expected: str) -> None:
    with pytest.raises(UsageError, match=expected.replace("?", r"\?").replace(".", r"\.")):
        run(ip, line)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("push", "%kit push: the following arguments are required: SOURCE (see %kit push --help)"),
        (
            "pack --compression bogus",
            "%kit pack: argument --compression: invalid choice: 'bogus' "
            "(choose from 'none', 'gzip', 'gzip-fastest', 'zstd') (see %kit pack --help)",
        ),
        ("pack -t", "%kit pack: argument -t/--tag: expected one argument (see %kit pack --help)"),
        ("unpack a/b:v1 b c", "%kit unpack: unexpected argument 'b' (and 1 more) (see %kit unpack --help)"),
        ("list --format '{{ .Repo'", "template list:1:1: unclosed action (missing }})"),
        (
            "push 127.0.0.1:5050/a/b:v1 --tls-verify=maybe",
            "%kit push: argument --tls-verify: expected true or false, got 'maybe' (see %kit push --help)",
        ),
        ("pack 'unclosed", "%kit: cannot split the line: No closing quotation (check the quotes)"),
        ("tag only-one", "%kit tag: the following arguments are required: TARGET (see %kit tag --help)"),
        ("help --nope", "%kit help: unknown option --nope. (see %kit help --help)"),
        (
            "pull 127.0.0.1:5050/a/b:v1 --concurrency 0",
            "%kit pull: argument --concurrency: expected a whole number of 1 or more, got '0' (see %kit pull --help)",
        ),
    ],
)
def test_bad_arguments_are_one_line_usage_errors_never_system_exit(
    ip: InteractiveShell, line: str, message: str
) -> None:
    with pytest.raises(UsageError) as info:
        run(ip, line)
    assert str(info.value) == message


def test_errors_in_a_cell_show_no_traceback(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    result = ip.run_cell("%kit pack --compression bogus")
    assert isinstance(result.error_in_exec, UsageError)
    captured = capsys.readouterr()
    assert "UsageError: %kit pack: argument --compression: invalid choice" in captured.err
    assert "Traceback" not in captured.err + captured.out
    result = ip.run_cell("%kit inspect nothing/here:v1")
    assert isinstance(result.error_in_exec, UsageError)
    assert "Traceback" not in capsys.readouterr().err
    assert ip.run_cell("x = 1 + 1").success  # the shell carries on


def test_short_errors_false_shows_the_original_error(ip: InteractiveShell) -> None:
    ip.run_line_magic("config", "KitMagics.short_errors = False")
    with pytest.raises(NotFound):
        run(ip, "inspect nothing/here:v1")


# -- expansion -------------------------------------------------------------------------------------


def test_braces_and_dollar_variables_expand(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    ip.user_ns.update(ctx="ctx", repo="team/tiny", version="v1")
    ip.run_cell("mk = %kit pack {ctx} -t {repo}:{version}  # a trailing comment is ignored")
    assert [r.display() for r in ip.user_ns["mk"].references] == ["team/tiny:v1"]
    ip.run_cell("%kit tag $repo:$version $repo:latest")
    tags = {tag for info in run(ip, "list") for tag in info.tags}
    assert tags == {"v1", "latest"}


def test_kit_cell_runs_each_line_with_expansion(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    ip.user_ns.update(repo="team/tiny")
    result = ip.run_cell(
        "%%kit\n# comments and blank lines are skipped\n\npack ctx -t {repo}:v1\n%kit tag $repo:v1 $repo:v2\nlist\n"
    )
    assert result.success, result.error_in_exec
    assert [tuple(info.tags) for info in result.result] == [("v1", "v2")]


def test_go_templates_are_left_alone_and_list_runs_them(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    ip.user_ns.update(suffix="X", HOME_="h")
    run(ip, "pack ctx -t team/tiny:v1")
    ip.run_cell("out = %kit list --format '{{ .Repo }}:{{ index .Tags 0 }}={suffix}'")
    assert repr(ip.user_ns["out"]) == "team/tiny:v1=X"
    ip.run_cell(r"out = %kit list --format '\{suffix\} $$HOME_ {{- .ModelName }}'")
    assert repr(ip.user_ns["out"]) == "{suffix} $HOME_tiny"  # escapes
    ip.run_cell("out = %kit list --format '{nothing_here} {{ .Repo }}'")
    assert repr(ip.user_ns["out"]) == "{nothing_here} team/tiny"  # an unknown name stays as written
    cell = ip.run_cell("%%kit\nlist --format '{{ .Size }} {{ len .Tags }}'\n")
    assert cell.success and re.fullmatch(r"\d+\.\d KiB 1", repr(cell.result))
    with pytest.raises(UsageError, match=r"can.t evaluate field Nope in type list\.modelInfo"):
        run(ip, "list --format '{{ .Nope }}'")


def test_expansion_sees_a_functions_local_variables(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    ip.run_cell("def pack_as(tag):\n    mk = %kit pack ctx -t team/tiny:{tag}\n    return mk\n")
    ip.run_cell("mk = pack_as('v9')")
    assert [r.display() for r in ip.user_ns["mk"].references] == ["team/tiny:v9"]


# -- %config and environment -----------------------------------------------------------------------


def test_options_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITOPS_JUPYTER_DEFAULT_REGISTRY", "127.0.0.1:5050/")
    monkeypatch.setenv("KITOPS_JUPYTER_COMPRESSION", "gzip")
    monkeypatch.setenv("KITOPS_JUPYTER_CONCURRENCY", "3")
    monkeypatch.setenv("KITOPS_JUPYTER_PROGRESS", "none")
    monkeypatch.setenv("KITOPS_JUPYTER_SHORT_ERRORS", "false")
    monkeypatch.setenv("KITOPS_JUPYTER_REQUIRE_SIGNATURE", "true")
    monkeypatch.setenv("KITOPS_JUPYTER_VERIFY_KEY", " /keys/cosign.pub ")
    options = KitOptions()
    assert (options.default_registry, options.compression, options.concurrency) == (
        "127.0.0.1:5050",
        "gzip",
        3,
    )
    assert (options.progress, options.short_errors) == ("none", False)
    assert (options.require_signature, options.verify_key) == (True, "/keys/cosign.pub")


OPTIONS = (
    "default_registry",
    "compression",
    "concurrency",
    "progress",
    "short_errors",
    "require_signature",
    "verify_key",
)


def test_options_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in OPTIONS:
        monkeypatch.delenv(f"KITOPS_JUPYTER_{option.upper()}", raising=False)
    options = KitOptions()
    assert [getattr(options, option) for option in OPTIONS] == ["", "none", 5, "auto", True, False, ""]


@pytest.mark.parametrize(
    ("option", "values"),
    [
        ("compression", ("none", "gzip", "gzip-fastest", "zstd")),
        ("progress", ("auto", "widget", "text", "none")),
    ],
)
def test_every_documented_choice_is_accepted_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, option: str, values: tuple[str, ...]
) -> None:
    for value in values:
        monkeypatch.setenv(f"KITOPS_JUPYTER_{option.upper()}", value)
        assert getattr(KitOptions(), option) == value


def test_invalid_environment_values_warn_and_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITOPS_JUPYTER_CONCURRENCY", "many")
    monkeypatch.setenv("KITOPS_JUPYTER_PROGRESS", "fancy")
    with pytest.warns(UserWarning, match="KITOPS_JUPYTER_CONCURRENCY"):
        assert KitOptions().concurrency == 5
    with pytest.warns(UserWarning, match="KITOPS_JUPYTER_PROGRESS"):
        assert KitOptions().progress == "auto"


def test_config_magic_sets_compression_used_by_pack(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    ip.run_line_magic("config", "KitMagics.compression = 'gzip'")
    mk = run(ip, "pack ctx -t team/tiny:gz")
    assert all(layer.media_type.endswith("+gzip") for layer in mk.manifest.layers)
    mk = run(ip, "pack ctx -t team/tiny:plain --compression none")
    assert not any(layer.media_type.endswith("+gzip") for layer in mk.manifest.layers)


def test_config_rejects_bad_values(ip: InteractiveShell) -> None:
    magics = ip.magics_manager.registry["KitMagics"]
    with pytest.raises(TraitError) as low:
        magics.concurrency = 0
    assert str(low.value) == "KitMagics.concurrency must be 1 or more"
    assert magics.concurrency >= 1
    with pytest.raises(TraitError) as url:
        magics.default_registry = "http://127.0.0.1:5050"
    assert str(url.value) == (
        "KitMagics.default_registry is a host[:port] such as 127.0.0.1:5050, not a URL ('http://127.0.0.1:5050')"
    )
    ip.run_line_magic("config", "KitMagics.progress = 'text'")
    assert magics.progress == "text"


# -- tab completion --------------------------------------------------------------------------------


def complete(ip: InteractiveShell, text: str) -> list[str]:
    with provisionalcompleter():
        found = ip.Completer.completions(text, len(text))
        return [text[: c.start] + c.text for c in found]


def test_completes_verbs(ip: InteractiveShell) -> None:
    assert complete(ip, "%kit pu") == ["%kit pull", "%kit push"]
    assert "%kit unpack" in complete(ip, "%kit ")


def test_completes_flags_and_choices(ip: InteractiveShell) -> None:
    assert "%kit pack --compression" in complete(ip, "%kit pack --com")
    assert complete(ip, "%kit pack --compression g") == [
        "%kit pack --compression gzip",
        "%kit pack --compression gzip-fastest",
    ]
    assert "%kit unpack x --filter datasets" in complete(ip, "%kit unpack x --filter da")
    assert "%kit push --plain-http" in complete(ip, "%kit push --pl")


def test_completes_local_references_and_variables(ip: InteractiveShell, tmp_path: Path) -> None:
    import pandas as pd

    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t 127.0.0.1:5050/team/tiny:v1")
    assert complete(ip, "%kit push 127.0.0.1:5050/te") == ["%kit push 127.0.0.1:5050/team/tiny:v1"]
    assert complete(ip, "%kit inspect ") == ["%kit inspect 127.0.0.1:5050/team/tiny:v1"]
    tag = "%kit tag 127.0.0.1:5050/team/tiny:v1 127.0.0.1:5050/te"  # the second reference completes too
    assert complete(ip, tag) == [tag[: -len("127.0.0.1:5050/te")] + "127.0.0.1:5050/team/tiny:v1"]
    ip.user_ns["train_df"] = pd.DataFrame({"a": [1]})
    assert "%kit pack --dataset train_df" in complete(ip, "%kit pack --dataset tr")
    assert complete(ip, "%kit login 127") == ["%kit login 127.0.0.1:5050"]
    run(ip, "pack ctx -t team/local-only:v1")  # 'team' is a repository, not a registry host
    assert complete(ip, "%kit login ") == ["%kit login 127.0.0.1:5050"]


def test_completes_inside_kit_and_kitfile_cells(ip: InteractiveShell) -> None:
    with provisionalcompleter():
        found = list(ip.Completer.completions("%%kit\npack .\npu", len("%%kit\npack .\npu")))
    assert sorted(c.text for c in found) == ["pull", "push"]
    assert "%%kitfile out --allow-secrets" in complete(ip, "%%kitfile out --allow")


def test_help_lists_json_format(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/tiny:v1")
    listed = run(ip, "list --format json")
    assert json.loads(repr(listed))[0]["tags"] == ["v1"]
