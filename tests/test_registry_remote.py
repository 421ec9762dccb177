"""Remote verbs against a real registry: inspect/info, list, remove, unpack straight from the
registry (only the filtered layers, nothing stored), and ModelPack manifests."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
import requests

from kitops_jupyter.api import Kit, ModelKitInfo
from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.reference import parse_reference
from kitops_jupyter.core.registry.client import RegistryOptions
from kitops_jupyter.core.registry.remote import fetch_modelkit, remote_list, remote_remove, remote_unpack
from kitops_jupyter.core.registry.transfer import pull, push
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import NotFound, RegistryError
from tests.registry_fixtures import FaultProxy, RegistryServer, make_modelkit

MiB = 1 << 20


def _publish(registry: str, repo: str, tmp_path: Path, tag: str = "v1", **kw: object) -> tuple[str, object]:
    store = LocalStore(tmp_path / f"src-{tag}")
    digest, manifest = make_modelkit(store, **kw)  # type: ignore[arg-type]
    push(store, "test/model:v1", f"{registry}/{repo}:{tag}")
    return digest, manifest


def test_inspect_fetches_no_layers(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    digest, manifest = _publish(fault_proxy.registry, repo_name, tmp_path, name="inspected")
    fault_proxy.log.clear()
    kit = fetch_modelkit(f"{fault_proxy.registry}/{repo_name}:v1")
    assert kit.digest == digest and kit.manifest == manifest
    assert kit.kitfile.package.name == "inspected" and kit.kitfile.model is not None
    assert kit.kitfile.model.layer is not None  # digests kept (inspect shows them)
    fetched = [p for m, p, _ in fault_proxy.log if m == "GET" and "/blobs/" in p]
    assert fetched == [f"/v2/{repo_name}/blobs/{manifest.config.digest}"]  # type: ignore[attr-defined]


def test_list_tags_with_kitfile_summary(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    first, _ = _publish(registry.registry, repo_name, tmp_path, "v1", name="first")
    second, _ = _publish(registry.registry, repo_name, tmp_path, "v2", name="second")
    base = f"http://{registry.registry}/v2/{repo_name}"
    other = requests.get(f"{base}/manifests/v1", headers={"Accept": mediatypes.MANIFEST}, timeout=10).content
    foreign = other.replace(mediatypes.KIT_CONFIG.encode(), b"application/vnd.example.config.v1+json")
    foreign = foreign.replace(mediatypes.KIT_ARTIFACT.encode(), b"application/vnd.example.artifact.v1+json")
    headers = {"Content-Type": mediatypes.MANIFEST}
    requests.put(f"{base}/manifests/other", data=foreign, headers=headers, timeout=10).raise_for_status()

    kits = remote_list(f"{registry.registry}/{repo_name}")
    assert [(k.reference.tag, k.digest, k.kitfile.package.name) for k in kits] == [
        ("v1", first, "first"),
        ("v2", second, "second"),
    ]
    only = remote_list(f"{registry.registry}/{repo_name}:v2")
    assert [k.reference.tag for k in only] == ["v2"]


def test_remove_by_digest_and_tag(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    _publish(registry.registry, repo_name, tmp_path, "v1")
    ref = f"{registry.registry}/{repo_name}"
    # Debian's distribution 2.8 cannot delete a tag alone: say so, and delete by digest with force
    with pytest.raises(RegistryError, match=r"cannot delete a tag alone .* pass force=True"):
        remote_remove(f"{ref}:v1")
    fetch_modelkit(f"{ref}:v1")  # the refused removal left it in place
    assert "every tag" in remote_remove(f"{ref}:v1", force=True)
    with pytest.raises(NotFound):
        fetch_modelkit(f"{ref}:v1")
    digest2, _ = _publish(registry.registry, repo_name, tmp_path, "v2", name="other")
    assert remote_remove(f"{ref}@{digest2}") == f"Removed {ref}@{digest2}"
    with pytest.raises(NotFound):
        fetch_modelkit(f"{ref}@{digest2}")


def test_remote_unpack_streams_only_filtered_layers(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path, kitops_home: Path
) -> None:
    model, dataset = os.urandom(2 * MiB), b"x,y\n3,4\n"
    _, manifest = _publish(fault_proxy.registry, repo_name, tmp_path, model=model, dataset=dataset)
    fault_proxy.log.clear()
    target = tmp_path / "out"
    plan = remote_unpack(f"{fault_proxy.registry}/{repo_name}:v1", target, filters=["datasets"])
    assert [p.kind for p in plan] == ["dataset"]
    assert (target / "data" / "train.csv").read_bytes() == dataset
    assert not (target / "model.bin").exists() and not (target / "Kitfile").exists()
    model_layer = manifest.layers[0]  # type: ignore[attr-defined]
    assert not [p for m, p, _ in fault_proxy.log if model_layer.digest in p]
    assert not (kitops_home / "storage").exists()  # nothing went into the local store


def test_api_unpack_from_a_registry_fetches_the_manifest_once(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    digest, _ = _publish(fault_proxy.registry, repo_name, tmp_path, dataset=b"x,y\n3,4\n")
    fault_proxy.log.clear()
    found = Kit(tmp_path / "home").unpack(
        f"{fault_proxy.registry}/{repo_name}:v1", tmp_path / "out", filters=["datasets"]
    )
    assert found.digest == digest and (tmp_path / "out" / "data" / "train.csv").read_bytes() == b"x,y\n3,4\n"
    assert [p for m, p, _ in fault_proxy.log if m == "GET" and "/manifests/" in p] == [
        f"/v2/{repo_name}/manifests/v1"
    ]


def test_remote_unpack_everything_resumes_after_drop(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    model = os.urandom(3 * MiB)
    _, manifest = _publish(fault_proxy.registry, repo_name, tmp_path, model=model)
    layer = manifest.layers[0]  # type: ignore[attr-defined]
    fault_proxy.add("drop_response", method="GET", path=f"/blobs/{layer.digest}", after=MiB + 12345)
    target = tmp_path / "out"
    remote_unpack(f"{fault_proxy.registry}/{repo_name}:v1", target)
    assert (target / "model.bin").read_bytes() == model
    assert "package:" in (target / "Kitfile").read_text()
    statuses = [s for m, p, s in fault_proxy.log if m == "GET" and layer.digest in p]
    assert statuses == [200, 206]


def test_modelpack_without_kitfile_annotation(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "src")
    _, manifest = make_modelkit(store, kind="modelpack", model=b"weights", dataset=b"a\n")
    bare = dataclasses.replace(manifest, annotations={mediatypes.ANNOTATION_CLI_VERSION: "x"})
    store.put_manifest("localhost/test/bare", bare.encode(), ["v1"])
    ref = f"{registry.registry}/{repo_name}:bare"
    push(store, "test/bare:v1", ref)
    kit = fetch_modelkit(ref)
    assert kit.kitfile.model is not None and kit.kitfile.model.path == "model.bin"
    assert [d.path for d in kit.kitfile.datasets] == ["data/train.csv"]
    target = tmp_path / "out"
    remote_unpack(ref, target, filters=["model"])
    assert (target / "model.bin").read_bytes() == b"weights"
    local = LocalStore(tmp_path / "dst")
    assert pull(local, ref).kind == "modelpack"
    # Once pulled, the synthesised Kitfile serves local reads and unpack just the same.
    pulled = local.read_manifest(local.resolve(parse_reference(ref)[0]).digest)
    assert [d.path for d in local.read_kitfile(pulled).datasets] == ["data/train.csv"]


def test_remote_fetch_for_diff(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    digest, manifest = _publish(registry.registry, repo_name, tmp_path)
    kit = fetch_modelkit(f"{registry.registry}/{repo_name}:v1", options=RegistryOptions(concurrency=1))
    assert type(kit) is ModelKitInfo  # the record api.inspect returns: one type for local and remote
    assert kit.manifest.encode() == manifest.encode()  # type: ignore[attr-defined]
    assert kit.descriptor.digest == digest and kit.kitfile.package.name == "test-model"
