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
