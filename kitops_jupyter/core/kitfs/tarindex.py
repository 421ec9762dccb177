"""The member index of an uncompressed tar layer, built from its headers alone.

Headers are read with the strict :class:`~..tarread.TarReader` (so every layer unpack refuses is
refused here too), but file data is skipped, never fetched: for a remote blob only the header
blocks travel. The index is cached as JSON under ``$KITOPS_HOME/cache/kitfs/index/<hex>.json`` and
is only ever used for the layer digest it was built from (the digest is its name and is stored
inside; a mismatch is ignored and rebuilt).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ...errors import UnsafeArchive
from ..atomicfile import write_text
from ..digest import hex_of
from ..tarread import TarReader
from .sources import ByteSource, WindowStream

INDEX_VERSION = 1


@dataclass(frozen=True)
class Member:
    """A file or directory of a layer; ``offset`` is where a file's data starts in the blob."""

    name: str
    offset: int
    size: int
    is_dir: bool
    mode: int


@dataclass(frozen=True)
class LayerIndex:
    digest: str
    members: dict[str, Member]
    verified: bool = False  # built from bytes whose digest was checked


class _SkippingReader(TarReader):
    """The strict reader, skipping file data by seeking the window stream instead of reading it."""

    def __init__(self, stream: WindowStream, what: str) -> None:
        super().__init__(stream, what)  # type: ignore[arg-type]
        self._window = stream

    def _skip(self, n: int, entry: str) -> None:
        if not self._window.skip(n):
            raise self._error(f"entry {entry!r} is truncated: the stream ended before its declared size")


def build_index(
    source: ByteSource, digest: str, what: str, subdir: str = "", verified: bool = False
) -> LayerIndex:
    """Index ``source`` (an uncompressed tar); names are placed under ``subdir`` as unpack does."""
    stream = WindowStream(source)
    members: dict[str, Member] = {}
    for entry in _SkippingReader(stream, what):
        name = posixpath.join(subdir, entry.name).strip("/")
        if not name:
            continue
        _check_place(members, name, entry.is_dir, what)
        members[name] = Member(name, stream.position, entry.size, entry.is_dir, entry.mode)
    return LayerIndex(digest, members, verified)


def raw_index(digest: str, name: str, size: int, mode: int, verified: bool = False) -> LayerIndex:
    """A raw (ModelPack) layer is one file: the whole blob."""
    return LayerIndex(digest, {name: Member(name, 0, size, False, mode)}, verified)


def _check_place(members: dict[str, Member], name: str, is_dir: bool, what: str) -> None:
    parts = name.split("/")
    for i in range(1, len(parts)):
        parent = members.get("/".join(parts[:i]))
        if parent is not None and not parent.is_dir:
            raise UnsafeArchive(
                f"{what}: entry {name!r} lies under {parent.name!r}, which the layer made a file; the layer was refused"
            )
    previous = members.get(name)
    if previous is not None and not (previous.is_dir and is_dir):
        raise UnsafeArchive(f"{what}: entry {name!r} appears twice in the layer; the layer was refused")


# -- cache -------------------------------------------------------------------------------------------


def _index_path(cache: Path, digest: str) -> Path:
    return cache / "index" / f"{hex_of(digest)}.json"


def load_index(cache: Path, digest: str, subdir: str = "") -> LayerIndex | None:
    """The cached index of ``digest``, or None when there is none (or it is for something else)."""
    try:
        data: Any = json.loads(_index_path(cache, digest).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION or data.get("digest") != digest:
        return None
    if data.get("subdir", "") != subdir:
        return None
    try:
        members = {m["name"]: Member(**m) for m in data["members"]}
    except (KeyError, TypeError):
        return None
    return LayerIndex(digest, members, bool(data.get("verified")))


def save_index(cache: Path, index: LayerIndex, subdir: str = "") -> None:
    """Write the index atomically (temp name, then rename)."""
    path = _index_path(cache, index.digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "version": INDEX_VERSION,
        "digest": index.digest,
        "subdir": subdir,
        "verified": index.verified,
        "members": [asdict(m) for m in index.members.values()],
    }
    write_text(path, json.dumps(record, separators=(",", ":")))
