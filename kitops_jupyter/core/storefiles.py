"""The index files of kit's local storage, read and written atomically under one file lock (docs/format.md §5.2).

Split out of :mod:`store` so that module keeps to the verbs. Files handled here:

* ``storage/index.json`` — the shared OCI layout index oras keeps: every stored manifest, untagged;
* ``storage/<b64url(registry/repository)>-index.json`` — one repository's manifests;
* ``storage/<b64url(registry/repository)>-tags.json`` — that repository's tag -> descriptor map.

Every write goes to a dot-named temp file in the same directory and is renamed over the target, so
readers (kit included) never see half a file. Read-modify-write sequences run under
:class:`StoreLock`, an ``flock`` on ``storage/kitops-jupyter.lock`` that serialises our processes
(a notebook kernel and the Jupyter server, say); kit itself takes no lock.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StoreError
from . import mediatypes
from .atomicfile import write_bytes
from .gojson import dumps
from .manifest import Descriptor

if sys.platform != "win32":
    import fcntl

__all__ = [
    "INDEX_FILE",
    "LOCK_FILE",
    "RepoFiles",
    "SharedIndex",
    "StoreLock",
    "atomic_write",
    "repo_file_stem",
    "repo_key_of_index_file",
]

INDEX_FILE = "index.json"
LOCK_FILE = "kitops-jupyter.lock"
OCI_LAYOUT = b'{"imageLayoutVersion":"1.0.0"}'
FILE_MODE = 0o644  # what kit's os.WriteFile(…, 0666) gives under the usual umask 022
# kit's pattern for per-repository index names (constants.localIndexNameRegexp)
_REPO_INDEX = re.compile(r"^([-A-Za-z0-9_-]*={0,3})-index\.json$")


def atomic_write(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Replace a store file with ``data``, fsynced (a store index lost in a crash loses ModelKits)."""
    write_bytes(path, data, mode=mode, fsync=True)


def remove_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def read_json(path: Path) -> Any:
    """Decoded JSON of ``path``, ``None`` if it does not exist; corrupt files raise StoreError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise  # the store's folder is a file: the API names it (see oserrors.file_system_error)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}; check its permissions") from None
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(
            f"{path} is not valid JSON ({exc}); repair or delete it (kit rebuilds nothing from it)"
        ) from None


def repo_file_stem(repo_key: str) -> str:
    """URL-safe base64 with padding, as kit names the per-repository files."""
    return base64.urlsafe_b64encode(repo_key.encode("utf-8")).decode("ascii")


def repo_key_of_index_file(name: str) -> str | None:
    """``registry/repository`` encoded in a ``…-index.json`` file name, or ``None`` if it is not one."""
    match = _REPO_INDEX.match(name)
    if not match:
        return None
    try:
        return base64.urlsafe_b64decode(match.group(1).encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def ensure_layout(storage: Path) -> None:
    """Create ``storage/``, ``blobs/sha256``, ``oci-layout`` and an empty ``index.json`` like oras."""
    (storage / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    if not (storage / "oci-layout").exists():
        atomic_write(storage / "oci-layout", OCI_LAYOUT)
    if not (storage / INDEX_FILE).exists():
        SharedIndex(storage / INDEX_FILE, []).save()


def _descriptors(value: Any, where: str) -> list[Descriptor]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise StoreError(f"{where}: 'manifests' must be a list; repair or delete the file")
    return [Descriptor.from_json_obj(item, f"{where}: manifests[{i}]") for i, item in enumerate(value)]


def _index_obj(path: Path) -> dict[str, Any]:
    obj = read_json(path)
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise StoreError(f"{path}: expected a JSON object; repair or delete the file")
    return obj


@dataclass
class SharedIndex:
    """``storage/index.json``: what oras's GC graph is rebuilt from, so every manifest must be in it."""

    path: Path
    manifests: list[Descriptor]

    @classmethod
    def load(cls, storage: Path) -> SharedIndex:
        path = storage / INDEX_FILE
        return cls(path, _descriptors(_index_obj(path).get("manifests"), str(path)))

    def digests(self) -> set[str]:
        return {d.digest for d in self.manifests}

    def add(self, desc: Descriptor) -> bool:
        if desc.digest in self.digests():
            return False
        self.manifests.append(desc.plain())
        return True

    def discard(self, digest: str) -> bool:
        before = len(self.manifests)
        self.manifests = [d for d in self.manifests if d.digest != digest]
        return len(self.manifests) != before

    def save(self) -> None:
        obj = {
            "schemaVersion": 2,
            "mediaType": mediatypes.INDEX,
            "manifests": [d.to_json_obj() for d in self.manifests],
        }
        atomic_write(self.path, dumps(obj))


