"""Every media type, artifact type and annotation key of the ModelKit format, in one place.

Source: docs/format.md §2.1-2.5 (kit's ``pkg/lib/constants/mediatype``).
"""

from __future__ import annotations

import re

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
KIT_ARTIFACT = "application/vnd.kitops.modelkit.manifest.v1+json"
KIT_CONFIG = "application/vnd.kitops.modelkit.config.v1+json"
MODELPACK_ARTIFACT = "application/vnd.cncf.model.manifest.v1+json"
MODELPACK_CONFIG = "application/vnd.cncf.model.config.v1+json"

ANNOTATION_CLI_VERSION = "ml.kitops.modelkit.cli-version"
ANNOTATION_CREATED = "org.opencontainers.image.created"
ANNOTATION_FILEPATH = "org.cncf.model.filepath"
ANNOTATION_SUBTYPE = "ml.kitops.modelkit.layer-subtype"
ANNOTATION_KITFILE = "ml.kitops.modelkit.kitfile"
ANNOTATION_FILE_METADATA = "org.cncf.model.file.metadata+json"  # raw layers: name, mode, size, mtime

# Layer base types as they appear in kit media types, in pack order.
MODEL = "model"
MODELPART = "modelpart"
CODE = "code"
DATASET = "dataset"
DOCS = "docs"

COMPRESSIONS = ("none", "gzip", "gzip-fastest", "zstd")

# cosign's signature/attestation/SBOM tags and the OCI 1.1 referrers fallback tag: never ModelKits.
_COSIGN_TAG = re.compile(r"^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$")


def is_cosign_tag(tag: str) -> bool:
    """True for tags holding signatures, attestations or referrers indexes (``sha256-<hex>.sig``)."""
    return bool(_COSIGN_TAG.match(tag))


_KIT_LAYER = re.compile(r"^application/vnd\.kitops\.modelkit\.(\w+)\.v1\.(\w+)(?:\+(\w+))?$")
_MODELPACK_LAYER = re.compile(r"^application/vnd\.cncf\.model\.([\w.]+)\.v1\.(\w+)(?:\+(\w+))?$")
# ModelPack base names mapped back to kit's (docs/format.md §2.5).
_MODELPACK_BASES = {
    "weight": MODEL,
    "weight.config": MODELPART,
    "dataset": DATASET,
    "code": CODE,
    "doc": DOCS,
}


def layer_media_type(base: str, compression: str) -> str:
    """Kit media type for a tar layer of ``base`` packed with ``compression`` (one of COMPRESSIONS)."""
    suffix = {"none": "", "gzip": "+gzip", "gzip-fastest": "+gzip", "zstd": "+zstd"}[compression]
    return f"application/vnd.kitops.modelkit.{base}.v1.tar{suffix}"


def parse_layer_media_type(media_type: str) -> tuple[str, str, str] | None:
    """``(base, format, compression)`` for a Kit or ModelPack layer media type, else ``None``.

    ``compression`` is ``""`` for uncompressed layers; ModelPack bases are mapped to kit's names.
    """
    match = _KIT_LAYER.match(media_type)
    if match:
        return match.group(1), match.group(2), match.group(3) or ""
    match = _MODELPACK_LAYER.match(media_type)
    if match and match.group(1) in _MODELPACK_BASES:
        return _MODELPACK_BASES[match.group(1)], match.group(2), match.group(3) or ""
    return None
