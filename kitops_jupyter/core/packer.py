"""Pack a context directory and its Kitfile into a ModelKit in the local store, as ``kit pack`` does.

One layer per Kitfile entry in kit's order (docs/format.md §2.3), each written in a single streaming
pass (layerwrite), then the config (the Kitfile as Go JSON with digests) and the manifest. Blobs
land in the store only after they are complete and hashed, so an interrupted pack leaves nothing
half-written behind.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .._version import __version__
from ..errors import InvalidArgument, NotFound, PackError
from . import mediatypes
from .digest import digest_bytes
from .ignore import IgnoreRules, kit_clean
from .kitfile import (
    Kitfile,
    LayerInfo,
    Prompt,
    find_kitfile,
    layer_entries,
    parse_kitfile,
    read_kitfile_bytes,
    validate_kitfile,
)
from .kitfile import config_json as kitfile_config_json
from .layercache import CachedLayer, LayerCache
from .layerwalk import TarEntry, walk_layer
from .layerwrite import plain_tar_size, write_layer
from .manifest import Descriptor, Manifest, build_manifest, created_timestamp
from .parents import parent_chain, parent_reference
from .progress import ByteProgress, ProgressCallback
from .reference import Reference, parse_reference
from .secretpolicy import enforce, scan_pack
from .secrets import SecretFinding
from .secretscan import UnscannedFile
from .store import BlobPins, LocalStore

if TYPE_CHECKING:
    from .registry.transfer import PushResult

CLI_VERSION = f"kitops-jupyter-{__version__}"


class LayerTee(Protocol):
    """Receives a layer's blob bytes while it is packed (``pack --push``), then its digest."""

    def write(self, data: bytes | memoryview) -> None: ...

    def close(self, digest: str | None) -> bool: ...  # None: the layer failed, abandon it


OpenTee = Callable[
    [str, int | None], LayerTee
]  # (layer media type, blob size if known) -> where its bytes go
UNTAGGED_REPO = "localhost/_"


@dataclass
class PackResult:
    """What a pack produced: the stored manifest, its references and the Kitfile with layer digests."""

    descriptor: Descriptor
    manifest: Manifest
    kitfile: Kitfile
    references: list[Reference]
    warnings: list[str] = field(default_factory=list)
    cached_layers: list[str] = field(default_factory=list)  # layer digests reused from the layer cache
    pushed: PushResult | None = None  # set by ``pack(push=True)``
    secrets: list[SecretFinding] = field(default_factory=list)  # packed anyway (allow_secrets=True)
    unscanned: list[UnscannedFile] = field(default_factory=list)  # files the secret scan could not read

    @property
    def digest(self) -> str:
        return self.descriptor.digest


@dataclass
class _PlannedLayer:
    base: str
    entry: object
    path: str
    entries: list[TarEntry]

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries)