@dataclass
class RepoFiles:
    """One repository's ``-index.json`` (manifests) and ``-tags.json`` (tag -> descriptor)."""

    storage: Path
    repo_key: str
    manifests: list[Descriptor] = field(default_factory=list)
    tags: dict[str, Descriptor] = field(default_factory=dict)

    @property
    def index_path(self) -> Path:
        return self.storage / f"{repo_file_stem(self.repo_key)}-index.json"

    @property
    def tags_path(self) -> Path:
        return self.storage / f"{repo_file_stem(self.repo_key)}-tags.json"

    @classmethod
    def load(cls, storage: Path, repo_key: str) -> RepoFiles:
        repo = cls(storage, repo_key)
        repo.manifests = _descriptors(_index_obj(repo.index_path).get("manifests"), str(repo.index_path))
        repo.tags = repo._load_tags()
        return repo

    def _load_tags(self) -> dict[str, Descriptor]:
        obj = read_json(self.tags_path)
        if obj is None:
            return {}
        if not isinstance(obj, dict):
            raise StoreError(f"{self.tags_path}: expected a JSON object of tags; repair or delete the file")
        return {tag: Descriptor.from_json_obj(d, f"{self.tags_path}: tag {tag!r}") for tag, d in obj.items()}

    def find(self, digest: str) -> Descriptor | None:
        return next((d for d in self.manifests if d.digest == digest), None)

    def tags_of(self, digest: str) -> list[str]:
        return sorted(tag for tag, d in self.tags.items() if d.digest == digest)

    def add(self, desc: Descriptor) -> None:
        if self.find(desc.digest) is None:
            self.manifests.append(desc.plain())

    def delete(self, digest: str) -> list[str]:
        """Drop a manifest and its tags; returns the tags removed."""
        removed = self.tags_of(digest)
        for tag in removed:
            del self.tags[tag]
        self.manifests = [d for d in self.manifests if d.digest != digest]
        return removed

    def save(self) -> None:
        """Write both files (deduplicated, tags key-sorted); an empty file is deleted, as kit does."""
        self._save_tags()
        unique: dict[str, Descriptor] = {}
        for desc in self.manifests:
            unique.setdefault(desc.digest, desc)
        self.manifests = list(unique.values())
        if not self.manifests:
            remove_file(self.index_path)
            return
        obj = {"schemaVersion": 2, "manifests": [d.to_json_obj() for d in self.manifests]}
        atomic_write(self.index_path, dumps(obj))

    def _save_tags(self) -> None:
        if not self.tags:
            remove_file(self.tags_path)
            return
        ordered = {tag: self.tags[tag].to_json_obj() for tag in sorted(self.tags, key=lambda t: t.encode())}
        atomic_write(self.tags_path, dumps(ordered))


def list_repo_keys(storage: Path) -> list[str]:
    """Every repository with a ``-index.json`` file, sorted like kit (by name)."""
    try:
        names = [entry.name for entry in os.scandir(storage) if entry.is_file()]
    except FileNotFoundError:
        return []
    keys = (repo_key_of_index_file(name) for name in names)
    return sorted((k for k in keys if k is not None), key=lambda k: k.encode())


class StoreLock:
    """Exclusive, re-entrant (per thread) lock over one storage directory, across processes.

    Threads of one process share a ``threading.RLock``; the outermost holder also takes ``flock`` on
    the lock file so other processes wait. On Windows only the in-process lock applies.
    """

    _registry: dict[str, StoreLock] = {}  # noqa: RUF012 - process-wide registry, reset after fork
    _registry_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rlock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @classmethod
    def for_storage(cls, storage: Path) -> StoreLock:
        key = os.path.abspath(storage)
        with cls._registry_lock:
            lock = cls._registry.get(key)
            if lock is None:
                lock = cls._registry[key] = cls(storage / LOCK_FILE)
            return lock

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._rlock:
            if self._depth == 0:
                self._acquire()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        if sys.platform != "win32":
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            if sys.platform != "win32":
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _reset_locks_after_fork() -> None:
    StoreLock._registry = {}
    StoreLock._registry_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_after_fork)
