"""kit's local storage (``$KITOPS_HOME/storage``, docs/format.md §5.2) and its verbs.

One OCI image layout shared by all repositories: blobs in ``blobs/sha256/<hex>``, every manifest in
``index.json``, and per repository a ``-index.json`` / ``-tags.json`` pair (see :mod:`storefiles`).
Blobs are verified against their digest before they are renamed into place and are made owner
read-only (0400): owner-only like the 0600 kit gives pulled and packed blobs, read-only like the 0444
oras gives the blobs it writes. A manifest is only listed once all its blobs are present, because kit
(oras) rebuilds its graph from ``index.json`` on every start and fails on a missing blob.

Safe across processes (kernels, the Jupyter server, kit): every blob is written under a name only its
writer uses (:mod:`ingest`) and renamed into ``blobs/sha256`` after its digest checks; a blob already
there is trusted only when its size matches (else it is replaced), and one found damaged while being
read is deleted so the next pull fetches it again. Index and tag files change under one file lock
(:mod:`storefiles`), and blobs an operation is using are pinned (:mod:`storepins`) so that a removal
in another process does not delete them midway.

Removing the last reference to a manifest deletes it and then the config and layers no remaining
manifest needs, like kit's oras AutoGC; :meth:`LocalStore.gc` sweeps anything else unreachable.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..errors import IntegrityError, InvalidReference, NotFound, StoreError
from . import mediatypes
from .digest import CHUNK, check_digest, digest_bytes, digest_file, hex_of
from .ingest import claim_ingest_file
from .manifest import Descriptor, Manifest, unique_by_digest
from .reference import (
    DEFAULT_REGISTRY,
    DEFAULT_REPOSITORY,
    Reference,
    display_name,
    is_valid_tag,
    split_repo_key,
)
from .storefiles import RepoFiles, SharedIndex, StoreLock, ensure_layout, list_repo_keys, remove_file
from .storepins import PinFile, live_pins

if TYPE_CHECKING:
    from .kitfile import Kitfile

__all__ = [
    "BLOB_MODE",
    "BlobPins",
    "GcResult",
    "LocalStore",
    "RemoveResult",
    "StoreEntry",
    "StoredBlob",
    "kitops_home",
]

BLOB_MODE = 0o400
MAX_METADATA_BLOB = 64 << 20  # manifests and configs are small; refuse to slurp a layer by mistake
BARE_REPO = f"{DEFAULT_REGISTRY}/{DEFAULT_REPOSITORY}"


def kitops_home() -> Path:
    """``$KITOPS_HOME``, else kit's per-OS default (Linux: ``$XDG_DATA_HOME/kitops`` or ``~/.local/share/kitops``)."""
    if home := os.environ.get("KITOPS_HOME"):
        return Path(home)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "kitops"
    if sys.platform == "win32" and (appdata := os.environ.get("LOCALAPPDATA")):
        return Path(appdata) / "kitops"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "kitops"


@dataclass(frozen=True)
class StoreEntry:
    """One manifest in one repository, with that repository's tags for it (sorted)."""

    repo_key: str
    descriptor: Descriptor
    tags: list[str]

    @property
    def display_repo(self) -> str:
        """The repository as ``kit list`` prints it (``<none>`` for untagged ``localhost/_``)."""
        return display_name(self.repo_key) or "<none>"


@dataclass
class RemoveResult:
    """What one removal did: tags dropped, whether the manifest left the repository and the disk."""

    repo_key: str
    digest: str
    untagged: list[str] = field(default_factory=list)
    manifest_removed: bool = False  # gone from this repository's index
    manifest_deleted: bool = False  # blob deleted (no other repository referenced it)
    blobs_removed: list[str] = field(default_factory=list)  # config/layers no longer needed
    freed: int = 0


@dataclass
class GcResult:
    removed: list[str] = field(default_factory=list)  # blobs deleted
    freed: int = 0
    kept_recent: int = 0  # unreachable but younger than min_age (maybe a pack in progress)
    dropped_entries: list[str] = field(default_factory=list)  # index.json manifests no repository lists


