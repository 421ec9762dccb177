"""``%kit`` against a real registry (Debian's docker-registry on 127.0.0.1): push, pull, remote verbs,
the default registry, ``load``, and ``login`` with its password kept out of every output."""

from __future__ import annotations

import getpass
import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import StdinNotImplementedError, UsageError
from IPython.core.interactiveshell import InteractiveShell

from kitops_jupyter import api
from kitops_jupyter.magics.results import ModelKitResult, PushedResult
from tests.registry_fixtures import RegistryServer
from tests.test_magics_support import loaded_shell, make_context


@pytest.fixture
def ip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    with loaded_shell() as shell:
        shell.run_line_magic("config", "KitMagics.progress = 'text'")
        yield shell


def run(ip: InteractiveShell, line: str) -> Any:
    return ip.run_line_magic("kit", line)


def _store_is_empty(home: Path) -> bool:
    return api.Kit(home).list_modelkits() == []


def test_push_pull_and_remote_verbs(
    ip: InteractiveShell,
    tmp_path: Path,
    registry: RegistryServer,
    repo_name: str,
    kitops_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref = f"{registry.registry}/{repo_name}:v1"
    make_context(tmp_path / "ctx")
    packed = run(ip, f"pack ctx -t {ref}")
    pushed = run(ip, f"push {ref}")
    assert isinstance(pushed, PushedResult) and pushed.digest == packed.digest
    assert pushed.pinned == f"{registry.registry}/{repo_name}@{packed.digest}"
    assert "<code" in pushed._repr_html_()
    out = capsys.readouterr().out
    assert f"Pushed {ref} {packed.digest[:15]}… " in out and re.search(
        r"\(4 blobs uploaded \([\d.]+ \w*B\), 0 already in the registry\)", out
    )
    listed = run(ip, f"list {registry.registry}/{repo_name}")
    assert [(info.tags, info.digest) for info in listed] == [(["v1"], packed.digest)]
    remote = run(ip, f"inspect {ref} --remote")
    assert json.loads(repr(remote))["digest"] == packed.digest
    assert "tiny-model" in repr(run(ip, f"info {ref} -r"))
    run(ip, f"remove {ref}")
    assert _store_is_empty(kitops_home)
    pulled = run(ip, f"pull {ref}")
    assert isinstance(pulled, ModelKitResult) and pulled.digest == packed.digest
    assert "Pulled " + ref in capsys.readouterr().out
    assert repr(run(ip, f"diff local://{ref} remote://{ref}")).startswith("ModelKits are identical")
    ip.run_cell(f"df = %kit load {ref} --dataset train")
    assert ip.user_ns.pop("df").to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_pull_says_when_it_replaced_a_damaged_blob(
    ip: InteractiveShell,
    tmp_path: Path,
    registry: RegistryServer,
    repo_name: str,
    kitops_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref = f"{registry.registry}/{repo_name}:v1"
    make_context(tmp_path / "ctx")
    packed = run(ip, f"pack ctx -t {ref}")
    run(ip, f"push {ref}")
    layer = api.Kit(kitops_home).store.blob_path(packed.manifest.layers[0].digest)
    layer.chmod(0o600)
    layer.write_bytes(layer.read_bytes()[:-10])  # truncated: the wrong size
    capsys.readouterr()
    run(ip, f"pull {ref}")
    out = capsys.readouterr().out
    assert (
        f"replaced 1 damaged blob(s) in local storage with the registry's copy: {packed.manifest.layers[0].digest[:19]}"
        in out
    )


def test_unpack_and_load_straight_from_the_registry(
    ip: InteractiveShell, tmp_path: Path, registry: RegistryServer, repo_name: str, kitops_home: Path
) -> None:
    ref = f"{registry.registry}/{repo_name}:v1"
    make_context(tmp_path / "ctx")
    run(ip, f"pack ctx -t {ref}")
    run(ip, f"push {ref}")
    run(ip, f"remove {ref}")
    run(ip, f"unpack {ref} -d out --filter docs")
    assert [p.name for p in Path("out").iterdir()] == ["README.md"]
    ip.run_cell(f"train = %kit load {ref} --dataset train")
    assert list(ip.user_ns.pop("train").columns) == ["a", "b"]
    assert _store_is_empty(kitops_home)  # only the layers were fetched, no ModelKit was stored


def test_default_registry_completes_short_references(
    ip: InteractiveShell, tmp_path: Path, registry: RegistryServer, repo_name: str, kitops_home: Path
) -> None:
    ip.run_line_magic("config", f"KitMagics.default_registry = '{registry.registry}'")
    make_context(tmp_path / "ctx")
    run(ip, f"pack ctx -t {repo_name}:v1")
    pushed = run(ip, f"push {repo_name}:v1")
    assert str(pushed.reference) == f"{registry.registry}/{repo_name}:v1"
    assert [info.tags for info in run(ip, f"list {repo_name}")] == [["v1"]]
    run(ip, f"remove {repo_name}:v1")
    assert run(ip, f"pull {repo_name}:v1").reference.registry == registry.registry
    ip.run_cell(f"df = %kit load {repo_name}:v1 --dataset train")
    assert len(ip.user_ns.pop("df")) == 2


def test_remote_remove(
    ip: InteractiveShell, tmp_path: Path, registry: RegistryServer, repo_name: str
) -> None:
    ref = f"{registry.registry}/{repo_name}:v1"
    make_context(tmp_path / "ctx")
    run(ip, f"pack ctx -t {ref}")
    run(ip, f"push {ref}")
    with pytest.raises(UsageError, match="force"):
        run(ip, f"remove {ref} --remote")  # this registry cannot delete a tag alone
    run(ip, f"remove {ref} --remote --force")
    assert run(ip, f"list {registry.registry}/{repo_name}").infos == []


# -- login ------------------------------------------------------------------------------------------


def _everything_the_session_shows(ip: InteractiveShell, captured: Any) -> str:
    history = "\n".join(ip.history_manager.input_hist_raw + ip.history_manager.input_hist_parsed)
    outputs = "\n".join(repr(v) for v in ip.user_ns.get("Out", {}).values())
    names = "\n".join(repr(v) for k, v in ip.user_ns.items() if not k.startswith("_") and isinstance(v, str))
    return "\n".join([captured.out, captured.err, history, outputs, names])


def test_login_asks_with_a_hidden_prompt_and_never_shows_the_password(
    ip: InteractiveShell,
    tmp_path: Path,
    tls_registry: RegistryServer,
    kitops_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return tls_registry.password

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    ip.user_ns.update(reg=tls_registry.registry, user=tls_registry.username, ca=str(tls_registry.ca_file))
    result = ip.run_cell("%kit login $reg -u $user --tls-cert $ca", store_history=True)
    assert result.success, result.error_in_exec
    assert prompts == [f"Password (or token) for {tls_registry.username} at {tls_registry.registry}: "]
    creds = kitops_home / "credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    ref = f"{tls_registry.registry}/team/private:v1"
    make_context(tmp_path / "ctx")
    ip.run_cell(f"%kit pack ctx -t {ref}", store_history=True)
    assert ip.run_cell(
        f"%kit push {ref} --tls-cert $ca", store_history=True
    ).success  # stored credentials work
    shown = _everything_the_session_shows(ip, capsys.readouterr())
    assert "Login succeeded for kit-tester" in shown
    assert tls_registry.password not in shown
    run(ip, f"logout {tls_registry.registry}")
    assert tls_registry.registry not in creds.read_text()


def test_login_refuses_a_password_in_the_cell(
    ip: InteractiveShell, tls_registry: RegistryServer, kitops_home: Path
) -> None:
    with pytest.raises(UsageError) as info:
        run(ip, f"login {tls_registry.registry} -u someone -p hunter2-not-kept")
    message = str(info.value)
    assert "never taken from the cell" in message and "hidden prompt" in message
    assert "KITOPS_REGISTRY_PASSWORD" in message and "hunter2-not-kept" not in message
    assert not (kitops_home / "credentials.json").exists()


def test_login_with_a_wrong_password_is_a_short_error(
    ip: InteractiveShell, tls_registry: RegistryServer, monkeypatch: pytest.MonkeyPatch, kitops_home: Path
) -> None:
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "wrong-password-123")
    with pytest.raises(UsageError) as info:
        run(ip, f"login {tls_registry.registry} -u {tls_registry.username} --tls-cert {tls_registry.ca_file}")
    assert "refused" in str(info.value) and "wrong-password-123" not in str(info.value)
    assert not (kitops_home / "credentials.json").exists()


def test_login_where_the_frontend_cannot_prompt(
    ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_stdin(prompt: str = "") -> str:
        raise StdinNotImplementedError(
            "getpass was called, but this frontend does not support input requests."
        )

    monkeypatch.setattr(getpass, "getpass", no_stdin)
    with pytest.raises(UsageError, match=r"cannot answer input prompts.*KITOPS_REGISTRY_USERNAME"):
        run(ip, "login 127.0.0.1:5999 -u someone")
