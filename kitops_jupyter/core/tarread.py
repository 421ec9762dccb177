"""A strict, streaming tar reader for untrusted layers: one pass, constant memory, files and dirs only.

Python's ``tarfile`` is too permissive for extraction (peers: oras-py ``extract_targz``; PEP 706
filters were bypassed more than once), so layers are read here instead. The reader accepts what
Go's ``archive/tar`` writer emits for kit (docs/format.md §3.2): USTAR headers with the prefix field,
PAX extended headers (``x``) carrying ``path``/``size`` plus harmless keys, and GNU long names
(``L``) as Go's reader does. It refuses, with :class:`~kitops_jupyter.errors.UnsafeArchive`:

* every type but regular files (``0``, old ``\\0``) and directories (``5``): links, devices, fifos,
  PAX global headers (``g``), GNU long link names (``K``), sparse and unknown entries;
* names that are not local (see :func:`check_name`), including PAX ``path`` or GNU long names that
  replace an innocuous header name with a dangerous one; PAX ``linkpath``; unknown PAX keys;
* bad checksums, unknown magic, non-numeric fields, negative or oversized sizes, directories that
  claim data, streams that end inside a header or before an entry's declared size, and archives
  without the end-of-archive zero block (stricter than Go's reader; Go's writer always emits it).

Name policy (decided here, applied on every platform so results do not depend on the OS): names
use ``/``; empty and ``.`` components are dropped (``./a//b`` is ``a/b``); a name is refused if it is
empty after that (unless it is a directory, which then names the root and is skipped), absolute,
has a ``..`` component, a backslash, a NUL, or a drive-letter prefix such as ``C:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import UnsafeArchive

BLOCK = 512
REGULAR = "0"
DIRECTORY = "5"
MAX_SIZE = (1 << 63) - 1  # Go's int64
MAX_SPECIAL = 1 << 20  # Go's limit for PAX records and GNU long names (maxSpecialFileSize)

_REFUSED_TYPES = {
    "1": "a hard link",
    "2": "a symbolic link",
    "3": "a character device",
    "4": "a block device",
    "6": "a FIFO",
    "7": "a contiguous file",
    "g": "a PAX global header",
    "K": "a GNU long link name",
    "S": "a GNU sparse file",
    "D": "a GNU directory dump",
    "M": "a GNU multi-volume continuation",
    "V": "a GNU volume label",
}
_PAX_IGNORED = {"mtime", "atime", "ctime", "uid", "gid", "uname", "gname", "comment", "charset", "hdrcharset"}
_PAX_IGNORED_PREFIXES = ("SCHILY.xattr.", "LIBARCHIVE.xattr.")
_USTAR = b"ustar\x0000"
_GNU = b"ustar  \x00"
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_name(name: str, *, is_dir: bool = False) -> str:
    """The normalised form of a member name, or :class:`ValueError` saying why it is not local.

    Returns ``""`` for a directory naming the root itself (``.``, ``./``), which callers skip.
    """
    if "\x00" in name:
        raise ValueError("contains a NUL byte")
    if "\\" in name:
        raise ValueError("contains a backslash (not portable; kit always writes '/')")
    if name.startswith("/"):
        raise ValueError("is an absolute path")
    if _DRIVE.match(name):
        raise ValueError("starts with a drive letter")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError("has a '..' component that could climb out of the target")
    if not parts and not is_dir:
        raise ValueError("names no file")
    if name.endswith("/") and not is_dir:
        raise ValueError("ends with '/' but is not a directory")
    return "/".join(parts)


@dataclass(frozen=True)
class _Header:
    name: str
    mode: int
    size: int
    typeflag: str
    magic: bytes


class TarMember:
    """One regular file or directory; :meth:`read` returns at most the member's remaining data."""

    def __init__(self, reader: TarReader, name: str, typeflag: str, mode: int, size: int) -> None:
        self.name = name
        self.typeflag = typeflag
        self.mode = mode
        self.size = size
        self.remaining = size
        self._reader = reader

    @property
    def is_dir(self) -> bool:
        return self.typeflag == DIRECTORY

    def read(self, n: int = -1) -> bytes:
        if n < 0 or n > self.remaining:
            n = self.remaining
        if n == 0:
            return b""
        data = self._reader.read_some(n, self.name)
        self.remaining -= len(data)
        return data

    def __repr__(self) -> str:
        return f"TarMember({self.name!r}, typeflag={self.typeflag!r}, mode={self.mode:o}, size={self.size})"


