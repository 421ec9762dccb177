"""login / logout / credential lookup / TLS options against the TLS + htpasswd registry, and the
promise that no secret ever shows up in logs, errors or reprs."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import sys
from pathlib import Path

import pytest

from kitops_jupyter.core.registry import auth
from kitops_jupyter.core.registry.auth import Credentials, find_credentials
from kitops_jupyter.core.registry.client import RegistryOptions
from kitops_jupyter.core.registry.login import login, logout
from kitops_jupyter.core.registry.retry import RetryPolicy
from kitops_jupyter.core.registry.transfer import pull, push
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import AuthenticationFailed, KitError, RegistryUnreachable
from tests.registry_fixtures import FaultProxy, RegistryServer, make_modelkit

FAST = RetryPolicy(attempts=2, backoff=0.05, deadline=5)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    for name in list(os.environ):
        if (
            name.startswith(auth.ENV_USERNAME)
            or name.startswith(auth.ENV_PASSWORD)
            or name == auth.ENV_REGISTRY
        ):
            monkeypatch.delenv(name)


def _tls(server: RegistryServer, **kw: object) -> RegistryOptions:
    return RegistryOptions(ca_bundle=server.ca_file, retry=FAST, **kw)  # type: ignore[arg-type]


def test_login_stores_0600_and_push_uses_it(
    tls_registry: RegistryServer, kitops_home: Path, tmp_path: Path
) -> None:
    host = tls_registry.registry
    message = login(host, tls_registry.username, tls_registry.password, options=_tls(tls_registry))
    assert "Login succeeded" in message and tls_registry.password not in message
    path = kitops_home / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())["auths"][host]["auth"]
    assert base64.b64decode(stored).decode() == f"{tls_registry.username}:{tls_registry.password}"
    assert not [p for p in kitops_home.iterdir() if p.name.endswith(".tmp")]  # no temp left

    store = LocalStore(tmp_path / "s")
    digest, _ = make_modelkit(store)
    ref = f"{host}/auth/model:v1"
    assert push(store, "test/model:v1", ref, options=_tls(tls_registry)).digest == digest
    assert pull(LocalStore(tmp_path / "d"), ref, options=_tls(tls_registry)).digest == digest

    assert logout(host) == f"Logged out of {host}"
    assert host not in json.loads(path.read_text())["auths"]
    with pytest.raises(AuthenticationFailed) as info:
        pull(LocalStore(tmp_path / "e"), ref, options=_tls(tls_registry))
    assert f"%kit login {host}" in str(info.value) and auth.ENV_USERNAME in str(info.value)
    assert logout(host).startswith("Not logged in")


def test_wrong_password_is_refused_and_not_stored(tls_registry: RegistryServer, kitops_home: Path) -> None:
    with pytest.raises(AuthenticationFailed) as info:
        login(tls_registry.registry, tls_registry.username, "not-the-password", options=_tls(tls_registry))
    assert "not-the-password" not in str(info.value)
    assert not (kitops_home / "credentials.json").exists()


def test_tls_verification(tls_registry: RegistryServer, tmp_path: Path) -> None:
    user, password = tls_registry.username, tls_registry.password
    with pytest.raises(RegistryUnreachable) as info:
        login(tls_registry.registry, user, password, options=RegistryOptions(plain_http=False, retry=FAST))
    assert "ca_bundle" in str(info.value) and "certificate" in str(info.value)
    insecure = RegistryOptions(tls_verify=False, retry=FAST)
    assert "Login succeeded" in login(tls_registry.registry, user, password, options=insecure)


def test_plain_http_against_tls_registry_is_explained(tls_registry: RegistryServer) -> None:
    with pytest.raises(KitError) as info:
        login(tls_registry.registry, "u", "p4ssword", options=RegistryOptions(retry=FAST))
    assert "plain_http=False" in str(info.value)


def test_environment_credentials(
    tls_registry: RegistryServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    make_modelkit(store)
    user_var, pass_var = auth.env_names(tls_registry.registry)
    assert user_var == f"KITOPS_REGISTRY_USERNAME_127_0_0_1_{tls_registry.port}"
    monkeypatch.setenv(user_var, tls_registry.username)
    monkeypatch.setenv(pass_var, tls_registry.password)
    push(store, "test/model:v1", f"{tls_registry.registry}/env/model:v1", options=_tls(tls_registry))
    monkeypatch.delenv(user_var)
    monkeypatch.delenv(pass_var)
    monkeypatch.setenv(auth.ENV_USERNAME, tls_registry.username)
    monkeypatch.setenv(auth.ENV_PASSWORD, tls_registry.password)
    monkeypatch.setenv(auth.ENV_REGISTRY, "other.example:5000")
    assert find_credentials(tls_registry.registry) is None  # scoped to another registry
    monkeypatch.setenv(auth.ENV_REGISTRY, tls_registry.registry)
    found = find_credentials(tls_registry.registry)
    assert found is not None and found.username == tls_registry.username


def test_docker_config_fallback(tls_registry: RegistryServer, tmp_path: Path) -> None:
    config = tmp_path / "docker-config" / "config.json"
    config.parent.mkdir()
    token = base64.b64encode(f"{tls_registry.username}:{tls_registry.password}".encode()).decode()
    config.write_text(json.dumps({"auths": {f"https://{tls_registry.registry}": {"auth": token}}}))
    found = find_credentials(tls_registry.registry)
    assert found is not None and found.password == tls_registry.password and str(config) in found.source
    store = LocalStore(tmp_path / "s")
    make_modelkit(store)
    push(store, "test/model:v1", f"{tls_registry.registry}/docker/model:v1", options=_tls(tls_registry))


HELPER = """#!{python}
import json, os, sys
path = os.environ["KITTEST_STORE"]
data = json.load(open(path)) if os.path.exists(path) else {{}}
action, text = sys.argv[1], sys.stdin.read()
if action == "get":
    if text.strip() not in data:
        print("credentials not found in native keychain"); sys.exit(1)
    user, secret = data[text.strip()]
    print(json.dumps({{"ServerURL": text.strip(), "Username": user, "Secret": secret}}))
