"""Layer cache: re-packing an unchanged tree reuses the stored blob instead of reading every file.

A layer's blob depends only on its tar entries (name, mode, size, content) and the compression. The
cache key stands in for the content with what identifies it cheaply: for every entry its name, size,
mode, ``mtime_ns``, inode and device, plus the layer's media type, the compression, the ``.kitignore``
patterns and this package's version (a new compressor may write other bytes). One small JSON file
per key in ``$KITOPS_HOME/cache/layers/`` holds the digest, diffId and size; it is written to a temp
name and renamed, so concurrent packs never see half a record.

Never trusted blindly: a hit counts only if the blob is still in the store with that size, and a
layer is not recorded when one of its files changed within :data:`RACY_NS` of being read (a write in
the same timestamp tick would keep its ``mtime``; git's "racy clean" problem).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._version import __version__
from .atomicfile import write_text
from .layerwalk import TarEntry

__all__ = ["RACY_NS", "CachedLayer", "LayerCache"]

RACY_NS = 1_000_000_000  # files modified this close to (or after) the moment they were read are not cached
_FORMAT = 1


@dataclass(frozen=True)
class CachedLayer:
    digest: str
    diff_id: str
    size: int


class LayerCache:
    """Lookups and records under ``directory`` (normally ``<home>/cache/layers``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @staticmethod
    def key(
        entries: Sequence[TarEntry], media_type: str, compression: str, ignore_patterns: Sequence[str]
    ) -> str:
        """The hex key of a layer: everything its blob bytes depend on, content stood in for by stat."""
        h = hashlib.sha256()
        head = [_FORMAT, __version__, media_type, compression, list(ignore_patterns)]
        h.update(json.dumps(head).encode())
        for e in entries:
            row = [e.name, e.is_dir, e.mode, e.size, e.mtime_ns, e.inode, e.device]
            h.update(b"\n" + json.dumps(row).encode())
        return h.hexdigest()

    def get(self, key: str) -> CachedLayer | None:
        try:
            data = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
            return CachedLayer(str(data["digest"]), str(data["diffId"]), int(data["size"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, layer: CachedLayer, entries: Sequence[TarEntry], read_start_ns: int) -> bool:
        """Record ``layer`` unless a file may have changed unnoticed; best effort (False if skipped)."""
        if any(not e.is_dir and e.mtime_ns >= read_start_ns - RACY_NS for e in entries):
            return False
        record = {"digest": layer.digest, "diffId": layer.diff_id, "size": layer.size, "at": time.time()}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_text(self.directory / f"{key}.json", json.dumps(record))
        except OSError:  # a cache that cannot be written only costs a re-hash next time
            return False
        return True