class TarReader:
    """Iterate the members of a tar stream; ``what`` names the layer in every error message.

    Members must be consumed in order: advancing skips the unread data of the previous one. The
    stream is read forward only and never further than the end-of-archive marker.
    """

    def __init__(self, stream: BinaryIO, what: str) -> None:
        self._stream = stream
        self.what = what
        self._current: TarMember | None = None
        self._pad = 0

    def __iter__(self) -> Iterator[TarMember]:
        while True:
            member = self._next()
            if member is None:
                return
            yield member

    # -- low-level reads ---------------------------------------------------------------------

    def read_some(self, n: int, entry: str) -> bytes:
        data = self._stream.read(n)
        if not data:
            raise self._error(f"entry {entry!r} is truncated: the stream ended before its declared size")
        return data

    def _read_exact(self, n: int, entry: str) -> bytes:
        chunks, left = [], n
        while left:
            chunk = self.read_some(min(left, 1 << 20), entry)
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _skip(self, n: int, entry: str) -> None:
        while n:
            n -= len(self.read_some(min(n, 1 << 20), entry))

    def _finish_current(self) -> None:
        if self._current is not None:
            self._skip(self._current.remaining + self._pad, self._current.name)
            self._current.remaining = 0
            self._current = None

    def _error(self, message: str) -> UnsafeArchive:
        return UnsafeArchive(f"{self.what}: {message}; the layer was refused and nothing from it was kept")

    # -- headers -----------------------------------------------------------------------------

    def _next(self) -> TarMember | None:
        self._finish_current()
        pax: dict[str, str] = {}
        long_name: str | None = None
        while True:
            header = self._read_header()
            if header is None:
                if pax or long_name is not None:
                    raise self._error("the archive ends right after an extended header")
                return None
            if header.typeflag in ("x", "L"):
                repeated = bool(pax) if header.typeflag == "x" else long_name is not None
                if repeated:
                    raise self._error(f"two extended headers of type {header.typeflag!r} in a row")
                data = self._special_data(header)
                if header.typeflag == "x":
                    pax = self._parse_pax(data)
                else:
                    long_name = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
                continue
            return self._member(header, pax, long_name)

    def _read_header(self) -> _Header | None:
        block = self._stream.read(BLOCK)
        block += self._fill(block)
        if not block:  # Go tolerates this, but its writer always ends with two zero blocks
            raise self._error("the archive has no end-of-archive marker (truncated archive)")
        if block == bytes(BLOCK):
            second = self._stream.read(BLOCK)
            second += self._fill(second)
            if second and second != bytes(BLOCK):
                raise self._error("a zero block is followed by more headers (corrupt end-of-archive)")
            return None
        return self._parse_header(block)

    def _fill(self, got: bytes) -> bytes:
        """Complete a short read of one block; a block cut off by the end of the stream is an error."""
        more = b""
        while got and len(got) + len(more) < BLOCK:
            chunk = self._stream.read(BLOCK - len(got) - len(more))
            if not chunk:
                raise self._error("the stream ends inside a tar header (truncated archive)")
            more += chunk
        return more

    def _parse_header(self, block: bytes) -> _Header:
        self._check_checksum(block)
        magic = block[257:265]
        if magic not in (_USTAR, _GNU):
            raise self._error(
                f"header with unknown format magic {magic!r} (only USTAR, PAX and GNU are read)"
            )
        name = _cstring(block[0:100])
        prefix = _cstring(block[345:500]) if magic == _USTAR else ""
        if prefix:
            name = prefix + "/" + name
        for start, end in ((108, 116), (116, 124), (136, 148), (329, 337), (337, 345)):
            self._numeric(block[start:end], "numeric field")
        typeflag = chr(block[156]) if block[156] else "\x00"
        mode = self._numeric(block[100:108], "mode")
        size = self._numeric(block[124:136], "size")
        return _Header(name, mode, size, typeflag, magic)

    def _check_checksum(self, block: bytes) -> None:
        stored = self._numeric(block[148:156], "checksum")
        unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
        signed = unsigned - 2 * sum(b for b in block[:148] + block[156:] if b >= 128)
        if stored not in (unsigned, signed):
            raise self._error(f"header checksum mismatch (stored {stored:o}, computed {unsigned:o})")

    def _numeric(self, field: bytes, what: str) -> int:
        if field and field[0] & 0x80:
            if field[0] & 0x40:
                raise self._error(f"negative {what} in a header")
            value = int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
        else:
            text = field.decode("latin-1").strip(" \x00")
            if text and not all(c in "01234567" for c in text):
                raise self._error(f"{what} field {field!r} is not octal")
            value = int(text, 8) if text else 0
        if value > MAX_SIZE:
            raise self._error(f"{what} {value} is too large")
        return value

    def _special_data(self, header: _Header) -> bytes:
        if header.size > MAX_SPECIAL:
            raise self._error(f"extended header of {header.size} bytes is larger than the 1 MiB limit")
        data = self._read_exact(header.size, f"<{header.typeflag} header>")
        self._skip(-header.size % BLOCK, f"<{header.typeflag} header>")
        return data

    def _parse_pax(self, data: bytes) -> dict[str, str]:
        records: dict[str, str] = {}
        while data:
            length_text, sep, _ = data.partition(b" ")
            if not sep or not length_text.isdigit() or not 0 < int(length_text) <= len(data):
                raise self._error("malformed PAX extended header record")
            record, data = data[: int(length_text)], data[int(length_text) :]
            key, eq, value = record[len(length_text) + 1 :].partition(b"=")
            if not eq or not record.endswith(b"\n"):
                raise self._error("malformed PAX extended header record")
            self._pax_record(records, key.decode("utf-8", "replace"), value[:-1])
        return records

    def _pax_record(self, records: dict[str, str], key: str, raw: bytes) -> None:
        value = raw.decode("utf-8", "surrogateescape")
        if key == "linkpath":
            raise self._error(f"PAX header sets a link target (linkpath={value!r}); links are not allowed")
        if key == "size":
            if not value.isdigit() or int(value) > MAX_SIZE:
                raise self._error(f"PAX size {value!r} is not a valid size")
        elif key != "path" and key not in _PAX_IGNORED and not key.startswith(_PAX_IGNORED_PREFIXES):
            raise self._error(
                f"PAX header has unsupported key {key!r} (only path, size and metadata are read)"
            )
        records[key] = value

    # -- members -----------------------------------------------------------------------------

    def _member(self, header: _Header, pax: dict[str, str], long_name: str | None) -> TarMember:
        typeflag = header.typeflag
        if typeflag == "\x00":  # old-style regular file; Go maps a trailing '/' to a directory
            typeflag = DIRECTORY if header.name.endswith("/") else REGULAR
        name = self._checked_name(header.name, typeflag, pax, long_name)
        size = int(pax["size"]) if "size" in pax else header.size
        if typeflag not in (REGULAR, DIRECTORY):
            kind = _REFUSED_TYPES.get(typeflag, f"of unknown type {typeflag!r}")
            raise self._error(f"entry {name!r} is {kind}; only regular files and directories are allowed")
        if typeflag == DIRECTORY and size:
            raise self._error(f"directory entry {name!r} declares {size} bytes of data")
        self._current = TarMember(self, name, typeflag, header.mode & 0o7777, size)
        self._pad = -size % BLOCK
        return self._current

    def _checked_name(self, name: str, typeflag: str, pax: dict[str, str], long_name: str | None) -> str:
        """The effective (overridden) name, checked; Go's header name under a PAX path is only a hint."""
        is_dir = typeflag == DIRECTORY
        if long_name is not None and "path" in pax:
            raise self._error(f"entry {name!r} has both a GNU long name and a PAX path")
        override, source = (
            (pax.get("path"), "PAX header") if long_name is None else (long_name, "GNU long name")
        )
        try:
            return check_name(name if override is None else override, is_dir=is_dir)
        except ValueError as exc:
            if override is None:
                raise self._error(f"entry name {name!r} {exc}") from None
            raise self._error(
                f"{source} overrides entry name {name!r} with {override!r}, which {exc}"
            ) from None


def _cstring(field: bytes) -> str:
    return field.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
