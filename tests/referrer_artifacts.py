"""Referrers as other tools push them, for tests: an OCI 1.1 artifact manifest whose ``subject`` is a
ModelKit (what ``oras attach`` or ``cosign attach sbom`` writes) and, for registries without the
referrers API, the ``sha256-<hex>`` index of the referrers tag schema that such a client keeps."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.digest import digest_bytes
from kitops_jupyter.core.manifest import Descriptor
from kitops_jupyter.core.registry import RegistryClient
from kitops_jupyter.core.registry.parallel import Meter
from kitops_jupyter.core.registry.referrers import referrers_tag
from kitops_jupyter.core.registry.uploads import upload_blob

__all__ = ["EMPTY", "SBOM", "SIGNATURE", "push_artifact", "write_fallback_index"]

EMPTY = "application/vnd.oci.empty.v1+json"
SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"
SBOM = "application/spdx+json"


def _blob(client: RegistryClient, repo: str, data: bytes, tmp: Path) -> Descriptor:
    path = tmp / digest_bytes(data).replace(":", "-")
    path.write_bytes(data)
    digest = digest_bytes(data)
    upload_blob(client, repo, digest, len(data), path, Meter(None), "test")
    return Descriptor("application/octet-stream", digest, len(data))


def push_artifact(
    client: RegistryClient,
    repo: str,
    subject: Descriptor | None,
    artifact_type: str,
    tmp: Path,
    *,
    tag: str = "",
) -> Descriptor:
    """Push an OCI 1.1 artifact manifest (empty config, one random layer) that refers to ``subject``."""
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


def write_fallback_index(
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
