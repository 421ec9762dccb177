"""``%kit sign`` / ``%kit verify`` / ``%config KitMagics.require_signature`` against a real registry:
the key pair is generated with the hidden prompt, the password never comes from the cell, and an
unsigned ModelKit is refused by pull, unpack and load with a one-line error."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from kitops_jupyter import api
from tests.registry_fixtures import RegistryServer
from tests.test_magics_support import loaded_shell, make_context


@pytest.fixture
def ip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COSIGN_PASSWORD", raising=False)
    with loaded_shell() as shell:
        shell.run_line_magic("config", "KitMagics.progress = 'none'")
        yield shell


def run(ip: InteractiveShell, line: str) -> Any:
    return ip.run_line_magic("kit", line)


def test_generate_sign_verify_and_require_signature(
    ip: InteractiveShell,
    tmp_path: Path,
    registry: RegistryServer,
    repo_name: str,
    kitops_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return "s3cret-pw"

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    run(ip, "sign --generate-key keys")
    assert prompts == ["Enter password for private key: ", "Enter password for private key again: "]
    assert (tmp_path / "keys" / "cosign.key").read_text().startswith("-----BEGIN ENCRYPTED SIGSTORE")
    assert "Public key written to keys/cosign.pub" in capsys.readouterr().out

    signed, unsigned = f"{registry.registry}/{repo_name}:signed", f"{registry.registry}/{repo_name}:unsigned"
    # different models: two packs of one tree within the same second would be one ModelKit
    for ref, model in ((signed, b"\0" * 2048), (unsigned, b"\1" * 4096)):
        make_context(tmp_path / "ctx", model=model)
        run(ip, f"pack ctx -t {ref}")
        run(ip, f"push {ref}")
    prompts.clear()
    run(ip, f"sign {signed} --key keys/cosign.key --provenance --no-notebook")
    assert prompts == ["Enter password for private key keys/cosign.key: "]
    out = capsys.readouterr().out
    assert "Signed " in out and ".sig" in out and ".att" in out and "s3cret-pw" not in out
    run(ip, f"verify {signed} --key keys/cosign.pub")
    assert "Verified " in capsys.readouterr().out
    with pytest.raises(UsageError, match="is not signed"):
        run(ip, f"verify {unsigned} --key keys/cosign.pub")
    verified = run(ip, f"verify {signed} --key keys/cosign.pub --provenance")
    assert verified.provenance[0]["builder"]["id"].startswith("pkg:pypi/kitops-jupyter@")

    ip.run_line_magic("config", "KitMagics.require_signature = True")
    ip.run_line_magic("config", "KitMagics.verify_key = 'keys/cosign.pub'")
    for ref in (signed, unsigned):
        run(ip, f"remove {ref}")
    with pytest.raises(UsageError, match="is not signed"):
        run(ip, f"pull {unsigned}")
    with pytest.raises(UsageError, match="is not signed"):
        run(ip, f"unpack {unsigned} -d out")
    with pytest.raises(UsageError, match="is not signed"):
        run(ip, f"load {unsigned} --dataset train")
    assert api.Kit(kitops_home).list_modelkits() == [] and not (tmp_path / "out").exists()
    assert run(ip, f"pull {signed}").digest == api.Kit(kitops_home).inspect(signed).digest


def test_password_is_refused_as_an_argument(ip: InteractiveShell) -> None:
    with pytest.raises(UsageError) as info:
        run(ip, "sign 127.0.0.1:1/x:v1 --key cosign.key --password hunter2")
    assert str(info.value) == (
        "%kit sign: argument --password: a key's password is never taken from the cell (it is saved in the "
        "notebook and IPython's history): type it at the hidden prompt, or set COSIGN_PASSWORD in the "
        "kernel's environment (see %kit sign --help)"
    )
    assert "hunter2" not in str(info.value)


def test_sign_notebook_flags_choose_what_the_provenance_names(
    ip: InteractiveShell,
    tmp_path: Path,
    registry: RegistryServer,
    repo_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COSIGN_PASSWORD", "s3cret-pw")
    run(ip, "sign --generate-key keys")
    (tmp_path / "work.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    named, left_out = f"{registry.registry}/{repo_name}:named", f"{registry.registry}/{repo_name}:left-out"
    for ref, model in ((named, b"\0" * 2048), (left_out, b"\1" * 4096)):
        make_context(tmp_path / "ctx", model=model)
        run(ip, f"pack ctx -t {ref}")
        run(ip, f"push {ref}")
    run(ip, f"sign {named} --key keys/cosign.key --provenance --notebook work.ipynb")
    run(ip, f"sign {left_out} --key keys/cosign.key --provenance --notebook work.ipynb --no-notebook")
    capsys.readouterr()
    assert run(ip, f"verify {named} --key keys/cosign.pub") is None  # without --provenance: the line only
    assert capsys.readouterr().out.startswith("Verified ")
    provenance = run(ip, f"verify {named} --key keys/cosign.pub --provenance").provenance[0]
    assert provenance["invocation"]["configSource"]["uri"] == "work.ipynb"
    assert provenance["materials"][0]["uri"] == "work.ipynb"
    provenance = run(ip, f"verify {left_out} --key keys/cosign.pub --provenance").provenance[0]
    assert "configSource" not in provenance["invocation"]
    assert "work.ipynb" not in str(provenance["materials"])


def test_generate_key_refuses_the_flags_of_signing(ip: InteractiveShell, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        run(ip, "sign --generate-key keys --key other.key --provenance")
    assert str(info.value) == (
        "--generate-key only writes a new key pair; --key, --provenance belong to signing a ModelKit: run "
        "%kit sign REGISTRY/REPO:TAG --key cosign.key afterwards"
    )
    assert not (tmp_path / "keys").exists()
