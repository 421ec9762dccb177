"""A ModelKit seen as files: its layers, where each layer's bytes come from, and their member indexes.

Where bytes come from, per layer:

* an uncompressed layer in the local store: the blob file itself (no network);
* an uncompressed remote layer: HTTP Range reads on the blob (nothing is downloaded up front);
* a compressed layer, or any layer with ``verify=True``: the whole blob is fetched (or read from
  the store) once, its digest (and diffId) checked, and the plain tar kept in
  ``$KITOPS_HOME/cache/kitfs/layers/<hex>.tar``; reads are then served from that file.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ...errors import IntegrityError, NotFound, UnsafeArchive
from .. import mediatypes
from ..atomicfile import replacing
from ..digest import CHUNK, VerifyingReader, digest_file, hex_of
from ..extract import _decompressed as decompressed  # the unpacker's own decompressors
from ..extract import _decompression_errors
from ..kitfile import Kitfile, dump_kitfile
from ..manifest import Descriptor, Manifest
from ..reference import Reference
from ..registry import RegistryClient, RegistryOptions
from ..registry.downloads import RemoteBlob
from ..registry.remote import fetch_modelkit
from ..store import LocalStore
from ..tarread import check_name
from ..unpack import PlannedLayer, plan_unpack
from .sources import ByteSource, FileSource, RemoteSource
from .tarindex import LayerIndex, Member, build_index, load_index, raw_index, save_index

KITFILE = "Kitfile"


class RangedReadNote(UserWarning):
    """A one-line note that a layer had to be fetched whole (it is compressed)."""


@dataclass
class Layer:
    """One planned layer of a ModelKit, with its bytes and index once opened."""

    planned: PlannedLayer
    place: str  # the Kitfile path the layer holds ("" for ".")
    source: ByteSource | None = None
    index: LayerIndex | None = None

    def covers(self, inner: str) -> bool:
        """Could this layer hold ``inner`` or something under it? (kit layers hold their own path)"""
        p, q = self.place, inner
        return not p or not q or p == q or p.startswith(q + "/") or q.startswith(p + "/")


@dataclass
class ModelKitFiles:
    """The files of one ModelKit as unpack would place them, opened layer by layer on demand."""

    reference: Reference
    digest: str
    manifest: Manifest
    kitfile: Kitfile
    remote: bool
    layers: list[Layer]
    open_layer: Callable[[ModelKitFiles, Layer], None]
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def kitfile_bytes(self) -> bytes:
        return dump_kitfile(self.kitfile).encode("utf-8")

    def opened(self, inner: str) -> Iterator[Layer]:
        for layer in self.layers:
            if layer.covers(inner):
                with self._lock:
                    if layer.index is None:
                        self.open_layer(self, layer)
                yield layer

    def find(self, inner: str) -> tuple[Layer, Member] | None:
        """The layer and member named exactly ``inner`` (first layer wins, as files cannot collide)."""
        for layer in self.opened(inner):
            member = layer.index.members.get(inner) if layer.index else None
            if member is not None:
                return layer, member
        return None

    def children(self, inner: str) -> dict[str, Member | None]:
        """Direct children of directory ``inner``: name -> member (None for implied directories)."""
        prefix = inner + "/" if inner else ""
        found: dict[str, Member | None] = {}
        for layer in self.opened(inner):
            assert layer.index is not None
            for name, member in layer.index.members.items():
                if not name.startswith(prefix):
                    continue
                head, slash, _ = name[len(prefix) :].partition("/")
                if slash:
                    found.setdefault(head, None)
                elif found.get(head) is None:
                    found[head] = member
        if not inner and KITFILE not in found:
            found[KITFILE] = _kitfile_member(self)
        return found


def _kitfile_member(files: ModelKitFiles) -> Member:
    return Member(KITFILE, -1, len(files.kitfile_bytes), False, 0o644)


def _place(planned: PlannedLayer) -> str:
    path = planned.path
    if planned.format == "raw":
        path = (planned.descriptor.annotations or {}).get(mediatypes.ANNOTATION_FILEPATH) or path
    try:
        return check_name(path, is_dir=True)
    except ValueError as exc:
        raise UnsafeArchive(f"{planned.label}: Kitfile path {path!r} {exc}; refusing to read it") from None


class Resolver:
    """Opens ModelKits (local store first) and their layers; shares registry clients per host."""

    def __init__(self, store: LocalStore, options: RegistryOptions, verify: bool = False) -> None:
        self.store, self.options, self.verify = store, options, verify
        self.cache = store.home / "cache" / "kitfs"
        self._clients: dict[str, RegistryClient] = {}
        self._kits: dict[tuple[Reference, bool | None], ModelKitFiles] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            self._kits.clear()

    def forget(self) -> None:
        with self._lock:
            self._kits.clear()

    def client(self, registry: str) -> RegistryClient:
        with self._lock:
            if registry not in self._clients:
                self._clients[registry] = RegistryClient(registry, self.options)
            return self._clients[registry]

    def modelkit(self, ref: Reference, *, remote: bool | None = None) -> ModelKitFiles:
        """The files of ``ref``: from the local store if it is there (``remote=None``), or only from
        the store (False) or only from its registry (True)."""
        with self._lock:
            found = self._kits.get((ref, remote))
        if found is None:
            found = self._load(ref, remote)
            with self._lock:
                self._kits[(ref, remote)] = found
        return found

    def _load(self, ref: Reference, remote: bool | None) -> ModelKitFiles:
        desc = None if remote else self.store.find(ref)
        if desc is not None:
            manifest = self.store.read_manifest(desc.digest)
            kitfile, digest, remote = self.store.read_kitfile(manifest), desc.digest, False
        elif ref.is_local_only or remote is False:
            raise NotFound(
                f"{ref.display()} is not in the local store; pack or pull it, or name its registry"
            )
        else:
            kit = fetch_modelkit(ref, client=self.client(ref.registry))
            manifest, kitfile, digest, remote = kit.manifest, kit.kitfile, kit.digest, True
        layers = [Layer(p, _place(p)) for p in plan_unpack(manifest, kitfile, [])]
        return ModelKitFiles(ref, digest, manifest, kitfile, remote, layers, self._open_layer)

    # -- one layer ---------------------------------------------------------------------------------

    def _open_layer(self, files: ModelKitFiles, layer: Layer) -> None:
        planned = layer.planned
        desc = planned.descriptor
        local = self.store.has_blob(desc.digest, desc.size)  # a wrong size is a damaged copy
        whole = self.verify or bool(planned.compression)
        if not whole and local:
            source: ByteSource = FileSource(self.store.blob_path(desc.digest))
        elif not whole:
            source = RemoteSource(
                self.client(files.reference.registry),
                files.reference.repository,
                desc,
                f"read {files.reference}",
            )
        else:
            source = FileSource(self._plain_tar(files, planned, local))
        layer.source = source
        # Local bytes were digest-checked (store ingest, or the fetch above): an index built from
        # unverified ranged reads is not reused for them, it is rebuilt from the bytes at hand.
        layer.index = self._index(planned, source, verified=whole or local)

    def _index(self, planned: PlannedLayer, source: ByteSource, verified: bool) -> LayerIndex:
        desc = planned.descriptor
        if planned.format == "raw":
            return raw_index(desc.digest, _place(planned), source.size, 0o644, verified)
        cached = load_index(self.cache, desc.digest, planned.subdir)
        if cached is not None and (cached.verified or not verified):
            return cached
        index = build_index(source, desc.digest, planned.label, planned.subdir, verified)
        save_index(self.cache, index, planned.subdir)
        return index

    def _plain_tar(self, files: ModelKitFiles, planned: PlannedLayer, local: bool) -> Path:
        """The layer's uncompressed bytes in the cache, digest-verified (fetched whole once)."""
        desc = planned.descriptor
        final = self.cache / "layers" / f"{hex_of(desc.digest)}.tar"
        if final.is_file():
            return final
        if local and not planned.compression:
            return self._verified_store_blob(desc)
        if planned.compression:
            warnings.warn(
                f"kit://{files.reference}: {planned.label} is {planned.compression}-compressed, so it cannot "
                "be read by byte ranges; fetching it once into the cache",
                RangedReadNote,
                stacklevel=6,
            )
        final.parent.mkdir(parents=True, exist_ok=True)
        with replacing(final) as out, self._open_blob(files, desc, local) as raw:
            _write_plain(raw, out, planned)
        return final

    def _verified_store_blob(self, desc: Descriptor) -> Path:
        path = self.store.blob_path(desc.digest)
        actual, size = digest_file(path)
        if actual != desc.digest or size != desc.size:
            raise IntegrityError(
                f"stored blob {desc.digest} has digest {actual} ({size} bytes); the local store is "
                "corrupt, remove the ModelKit and pull it again"
            )
        return path

    @contextmanager
    def _open_blob(self, files: ModelKitFiles, desc: Descriptor, local: bool) -> Iterator[BinaryIO]:
        if local:
            with self.store.open_blob(desc.digest) as blob:
                yield blob
            return
        ref = files.reference
        with RemoteBlob(self.client(ref.registry), ref.repository, desc, f"read {ref}") as blob:
            yield blob


def _write_plain(raw: BinaryIO, out: BinaryIO, planned: PlannedLayer) -> None:
    """Copy the decompressed layer to ``out``, checking the digest (and the diffId when known)."""
    desc = planned.descriptor
    blob = VerifyingReader(raw, desc.digest, desc.size, planned.label)
    try:
        with decompressed(blob, planned.compression) as plain:
            checked = VerifyingReader(plain, planned.diff_id, None, f"{planned.label} (uncompressed)")
            while chunk := checked.read(CHUNK):
                out.write(chunk)
    except _decompression_errors() as exc:
        blob.drain()
        blob.verify()  # a corrupt blob is reported as corrupt
        raise IntegrityError(f"{planned.label}: the layer cannot be decompressed ({exc})") from exc
    blob.drain()
    blob.verify()
    if planned.compression and planned.diff_id:
        checked.verify()


__all__ = ["KITFILE", "Layer", "ModelKitFiles", "RangedReadNote", "Resolver"]
