"""Referrers of a ModelKit (signatures, attestations, SBOMs) through the OCI 1.1 referrers API on the
go-containerregistry registry (referrers API on), and through the referrers tag schema (``sha256-<hex>``) plus cosign's
``.sig`` tags on registries without the API (Debian's docker-registry 2.8, distribution v3)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from kitops_jupyter import api
from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.digest import digest_bytes
from kitops_jupyter.core.manifest import Descriptor
from kitops_jupyter.core.registry import RegistryClient, RegistryOptions, push
from kitops_jupyter.core.registry.parallel import Meter
from kitops_jupyter.core.registry.referrers import referrers_tag
from kitops_jupyter.core.registry.uploads import upload_blob
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.magics.results import ModelKitResult
from tests.matrix_fixtures import GoRegistry, TokenRegistry
from tests.registry_fixtures import RegistryServer, make_modelkit

EMPTY = "application/vnd.oci.empty.v1+json"
SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"
SBOM = "application/spdx+json"


def _blob(client: RegistryClient, repo: str, data: bytes, tmp: Path) -> Descriptor:
    path = tmp / digest_bytes(data).replace(":", "-")
    path.write_bytes(data)
    digest = digest_bytes(data)
    upload_blob(client, repo, digest, len(data), path, Meter(None), "test")
    return Descriptor("application/octet-stream", digest, len(data))


def _artifact(
    client: RegistryClient,
    repo: str,
    subject: Descriptor | None,
    artifact_type: str,
    tmp: Path,
    *,
    tag: str = "",
) -> Descriptor:
    """Push an OCI 1.1 artifact manifest (empty config, one layer) that refers to ``subject``."""
    config = _blob(client, repo, b"{}", tmp)
    layer = _blob(client, repo, secrets.token_bytes(64), tmp)
    manifest: dict[str, object] = {
        "schemaVersion": 2,
        "mediaType": mediatypes.MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": EMPTY, "digest": config.digest, "size": config.size},
        "layers": [{"mediaType": "application/octet-stream", "digest": layer.digest, "size": layer.size}],
        "annotations": {"org.opencontainers.image.created": "2026-12-06T00:00:00Z"},
    }
    if subject is not None:
        manifest["subject"] = {
            "mediaType": subject.media_type,
            "digest": subject.digest,
            "size": subject.size,
        }
    data = json.dumps(manifest).encode()
    digest = client.put_manifest(repo, tag or digest_bytes(data), data, mediatypes.MANIFEST, "test")
    return Descriptor(mediatypes.MANIFEST, digest, len(data))


def _fallback_index(
    client: RegistryClient, repo: str, subject: Descriptor, referrers: list[tuple[Descriptor, str]]
) -> None:
    """What a client writes on a registry without the API: an index tagged ``sha256-<hex>``."""
    index = {
        "schemaVersion": 2,
        "mediaType": mediatypes.INDEX,
        "manifests": [
            {"mediaType": d.media_type, "digest": d.digest, "size": d.size, "artifactType": t}
            for d, t in referrers
        ],
    }
    client.put_manifest(
        repo, referrers_tag(subject.digest), json.dumps(index).encode(), mediatypes.INDEX, "test"
    )


def _pushed_modelkit(
    address: str, tmp_path: Path, options: RegistryOptions | None = None
) -> tuple[str, Descriptor]:
    store = LocalStore(tmp_path / "src")
    make_modelkit(store)
    repo = f"team/{secrets.token_hex(4)}"
    result = push(store, "test/model:v1", f"{address}/{repo}:v1", options=options)
    data = store.read_blob(result.digest)
    return repo, Descriptor(mediatypes.MANIFEST, result.digest, len(data))


def test_referrers_api_on_go_containerregistry(referrers_registry: GoRegistry, tmp_path: Path) -> None:
    repo, subject = _pushed_modelkit(referrers_registry.address, tmp_path)
    with RegistryClient(referrers_registry.address) as client:
        signature = _artifact(client, repo, subject, SIGNATURE, tmp_path)
        sbom = _artifact(client, repo, subject, SBOM, tmp_path)
        _artifact(client, repo, None, SBOM, tmp_path, tag="unrelated")

    found = api.Kit().inspect(f"{referrers_registry.address}/{repo}:v1", remote=True)
    assert found.referrers is not None and found.referrers.api
    kinds = {r.digest: (r.kind, r.artifact_type, r.found_by) for r in found.referrers.items}
    assert kinds == {
        signature.digest: ("signature", SIGNATURE, "referrers API"),
        sbom.digest: ("sbom", SBOM, "referrers API"),
    }
    shown = ModelKitResult.from_info("Inspected", found, "{}\n")
    assert shown.text() == "{}\n"  # the text stays kit's JSON
    assert "Referrers: 2 (looked up through the referrers API)" in shown.html() and SIGNATURE in shown.html()
    assert "Referrers: 2" in ModelKitResult.from_info("Inspected", found).text()


def _tag_schema_case(address: str, tmp_path: Path, options: RegistryOptions | None) -> None:
    repo, subject = _pushed_modelkit(address, tmp_path, options)
    with RegistryClient(address, options) as client:
        sbom = _artifact(client, repo, subject, SBOM, tmp_path)
        _fallback_index(client, repo, subject, [(sbom, SBOM)])
        cosign = _artifact(
            client, repo, None, SIGNATURE, tmp_path, tag=referrers_tag(subject.digest) + ".sig"
        )

    kit = api.Kit(network=options)
    found = kit.referrers(f"{address}/{repo}:v1")
    assert not found.api and found.subject.digest == subject.digest
    assert [(r.digest, r.kind, r.found_by) for r in found.items] == [
        (sbom.digest, "sbom", "referrers tag"),
        (cosign.digest, "signature", f"cosign tag {referrers_tag(subject.digest)}.sig"),
    ]
    inspected = kit.inspect(f"{address}/{repo}@{subject.digest}", remote=True)
    assert inspected.referrers == found
    plain_repo, _ = _pushed_modelkit(address, tmp_path / "plain", options)
    assert kit.referrers(f"{address}/{plain_repo}:v1").items == []


def test_referrers_tag_schema_on_docker_registry(registry: RegistryServer, tmp_path: Path) -> None:
    _tag_schema_case(registry.registry, tmp_path, None)


def test_referrers_tag_schema_on_distribution_v3_with_token_auth(
    token_registry: TokenRegistry, tmp_path: Path
) -> None:
    _tag_schema_case(token_registry.address, tmp_path, token_registry.options("writer"))