elif action == "store":
    item = json.loads(text); data[item["ServerURL"]] = [item["Username"], item["Secret"]]
    json.dump(data, open(path, "w"))
elif action == "erase":
    data.pop(text.strip(), None); json.dump(data, open(path, "w"))
"""


def test_credential_helper(
    tls_registry: RegistryServer, kitops_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-kittest"
    helper.write_text(HELPER.format(python=sys.executable))
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KITTEST_STORE", str(tmp_path / "helper-store.json"))
    (kitops_home / "credentials.json").write_text(json.dumps({"credsStore": "kittest"}))
    host = tls_registry.registry
    message = login(host, tls_registry.username, tls_registry.password, options=_tls(tls_registry))
    assert "docker-credential-kittest" in message
    assert "auths" not in json.loads((kitops_home / "credentials.json").read_text())
    found = find_credentials(host)
    assert found is not None and found.username == tls_registry.username
    store = LocalStore(tmp_path / "s")
    make_modelkit(store)
    push(store, "test/model:v1", f"{host}/helper/model:v1", options=_tls(tls_registry))
    assert logout(host) == f"Logged out of {host}"
    assert find_credentials(host) is None


BROKEN_HELPER = """#!{python}
import sys
sys.stdin.read()
print({answer!r})
sys.exit({code})
"""


@pytest.mark.parametrize(
    ("answer", "code", "complaint"),
    [
        ("keychain locked", 1, "failed to get credentials for helper.test (exit 1)"),
        ("not json at all", 0, "is not the JSON object with Username and Secret"),
    ],
)
def test_broken_credential_helper_is_an_error_not_anonymous(
    kitops_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, answer: str, code: int, complaint: str
) -> None:
    _install_broken_helper(kitops_home, monkeypatch, tmp_path, answer, code)
    with pytest.raises(AuthenticationFailed) as failed:
        find_credentials("helper.test")
    assert "docker-credential-broken" in str(failed.value) and complaint in str(failed.value)


def test_helper_with_nothing_stored_means_anonymous(
    kitops_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _install_broken_helper(kitops_home, monkeypatch, tmp_path, "credentials not found in native keychain", 1)
    assert find_credentials("helper.test") is None


def _install_broken_helper(
    kitops_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, answer: str, code: int
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-broken"
    helper.write_text(BROKEN_HELPER.format(python=sys.executable, answer=answer, code=code))
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (kitops_home / "credentials.json").write_text(json.dumps({"credHelpers": {"helper.test": "broken"}}))


def test_missing_credential_helper_is_an_error(kitops_home: Path) -> None:
    (kitops_home / "credentials.json").write_text(json.dumps({"credsStore": "nowhere-to-be-found"}))
    with pytest.raises(
        AuthenticationFailed, match=r"docker-credential-nowhere-to-be-found .* is not on PATH"
    ):
        find_credentials("helper.test")


def test_no_secret_in_logs_errors_or_reprs(
    tls_registry: RegistryServer,
    fault_proxy: FaultProxy,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    password = tls_registry.password
    creds = Credentials(tls_registry.username, password)
    options = _tls(tls_registry, credentials=creds)
    texts += [repr(creds), repr(options), str(creds)]
    with pytest.raises(KitError) as refused:
        login(tls_registry.registry, tls_registry.username, "wrong-" + password, options=_tls(tls_registry))
    texts.append(str(refused.value))
    login(tls_registry.registry, tls_registry.username, password, options=_tls(tls_registry))
    store = LocalStore(tmp_path / "s")
    make_modelkit(store)
    push(store, "test/model:v1", f"{tls_registry.registry}/secret/model:v1", options=options)
    fault_proxy.require_token(tls_registry.username, password)
    proxy_options = RegistryOptions(credentials=creds, retry=FAST)
    push(store, "test/model:v1", f"{fault_proxy.registry}/secret/model:v1", options=proxy_options)
    fault_proxy.add("status", method="GET", status=500, times=10)
    with pytest.raises(KitError) as gave_up:
        pull(LocalStore(tmp_path / "d"), f"{fault_proxy.registry}/secret/model:v1", options=proxy_options)
    texts.append(str(gave_up.value))
    out, err = capfd.readouterr()
    texts += [caplog.text, out, err]
    basic = base64.b64encode(f"{tls_registry.username}:{password}".encode()).decode()
    everything = "\n".join(texts)
    assert len(texts) >= 6 and "gave up" in everything
    for secret in (password, basic, fault_proxy.token):
        assert secret not in everything
