"""Cross-repository blob mount on real registries: Debian's docker-registry 2.8 (without auth, and with
token auth) and distribution v3 (token auth, where the mount needs pull on the source and push on the
target) mount; a refused mount (both token servers), a stale location record (docker-registry) and the
go-containerregistry registry (no mount at all) answer with an upload session, which the push then uses."""

from __future__ import annotations

import json
import logging
import re
import secrets
from pathlib import Path

import pytest

from kitops_jupyter.core.bloblocations import LOCATIONS_FILE, BlobLocations
from kitops_jupyter.core.registry import pull, push
from kitops_jupyter.core.store import LocalStore
from tests.matrix_fixtures import GoRegistry, TokenRegistry
from tests.registry_fixtures import FaultProxy, RegistryServer, make_modelkit
from tests.token_server import TokenServer


def _repo(prefix: str) -> str:
    return f"{prefix}/{secrets.token_hex(4)}"


def test_promotion_mounts_every_blob_on_docker_registry(
    fault_proxy: FaultProxy, registry: RegistryServer, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    digest, manifest = make_modelkit(store)
    blobs = sorted(d.digest for d in manifest.blob_descriptors())
    team, prod = _repo("team"), _repo("prod")
    push(store, "test/model:v1", f"{fault_proxy.registry}/{team}:v3")
    assert BlobLocations(store.storage).sources(fault_proxy.registry, blobs[0]) == [team]

    fault_proxy.log.clear()
    promoted = push(store, "test/model:v1", f"{fault_proxy.registry}/{prod}:v3")
    assert sorted(promoted.mounted) == blobs and promoted.uploaded == [] and promoted.bytes_uploaded == 0
    posts = [p for m, p, _ in fault_proxy.log if m == "POST"]
    assert len(posts) == 3 and all(f"from={team.replace('/', '%2F')}" in p for p in posts)
    assert not [p for m, p, _ in fault_proxy.log if m in ("PATCH", "PUT") and "/blobs/" in p]
    assert pull(LocalStore(tmp_path / "d"), f"{registry.registry}/{prod}:v3").digest == digest


def test_mount_with_token_scopes_for_both_repositories(
    token_registry: TokenRegistry, token_service: TokenServer, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    digest, manifest = make_modelkit(store)
    team, prod = _repo("team"), _repo("prod")
    host = token_registry.address
    push(store, "test/model:v1", f"{host}/{team}:v3", options=token_registry.options("writer"))

    promoted = push(store, "test/model:v1", f"{host}/{prod}:v3", options=token_registry.options("promoter"))
    assert sorted(promoted.mounted) == sorted(d.digest for d in manifest.blob_descriptors())
    asked = [set(r.scopes) for r in token_service.issued_for("promoter")]
    both = {f"repository:{prod}:pull,push", f"repository:{team}:pull"}
    assert both in asked  # two scope parameters in one token request
    granted = {g for r in token_service.issued_for("promoter") for g in r.granted}
    assert both <= granted
    assert (
        pull(LocalStore(tmp_path / "d"), f"{host}/{prod}:v3", options=token_registry.options("reader")).digest
        == digest
    )


def test_mount_refused_for_an_unreadable_source_falls_back_to_upload(
    token_registry: TokenRegistry, token_service: TokenServer, tmp_path: Path
) -> None:
    """``promoter`` may not read ``other/*``: the registry refuses the mount, the blobs are uploaded."""
    store = LocalStore(tmp_path / "s")
    digest, _manifest = make_modelkit(store)
    other, prod = _repo("other"), _repo("prod")
    host = token_registry.address
    push(store, "test/model:v1", f"{host}/{other}:v1", options=token_registry.options("writer"))

    result = push(store, "test/model:v1", f"{host}/{prod}:v1", options=token_registry.options("promoter"))
    assert result.mounted == [] and len(result.uploaded) == 3
    assert any(f"repository:{other}:pull" in r.scopes for r in token_service.issued_for("promoter"))
    assert (
        pull(LocalStore(tmp_path / "d"), f"{host}/{prod}:v1", options=token_registry.options("reader")).digest
        == digest
    )


def test_registry_without_mount_support(
    crane_registry: GoRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """crane answers a mount with an upload session; its blobs are shared by every repository, so the
    existence check then finds them and the session is released."""
    caplog.set_level(logging.DEBUG, logger="kitops_jupyter.registry")
    store = LocalStore(tmp_path / "s")
    digest, manifest = make_modelkit(store)
    team, prod = _repo("team"), _repo("prod")
    push(store, "test/model:v1", f"{crane_registry.address}/{team}:v3")
    caplog.clear()
    result = push(store, "test/model:v1", f"{crane_registry.address}/{prod}:v3")
    assert result.mounted == [] and result.uploaded == [] and len(result.skipped) == 3
    assert len(re.findall(r"POST \S+mount=\S+ -> 202", caplog.text)) == 3
    # we release each unused session (crane answers 400 to that DELETE: best effort, sessions expire)
    assert len(re.findall(r"DELETE \S+/blobs/uploads/\S+ -> \d+", caplog.text)) == 3
    pulled = LocalStore(tmp_path / "d")
    assert pull(pulled, f"{crane_registry.address}/{prod}:v3").digest == digest
    for desc in manifest.blob_descriptors():
        assert pulled.blob_path(desc.digest).read_bytes() == store.blob_path(desc.digest).read_bytes()


def test_stale_location_record_costs_nothing_but_a_request(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    """A recorded source that no longer holds the blobs: the registry opens a session, we upload into it."""
    store = LocalStore(tmp_path / "s")
    _digest, manifest = make_modelkit(store)
    blobs = [d.digest for d in manifest.blob_descriptors()]
    BlobLocations(store.storage).record(fault_proxy.registry, "gone/repo", blobs)
    result = push(store, "test/model:v1", f"{fault_proxy.registry}/{_repo('prod')}:v1")
    assert result.mounted == [] and sorted(result.uploaded) == sorted(blobs)
    posts = [p for m, p, _ in fault_proxy.log if m == "POST"]
    assert len(posts) == 3 and all("mount=" in p for p in posts)  # no second session per blob


def test_locations_record_is_kit_layout_safe_and_bounded(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    make_modelkit(store)
    locations = BlobLocations(store.storage)
    for i in range(6):
        locations.record("reg:5000", f"team/r{i}", ["sha256:" + "a" * 64])
    assert locations.sources("reg:5000", "sha256:" + "a" * 64, exclude="team/r5") == [
        "team/r4",
        "team/r3",
        "team/r2",
    ]
    path = store.storage / LOCATIONS_FILE
    assert path.parent == store.storage and not path.name.endswith(
        ("-index.json", "-tags.json", "index.json")
    )
    assert json.loads(path.read_text())["version"] == 1
    path.write_text("{not json")
    assert locations.sources("reg:5000", "sha256:" + "a" * 64) == []  # a broken hint is no hint
