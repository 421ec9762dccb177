"""Faults a real registry will not produce on demand, injected by the proxy in front of it: every one
ends in success after retries, or in a clear error with nothing partial left behind."""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

import pytest

from kitops_jupyter.core.digest import hex_of
from kitops_jupyter.core.registry.auth import Credentials
from kitops_jupyter.core.registry.client import RegistryClient, RegistryOptions
from kitops_jupyter.core.registry.downloads import RemoteBlob
from kitops_jupyter.core.registry.retry import RetryPolicy
from kitops_jupyter.core.registry.transfer import pull, push
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import AuthenticationFailed, Denied, RegistryError, RegistryUnreachable
from tests.registry_fixtures import FaultProxy, RegistryServer, free_port, make_modelkit

MiB = 1 << 20
FAST = RegistryOptions(retry=RetryPolicy(attempts=3, backoff=0.05, max_backoff=0.1, deadline=10))


def _pushed(proxy: FaultProxy, repo: str, tmp_path: Path, size: int = 4 * MiB) -> tuple[str, object, str]:
    src = LocalStore(tmp_path / "src")
    digest, manifest = make_modelkit(src, model=os.urandom(size))
    ref = f"{proxy.registry}/{repo}:v1"
    push(src, "test/model:v1", ref)
    proxy.log.clear()
    return digest, manifest, ref


