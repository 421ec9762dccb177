"""Temp files for blobs on their way into the store, each owned by exactly one writer (docs/format.md §5.2).

A download writes ``storage/ingest/<hex>`` (kit's ingest name) so that an interrupted pull resumes in
a later run. Any number of processes may pull the same blob at once, so the name is *claimed*: the
writer holds an ``flock`` on the file for as long as it writes, checks and renames it. A writer that
finds the name claimed (by another process, or another thread of this one) writes to a private
``<hex>-<random>`` name instead, which it deletes unless it was moved into the store. Renaming into
``blobs/sha256`` happens while the claim is held, so no two writers ever share one file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

if sys.platform != "win32":
    import fcntl

__all__ = ["claim_ingest_file"]


@contextlib.contextmanager
def claim_ingest_file(ingest_dir: Path, name: str) -> Iterator[Path]:
    """A path under ``ingest_dir`` that only this writer uses until the block ends.

    The shared ``name`` when it is free (what is left there stays for a later resume; the writer may
    delete it inside the block), else a private name that is always removed at the end.
    """
    shared = ingest_dir / name
    fd = _lock_shared(shared)
    if fd is None:
        handle, private = tempfile.mkstemp(prefix=f"{name}-", dir=ingest_dir)
        os.close(handle)
        try:
            yield Path(private)
        finally:
            Path(private).unlink(missing_ok=True)
        return
    try:
        yield shared
    finally:
        os.close(fd)  # releases the flock, after any rename or unlink


def _lock_shared(path: Path) -> int | None:
    """An fd holding an exclusive flock on ``path``, or None if another writer has it."""
    if sys.platform == "win32":
        return None  # no flock: every download gets a private name (no resume across runs)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if _same_file(path, fd):
            return fd
        os.close(fd)  # the previous owner renamed or removed it after we opened it: start over


def _same_file(path: Path, fd: int) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)
