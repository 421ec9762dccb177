"""Write a file under a temp name beside it, then rename it into place: readers see old or new, never half.

Every file kitops-jupyter writes for later reading (store indexes, credentials, settings, caches,
keys, generated Kitfiles, captured models) goes through here. The temp file is
``.<name>.<random><suffix>`` in the same directory (so the rename stays on one file system) and is
removed if the write fails or is interrupted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["replacing", "replacing_path", "write_bytes", "write_text"]


@contextmanager
def replacing_path(final: Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield an empty temp path beside ``final``; rename it onto ``final`` only if the block succeeds."""
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix, dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def replacing(final: Path, *, mode: int | None = None, fsync: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file to stream into; on success it gets ``mode`` and replaces ``final``.

    ``fsync`` flushes the data to disk before the rename, for files whose loss after a crash would
    lose user data (the store's indexes).
    """
    with replacing_path(final) as tmp, open(tmp, "wb") as out:
        yield out
        if fsync:
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(tmp, mode)


def write_bytes(final: Path, data: bytes, *, mode: int | None = None, fsync: bool = False) -> None:
    """Replace ``final`` with ``data`` (see :func:`replacing`)."""
    with replacing(final, mode=mode, fsync=fsync) as out:
        out.write(data)


def write_text(final: Path, text: str, *, mode: int | None = None, fsync: bool = False) -> None:
    """Replace ``final`` with ``text`` as UTF-8, exactly as given (no newline translation)."""
    write_bytes(final, text.encode("utf-8", "surrogateescape"), mode=mode, fsync=fsync)