class LocalStore:
    """kit-compatible local storage rooted at ``home/storage``."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home is not None else kitops_home()
        self.storage = self.home / "storage"

    @property
    def _lock(self) -> StoreLock:
        """Looked up per use, so a forked child never inherits a parent's held lock object."""
        return StoreLock.for_storage(self.storage)

    # -- blobs -------------------------------------------------------------------------------------

    def blob_path(self, digest: str) -> Path:
        return self.storage / "blobs" / "sha256" / hex_of(digest)

    def has_blob(self, digest: str, size: int | None = None) -> bool:
        """The blob is there (and, when ``size`` is given, has that size: anything else is damaged)."""
        try:
            found = self.blob_path(digest).stat()
        except (FileNotFoundError, NotADirectoryError):
            return False
        return size is None or found.st_size == size

    def open_blob(self, digest: str) -> StoredBlob:
        """The blob for reading; a reader that finds it damaged calls ``.damaged()`` on the result."""
        try:
            raw = io.FileIO(self.blob_path(digest), "rb")
        except FileNotFoundError:
            raise NotFound(
                f"blob {digest} is not in local storage {self.storage}; pull the ModelKit again"
            ) from None
        return StoredBlob(raw, self, digest)

    def read_blob(self, digest: str) -> bytes:
        """A small blob's bytes, checked against its digest."""
        with self.open_blob(digest) as f:
            data = f.read(MAX_METADATA_BLOB + 1)
            if len(data) > MAX_METADATA_BLOB:
                raise StoreError(
                    f"blob {digest} is larger than {MAX_METADATA_BLOB} bytes; it is not a manifest or config"
                )
            if digest_bytes(data) != digest:
                raise IntegrityError(
                    f"blob {self.blob_path(digest)} does not match its digest; {f.damaged() or 'pull again'}"
                )
        return data

    def discard_damaged(self, digest: str, opened: int) -> None:
        """Delete the blob file behind descriptor ``opened`` if it is still the one stored as ``digest``
        (a writer in another process may have replaced it with a good copy meanwhile)."""
        path = self.blob_path(digest)
        mine = os.fstat(opened)
        with self._lock.hold():
            try:
                now = path.stat()
            except FileNotFoundError:
                return
            if (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino):
                remove_file(path)

    def ingest_dir(self) -> Path:
        """``storage/ingest``: temp files here are on the blobs' filesystem, so renames are atomic."""
        path = self.storage / "ingest"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def claim_ingest(self, digest: str) -> contextlib.AbstractContextManager[Path]:
        """A temp path for downloading ``digest`` that no other writer uses (see :mod:`ingest`)."""
        return claim_ingest_file(self.ingest_dir(), hex_of(digest))

    def add_blob_file(self, tmp: Path, digest: str, *, verified: bool = False) -> Path:
        """Move a finished temp file into ``blobs/sha256``; it is hashed first unless ``verified``.

        A mismatch deletes ``tmp`` and raises :class:`IntegrityError`. If a blob of the same size is
        already there the temp file is simply dropped; one of another size is damaged and replaced.
        """
        check_digest(digest)
        if not verified and digest_file(tmp)[0] != digest:
            remove_file(tmp)
            raise IntegrityError(f"{tmp} does not match digest {digest}; the file was discarded")
        target = self.blob_path(digest)
        size = tmp.stat().st_size
        if self.has_blob(digest, size):
            remove_file(tmp)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, BLOB_MODE)
        with self._lock.hold():  # serialised with discard_damaged, which must not delete our copy
            os.replace(tmp, target)
        return target

    def write_blob(self, data: bytes) -> str:
        """Store a small blob (config, manifest) and return its digest."""
        digest = digest_bytes(data)
        if self.has_blob(digest, len(data)):
            return digest
        fd, name = tempfile.mkstemp(prefix=f"{hex_of(digest)}_", dir=self.ingest_dir())
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            self.add_blob_file(Path(name), digest, verified=True)
        except BaseException:
            remove_file(Path(name))
            raise
        return digest

    # -- pins ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def pinning(self, digests: Iterable[str] = ()) -> Iterator[BlobPins]:
        """Keep removals in any process from deleting the pinned blobs until the block ends.

        A store we cannot write to (read-only, someone else's) cannot be changed by us either: reads
        from it then go unpinned rather than failing.
        """
        try:
            with self._lock.hold():
                file = PinFile(self.storage)
                file.add(digests)
                pins = BlobPins(self, file)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            yield BlobPins(self, None)
            return
        try:
            yield pins
        finally:
            if pins.file is not None:
                pins.file.release()

    # -- manifests ---------------------------------------------------------------------------------

    def put_manifest(self, repo_key: str, manifest_bytes: bytes, tags: list[str]) -> Descriptor:
        """Store a manifest whose blobs are already present; list it in ``repo_key`` and tag it."""
        split_repo_key(repo_key)
        for tag in tags:
            if not is_valid_tag(tag):
                raise InvalidReference(
                    f"tag {tag!r} is not valid; use letters, digits, '_', '.' or '-', e.g. 'v1'"
                )
        manifest = Manifest.parse(manifest_bytes, "manifest to store")
        media_type = manifest.media_type or mediatypes.MANIFEST
        desc = Descriptor(media_type, digest_bytes(manifest_bytes), len(manifest_bytes))
        with self._lock.hold():  # a removal elsewhere cannot delete a blob between check and listing
            missing = [d.digest for d in manifest.blob_descriptors() if not self.has_blob(d.digest)]
            if missing:
                raise StoreError(
                    f"cannot store manifest: blobs {', '.join(missing)} are missing; store them first"
                )
            self.write_blob(manifest_bytes)
            self._list_manifest(repo_key, desc, tags)
        return desc

    def _list_manifest(self, repo_key: str, desc: Descriptor, tags: list[str]) -> None:
        ensure_layout(self.storage)
        shared = SharedIndex.load(self.storage)
        if shared.add(desc):
            shared.save()
        repo = RepoFiles.load(self.storage, repo_key)
        repo.add(desc)
        for tag in tags:
            repo.tags[tag] = desc.plain()
        repo.save()

    def find(self, ref: Reference) -> Descriptor | None:
        entry = self.locate(ref)
        return entry.descriptor if entry else None

    def resolve(self, ref: Reference) -> Descriptor:
        desc = self.find(ref)
        if desc is None:
            raise NotFound(
                f"ModelKit {ref.display() or ref} is not in local storage; check `kit list` or pull it"
            )
        return desc

    def locate(self, ref: Reference) -> StoreEntry | None:
        """The entry ``ref`` names; a bare digest (``localhost/_@…``) may match in any repository."""
        if not ref.ref:
            raise InvalidReference(
                f"reference {ref} names neither a tag nor a digest; add ':latest' or '@sha256:…'"
            )
        repo = RepoFiles.load(self.storage, ref.repo_key)
        desc = repo.find(ref.digest) if ref.digest else repo.tags.get(ref.tag)
        if desc is not None:
            return StoreEntry(ref.repo_key, desc, repo.tags_of(desc.digest))
        if ref.digest and ref.repo_key == BARE_REPO:
            return next((e for e in self.entries() if e.descriptor.digest == ref.digest), None)
        return None

    def read_manifest(self, digest: str) -> Manifest:
        return Manifest.parse(self.read_blob(digest), f"manifest {digest}")

    def read_kitfile(self, manifest: Manifest) -> Kitfile:
        """The Kitfile of a ModelKit: the config blob, or a ModelPack's annotation or layer annotations."""
        from .modelpack import modelkit_kitfile

        if manifest.kind in ("kit", "modelpack"):
            digest = manifest.config.digest
            return modelkit_kitfile(manifest, self.read_blob(digest), f"ModelKit with config {digest}")
        raise StoreError(
            f"manifest with config {manifest.config.media_type!r} carries no Kitfile; it is not a "
            "ModelKit kitops-jupyter can read"
        )

    def entries(self) -> list[StoreEntry]:
        """Every (repository, manifest) pair, sorted by repository then digest like ``kit list``."""
        found: list[StoreEntry] = []
        for repo_key in list_repo_keys(self.storage):
            repo = RepoFiles.load(self.storage, repo_key)
            found.extend(
                StoreEntry(repo_key, d, repo.tags_of(d.digest)) for d in unique_by_digest(repo.manifests)
            )
        return sorted(found, key=lambda e: (e.repo_key.encode(), e.descriptor.digest))

    # -- tag / remove / gc -------------------------------------------------------------------------

    def tag(self, src: Reference, dst: Reference) -> Descriptor:
        """Tag ``src`` as ``dst``; another repository gets the manifest entry too (blobs are shared)."""
        if not dst.tag or dst.digest:
            raise InvalidReference(f"tag target {dst} must name a tag, e.g. 'myorg/mymodel:v2'")
        with self._lock.hold():
            desc = self.resolve(src)
            self._list_manifest(dst.repo_key, desc, [dst.tag])
        return desc

    def remove(self, ref: Reference, force: bool = False) -> RemoveResult:
        """kit's ``remove``: a tag is untagged, and the manifest goes with its last tag; a digest or
        ``force`` removes the manifest and all its tags from the repository."""
        with self._lock.hold():
            repo = RepoFiles.load(self.storage, ref.repo_key)
            desc = repo.find(ref.digest) if ref.digest else repo.tags.get(ref.tag)
            if desc is None:
                raise NotFound(self._not_found_message(ref))
            if ref.digest or force or len(repo.tags_of(desc.digest)) <= 1:
                return self._delete_manifest(repo, desc.digest)
            del repo.tags[ref.tag]
            repo.save()
            return RemoveResult(ref.repo_key, desc.digest, untagged=[ref.tag])

    def remove_untagged(self, force: bool = False) -> list[RemoveResult]:
        """kit's ``remove --all``: every untagged manifest, or with ``force`` every manifest."""
        results = []
        with self._lock.hold():
            for entry in self.entries():
                if entry.tags and not force:
                    continue
                repo = RepoFiles.load(self.storage, entry.repo_key)
                results.append(self._delete_manifest(repo, entry.descriptor.digest))
        return results

    def gc(self, min_age: float = 3600.0) -> GcResult:
        """Delete what no repository needs: ``index.json`` entries no repository lists (kit's own
        ``remove --all`` can leave some behind) and unreachable blobs. Anything younger than
        ``min_age`` seconds is kept, since a pack in another process writes blobs before listing them."""
        result = GcResult()
        with self._lock.hold():
            cutoff = time.time() - min_age
            self._prune_shared_index(cutoff, result)
            keep = self._reachable(self._listed_manifests()) | live_pins(self.storage)
            for path in self._blob_files():
                if "sha256:" + path.name not in keep:
                    self._collect_file(path, cutoff, result)
        return result

    def _prune_shared_index(self, cutoff: float, result: GcResult) -> None:
        shared = SharedIndex.load(self.storage)
        in_repos = self._listed_manifests(shared=False)
        for desc in list(shared.manifests):
            path = self.blob_path(desc.digest)
            if desc.digest not in in_repos and (not path.exists() or path.stat().st_mtime <= cutoff):
                shared.discard(desc.digest)
                result.dropped_entries.append(desc.digest)
        if result.dropped_entries:
            shared.save()

    def _collect_file(self, path: Path, cutoff: float, result: GcResult) -> None:
        size, mtime = path.stat().st_size, path.stat().st_mtime
        if mtime > cutoff:
            result.kept_recent += 1
            return
        remove_file(path)
        result.removed.append("sha256:" + path.name)
        result.freed += size

    def _delete_manifest(self, repo: RepoFiles, digest: str) -> RemoveResult:
        result = RemoveResult(repo.repo_key, digest, untagged=repo.delete(digest), manifest_removed=True)
        repo.save()
        if any(RepoFiles.load(self.storage, k).find(digest) for k in list_repo_keys(self.storage)):
            return result  # still listed by another repository: the manifest stays on disk
        manifest = self._try_read_manifest(digest)
        shared = SharedIndex.load(self.storage)
        if shared.discard(digest):
            shared.save()
        pinned = live_pins(self.storage)
        if digest not in pinned:  # an unpack elsewhere still reads it; gc collects it later
            result.freed += self._delete_blob(digest)
            result.manifest_deleted = True
        if manifest is not None:
            self._collect(manifest, result)
        return result

    def _collect(self, manifest: Manifest, result: RemoveResult) -> None:
        """Delete the removed manifest's blobs that no remaining manifest needs (oras AutoGC)."""
        try:
            keep = self._reachable(self._listed_manifests())
        except (StoreError, IntegrityError):
            return  # another manifest is unreadable: better to leave garbage than delete too much
        keep |= live_pins(self.storage)  # blobs a pull, pack or unpack elsewhere is using right now
        for digest in {d.digest for d in manifest.blob_descriptors()} - keep:
            if self.has_blob(digest):
                result.freed += self._delete_blob(digest)
                result.blobs_removed.append(digest)

    def _listed_manifests(self, shared: bool = True) -> set[str]:
        listed = SharedIndex.load(self.storage).digests() if shared else set()
        for repo_key in list_repo_keys(self.storage):
            listed.update(d.digest for d in RepoFiles.load(self.storage, repo_key).manifests)
        return listed

    def _reachable(self, manifests: set[str]) -> set[str]:
        """The listed manifests and their blobs; raises if one cannot be read (nothing is then safe)."""
        keep = set(manifests)
        for digest in manifests:
            if self.has_blob(digest):
                keep.update(d.digest for d in self.read_manifest(digest).blob_descriptors())
        return keep

    def _try_read_manifest(self, digest: str) -> Manifest | None:
        with contextlib.suppress(NotFound, StoreError, IntegrityError):
            return self.read_manifest(digest)
        return None

    def _delete_blob(self, digest: str) -> int:
        path = self.blob_path(digest)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def _blob_files(self) -> list[Path]:
        folder = self.storage / "blobs" / "sha256"
        if not folder.is_dir():
            return []
        return [
            p for p in folder.iterdir() if p.is_file() and len(p.name) == 64 and not p.name.startswith(".")
        ]

    def _not_found_message(self, ref: Reference) -> str:
        where = [e.repo_key for e in self.entries() if ref.digest and e.descriptor.digest == ref.digest]
        hint = f"; it is stored as {display_name(where[0])}@{ref.digest}" if where else "; check `kit list`"
        return f"ModelKit {ref.display() or ref} is not in local storage{hint}"


