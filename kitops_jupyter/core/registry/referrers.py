"""What refers to a ModelKit in its registry: signatures, attestations, SBOMs (OCI 1.1 referrers).

Three places are looked at, in this order, and merged by digest:

1. the referrers API, ``GET /v2/<name>/referrers/<digest>`` (OCI distribution spec 1.1), where the
   registry implements it (an image index answer);
2. otherwise the referrers tag schema the spec gives as fallback: an index tagged ``sha256-<hex>``;
3. cosign's own tags ``sha256-<hex>.sig`` / ``.att`` / ``.sbom`` (what ``cosign sign`` writes on
   registries without the API, and by default on many with it).

Referrer manifests are small; when a listing omits the artifact type or annotations, the manifest
is read to fill them in (at most :data:`MAX_DETAILS`). Lookups that a registry refuses count as
"nothing there": listing referrers never makes an inspect fail.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...errors import NotAModelKit, RegistryError
from .. import mediatypes
from ..digest import hex_of
from ..reference import Reference
from .client import RegistryClient, RegistryOptions, pull_scope
from .lookup import remote_reference
from .retry import Transient

log = logging.getLogger("kitops_jupyter.registry")

__all__ = ["Referrer", "Referrers", "fetch_referrers", "list_referrers", "referrers_tag"]

MAX_DETAILS = 20
MAX_PAGES = 10
COSIGN_SUFFIXES = {".sig": "signature", ".att": "attestation", ".sbom": "sbom"}
_KINDS = {
    "application/vnd.dev.cosign.artifact.sig.v1+json": "signature",
    "application/vnd.dev.cosign.simplesigning.v1+json": "signature",
    "application/vnd.cncf.notary.signature": "signature",
    "application/vnd.in-toto+json": "attestation",
    "application/vnd.dsse.envelope.v1+json": "attestation",
    "application/vnd.dev.cosign.artifact.att.v1+json": "attestation",
    "application/spdx+json": "sbom",
    "text/spdx": "sbom",
    "application/vnd.cyclonedx+json": "sbom",
    "application/vnd.cyclonedx+xml": "sbom",
    "application/vnd.syft+json": "sbom",
    "application/vnd.dev.cosign.artifact.sbom.v1+json": "sbom",
}
_EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
_BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle"
_PREDICATE_ANNOTATION = "dev.sigstore.bundle.predicateType"


@dataclass(frozen=True)
class Referrer:
    """One manifest whose ``subject`` is the ModelKit (or a cosign tag naming it)."""

    digest: str
    media_type: str
    artifact_type: str
    size: int
    kind: str  # "signature", "attestation", "sbom" or "artifact"
    found_by: str  # "referrers API", "referrers tag" or "cosign tag <tag>"
    annotations: dict[str, str] = field(default_factory=dict)

    def to_json_obj(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "mediaType": self.media_type,
            "artifactType": self.artifact_type,
            "size": self.size,
            "kind": self.kind,
            "foundBy": self.found_by,
            "annotations": dict(self.annotations),
        }


@dataclass(frozen=True)
class Referrers:
    """The referrers of ``subject`` (a reference by digest); ``api`` says whether the registry has the API."""

    subject: Reference
    api: bool
    items: list[Referrer]

    def to_json_obj(self) -> dict[str, Any]:
        return {
            "subject": str(self.subject),
            "referrersApi": self.api,
            "referrers": [r.to_json_obj() for r in self.items],
        }


def referrers_tag(digest: str) -> str:
    """The fallback tag of the referrers tag schema: ``sha256:<hex>`` -> ``sha256-<hex>``."""
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}-{value}"


def fetch_referrers(reference: Reference | str, *, options: RegistryOptions | None = None) -> Referrers:
    """Referrers of the ModelKit at ``reference`` (a tag is resolved to its digest first)."""
    ref, _ = remote_reference(reference, "referrers")
    what = f"referrers of {ref}"
    with RegistryClient(ref.registry, options) as client:
        digest = ref.digest or client.get_manifest(ref.repository, ref.ref or "latest", what)[2]
        return list_referrers(client, ref.with_digest(digest), what)


def list_referrers(client: RegistryClient, subject: Reference, what: str) -> Referrers:
    """Everything that refers to ``subject`` (which must carry a digest) in its repository."""
    found = _from_api(client, subject, what)
    api = found is not None
    if found is None:
        found = list(_from_index(client, subject, referrers_tag(subject.digest), "referrers tag", what))
    merged: dict[str, Referrer] = {r.digest: r for r in found}
    for item in _from_cosign_tags(client, subject, what):
        merged.setdefault(item.digest, item)
    items = [
        _with_details(client, subject, r, what) if i < MAX_DETAILS else r
        for i, r in enumerate(merged.values())
    ]
    return Referrers(subject, api, items)


def _from_api(client: RegistryClient, subject: Reference, what: str) -> list[Referrer] | None:
    """The referrers API's answer, or ``None`` when the registry does not implement it."""
    url: str | None = client.url(subject.repository, "referrers", subject.digest)
    items: list[Referrer] = []
    for _ in range(MAX_PAGES):
        if url is None:
            break
        try:
            response = client.request(
                "GET",
                url,
                scope=pull_scope(subject.repository),
                what=what,
                ok=(200, 400, 404, 405),
                headers={"Accept": mediatypes.INDEX},
            )
        except RegistryError as exc:
            log.debug("%s: referrers API refused: %s", what, exc)
            return None
        with response:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            if response.status_code != 200 or content_type != mediatypes.INDEX:
                return items or None
            index = _json(response.content)
            next_link = response.links.get("next", {}).get("url")
        items += _descriptors(index, "referrers API")
        url = client.absolute(response, next_link) if next_link else None
    return items


