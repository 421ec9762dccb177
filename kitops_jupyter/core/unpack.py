"""``kit unpack``: choose layers with filters, extract them, then write the Kitfile (docs/format.md §4).

Planning follows the newest kit (docs/format.md §4.1): when the config Kitfile carries layer digests, entries are
visited in Kitfile order and looked up in the manifest by digest; otherwise layers are paired with
Kitfile entries by position as v1.7 does. The safe, digest-verified, transactional extraction of
each planned layer lives in :mod:`.extract` (:func:`unpack_layers` is re-exported here).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import (
    IntegrityError,
    InvalidReference,
    KitfileError,
    UnpackError,
    UnsafeArchive,
)
from . import mediatypes
from .extract import STAGING_PREFIX, OpenBlob, UnpackHow, UnpackTransaction, unpack_layers, unpack_transaction
from .kitfile import Kitfile, LayerInfo, dump_kitfile
from .layerplan import PlannedLayer
from .manifest import Descriptor, Manifest
from .progress import ProgressCallback
from .reference import parse_reference
from .tarread import check_name
from .unpackfilters import FILTER_TYPES, Filter, parse_filters, wants_kitfile

__all__ = [
    "FILTER_TYPES",
    "STAGING_PREFIX",
    "Filter",
    "OpenBlob",
    "PlannedLayer",
    "UnpackHow",
    "UnpackTransaction",
    "parse_filters",
    "plan_unpack",
    "unpack_layers",
    "unpack_modelkit",
    "unpack_transaction",
    "wants_kitfile",
    "write_unpacked_kitfile",
]

KITFILE_NAME = "Kitfile"


# -- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    kind: str  # "model", "model part", "dataset", "code", "docs", "prompt", "MCP server"
    filter_type: str
    name: str
    path: str
    digest: str
    diff_id: str
    has_layer: bool

    def selected(self, filters: list[Filter]) -> bool:
        fields = (self.name, self.path) if self.kind not in ("code", "docs") else (self.path,)
        return not filters or any(f.matches(self.filter_type, x) for f in filters for x in fields)


def plan_unpack(manifest: Manifest, kitfile: Kitfile, filters: list[Filter]) -> list[PlannedLayer]:
    """The layers to extract, in kit's order, restricted to what ``filters`` select."""
    entries = list(_kitfile_entries(kitfile))
    with_info = [e.has_layer for e in entries if e.kind != "MCP server"]  # kit does not count these
    if all(with_info):
        plan = [_by_digest(manifest, e) for e in entries if e.has_layer and e.selected(filters)]
    elif not any(with_info):
        plan = _by_position(manifest, entries, filters)
    else:
        raise KitfileError(
            "some entries carry layer digests and others do not; the ModelKit is inconsistent, re-pack it",
            source="ModelKit config",
        )
    for layer in plan:
        _check_supported(layer)
    return plan


def _kitfile_entries(kf: Kitfile) -> Iterator[_Entry]:
    """Entries that own a layer, in the newest kit's plan order."""
    model = kf.model
    if model is not None:
        if model.path and not _is_reference(model.path):
            yield _entry("model", "model", model.name, model.path, model.layer)
        for part in model.parts:
            yield _entry("model part", "model", part.name, part.path, part.layer)
    for ds in kf.datasets:
        if not ds.remote_path:
            yield _entry("dataset", "datasets", ds.name, ds.path, ds.layer)
    for code in kf.code:
        yield _entry("code", "code", "", code.path, code.layer)
    for doc in kf.docs:
        yield _entry("docs", "docs", "", doc.path, doc.layer)
    for prompt in kf.prompts:
        yield _entry("prompt", "prompts", prompt.name, prompt.path, prompt.layer)
    for server in kf.mcp_servers:
        yield _entry("MCP server", "mcpservers", server.name, server.path, server.layer)


def _entry(kind: str, filter_type: str, name: str, path: str, layer: LayerInfo | None) -> _Entry:
    digest = layer.digest if layer is not None else ""
    diff_id = layer.diff_id if layer is not None else ""
    return _Entry(kind, filter_type, name, path, digest, diff_id, bool(digest))


def _is_reference(path: str) -> bool:
    if ":" not in path and "@" not in path:
        return False
    try:
        parse_reference(path)
    except InvalidReference:
        return False
    return True


def _by_digest(manifest: Manifest, entry: _Entry) -> PlannedLayer:
    for desc in manifest.layers:
        if desc.digest == entry.digest:
            return PlannedLayer(desc, entry.kind, entry.name, entry.path, entry.diff_id)
    raise IntegrityError(
        f"the ModelKit config lists {entry.kind} {entry.name or entry.path!r} with layer {entry.digest}, "
        "but the manifest has no such layer; the ModelKit is inconsistent, pull or pack it again"
    )


