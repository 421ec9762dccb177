"""How cosign stores signatures and attestations in a registry (no network here).

A signature of the manifest ``sha256:<hex>`` lives in the same repository under the tag
``sha256-<hex>.sig``: an OCI image manifest whose layers are simple-signing payloads (media type
``application/vnd.dev.cosign.simplesigning.v1+json``), each carrying its base64 ECDSA signature in
the ``dev.cosignproject.cosign/signature`` annotation. Attestations use ``sha256-<hex>.att`` with
DSSE envelope layers and a ``predicateType`` annotation. In the OCI 1.1 form the same manifest has
``config.mediaType`` ``application/vnd.dev.cosign.artifact.sig.v1+json`` and a ``subject``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .. import mediatypes
from ..digest import digest_bytes, hex_of
from ..manifest import Descriptor, Manifest

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
PREDICATE_ANNOTATION = "predicateType"
SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"
OCI_IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json"
SIGNATURE_TYPE = "cosign container image signature"

is_cosign_tag = mediatypes.is_cosign_tag


def signature_tag(digest: str, suffix: str = "sig") -> str:
    """``sha256-<hex>.sig`` (or ``.att``) for the manifest ``digest``."""
    return f"sha256-{hex_of(digest)}.{suffix}"


def simple_signing_payload(docker_reference: str, digest: str) -> bytes:
    """The payload ``cosign sign`` signs: Go ``json.Marshal`` of its SimpleContainerImage."""
    doc = {
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest},
            "type": SIGNATURE_TYPE,
        },
        "optional": None,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SignedClaim:
    """What a simple-signing payload claims: the image digest and the reference it was signed as."""

    digest: str
    docker_reference: str


def parse_payload(data: bytes) -> SignedClaim | None:
    """The claim of a simple-signing payload, or ``None`` when it is not one."""
    try:
        doc = json.loads(data)
        critical = doc["critical"]
        if critical["type"] != SIGNATURE_TYPE:
            return None
        return SignedClaim(
            str(critical["image"]["docker-manifest-digest"]), str(critical["identity"]["docker-reference"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def image_config(diff_ids: list[str]) -> bytes:
    """The image config cosign's signature images carry (go-containerregistry's empty image + layers)."""
    doc: dict[str, Any] = {
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"} for _ in diff_ids],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "config": {},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def signature_layer(payload: bytes, media_type: str, annotations: dict[str, str]) -> Descriptor:
    return Descriptor(media_type, digest_bytes(payload), len(payload), dict(annotations))


def signature_manifest(
    layers: list[Descriptor], config: bytes, *, subject: Descriptor | None = None
) -> Manifest:
    """The manifest under ``sha256-<hex>.sig``/``.att`` (with ``subject``: the OCI 1.1 referrer form)."""
    config_type = SIG_ARTIFACT if subject is not None else OCI_IMAGE_CONFIG
    return Manifest(
        config=Descriptor(config_type, digest_bytes(config), len(config)),
        layers=list(layers),
        media_type=mediatypes.MANIFEST,
        subject=subject,
    )


def merge_layers(existing: list[Descriptor], new: Descriptor) -> list[Descriptor]:
    """``existing`` plus ``new`` unless an identical signature is there already (cosign's dedupe)."""
    for layer in existing:
        if layer.digest == new.digest and (layer.annotations or {}) == (new.annotations or {}):
            return list(existing)
    return [*existing, new]
