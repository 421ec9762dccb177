"""Token authentication against real registries: Debian's docker-registry 2.8 and CNCF distribution v3,
each trusting JWTs from the token service in tests/token_server.py, with per-user scopes (every test
runs against both: ``token_registry`` is parametrised, see tests/matrix_fixtures.py)."""

from __future__ import annotations

import logging
import secrets
import time
from pathlib import Path

import pytest

from kitops_jupyter.core.registry import fetch_modelkit, login, pull, push, remote_list
from kitops_jupyter.core.registry.challenge import merge_scopes, parse_challenge
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import AuthenticationFailed, Denied
from tests.matrix_fixtures import TokenRegistry
from tests.registry_fixtures import make_modelkit
from tests.token_server import TokenServer


def _repo(prefix: str) -> str:
    return f"{prefix}/{secrets.token_hex(4)}"


def test_login_push_pull_list_inspect(
    token_registry: TokenRegistry, token_service: TokenServer, kitops_home: Path, tmp_path: Path
) -> None:
    host = token_registry.address
    message = login(host, "writer", token_registry.passwords["writer"], options=token_registry.options(None))
    assert "Login succeeded" in message and token_registry.passwords["writer"] not in message
    src = LocalStore(tmp_path / "src")
    digest, manifest = make_modelkit(src)
    repo = _repo("team")
    ref = f"{host}/{repo}:v1"

    pushed = push(src, "test/model:v1", ref, options=token_registry.options(None))  # stored login
    assert pushed.digest == digest and len(pushed.uploaded) == 3
    pulled = pull(LocalStore(tmp_path / "dst"), ref, options=token_registry.options("reader"))
    assert pulled.digest == digest
    listed = remote_list(f"{host}/{repo}", options=token_registry.options("reader"))
    assert [(k.reference.tag, k.digest) for k in listed] == [("v1", digest)]
    inspected = fetch_modelkit(ref, options=token_registry.options("reader"))
    assert inspected.manifest.layers == manifest.layers and inspected.kitfile.package.name == "test-model"

    granted = {g for r in token_service.issued_for("writer") for g in r.granted}
    assert f"repository:{repo}:pull,push" in granted
    # one scope per `scope` parameter: the service refuses anything else with 400
    assert all(r.status == 200 for r in token_service.requests)


def test_wrong_password_is_refused_by_the_token_service(
    token_registry: TokenRegistry, token_service: TokenServer, kitops_home: Path
) -> None:
    with pytest.raises(AuthenticationFailed) as info:
        login(token_registry.address, "writer", "not-the-password", options=token_registry.options(None))
    assert "not-the-password" not in str(info.value) and "refused" in str(info.value)
    assert not (kitops_home / "credentials.json").exists()
    assert [r.status for r in token_service.requests] == [401]


def test_push_by_a_pull_only_user_is_denied_clearly(
    token_registry: TokenRegistry, token_service: TokenServer, tmp_path: Path
) -> None:
    src = LocalStore(tmp_path / "src")
    make_modelkit(src)
    repo = _repo("team")
    with pytest.raises(Denied) as info:
        push(
            src,
            "test/model:v1",
            f"{token_registry.address}/{repo}:v1",
            options=token_registry.options("reader"),
        )
    message = str(info.value)
    assert f"did not grant user 'reader' pull,push access to {repo}" in message
    assert "ask the repository's owner" in message
    # refused once per blob in flight and never retried in a loop
    push_requests = [r for r in token_service.issued_for("reader") if any("push" in s for s in r.scopes)]
    assert 1 <= len(push_requests) <= 2 * 3
    assert all("push" not in g for r in push_requests for g in r.granted)


@pytest.mark.parametrize("announced", [True, False], ids=["expires_in-honest", "expires_in-skewed"])
def test_token_expiring_between_blobs_of_one_push(
    token_registry: TokenRegistry,
    token_service: TokenServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    announced: bool,
) -> None:
    """Tokens live 2 s; the push waits past that after its first blob. With ``expires_in`` honest the
    client renews before using a stale token; when the service's clock is off (it announces 300 s)
    the registry refuses the stale token and the client renews it then."""
    caplog.set_level(logging.DEBUG, logger="kitops_jupyter.registry")
    token_service.lifetime = 2.0
    token_service.claimed_lifetime = None if announced else 300.0
    src = LocalStore(tmp_path / "src")
    digest, _ = make_modelkit(src)
    repo = _repo("team")
    waited = False

    def wait_for_expiry(done: int, total: int) -> None:
        nonlocal waited
        if done and not waited:
            waited = True
            latest = max(r.expires for r in token_service.issued_for("writer"))
            time.sleep(max(0.0, latest - time.time()) + 0.2)  # the event is the clock passing `exp`

    options = token_registry.options("writer", concurrency=1)
    ref = f"{token_registry.address}/{repo}:v1"
    result = push(src, "test/model:v1", ref, options=options, progress=wait_for_expiry)
    assert waited and result.digest == digest and len(result.uploaded) == 3
    push_tokens = [
        r for r in token_service.issued_for("writer") if f"repository:{repo}:pull,push" in r.granted
    ]
    assert len(push_tokens) >= 2  # renewed within the push
    refused_stale = "invalid_token" in caplog.text
    assert refused_stale is not announced
    assert pull(LocalStore(tmp_path / "dst"), ref, options=token_registry.options("reader")).digest == digest


def test_challenge_parsing_and_scope_merging() -> None:
    raw = (
        'Bearer realm="http://127.0.0.1:1/token",service="reg",'
        'scope="repository:prod/x:push,pull repository:team/x:pull",error="insufficient_scope"'
    )
    challenge = parse_challenge(raw)
    assert challenge.scheme == "bearer" and challenge.params["realm"] == "http://127.0.0.1:1/token"
    assert challenge.scopes == ["repository:prod/x:push,pull", "repository:team/x:pull"]
    assert challenge.error == "insufficient_scope"
    ours = ["repository:prod/x:pull,push", "repository:team/x:pull"]
    assert merge_scopes([*challenge.scopes, *ours]) == [
        "repository:prod/x:pull,push",
        "repository:team/x:pull",
    ]
