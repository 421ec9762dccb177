"""Each ``%kit`` flag changes what it controls, end to end; a bad value gets its exact message with an
otherwise valid command (so the flag, not something else on the line, is what is refused)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from kitops_jupyter import api
from tests.registry_fixtures import RegistryServer, make_tls
from tests.test_magics_support import loaded_shell, make_context


@pytest.fixture
def ip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    with loaded_shell() as shell:
        shell.run_line_magic("config", "KitMagics.progress = 'none'")
        yield shell


def run(ip: InteractiveShell, line: str) -> Any:
    return ip.run_line_magic("kit", line)


def test_unpack_ignore_existing_keeps_a_file_and_overwrite_replaces_it(
    ip: InteractiveShell, tmp_path: Path
) -> None:
    make_context(tmp_path / "ctx")
    original = (tmp_path / "ctx" / "data" / "train.csv").read_bytes()
    run(ip, "pack ctx -t team/tiny:v1")
    run(ip, "unpack team/tiny:v1 -d out --filter datasets")
    mine = tmp_path / "out" / "data" / "train.csv"
    mine.write_bytes(b"my own edits\n")
    with pytest.raises(UsageError) as refused:
        run(ip, "unpack team/tiny:v1 -d out --filter datasets")
    assert str(refused.value).endswith(
        "path 'data/train.csv' already exists; use overwrite=True (-o) to replace or ignore_existing=True (-i) to keep it"
    )
    assert mine.read_bytes() == b"my own edits\n"
    run(ip, "unpack team/tiny:v1 -d out --filter datasets -i")
    assert mine.read_bytes() == b"my own edits\n"
    run(ip, "unpack team/tiny:v1 -d out --filter datasets -o")
    assert mine.read_bytes() == original


def test_unpack_filter_selects_layers_and_a_bad_one_is_named(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/tiny:v1")
    run(ip, "unpack team/tiny:v1 -d only-model --filter model")
    assert sorted(p.name for p in (tmp_path / "only-model").rglob("*") if p.is_file()) == ["model.bin"]
    with pytest.raises(UsageError) as bad:
        run(ip, "unpack team/tiny:v1 -d out --filter bogus")
    assert str(bad.value) == (
        "invalid filter type 'bogus' in 'bogus': must be one of kitfile, model, datasets, code, prompts, docs, mcpservers"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("compression", "suffix"), [("none", ".tar"), ("gzip", ".tar+gzip"), ("zstd", ".tar+zstd")]
)
def test_pack_compression_sets_the_layer_media_types(
    ip: InteractiveShell, tmp_path: Path, compression: str, suffix: str
) -> None:
    make_context(tmp_path / "ctx")
    run(ip, f"pack ctx -t team/tiny:{compression} --compression {compression}")
    layers = api.Kit().get(f"team/tiny:{compression}").manifest.layers
    assert [layer.media_type.rsplit(".v1", 1)[1] for layer in layers] == [suffix] * 3


def test_pack_compression_refuses_an_unknown_name(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    with pytest.raises(UsageError) as bad:
        run(ip, "pack ctx -t team/tiny:v1 --compression lz4")
    assert str(bad.value) == (
        "%kit pack: argument --compression: invalid choice: 'lz4' (choose from 'none', 'gzip', 'gzip-fastest', "
        "'zstd') (see %kit pack --help)"
    )
    assert api.Kit().list_modelkits() == []


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_concurrency_below_one_is_refused_with_a_valid_reference(
    ip: InteractiveShell, registry: RegistryServer, value: str
) -> None:
    with pytest.raises(UsageError) as bad:
        run(ip, f"pull {registry.registry}/team/tiny:v1 --concurrency {value}")
    assert str(bad.value) == (
        f"%kit pull: argument --concurrency: expected a whole number of 1 or more, got '{value}' (see %kit pull --help)"
    )


def test_tls_verify_value_is_refused_unless_true_or_false(
    ip: InteractiveShell, registry: RegistryServer
) -> None:
    with pytest.raises(UsageError) as bad:
        run(ip, f"pull {registry.registry}/team/tiny:v1 --tls-verify=maybe")
    assert (
        str(bad.value)
        == "%kit pull: argument --tls-verify: expected true or false, got 'maybe' (see %kit pull --help)"
    )


def test_tls_verify_false_really_skips_certificate_checks(
    ip: InteractiveShell, tls_registry: RegistryServer, tmp_path: Path
) -> None:
    # Trusting only an unrelated CA, verification fails on the registry's certificate; with
    # --tls-verify=false the command gets through TLS unverified and the registry answers (it wants a
    # login). --tls-verify=true on a loopback registry keeps plain HTTP, which this one refuses.
    other_ca, _, _ = make_tls(tmp_path / "other-ca")
    remote = f"{tls_registry.registry}/team/tiny"
    with pytest.raises(UsageError) as verified:
        run(ip, f"list {remote} --tls-cert {other_ca}")
    assert f"TLS certificate of {tls_registry.registry} could not be verified" in str(verified.value)
    with pytest.raises(UsageError) as unverified:
        run(ip, f"list {remote} --tls-verify=false")
    assert f"{tls_registry.registry} refused the credentials (401)" in str(unverified.value)
    with pytest.raises(UsageError) as both:  # as in kit: --tls-verify=false wins over a CA bundle
        run(ip, f"list {remote} --tls-cert {other_ca} --tls-verify=false")
    assert f"{tls_registry.registry} refused the credentials (401)" in str(both.value)
    with pytest.raises(UsageError) as plain:
        run(ip, f"list {remote} --tls-verify=true")
    assert "speaks HTTPS but was called over plain HTTP" in str(plain.value)


# -- init and pack from the kernel: the package fields and the dataset format --------------------------


@pytest.fixture
def kernel_frame(ip: InteractiveShell) -> Iterator[None]:
    import pandas as pd

    ip.user_ns["df"] = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    yield
    ip.user_ns.pop("df", None)


@pytest.mark.parametrize("verb", ["init", "pack"])
def test_kernel_flags_reach_the_kitfile_and_the_files(
    ip: InteractiveShell, tmp_path: Path, kernel_frame: None, verb: str
) -> None:
    (tmp_path / "work.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    draft = run(
        ip,
        f"{verb} out --from-kernel --dataset train=df --dataset-format csv --notebook work.ipynb --no-notebook "
        "--no-requirements --name demo --desc 'what it does' --version 1.2.3 --license MIT --author Ada "
        "--author 'Grace Hopper'",
    )
    package = api.parse_kitfile((tmp_path / "out" / "Kitfile").read_text()).package
    assert (package.name, package.description, package.version, package.license, package.authors) == (
        "demo",
        "what it does",
        "1.2.3",
        "MIT",
        ["Ada", "Grace Hopper"],
    )
    assert sorted(path for path, _ in draft.files) == ["Kitfile", "data/train.csv"]
    assert (tmp_path / "out" / "data" / "train.csv").read_text() == "a,b\n1,x\n2,y\n3,z\n"
    assert api.Kit().list_modelkits() == []  # both verbs wait for the review cell
    with_defaults = run(ip, f"{verb} again --from-kernel --dataset train=df --notebook work.ipynb")
    assert sorted(path for path, _ in with_defaults.files) == [
        "Kitfile",
        "data/train.parquet",
        "notebooks/work.ipynb",
        "requirements.txt",
    ]


def test_dataset_format_refuses_an_unknown_name(
    ip: InteractiveShell, kernel_frame: None, tmp_path: Path
) -> None:
    with pytest.raises(UsageError) as bad:
        run(ip, "init out --dataset train=df --dataset-format xlsx")
    assert str(bad.value) == (
        "%kit init: argument --dataset-format: invalid choice: 'xlsx' (choose from 'parquet', 'csv') "
        "(see %kit init --help)"
    )
    assert not (tmp_path / "out").exists()


def test_init_force_replaces_a_kitfile_and_desc_describes_it(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "proj")
    with pytest.raises(UsageError) as exists:
        run(ip, "init proj --desc 'second thoughts'")
    assert "--force" in str(exists.value)
    assert (
        (tmp_path / "proj" / "Kitfile")
        .read_text()
        .startswith("manifestVersion: 1.0.0\npackage:\n  name: tiny")
    )
    run(ip, "init proj --desc 'second thoughts' --force")
    assert (
        api.parse_kitfile((tmp_path / "proj" / "Kitfile").read_text()).package.description
        == "second thoughts"
    )


def test_kernel_only_flags_are_refused_without_the_kernel(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    with pytest.raises(UsageError) as pack:
        run(ip, "pack ctx -t team/tiny:v1 --version 2.0")
    assert str(pack.value) == (
        "%kit pack: --version only shapes a Kitfile from the kernel's variables; add --from-kernel (or "
        "--model/--dataset), or leave it out (see %kit pack --help)"
    )
    assert api.Kit().list_modelkits() == []
    make_context(tmp_path / "proj").joinpath("Kitfile").unlink()
    with pytest.raises(UsageError) as init:
        run(ip, "init proj --name ok --license MIT --dataset-format csv")
    assert str(init.value) == (
        "%kit init: --license, --dataset-format only shape a Kitfile from the kernel's variables; add "
        "--from-kernel (or --model/--dataset), or leave them out (see %kit init --help)"
    )
    assert not (tmp_path / "proj" / "Kitfile").exists()


# -- pack ----------------------------------------------------------------------------------------------


def test_pack_file_takes_the_kitfile_from_elsewhere(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    other = (tmp_path / "ctx" / "Kitfile").read_text().replace("name: tiny\n", "name: elsewhere\n")
    (tmp_path / "other.yaml").write_text(other)
    assert run(ip, "pack ctx -f other.yaml -t team/else:v1").kitfile.package.name == "elsewhere"
    assert api.Kit().get("team/else:v1").kitfile.package.name == "elsewhere"


def test_pack_no_cache_reads_files_the_cache_would_trust(ip: InteractiveShell, tmp_path: Path) -> None:
    import os

    make_context(tmp_path / "ctx")
    model = tmp_path / "ctx" / "model.bin"
    for path in (tmp_path / "ctx").rglob("*"):  # old enough to be cached (see core/layercache.RACY_NS)
        os.utime(path, ns=(10**18, 10**18))
    first = run(ip, "pack ctx -t team/c:v1").manifest.layers[0].digest
    stat = model.stat()
    with model.open("r+b") as changed:  # same size, same inode; then the old mtime back
        changed.write(b"\1" * 2048)
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert run(ip, "pack ctx -t team/c:v2").manifest.layers[0].digest == first  # the cache trusted it
    fresh = run(ip, "pack ctx -t team/c:v3 --no-cache").manifest.layers[0].digest
    assert fresh != first
    assert b"\1" * 2048 in api.Kit().store.read_blob(fresh)  # an uncompressed tar holding the new bytes


def test_pack_use_model_pack_writes_a_model_spec_manifest(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/mp:v1 --use-model-pack")
    run(ip, "pack ctx -t team/kit:v1")
    assert (
        api.Kit().get("team/mp:v1").manifest.config.media_type == "application/vnd.cncf.model.config.v1+json"
    )
    assert (
        api.Kit().get("team/kit:v1").manifest.config.media_type
        == "application/vnd.kitops.modelkit.config.v1+json"
    )


# -- remove --------------------------------------------------------------------------------------------


def test_remove_force_and_all(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/r:v1,stable")
    run(ip, "remove team/r:v1")  # another tag points at it: only this tag goes
    assert [info.tags for info in api.Kit().list_modelkits()] == [["stable"]]
    run(ip, "tag team/r:stable team/r:v1")
    run(ip, "remove team/r:v1 -f")  # the ModelKit and every tag of it
    assert api.Kit().list_modelkits() == []
    run(ip, "pack ctx -t team/r:v1")
    make_context(tmp_path / "ctx", model=b"\1" * 2048)
    run(ip, "pack ctx -t team/r:v1")  # the first one is untagged now
    assert sorted(info.tags for info in api.Kit().list_modelkits()) == [[], ["v1"]]
    run(ip, "remove -a")
    assert [info.tags for info in api.Kit().list_modelkits()] == [["v1"]]


# -- load ----------------------------------------------------------------------------------------------


def test_load_allow_pickle(ip: InteractiveShell, tmp_path: Path) -> None:
    import pandas as pd

    (tmp_path / "ctx" / "data").mkdir(parents=True)
    (tmp_path / "ctx" / "Kitfile").write_text(
        "manifestVersion: 1.0.0\npackage:\n  name: p\ndatasets:\n  - name: train\n    path: data/train.pkl\n"
    )
    pd.DataFrame({"a": [1, 2]}).to_pickle(tmp_path / "ctx" / "data" / "train.pkl")
    run(ip, "pack ctx -t team/p:v1")
    with pytest.raises(UsageError) as refused:
        run(ip, "load team/p:v1 --dataset train")
    assert str(refused.value).endswith(
        "train.pkl is a pickle; loading a pickle runs arbitrary code, so it is refused. If you trust its "
        "source, pass allow_pickle=True"
    )
    assert run(ip, "load team/p:v1 --dataset train --allow-pickle").to_dict("list") == {"a": [1, 2]}


# -- %%kitfile -----------------------------------------------------------------------------------------


def test_kitfile_cell_pack_compression_and_allow_secrets(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    cell = (tmp_path / "ctx" / "Kitfile").read_text()
    packed = ip.run_cell_magic("kitfile", "ctx --pack --compression gzip", cell)
    assert [info.tags for info in api.Kit().list_modelkits()] == [[]]  # packed, untagged
    layers = api.Kit().get(packed.digest).manifest.layers
    assert [layer.media_type.rsplit(".v1", 1)[1] for layer in layers] == [".tar+gzip"] * 3
    (tmp_path / "ctx" / "settings.py").write_text('API_TOKEN = "' + "tok-" + 'Zq8Lw3Rv9Xy2Pm5K"\n')
    with_code = cell + "code:\n  - path: settings.py\n"
    with pytest.raises(UsageError) as stopped:
        ip.run_cell_magic("kitfile", "ctx -t team/s:v1", with_code)
    assert "settings.py:1" in str(stopped.value) and "--allow-secrets" in str(stopped.value)
    assert ip.run_cell_magic("kitfile", "ctx -t team/s:v1 --allow-secrets", with_code).digest


# -- remote reads and login ----------------------------------------------------------------------------


def test_inspect_and_info_remote_ask_the_registry(
    ip: InteractiveShell, tmp_path: Path, registry: RegistryServer, repo_name: str
) -> None:
    ref = f"{registry.registry}/{repo_name}:v1"
    publisher = api.Kit(tmp_path / "publisher")
    publisher.pack(make_context(tmp_path / "ctx"), tag=ref)
    publisher.push(ref)
    with pytest.raises(UsageError, match="not in local storage"):
        run(ip, f"inspect {ref}")
    assert run(ip, f"inspect {ref} --remote").digest == publisher.get(ref).digest
    with pytest.raises(UsageError, match="not in local storage"):
        run(ip, f"info {ref}")
    assert "name: tiny-model" in repr(run(ip, f"info {ref} -r"))


def test_login_password_stdin_is_the_hidden_prompt(
    ip: InteractiveShell, registry: RegistryServer, monkeypatch: pytest.MonkeyPatch, kitops_home: Path
) -> None:
    import getpass

    prompts: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or "a-password")
    run(ip, f"login {registry.registry} -u someone --password-stdin")
    assert prompts == [f"Password (or token) for someone at {registry.registry}: "]
    assert registry.registry in (kitops_home / "credentials.json").read_text()


# -- the inventory: docs/flag-tests.md names a test for every flag ---------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _parser_flags() -> set[tuple[str, str]]:
    from kitops_jupyter.magics.verbs import CELL_MAGICS, all_verbs

    verbs = {**all_verbs(), **{verb.name: verb for verb in CELL_MAGICS.values()}}
    return {
        (name, "/".join(option.flags))
        for name, verb in verbs.items()
        for option in (*verb.options,)
        if not option.positional
    } | {(name, "-h/--help") for name, verb in verbs.items() if name != "%%kit"}


def _table_rows() -> list[tuple[list[str], list[str], list[str]]]:
    rows = []
    for line in (ROOT / "docs" / "flag-tests.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[1].startswith("`"):
            continue
        verbs = [v.strip() for v in cells[0].split(",")]
        flags = [f.strip().strip("`") for f in cells[1].split(",")]
        tests = [t.split(" (")[0].strip() for t in cells[2].split(", ") if "::" in t]
        rows.append((verbs, flags, tests))
    return rows


def test_every_flag_has_a_row_here() -> None:
    wanted = _parser_flags()
    covered: set[tuple[str, str]] = set()
    for verbs, flags, tests in _table_rows():
        assert tests, f"no test named for {flags}"
        for test in tests:
            path, name = test.split("::")
            assert f"def {name}(" in (ROOT / "tests" / path).read_text(), (
                f"docs/flag-tests.md: no test {test}"
            )
        for flag in flags:
            matching = {(verb, f) for verb, f in wanted if f == flag and ("`*`" in verbs or verb in verbs)}
            assert matching, f"docs/flag-tests.md names {flag} for {verbs}, which the parser does not have"
            covered |= matching
    assert sorted(wanted - covered) == []


def test_remove_refuses_flags_that_contradict_the_line(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    run(ip, "pack ctx -t team/r:v1")
    with pytest.raises(UsageError) as both:
        run(ip, "remove team/r:v1 -a")
    assert str(both.value) == (
        "give the reference to remove (team/r:v1) or all=True (--all, every untagged ModelKit), not both"
    )
    with pytest.raises(UsageError) as remote_all:
        run(ip, "remove 127.0.0.1:5050/team/r:v1 --remote -a")
    assert str(remote_all.value) == (
        "--all removes untagged ModelKits from the local store; it cannot be used with --remote"
    )
    with pytest.raises(UsageError) as nothing:
        run(ip, "remove --remote")
    assert str(nothing.value) == (
        "give the reference to remove from its registry: %kit remove REGISTRY/REPO:TAG --remote"
    )
    assert [info.tags for info in api.Kit().list_modelkits()] == [["v1"]]


def test_kitfile_cell_refuses_packing_flags_when_it_does_not_pack(
    ip: InteractiveShell, tmp_path: Path
) -> None:
    make_context(tmp_path / "ctx")
    cell = (tmp_path / "ctx" / "Kitfile").read_text().replace("name: tiny\n", "name: edited\n")
    with pytest.raises(UsageError) as info:
        ip.run_cell_magic("kitfile", "ctx --compression gzip --allow-secrets", cell)
    assert str(info.value) == (
        "%%kitfile: --compression, --allow-secrets apply only when the cell packs: add -t REFERENCE or --pack "
        "(nothing was saved)"
    )
    assert "name: tiny\n" in (tmp_path / "ctx" / "Kitfile").read_text()


def test_pack_push_without_a_tag_says_so(ip: InteractiveShell, tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    with pytest.raises(UsageError) as info:
        run(ip, "pack ctx --push")
    assert str(info.value) == (
        "pack --push needs a tag with a registry, e.g. registry.example.com/myorg/model:v1 (no tag given)"
    )
    assert api.Kit().list_modelkits() == []
