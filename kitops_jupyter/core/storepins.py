"""Pins: blobs an operation in some process is using, which removal must not delete meanwhile.

A pull or pack puts blobs into ``blobs/sha256`` before it lists their manifest, and an unpack or push
reads blobs of a manifest that is listed now but may be removed while it runs. Removing a ModelKit
deletes the blobs no listed manifest needs (like kit's AutoGC), so without pins a removal in another
process could delete a blob between "it is there" and "the manifest is listed" (or mid-read).

Each operation owns one file ``storage/kitops-jupyter-pins/<pid>-<random>.pin`` (one digest a line)
and holds an ``flock`` on it while it lives; a pin file whose lock is free belongs to a process that
died and is deleted. Pins are added and read under the store lock (:class:`~.storefiles.StoreLock`),
so "check the blob, then pin it" in one process and "read the pins, then delete" in another never
interleave. kit itself does not know about pins.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path

if sys.platform != "win32":
    import fcntl

__all__ = ["PIN_DIR", "PinFile", "live_pins"]

PIN_DIR = "kitops-jupyter-pins"


class PinFile:
    """One operation's pins; create, add and read them only while holding the store lock."""

    def __init__(self, storage: Path) -> None:
        folder = storage / PIN_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{os.getpid()}-{os.urandom(6).hex()}.pin"
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        if sys.platform != "win32":
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        self.digests: set[str] = set()

    def add(self, digests: Iterable[str]) -> None:
        new = [d for d in digests if d not in self.digests]
        if new and self._fd is not None:
            os.write(self._fd, "".join(f"{d}\n" for d in new).encode("ascii"))
            self.digests.update(new)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(fd)


def live_pins(storage: Path) -> set[str]:
    """Every digest pinned by a running operation; stale pin files are deleted on the way."""
    folder = storage / PIN_DIR
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return set()
    pinned: set[str] = set()
    for name in names:
        if name.endswith(".pin"):
            pinned |= _read_if_alive(folder / name)
    return pinned


def _read_if_alive(path: Path) -> set[str]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return set()
    try:
        if sys.platform != "win32":
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _digests(fd)  # its owner holds the lock: alive
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # nobody holds it: the process died without cleaning up
            return set()
        return _digests(fd)
    finally:
        os.close(fd)


def _digests(fd: int) -> set[str]:
    with os.fdopen(os.dup(fd), "rb") as f:
        return {line.strip().decode("ascii", "replace") for line in f if line.strip()}
