"""OCI descriptors and image manifests, encoded byte-for-byte as kit's Go code writes them (docs/format.md §2.3).

Key order follows the Go structs (``ocispec.Manifest``, ``ocispec.Descriptor``); annotation maps are
key-sorted; empty optional fields are omitted like Go's ``omitempty``. A manifest digest is the
sha256 of :meth:`Manifest.encode`, so the encoding must not drift.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from ..errors import InvalidArgument, StoreError
from . import mediatypes
from .digest import is_digest
from .gojson import dumps, sort_maps

__all__ = [
    "Descriptor",
    "Kind",
    "Manifest",
    "build_manifest",
    "created_timestamp",
    "unique_by_digest",
]

Kind = Literal["kit", "modelpack"]
_EPOCH = re.compile(r"^[+-]?[0-9]+$")  # Go's strconv.ParseInt: no spaces or underscores
_PLATFORM_KEYS = ("architecture", "os", "os.version", "os.features", "variant")


@dataclass(frozen=True)
class Descriptor:
    """An OCI content descriptor. ``urls``/``data``/``platform``/``artifact_type`` are rare but kept."""

    media_type: str
    digest: str
    size: int
    annotations: dict[str, str] | None = None
    urls: tuple[str, ...] | None = None
    data: str | None = None  # base64, as Go marshals []byte
    platform: dict[str, Any] | None = None
    artifact_type: str | None = None

    def __hash__(self) -> int:  # annotations/platform are dicts; hash what identifies the content
        return hash((self.media_type, self.digest, self.size))

    def to_json_obj(self) -> dict[str, Any]:
        """Fields in Go declaration order, empty optional fields omitted."""
        obj: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.urls:
            obj["urls"] = list(self.urls)
        if self.annotations:
            obj["annotations"] = sort_maps(self.annotations)
        if self.data:
            obj["data"] = self.data
        if self.platform is not None:
            obj["platform"] = _platform_obj(self.platform)
        if self.artifact_type:
            obj["artifactType"] = self.artifact_type
        return obj

    def encode(self) -> bytes:
        return dumps(self.to_json_obj())

    def plain(self) -> Descriptor:
        """Only media type, digest and size (what kit stores in its index and tag files)."""
        return Descriptor(self.media_type, self.digest, self.size)

    @classmethod
    def from_json_obj(cls, obj: Any, where: str = "descriptor") -> Descriptor:
        """Validate and convert a decoded JSON object; raises :class:`StoreError` naming ``where``."""
        if not isinstance(obj, dict):
            raise StoreError(f"{where}: expected a JSON object, got {_kind_of(obj)}")
        digest = obj.get("digest")
        size = obj.get("size")
        if not isinstance(digest, str) or not is_digest(digest):
            raise StoreError(f"{where}: 'digest' must be 'sha256:' followed by 64 hex digits, got {digest!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise StoreError(f"{where}: 'size' must be a non-negative integer, got {size!r}")
        urls = _optional(obj, "urls", list, where)
        platform = _optional(obj, "platform", dict, where)
        return cls(
            media_type=_optional(obj, "mediaType", str, where) or "",
            digest=digest,
            size=size,
            annotations=_annotations(obj.get("annotations"), f"{where}.annotations"),
            urls=tuple(str(u) for u in urls) if urls else None,
            data=_optional(obj, "data", str, where),
            platform=platform,
            artifact_type=_optional(obj, "artifactType", str, where),
        )


@dataclass(frozen=True)
class Manifest:
    """An OCI image manifest. ``layers_null`` keeps a Go ``"layers":null`` (≤ v1.7, no layers) exact."""

    config: Descriptor
    layers: list[Descriptor]
    annotations: dict[str, str] | None = None
    media_type: str | None = None
    artifact_type: str | None = None
    subject: Descriptor | None = None
    layers_null: bool = field(default=False, compare=False)

    @property
    def kind(self) -> Kind | None:
        """``"kit"``, ``"modelpack"`` or ``None`` from artifactType or config media type (docs/format.md §2.1)."""
        config_type = self.config.media_type
        if self.artifact_type == mediatypes.KIT_ARTIFACT or config_type == mediatypes.KIT_CONFIG:
            return "kit"
        if self.artifact_type == mediatypes.MODELPACK_ARTIFACT or config_type == mediatypes.MODELPACK_CONFIG:
            return "modelpack"
        return None

    @property
    def created(self) -> str:
        """The ``created`` annotation (RFC 3339), or ``""`` when the manifest has none."""
        return (self.annotations or {}).get(mediatypes.ANNOTATION_CREATED, "")

    @property
    def cli_version(self) -> str:
        """The ``cli-version`` annotation, or ``"unknown"`` like ``kit inspect``."""
        return (self.annotations or {}).get(mediatypes.ANNOTATION_CLI_VERSION) or "unknown"

    def to_json_obj(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"schemaVersion": 2}
        if self.media_type:
            obj["mediaType"] = self.media_type
        if self.artifact_type:
            obj["artifactType"] = self.artifact_type
        obj["config"] = self.config.to_json_obj()
        empty_layers: list[Any] | None = None if self.layers_null else []
        obj["layers"] = [layer.to_json_obj() for layer in self.layers] if self.layers else empty_layers
        if self.subject is not None:
            obj["subject"] = self.subject.to_json_obj()
        if self.annotations:
            obj["annotations"] = sort_maps(self.annotations)
        return obj

    def encode(self) -> bytes:
        """Compact Go JSON: the exact bytes whose sha256 is the manifest digest."""
        return dumps(self.to_json_obj())

    def blob_descriptors(self) -> list[Descriptor]:
        """The config followed by the layers: every blob this manifest needs."""
        return [self.config, *self.layers]

    @classmethod
    def parse(cls, data: bytes, source: str) -> Manifest:
        """Decode and validate manifest JSON; raises :class:`StoreError` naming ``source``."""
        try:
            obj = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{source}: not valid manifest JSON ({exc}); the content is corrupt") from None
        if not isinstance(obj, dict):
            raise StoreError(f"{source}: a manifest must be a JSON object, got {_kind_of(obj)}")
        if obj.get("schemaVersion") != 2:
            raise StoreError(f"{source}: unsupported schemaVersion {obj.get('schemaVersion')!r}; expected 2")
        if "config" not in obj:
            raise StoreError(f"{source}: the manifest has no 'config' descriptor")
        layers = _layers(obj.get("layers"), source)
        subject = obj.get("subject")
        return cls(
            config=Descriptor.from_json_obj(obj["config"], f"{source}: config"),
            layers=layers,
            annotations=_annotations(obj.get("annotations"), f"{source}: annotations"),
            media_type=_optional(obj, "mediaType", str, source),
            artifact_type=_optional(obj, "artifactType", str, source),
            subject=None if subject is None else Descriptor.from_json_obj(subject, f"{source}: subject"),
            layers_null=obj.get("layers") is None,
        )


def unique_by_digest(descs: Iterable[Descriptor]) -> list[Descriptor]:
    """``descs`` without repeated digests, first occurrence kept, order kept."""
    seen: dict[str, Descriptor] = {}
    for desc in descs:
        seen.setdefault(desc.digest, desc)
    return list(seen.values())


def build_manifest(
    config: Descriptor,
    layers: list[Descriptor],
    cli_version: str,
    created: str | None,
    *,
    artifact_type: str = mediatypes.KIT_ARTIFACT,
) -> Manifest:
    """A manifest in kit's newest layout (mediaType, artifactType, ``[]`` layers when none).

    ``created`` is the ``org.opencontainers.image.created`` value (see :func:`created_timestamp`);
    ``None`` leaves the annotation out, as kit ≤ 1.7 did.
    """
    annotations = {mediatypes.ANNOTATION_CLI_VERSION: cli_version}
    if created is not None:
        annotations[mediatypes.ANNOTATION_CREATED] = created
    return Manifest(
        config=config,
        layers=list(layers),
        annotations=annotations,
        media_type=mediatypes.MANIFEST,
        artifact_type=artifact_type,
    )


def created_timestamp() -> str:
    """RFC 3339 UTC whole seconds from ``SOURCE_DATE_EPOCH`` if set, else now (``2026-06-30T12:00:00Z``)."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "")
    if raw == "":
        moment = datetime.now(timezone.utc)
    else:
        try:
            if not _EPOCH.match(raw):
                raise ValueError(raw)
            moment = datetime.fromtimestamp(int(raw), timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InvalidArgument(
                f"SOURCE_DATE_EPOCH={raw!r} is not usable: set it to an integer number of seconds since "
                "1970-01-01 UTC (e.g. SOURCE_DATE_EPOCH=1782820800), or unset it to use the current time"
            ) from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _layers(value: Any, source: str) -> list[Descriptor]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise StoreError(f"{source}: 'layers' must be a list, got {_kind_of(value)}")
    return [Descriptor.from_json_obj(item, f"{source}: layers[{i}]") for i, item in enumerate(value)]


def _annotations(value: Any, where: str) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise StoreError(f"{where}: annotations must map strings to strings")
    return dict(value)


def _optional(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    if value is not None and not isinstance(value, kind):
        raise StoreError(f"{where}: {key!r} must be a {kind.__name__}, got {_kind_of(value)}")
    return value


def _platform_obj(platform: dict[str, Any]) -> dict[str, Any]:
    """Go's ``ocispec.Platform`` order; architecture and os are always written."""
    obj: dict[str, Any] = {"architecture": platform.get("architecture", ""), "os": platform.get("os", "")}
    for key in _PLATFORM_KEYS[2:]:
        if platform.get(key):
            obj[key] = platform[key]
    return obj


def _kind_of(value: Any) -> str:
    return "null" if value is None else type(value).__name__