def pack(
    context: Path,
    store: LocalStore,
    *,
    tag: str | None = None,
    kitfile_path: Path | None = None,
    kitfile_text: str | None = None,
    compression: str = "none",
    progress: ProgressCallback | None = None,
    warn: Callable[[str], None] | None = None,
    cache: bool = True,
    layer_sink: OpenTee | None = None,
    use_model_pack: bool = False,
    allow_secrets: bool = False,
) -> PackResult:
    """Pack ``context`` into ``store``; ``tag`` may hold several comma-separated tags (``repo:a,b``).

    With ``cache`` (the default) a layer whose files are unchanged since an earlier pack (see
    :mod:`.layercache`) reuses its stored blob without reading them; ``cache=False`` reads everything.
    ``layer_sink(media_type)`` gets each layer packed here (not the cached ones) as it is written.
    ``use_model_pack`` writes a CNCF ModelPack manifest and config instead of kit's (docs/format.md §2.5).
    What would be packed is scanned for secrets first (cached layers too); a finding stops the pack with
    :class:`~kitops_jupyter.errors.SecretsFound` before anything is written, unless ``allow_secrets``.
    """
    if compression not in mediatypes.COMPRESSIONS:
        choices = ", ".join(mediatypes.COMPRESSIONS)
        raise InvalidArgument(f"unknown compression {compression!r}; choose one of {choices}")
    context = _check_context(context)
    warnings: list[str] = []

    def note(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    references = _references(tag)
    text, source = _kitfile_text(context, kitfile_path, kitfile_text)
    kitfile = _load(text, source, note)
    _check_parent_chain(references, kitfile, store)
    if use_model_pack:
        from .modelpack_output import check_kitfile

        check_kitfile(kitfile)
    rules = IgnoreRules.load(context)
    layers = _plan_layers(context, kitfile, _parent_paths(kitfile, store), rules, note)
    files = [(e.name, e.path) for layer in layers for e in layer.entries if not e.is_dir]
    scan = scan_pack(text, _shown_name(source, context), files)
    enforce(scan, context, allow=allow_secrets, note=note)
    counter = ByteProgress(sum(layer.size for layer in layers) + _raw_size(context, kitfile), progress)
    with store.pinning() as pins:  # a removal in another process keeps our blobs until they are listed
        writer = _LayerWriter(store, compression, counter, rules.patterns, cache, layer_sink, pins)
        descriptors = [writer.write(layer) for layer in layers]
        descriptors += _write_mcp_servers(context, kitfile, store, counter, pins)
        if not descriptors:
            note("ModelKit contains no layers")
        manifest = _manifest(kitfile, descriptors, store, use_model_pack, pins)
        repo_key = references[0].repo_key if references else UNTAGGED_REPO
        tags = [ref.tag for ref in references]
        descriptor = store.put_manifest(repo_key, manifest.encode(), tags)
    return PackResult(
        descriptor,
        manifest,
        kitfile,
        references,
        warnings,
        writer.cached,
        secrets=scan.findings,
        unscanned=scan.unscanned,
    )


def _manifest(
    kitfile: Kitfile, layers: list[Descriptor], store: LocalStore, use_model_pack: bool, pins: BlobPins
) -> Manifest:
    kitfile_json = kitfile_config_json(kitfile)
    created = created_timestamp()
    if not use_model_pack:
        pins.add([digest_bytes(kitfile_json)])
        config_desc = Descriptor(mediatypes.KIT_CONFIG, store.write_blob(kitfile_json), len(kitfile_json))
        return build_manifest(config_desc, layers, CLI_VERSION, created)
    from .modelpack_output import modelpack_config, modelpack_manifest

    diff_ids = [_diff_id(kitfile, layer.digest) for layer in layers]
    config = modelpack_config(kitfile, diff_ids, created)
    pins.add([digest_bytes(config)])
    config_desc = Descriptor(mediatypes.MODELPACK_CONFIG, store.write_blob(config), len(config))
    return modelpack_manifest(config_desc, layers, kitfile_json, CLI_VERSION, created)


def _diff_id(kitfile: Kitfile, digest: str) -> str:
    for _, entry in layer_entries(kitfile):
        info = getattr(entry, "layer", None)
        if info is not None and info.digest == digest:
            return str(info.diff_id)
    return digest


def _write_mcp_servers(
    context: Path, kitfile: Kitfile, store: LocalStore, counter: ByteProgress, pins: BlobPins
) -> list[Descriptor]:
    """``mcpServers`` entries as raw ``.mcpb`` layers after every other layer, as the newest kit does."""
    from .rawlayer import MCPB, write_raw_layer

    written = []
    for i, server in enumerate(kitfile.mcp_servers):
        desc = write_raw_layer(context, server.path, MCPB, store, counter, f"mcpServers[{i}].path", pins.add)
        server.layer = LayerInfo(desc.digest, desc.digest)
        written.append(desc)
    return written


def _raw_size(context: Path, kitfile: Kitfile) -> int:
    total = 0
    for server in kitfile.mcp_servers:
        with contextlib.suppress(OSError):  # write_raw_layer reports it with the field name
            total += (context / server.path).lstat().st_size
    return total


def _check_context(context: Path) -> Path:
    context = Path(context).resolve()
    if not context.is_dir():
        raise PackError(f"context directory {context} does not exist or is not a directory")
    return context


def _references(tag: str | None) -> list[Reference]:
    if not tag:
        return []
    ref, extra = parse_reference(tag)
    if ref.digest:
        raise InvalidArgument(f"cannot pack to a digest reference ({tag}); give a tag such as repo:v1")
    return [ref] + [ref.with_tag(t) for t in extra]


STDIN_SOURCE = "Kitfile (stdin)"


def _kitfile_text(context: Path, kitfile_path: Path | None, kitfile_text: str | None) -> tuple[str, str]:
    """The Kitfile's text and where it came from (a path, or ``Kitfile (stdin)`` for given text)."""
    if kitfile_text is not None:
        return kitfile_text, STDIN_SOURCE
    path = Path(kitfile_path) if kitfile_path else find_kitfile(context)
    try:
        return read_kitfile_bytes(path).decode("utf-8"), str(path)  # over 1 MiB is refused unread
    except NotFound:
        raise PackError(f"Kitfile {path} does not exist; create one with `kit init` or pass -f") from None
    except UnicodeDecodeError as exc:
        raise PackError(f"Kitfile {path} is not UTF-8 text ({exc.reason}); save it as UTF-8") from None


def _shown_name(source: str, context: Path) -> str:
    """The Kitfile as findings name it: relative to the context when inside it."""
    if source == STDIN_SOURCE:
        return "Kitfile"
    path = Path(source).resolve()
    return path.relative_to(context).as_posix() if path.is_relative_to(context) else source


def _load(kitfile_text: str, source: str, note: Callable[[str], None]) -> Kitfile:
    kitfile = parse_kitfile(kitfile_text, source=source)
    for message in validate_kitfile(kitfile, source=source):
        note(message)
    return kitfile


class _NotStored(Exception):
    """A parent that is not in the local store: pack stays offline, so the walk stops there."""


def _check_parent_chain(references: list[Reference], kitfile: Kitfile, store: LocalStore) -> None:
    """Refuse a ``model.path`` reference cycle or a chain longer than kit allows, as ``kit pack`` does.

    The reference being packed counts as the chain's start, so re-packing a parent to point at its
    own descendant is a cycle. Parents are read from the local store; the walk stops at the first
    parent that is not there (pull and unpack check the whole chain when they fetch it).
    """

    def load(ref: Reference) -> tuple[None, Kitfile]:
        desc = store.find(ref)
        if desc is None:
            raise _NotStored
        return None, store.read_kitfile(store.read_manifest(desc.digest))

    child = references[0] if references else Reference("localhost", "_")
    try:
        parent_chain(child, kitfile, load)
    except _NotStored:
        return


def _parent_paths(kitfile: Kitfile, store: LocalStore) -> list[str]:
    """Layer paths of the parent ModelKit ``model.path`` references, if it is in the store (docs/format.md §3.3)."""
    ref = parent_reference(kitfile)
    desc = store.find(ref) if ref is not None else None
    if desc is None:
        return []
    return [
        str(getattr(e, "path", ""))
        for _, e in layer_entries(store.read_kitfile(store.read_manifest(desc.digest)))
    ]


def _plan_layers(
    context: Path, kitfile: Kitfile, parent_paths: list[str], rules: IgnoreRules, note: Callable[[str], None]
) -> list[_PlannedLayer]:
    entries = layer_entries(kitfile)
    fields = _field_names(kitfile)
    mcp_paths = [server.path for server in kitfile.mcp_servers]  # other layers leave these files out
    all_paths = [str(getattr(entry, "path", "")) for _, entry in entries] + mcp_paths + parent_paths
    plan = []
    for base, entry in entries:
        raw = str(getattr(entry, "path", ""))
        walked = list(walk_layer(context, raw, rules, all_paths, note, field=fields.get(id(entry), "")))
        if not any(not e.is_dir for e in walked):
            note(f"No files detected for {base} layer {raw!r}")
        plan.append(_PlannedLayer(base, entry, kit_clean(raw), walked))
    return plan


def _field_names(kitfile: Kitfile) -> dict[int, str]:
    """Kitfile field path of every entry (``datasets[1].path``), keyed by object id, for error messages."""
    names: dict[int, str] = {}
    if kitfile.model is not None:
        names[id(kitfile.model)] = "model.path"
        names.update({id(p): f"model.parts[{i}].path" for i, p in enumerate(kitfile.model.parts)})
    for section in ("code", "datasets", "docs", "prompts"):
        names.update({id(e): f"{section}[{i}].path" for i, e in enumerate(getattr(kitfile, section))})
    return names


class _LayerWriter:
    """Writes each planned layer into the store, or reuses its blob when the layer cache vouches for it."""

    def __init__(
        self,
        store: LocalStore,
        compression: str,
        counter: ByteProgress,
        patterns: list[str],
        cache: bool,
        sink: OpenTee | None,
        pins: BlobPins,
    ) -> None:
        self.store, self.compression, self.counter, self.patterns = store, compression, counter, patterns
        self.sink, self.pins = sink, pins
        self.cache = LayerCache(store.home / "cache" / "layers") if cache else None
        self.cached: list[str] = []

    def write(self, layer: _PlannedLayer) -> Descriptor:
        media_type = mediatypes.layer_media_type(layer.base, self.compression)
        key = LayerCache.key(layer.entries, media_type, self.compression, self.patterns)
        blob = self._reuse(key)
        if blob is not None:
            self.cached.append(blob.digest)
            self.counter.add(layer.size)
        else:
            blob = self._pack(layer, media_type, key)
        layer.entry.layer = LayerInfo(blob.digest, blob.diff_id)  # type: ignore[attr-defined]
        annotations = {mediatypes.ANNOTATION_FILEPATH: layer.path}
        if isinstance(layer.entry, Prompt):
            annotations[mediatypes.ANNOTATION_SUBTYPE] = "prompt"
        return Descriptor(media_type, blob.digest, blob.size, annotations)

    def _reuse(self, key: str) -> CachedLayer | None:
        """The cached blob for ``key`` if the store still holds it with the recorded size."""
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is None:
            return None
        self.pins.add([hit.digest])  # before the check: a removal elsewhere must not delete it after
        return hit if self.store.has_blob(hit.digest, hit.size) else None

    def _pack(self, layer: _PlannedLayer, media_type: str, key: str) -> CachedLayer:
        started = time.time_ns()
        size = plain_tar_size(layer.entries) if self.compression == "none" else None
        tee = self.sink(media_type, size) if self.sink is not None else None
        try:
            written = write_layer(
                layer.entries,
                media_type,
                self.compression,
                self.store.ingest_dir(),
                self.counter.add,
                tee.write if tee is not None else None,
            )
        except BaseException:
            if tee is not None:
                tee.close(None)
            raise
        if tee is not None:
            tee.close(written.digest)
        self.pins.add([written.digest])
        self.store.add_blob_file(written.path, written.digest, verified=True)
        blob = CachedLayer(written.digest, written.diff_id, written.size)
        if self.cache is not None:
            self.cache.put(key, blob, layer.entries, started)
        return blob


__all__ = ["CLI_VERSION", "LayerTee", "OpenTee", "PackResult", "pack"]
