"""File-system failures a user can cause, as one-line :class:`KitError` messages (what, where, what to do).

The core turns ``OSError`` into a ``KitError`` where it knows what it was doing (unpacking into a
folder, writing the store, reading a context); :func:`os_error` builds that message from the errno, so
"disk full", "permission denied", "not a directory" and "name too long" read the same everywhere.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import KitError, PackError, StoreError, UnpackError

__all__ = ["file_system_error", "os_error", "translate_os_errors"]

_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the file system is full", "free some space there or choose another location"),
    errno.EDQUOT: ("the disk quota is exhausted", "free some space there or choose another location"),
    errno.EFBIG: ("the file is larger than this file system or process allows", "choose another location"),
    errno.EACCES: ("permission denied", "check its permissions or choose a location you can write to"),
    errno.EPERM: ("operation not permitted", "check its permissions or choose a location you can write to"),
    errno.EROFS: ("the file system is read-only", "choose a location on a writable file system"),
    errno.ENOTDIR: (
        "a part of the path is a file, not a directory",
        "remove or rename that file, or choose another location",
    ),
    errno.EISDIR: ("it is a directory", "give a file path instead"),
    errno.ENAMETOOLONG: ("the name is too long for the file system", "use shorter names or a shorter path"),
    errno.ENOENT: ("it does not exist", "check the path"),
    errno.EEXIST: ("it already exists", "remove it or choose another location"),
    errno.ENOTEMPTY: ("the directory is not empty", "remove its contents or choose another location"),
    errno.EMFILE: ("too many open files", "close other programs or raise the open-file limit"),
    errno.EIO: ("an input/output error occurred", "check the disk"),
}


def os_error(exc: OSError, doing: str, where: Path | str | None = None) -> str:
    """``cannot <doing> <where>: <file the OS named>: <reason>; <what to do>``."""
    reason, hint = _REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "check the path and try again"))
    place = f" {where}" if where is not None else ""
    named = exc.filename2 if exc.filename2 is not None else exc.filename  # a rename's destination
    if named is not None and str(named) != str(where):
        place += f": {named}" if place else f" {named}"
    return f"cannot {doing}{place}: {reason}; {hint}"


@contextmanager
def translate_os_errors(kind: type[KitError], doing: str, where: Path | str | None = None) -> Iterator[None]:
    """Raise ``kind`` with :func:`os_error`'s message for any ``OSError`` inside the block."""
    try:
        yield
    except OSError as exc:
        raise kind(os_error(exc, doing, where)) from exc


_VERBS: dict[str, tuple[type[KitError], str]] = {
    "init": (PackError, "write the Kitfile in"),
    "pack": (PackError, "pack"),
    "unpack": (UnpackError, "unpack into"),
}


def file_system_error(exc: OSError, verb: str, home: Path) -> KitError:
    """The KitError for an ``OSError`` that escaped API verb ``verb`` working on the store in ``home``."""
    if os.path.lexists(home) and not os.path.isdir(home):
        return StoreError(
            f"cannot use the local store: KITOPS_HOME {home} is a file, not a directory; set KITOPS_HOME "
            "to a directory (or unset it to use the default location)"
        )
    kind, doing = _VERBS.get(verb, (StoreError, f"{verb}:"))
    return kind(os_error(exc, doing, home / "storage" if kind is StoreError else None))