def _from_index(
    client: RegistryClient, subject: Reference, tag: str, found_by: str, what: str
) -> Iterator[Referrer]:
    try:
        data, media_type, _ = client.get_manifest(subject.repository, tag, what)
    except RegistryError as exc:
        log.debug("%s: no %s (%s)", what, tag, exc)
        return
    if media_type == mediatypes.INDEX or _json(data).get("mediaType") == mediatypes.INDEX:
        yield from _descriptors(_json(data), found_by)


def _from_cosign_tags(client: RegistryClient, subject: Reference, what: str) -> Iterator[Referrer]:
    for suffix, kind in COSIGN_SUFFIXES.items():
        tag = referrers_tag(subject.digest) + suffix
        try:
            data, media_type, digest = client.get_manifest(subject.repository, tag, what)
        except RegistryError as exc:
            log.debug("%s: no cosign tag %s (%s)", what, tag, exc)
            continue
        manifest = _json(data)
        artifact_type = str(manifest.get("artifactType") or manifest.get("config", {}).get("mediaType") or "")
        yield Referrer(
            digest,
            media_type or str(manifest.get("mediaType", "")),
            artifact_type,
            len(data),
            kind,
            f"cosign tag {tag}",
            _annotations(manifest),
        )


def _descriptors(index: dict[str, Any], found_by: str) -> list[Referrer]:
    items = []
    for entry in index.get("manifests") or []:
        if not isinstance(entry, dict) or not str(entry.get("digest", "")).startswith("sha256:"):
            continue
        artifact_type = str(entry.get("artifactType") or "")
        annotations = _annotations(entry)
        kind = kind_of(artifact_type, annotations)
        size = int(entry.get("size") or 0)
        items.append(
            Referrer(
                str(entry["digest"]),
                str(entry.get("mediaType", "")),
                artifact_type,
                size,
                kind,
                found_by,
                annotations,
            )
        )
    return items


def _with_details(client: RegistryClient, subject: Reference, item: Referrer, what: str) -> Referrer:
    """Fill the artifact type and annotations from the referrer's own manifest when the listing lacks them."""
    if item.annotations and item.artifact_type and item.artifact_type != _EMPTY_CONFIG:
        return item
    try:
        data, _, _ = client.get_manifest(subject.repository, item.digest, what)
    except (RegistryError, NotAModelKit, Transient) as exc:
        log.debug("%s: cannot read referrer %s: %s", what, hex_of(item.digest)[:12], exc)
        return item
    manifest = _json(data)
    artifact_type = str(
        manifest.get("artifactType")
        or item.artifact_type
        or manifest.get("config", {}).get("mediaType")
        or ""
    )
    annotations = {**_annotations(manifest), **item.annotations}
    kind = item.kind if item.found_by.startswith("cosign") else kind_of(artifact_type, annotations)
    return Referrer(item.digest, item.media_type, artifact_type, item.size, kind, item.found_by, annotations)


def kind_of(artifact_type: str, annotations: dict[str, str]) -> str:
    """``signature``, ``attestation``, ``sbom`` or ``artifact`` for an artifact type."""
    if artifact_type.startswith(_BUNDLE_PREFIX):
        return "attestation" if _PREDICATE_ANNOTATION in annotations else "signature"
    return _KINDS.get(artifact_type, "artifact")


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    value = obj.get("annotations")
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}
