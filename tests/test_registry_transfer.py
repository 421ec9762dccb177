"""push / pull against a real docker-registry: round trips, chunking, skip-existing, concurrency,
progress, integrity, and refusing what is not a ModelKit."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import requests

from kitops_jupyter.core.digest import digest_bytes
from kitops_jupyter.core.registry.client import RegistryOptions
from kitops_jupyter.core.registry.transfer import pull, push
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import IntegrityError, InvalidArgument, NotAModelKit, NotFound
from tests.registry_fixtures import FaultProxy, RegistryServer, make_modelkit

MiB = 1 << 20


def _fresh_store(tmp_path: Path, name: str) -> LocalStore:
    return LocalStore(tmp_path / name)


def _blob_files(store: LocalStore) -> set[str]:
    root = store.storage / "blobs" / "sha256"
    return {p.name for p in root.iterdir()} if root.exists() else set()


def test_push_pull_round_trip(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    digest, manifest = make_modelkit(src)
    ref = f"{registry.registry}/{repo_name}:v1"
    result = push(src, "test/model:v1", ref, tags=["extra"])
    assert result.digest == digest and result.tags == ["v1", "extra"]
    assert sorted(result.uploaded) == sorted(d.digest for d in manifest.blob_descriptors())

    dst = _fresh_store(tmp_path, "b")
    pulled = pull(dst, ref)
    assert pulled.digest == digest and pulled.kind == "kit"
    assert dst.resolve(pulled.reference).digest == digest
    assert _blob_files(dst) == _blob_files(src)
    for blob in manifest.blob_descriptors():
        assert dst.blob_path(blob.digest).read_bytes() == src.blob_path(blob.digest).read_bytes()
    extra = pull(_fresh_store(tmp_path, "c"), f"{registry.registry}/{repo_name}:extra")
    assert extra.digest == digest
    again = pull(dst, ref)  # everything already local: nothing downloaded
    assert again.downloaded == [] and len(again.skipped) == 3 and again.bytes_downloaded == 0


def test_pull_by_digest_records_no_tag(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    digest, _ = make_modelkit(src)
    push(src, "test/model:v1", f"{registry.registry}/{repo_name}:v1")
    dst = _fresh_store(tmp_path, "b")
    result = pull(dst, f"{registry.registry}/{repo_name}@{digest}")
    entry = dst.locate(result.reference)
    assert entry is not None and entry.tags == []


def test_chunked_upload_and_skip_existing(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    make_modelkit(src, model=os.urandom(3 * MiB + 5))
    options = RegistryOptions(chunk_size=MiB, monolithic_limit=MiB)
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    push(src, "test/model:v1", ref, options=options)
    patches = [entry for entry in fault_proxy.log if entry[0] == "PATCH"]
    assert len(patches) == 4  # 3 MiB + 5 bytes + tar framing in 1 MiB chunks
    assert all(status == 202 for _, _, status in patches)

    fault_proxy.log.clear()
    again = push(src, "test/model:v1", ref, options=options)
    assert again.uploaded == [] and len(again.skipped) == 3
    methods = sorted({m for m, _, _ in fault_proxy.log})
    assert methods == ["HEAD", "PUT"]  # existence checks and the manifest only
    assert all("/manifests/" in p for m, p, _ in fault_proxy.log if m == "PUT")
    assert pull(_fresh_store(tmp_path, "b"), ref).downloaded


def test_monolithic_below_limit(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    make_modelkit(src, model=os.urandom(2 * MiB))
    push(src, "test/model:v1", f"{fault_proxy.registry}/{repo_name}:v1")
    assert not [e for e in fault_proxy.log if e[0] == "PATCH"]
    assert len([e for e in fault_proxy.log if e[0] == "PUT" and "/blobs/uploads/" in e[1]]) == 3


def test_progress_totals_and_concurrency(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    _, manifest = make_modelkit(src, model=os.urandom(2 * MiB), dataset=os.urandom(2 * MiB))
    total = sum(d.size for d in manifest.blob_descriptors())
    fault_proxy.throttle = 8 * MiB  # slow enough that concurrent uploads overlap visibly
    calls: list[tuple[int, int]] = []
    threads: set[str] = set()

    def progress(done: int, whole: int) -> None:
        calls.append((done, whole))
        threads.add(threading.current_thread().name)

    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    push(src, "test/model:v1", ref, progress=progress, options=RegistryOptions(concurrency=3))
    assert calls[-1] == (total, total)
    assert all(whole == total for _, whole in calls) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(threads) >= 2  # several blobs were in flight at once

    calls.clear()
    pull(_fresh_store(tmp_path, "b"), ref, progress=progress)
    assert calls[-1] == (total, total)


def test_serial_when_concurrency_is_one(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    make_modelkit(src)
    names: set[str] = set()
    options = RegistryOptions(concurrency=1)
    push(
        src,
        "test/model:v1",
        f"{registry.registry}/{repo_name}:v1",
        options=options,
        progress=lambda d, t: names.add(threading.current_thread().name),
    )
    assert names == {threading.current_thread().name}


def test_corrupt_blob_in_registry_refused(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    _, manifest = make_modelkit(src, model=os.urandom(256 << 10))
    ref = f"{registry.registry}/{repo_name}:v1"
    push(src, "test/model:v1", ref)
    layer = manifest.layers[0]
    data_file = registry.blob_data(layer.digest)
    original = data_file.read_bytes()
    corrupted = bytearray(original)
    corrupted[len(corrupted) // 2] ^= 0xFF
    data_file.write_bytes(bytes(corrupted))
    try:
        dst = _fresh_store(tmp_path, "b")
        with pytest.raises(IntegrityError) as info:
            pull(dst, ref)
        assert layer.digest in str(info.value) and "nothing was kept" in str(info.value)
        assert not dst.has_blob(layer.digest)
        assert dst.find(pull_ref(ref)) is None
        ingest = dst.storage / "ingest"
        assert not ingest.exists() or not any(ingest.iterdir())
    finally:
        data_file.write_bytes(original)


def pull_ref(text: str):  # type: ignore[no-untyped-def]
    from kitops_jupyter.core.reference import parse_reference

    return parse_reference(text)[0]


def test_not_a_modelkit(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    base = f"http://{registry.registry}/v2/{repo_name}"
    config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
    digest = digest_bytes(config)
    location = requests.post(f"{base}/blobs/uploads/", timeout=10).headers["Location"]
    requests.put(location, params={"digest": digest}, data=config, timeout=10).raise_for_status()
    image = (
        '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":'
        f'{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{digest}","size":{len(config)}}},'
        '"layers":[]}'
    )
    headers = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    requests.put(f"{base}/manifests/img", data=image, headers=headers, timeout=10).raise_for_status()
    store = _fresh_store(tmp_path, "a")
    with pytest.raises(NotAModelKit) as info:
        pull(store, f"{registry.registry}/{repo_name}:img")
    assert "application/vnd.oci.image.config.v1+json" in str(info.value)
    assert not (store.storage / "blobs").exists() or not _blob_files(store)


def test_modelpack_round_trip(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    digest, _ = make_modelkit(src, kind="modelpack")
    ref = f"{registry.registry}/{repo_name}:mp"
    push(src, "test/model:v1", ref)
    result = pull(_fresh_store(tmp_path, "b"), ref)
    assert result.kind == "modelpack" and result.digest == digest


def test_missing_tag_and_local_destination(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    store = _fresh_store(tmp_path, "a")
    with pytest.raises(NotFound) as info:
        pull(store, f"{registry.registry}/{repo_name}:nope")
    assert f"{repo_name}:nope" in str(info.value)
    make_modelkit(store)
    with pytest.raises(InvalidArgument):
        push(store, "test/model:v1")


def test_slow_server_still_completes(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    make_modelkit(src, model=os.urandom(MiB))
    fault_proxy.throttle = 2 * MiB
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    push(src, "test/model:v1", ref, options=RegistryOptions(timeout=5))
    pull(_fresh_store(tmp_path, "b"), ref, options=RegistryOptions(timeout=5))
    assert fault_proxy.body_bytes >= MiB  # the layer came back through the throttled proxy


def test_two_pulls_of_one_blob_at_once(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    src = _fresh_store(tmp_path, "a")
    digest, _ = make_modelkit(src, model=os.urandom(4 * MiB))
    ref = f"{registry.registry}/{repo_name}:v1"
    push(src, "test/model:v1", ref)
    dst = _fresh_store(tmp_path, "b")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            pull(dst, ref)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert dst.resolve(pull_ref(ref)).digest == digest
    assert not any((dst.storage / "ingest").iterdir())