_LEGACY_QUEUES = {"modelpart": "model part", "dataset": "dataset", "docs": "docs"}


def _by_position(manifest: Manifest, entries: list[_Entry], filters: list[Filter]) -> list[PlannedLayer]:
    """v1.7 pairing: the n-th layer of a type belongs to the n-th Kitfile entry of that type."""
    queues: dict[str, list[_Entry]] = {}
    for entry in entries:
        queues.setdefault(entry.kind, []).append(entry)
    plan, seen_model = [], False
    for desc in manifest.layers:
        parsed = mediatypes.parse_layer_media_type(desc.media_type)
        if parsed is None:
            continue  # unknown media types are skipped, as kit does
        kind = _legacy_kind(parsed[0], desc, seen_model)
        if kind is None:
            continue
        seen_model = seen_model or kind == "model"
        if not queues.get(kind):
            raise IntegrityError(
                f"the manifest has more {kind} layers than the Kitfile has entries (layer {desc.digest}); "
                "the ModelKit is inconsistent, pack it again"
            )
        entry = queues[kind].pop(0)
        if entry.selected(filters):
            subdir = posixpath.dirname(_checked_path(entry.path, desc))
            plan.append(PlannedLayer(desc, entry.kind, entry.name, entry.path, entry.diff_id, subdir))
    return plan


def _legacy_kind(base: str, desc: Descriptor, seen_model: bool) -> str | None:
    if base == "model":
        return "model part" if seen_model else "model"
    if base == "code":
        subtype = (desc.annotations or {}).get(mediatypes.ANNOTATION_SUBTYPE)
        return "prompt" if subtype == "prompt" else "code"
    if base == "mcpb":
        return "MCP server"
    return _LEGACY_QUEUES.get(base)


def _checked_path(path: str, desc: Descriptor) -> str:
    try:
        return check_name(path, is_dir=True)
    except ValueError as exc:
        raise UnsafeArchive(
            f"layer {desc.digest[:19]}: Kitfile path {path!r} {exc}; refusing to unpack"
        ) from None


def _check_supported(layer: PlannedLayer) -> None:
    if layer.format not in ("tar", "raw") or layer.compression not in ("", "gzip", "zstd"):
        raise UnpackError(
            f"{layer.label}: unsupported layer format or compression; upgrade kitops-jupyter to unpack it"
        )


# -- Kitfile and the whole operation ---------------------------------------------------------


def write_unpacked_kitfile(
    kitfile: Kitfile,
    target: Path,
    filters: list[Filter],
    *,
    overwrite: bool = False,
    transaction: UnpackTransaction | None = None,
) -> Path | None:
    """Write ``target/Kitfile`` (yaml.v3 style, no digests) if the filters want it; kit's rules:
    identical bytes are fine, different bytes need ``overwrite``. Returns the path, or None if skipped."""
    if not wants_kitfile(filters):
        return None
    data = dump_kitfile(kitfile).encode("utf-8")
    with unpack_transaction(target, overwrite=overwrite, outer=transaction) as txn:
        path = txn.target / KITFILE_NAME
        if _kitfile_matches(path, data, overwrite):
            return path
        return txn.add_file(KITFILE_NAME, data, 0o644)  # kit writes 0644, umask applies


def _kitfile_matches(path: Path, data: bytes, overwrite: bool) -> bool:
    """True if an identical Kitfile is already there; raises if a different one would be replaced."""
    if not os.path.lexists(path):
        return False
    if path.is_symlink() or not path.is_file():
        raise UnpackError(f"path {path} exists and is not a regular file; remove it to unpack the Kitfile")
    if path.read_bytes() == data:
        return True
    if overwrite:
        return False
    raise UnpackError(
        f"{path} exists and differs from the ModelKit's Kitfile; use overwrite=True (-o) to replace it"
    )


def unpack_modelkit(
    manifest: Manifest,
    kitfile: Kitfile,
    open_blob: OpenBlob,
    target: Path,
    *,
    filters: list[Filter] | None = None,
    overwrite: bool = False,
    ignore_existing: bool = False,
    progress: ProgressCallback | None = None,
    transaction: UnpackTransaction | None = None,
) -> list[PlannedLayer]:
    """Plan, extract the layers, then write the Kitfile, all or nothing (within ``transaction`` if
    given); a Kitfile conflict is detected up front."""
    chosen = filters or []
    plan = plan_unpack(manifest, kitfile, chosen)
    if wants_kitfile(chosen):
        _kitfile_matches(target / KITFILE_NAME, dump_kitfile(kitfile).encode("utf-8"), overwrite)
    with unpack_transaction(
        target, overwrite=overwrite, ignore_existing=ignore_existing, outer=transaction
    ) as txn:
        txn.extract(plan, open_blob, progress)
        write_unpacked_kitfile(kitfile, target, chosen, overwrite=overwrite, transaction=txn)
    return plan