def test_resume_after_drop_mid_download(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    digest, manifest, ref = _pushed(fault_proxy, repo_name, tmp_path)
    layer = manifest.layers[0]  # type: ignore[attr-defined]
    fault_proxy.add("drop_response", method="GET", path=f"/blobs/{layer.digest}", after=int(2.5 * MiB))
    store = LocalStore(tmp_path / "dst")
    assert pull(store, ref).digest == digest
    gets = [status for method, path, status in fault_proxy.log if method == "GET" and layer.digest in path]
    assert gets == [200, 206]  # the second request continued from the partial file
    assert (
        store.blob_path(layer.digest).read_bytes()
        == (tmp_path / "src").joinpath("storage", "blobs", "sha256", hex_of(layer.digest)).read_bytes()
    )
    assert not any((store.storage / "ingest").iterdir())


def test_resume_partial_file_from_earlier_run(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    digest, manifest, ref = _pushed(fault_proxy, repo_name, tmp_path)
    layer = manifest.layers[0]  # type: ignore[attr-defined]
    source = LocalStore(tmp_path / "src").blob_path(layer.digest).read_bytes()
    store = LocalStore(tmp_path / "dst")
    (store.ingest_dir() / hex_of(layer.digest)).write_bytes(source[: 3 * MiB])
    assert pull(store, ref).digest == digest
    assert ("GET", f"/v2/{repo_name}/blobs/{layer.digest}", 206) in fault_proxy.log


def test_bad_partial_file_is_replaced(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    digest, manifest, ref = _pushed(fault_proxy, repo_name, tmp_path)
    layer = manifest.layers[0]  # type: ignore[attr-defined]
    store = LocalStore(tmp_path / "dst")
    (store.ingest_dir() / hex_of(layer.digest)).write_bytes(os.urandom(MiB))
    assert pull(store, ref).digest == digest
    assert store.has_blob(layer.digest)


def test_blob_download_follows_a_redirect(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    """Registries that keep blobs in object storage answer a blob GET with a redirect to it."""
    digest, manifest, ref = _pushed(fault_proxy, repo_name, tmp_path, size=MiB)
    layer = manifest.layers[0]  # type: ignore[attr-defined]
    fault_proxy.add("redirect", method="GET", path=f"/blobs/{layer.digest}")
    store = LocalStore(tmp_path / "dst")
    assert pull(store, ref).digest == digest
    assert [s for m, p, s in fault_proxy.log if m == "GET" and layer.digest in p] == [307]
    source = LocalStore(tmp_path / "src").blob_path(layer.digest)
    assert store.blob_path(layer.digest).read_bytes() == source.read_bytes()


def test_remote_blob_reads_like_a_file_and_resumes_after_a_drop(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    _, manifest, _ = _pushed(fault_proxy, repo_name, tmp_path, size=MiB)
    layer = manifest.layers[0]  # type: ignore[attr-defined]
    source = LocalStore(tmp_path / "src").blob_path(layer.digest).read_bytes()
    fault_proxy.add("drop_response", method="GET", path=f"/blobs/{layer.digest}", after=MiB // 2)
    with (
        RegistryClient(fault_proxy.registry, FAST) as client,
        RemoteBlob(client, repo_name, layer, "read") as blob,
    ):
        assert blob.read(0) == b""
        assert blob.read(5) == source[:5]
        assert blob.read() == source[5:]
        assert blob.read(1) == b""
    assert [s for m, p, s in fault_proxy.log if m == "GET" and layer.digest in p] == [200, 206]


def test_503_with_retry_after_then_success(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    digest, _, ref = _pushed(fault_proxy, repo_name, tmp_path, size=MiB)
    fault_proxy.add("status", method="GET", path="/manifests/", status=503, retry_after="1")
    with caplog.at_level(logging.INFO, logger="kitops_jupyter.registry"):
        assert pull(LocalStore(tmp_path / "dst"), ref).digest == digest
    retries = [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()]
    assert len(retries) == 1 and retries[0].endswith("; retry 1 in 1.0s")  # the Retry-After, not the backoff
    statuses = [s for m, p, s in fault_proxy.log if "/manifests/" in p]
    assert statuses[:2] == [503, 200]


def test_persistent_503_gives_up_within_budget(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    _, _, ref = _pushed(fault_proxy, repo_name, tmp_path, size=MiB)
    fault_proxy.add("status", method="GET", path="/manifests/", status=503, times=100)
    store = LocalStore(tmp_path / "dst")
    with pytest.raises(RegistryError) as info:
        pull(store, ref, options=FAST)
    assert info.value.status == 503 and "gave up after 3 attempts" in str(info.value)
    assert len([s for _, _, s in fault_proxy.log if s == 503]) == 3


def test_429_and_500_on_upload_are_retried(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    src = LocalStore(tmp_path / "src")
    digest, _ = make_modelkit(src)
    fault_proxy.add("status", method="POST", status=429, retry_after="0")
    fault_proxy.add("status", method="PUT", path="/manifests/", status=500)
    result = push(src, "test/model:v1", f"{fault_proxy.registry}/{repo_name}:v1", options=FAST)
    assert result.digest == digest


def test_403_is_denied_without_retry(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    _, _, ref = _pushed(fault_proxy, repo_name, tmp_path, size=MiB)
    fault_proxy.add("status", method="GET", path="/manifests/", status=403, times=5)
    with pytest.raises(Denied) as info:
        pull(LocalStore(tmp_path / "dst"), ref)
    assert "denied" in str(info.value) and ref.rsplit(":", 1)[0] in str(info.value)
    assert len(fault_proxy.log) == 1


def test_404_is_not_retried(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    with pytest.raises(RegistryError):
        pull(LocalStore(tmp_path / "dst"), f"{fault_proxy.registry}/{repo_name}:missing")
    assert len(fault_proxy.log) == 1


def test_drop_mid_monolithic_upload_then_success(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    src = LocalStore(tmp_path / "src")
    digest, _ = make_modelkit(src, model=os.urandom(3 * MiB))
    fault_proxy.add("drop_request", method="PUT", path="/blobs/uploads/", after=MiB)
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    assert push(src, "test/model:v1", ref).digest == digest
    assert pull(LocalStore(tmp_path / "dst"), ref).digest == digest


def test_drop_mid_chunk_then_success(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    src = LocalStore(tmp_path / "src")
    digest, _ = make_modelkit(src, model=os.urandom(3 * MiB))
    fault_proxy.add("drop_request", method="PATCH", after=MiB // 2)
    options = RegistryOptions(chunk_size=MiB, monolithic_limit=MiB)
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    assert push(src, "test/model:v1", ref, options=options).digest == digest
    assert pull(LocalStore(tmp_path / "dst"), ref).digest == digest


def test_failed_chunk_resumes_in_the_same_session(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    src = LocalStore(tmp_path / "src")
    digest, _ = make_modelkit(src, model=os.urandom(3 * MiB))
    fault_proxy.add("drop_request", method="PATCH", after=0, skip=1)  # the 2nd chunk never reaches it
    options = RegistryOptions(chunk_size=MiB, monolithic_limit=MiB)
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    assert push(src, "test/model:v1", ref, options=options).digest == digest
    chunked = [
        (m, s) for m, p, s in fault_proxy.log if "/blobs/uploads/" in p and m in ("PATCH", "GET", "POST")
    ]
    assert chunked[-5:] == [("PATCH", 202), ("GET", 204), ("PATCH", 202), ("PATCH", 202), ("PATCH", 202)]
    assert len([m for m, _ in chunked if m == "POST"]) == 3  # no session restarted
    assert pull(LocalStore(tmp_path / "dst"), ref).digest == digest


def test_token_expiry_reauthenticates_once(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    fault_proxy.require_token()
    src = LocalStore(tmp_path / "src")
    digest, manifest = make_modelkit(src, model=os.urandom(MiB))
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    push(src, "test/model:v1", ref)
    before = fault_proxy.token_requests
    layer = manifest.layers[0]
    fault_proxy.add("expire_token", method="GET", path=f"/blobs/{layer.digest}")
    assert pull(LocalStore(tmp_path / "dst"), ref).digest == digest
    statuses = [s for m, p, s in fault_proxy.log if m == "GET" and layer.digest in p]
    assert statuses == [401, 200]
    # one new token for the pull scope, one more after the expiry
    assert fault_proxy.token_requests - before == 2


def test_token_auth_with_credentials(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    fault_proxy.require_token("alice", "s3cret-token-pw")
    src = LocalStore(tmp_path / "src")
    make_modelkit(src)
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    with pytest.raises(AuthenticationFailed) as info:
        push(src, "test/model:v1", ref)
    assert f"%kit login {fault_proxy.registry}" in str(info.value)
    good = RegistryOptions(credentials=Credentials("alice", "s3cret-token-pw"))
    push(src, "test/model:v1", ref, options=good)
    bad = RegistryOptions(credentials=Credentials("alice", "wrong-password"))
    with pytest.raises(AuthenticationFailed):
        pull(LocalStore(tmp_path / "dst"), ref, options=bad)


def test_stall_beyond_timeout_is_retried(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    digest, manifest, ref = _pushed(fault_proxy, repo_name, tmp_path, size=MiB)
    fault_proxy.add("stall", method="GET", path=f"/blobs/{manifest.layers[0].digest}", seconds=1.5)  # type: ignore[attr-defined]
    options = RegistryOptions(timeout=0.5, retry=RetryPolicy(backoff=0.05))
    assert pull(LocalStore(tmp_path / "dst"), ref, options=options).digest == digest


def test_connection_refused(tmp_path: Path) -> None:
    registry = f"127.0.0.1:{free_port()}"
    with pytest.raises(RegistryUnreachable) as info:
        pull(LocalStore(tmp_path / "dst"), f"{registry}/some/model:v1", options=FAST)
    message = str(info.value)
    assert f"http://{registry}/v2/some/model/manifests/v1" in message
    assert "connection refused" in message and "gave up after 3 attempts" in message


def test_https_to_plain_http_registry_suggests_plain_http(registry: RegistryServer, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:  # answers every connection in plain HTTP
        accepted: list[int] = []

        def answer_in_plain_http() -> None:
            server.settimeout(1.0)
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                accepted.append(1)
                with conn:
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=answer_in_plain_http, daemon=True)
        thread.start()
        host = f"127.0.0.1:{server.getsockname()[1]}"
        with pytest.raises(RegistryUnreachable) as info:
            pull(LocalStore(tmp_path / "dst"), f"{host}/x/y:v1", options=RegistryOptions(plain_http=False))
    thread.join(timeout=5)
    assert "plain_http=True" in str(info.value)
    assert len(accepted) == 1  # not retried: a protocol mismatch cannot get better
