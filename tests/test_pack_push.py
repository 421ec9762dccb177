"""``pack(push=True)``: layers stream to a real registry while they are packed, and the result is
byte-identical to a plain pack followed by a push; the local store holds the ModelKit too."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kitops_jupyter.api import Kit, NetworkOptions
from kitops_jupyter.core.registry.client import RegistryClient
from kitops_jupyter.core.registry.downloads import fetch_blob_bytes
from kitops_jupyter.core.registry.retry import RetryPolicy
from kitops_jupyter.core.registry.streamupload import _SizedBody
from kitops_jupyter.errors import InvalidArgument
from tests.registry_fixtures import FaultProxy, RegistryServer

KITFILE = """\
manifestVersion: 1.0.0
package:
  name: streamed
model:
  name: clf
  path: model.bin
datasets:
  - name: train
    path: data/train.csv
"""
AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "model.bin").write_bytes(os.urandom(3 << 20))
    (root / "data/train.csv").write_bytes(b"x,y\n1,2\n" * 4000)
    (root / "Kitfile").write_text(KITFILE)
    for name in ("model.bin", "data/train.csv"):
        os.utime(root / name, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    return root


def _remote(registry: str, repository: str, tag: str) -> tuple[bytes, dict[str, bytes]]:
    """The manifest bytes at ``repository:tag`` and every blob it references, from the registry."""
    from kitops_jupyter.core.manifest import Manifest

    with RegistryClient(registry) as client:
        data, _, _ = client.get_manifest(repository, tag, "test")
        manifest = Manifest.parse(data, "test")
        blobs = {
            d.digest: fetch_blob_bytes(client, repository, d, "test") for d in manifest.blob_descriptors()
        }
    return data, blobs


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_pack_push_equals_pack_then_push(
    registry: RegistryServer, repo_name: str, tmp_path: Path, project: Path, compression: str
) -> None:
    streamed = Kit(home=tmp_path / "a")
    ref = f"{registry.registry}/{repo_name}-streamed:v1"
    result = streamed.pack(project, tag=ref, compression=compression, push=True)
    layers = [layer.digest for layer in result.manifest.layers]
    assert result.pushed is not None and result.pushed.digest == result.digest
    assert sorted(result.pushed.skipped) == sorted(layers)  # every layer was already there: streamed
    assert streamed.get(ref).digest == result.digest  # the local store holds it as after a plain pack
    for layer in result.manifest.layers:
        assert streamed.store.blob_path(layer.digest).stat().st_size == layer.size

    plain = Kit(home=tmp_path / "b")
    plain_ref = f"{registry.registry}/{repo_name}-plain:v1"
    assert plain.pack(project, tag=plain_ref, compression=compression).digest == result.digest
    plain.push(plain_ref)
    assert _remote(registry.registry, f"{repo_name}-streamed", "v1") == _remote(
        registry.registry, f"{repo_name}-plain", "v1"
    )


def test_cached_layers_are_pushed_after_the_pack(
    registry: RegistryServer, repo_name: str, tmp_path: Path, project: Path
) -> None:
    kit = Kit(home=tmp_path / "a")
    first = kit.pack(project)
    ref = f"{registry.registry}/{repo_name}:v1"
    result = kit.pack(project, tag=ref, push=True)
    assert result.cached_layers == [layer.digest for layer in first.manifest.layers]
    assert result.pushed is not None
    assert set(result.pushed.uploaded) >= set(result.cached_layers)  # nothing to stream: pushed afterwards
    data, blobs = _remote(registry.registry, repo_name, "v1")
    assert data == kit.store.read_blob(result.digest)
    assert all(blobs[d] == kit.store.read_blob(d) for d in blobs)


def test_a_failed_stream_falls_back_to_a_normal_push(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path, project: Path
) -> None:
    fault_proxy.add("status", method="PATCH", status=500, times=10)
    network = NetworkOptions(retry=RetryPolicy(attempts=2, backoff=0.01))
    kit = Kit(home=tmp_path / "a", network=network)
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    result = kit.pack(project, tag=ref, push=True)
    assert result.pushed is not None
    assert set(result.pushed.uploaded) >= {layer.digest for layer in result.manifest.layers}
    data, blobs = _remote(fault_proxy.registry, repo_name, "v1")
    assert data == kit.store.read_blob(result.digest)
    assert all(blobs[d] == kit.store.read_blob(d) for d in blobs)


def test_uncompressed_layers_stream_with_their_length(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path, project: Path
) -> None:
    # The proxy relays request bodies by Content-Length only: a layer sent with chunked transfer
    # encoding would arrive empty, fail the stream and be uploaded again after the pack.
    kit = Kit(home=tmp_path / "a")
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    result = kit.pack(project, tag=ref, push=True, compression="none")
    layers = [layer.digest for layer in result.manifest.layers]
    assert result.pushed is not None and sorted(result.pushed.skipped) == sorted(layers)
    patches = [path for method, path, status in fault_proxy.log if method == "PATCH" and status == 202]
    assert len(patches) == len(layers)  # one PATCH per layer, nothing sent twice
    data, blobs = _remote(fault_proxy.registry, repo_name, "v1")
    assert data == kit.store.read_blob(result.digest)
    assert all(blobs[d] == kit.store.read_blob(d) for d in blobs)


@pytest.mark.parametrize("pieces", [[b"ab"], [b"ab", b"cd"]])
def test_a_layer_that_does_not_match_its_announced_size_breaks_the_request(pieces: list[bytes]) -> None:
    body = _SizedBody(iter(pieces), 3)
    assert len(body) == 3
    with pytest.raises(OSError, match="not the 3 announced"):
        list(body)


def test_pack_push_needs_a_registry(tmp_path: Path, project: Path) -> None:
    kit = Kit(home=tmp_path / "a")
    with pytest.raises(InvalidArgument, match="needs a tag with a registry"):
        kit.pack(project, tag="myorg/model:v1", push=True)
    with pytest.raises(InvalidArgument, match="needs a tag with a registry"):
        kit.pack(project, push=True)
    assert kit.store.entries() == []