class BlobPins:
    """One operation's pins (see :meth:`LocalStore.pinning`)."""

    def __init__(self, store: LocalStore, file: PinFile | None) -> None:
        self.store, self.file = store, file  # None: a read-only store, nothing to pin against

    def add(self, digests: Iterable[str]) -> None:
        if self.file is not None:
            with self.store._lock.hold():
                self.file.add(digests)


class StoredBlob(io.BufferedReader):
    """A blob file opened for reading; :meth:`damaged` removes it when a reader found it wrong."""

    def __init__(self, raw: io.FileIO, store: LocalStore, digest: str) -> None:
        super().__init__(raw)
        self.store, self.digest = store, digest

    def damaged(self) -> str | None:
        """If this copy really does not match its digest, delete it so the next pull fetches it again
        and return what to tell the user; None when the stored bytes are fine."""
        with contextlib.suppress(OSError):
            with open(os.dup(self.fileno()), "rb") as again:
                again.seek(0)
                if _hash_stream(again) == self.digest:
                    return None
            self.store.discard_damaged(self.digest, self.fileno())
        return "the damaged local copy was removed; pull the ModelKit again to restore it"


def _hash_stream(stream: BinaryIO) -> str:
    h = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        h.update(chunk)
    return "sha256:" + h.hexdigest()
