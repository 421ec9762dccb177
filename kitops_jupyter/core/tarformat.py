"""Tar headers byte-identical to Go's ``archive/tar`` as ``kit pack`` drives it (docs/format.md §3.2).

kit builds every header with ``tar.FileInfoHeader`` and then normalises it: mtime/atime/ctime zero,
uid 1000, gid 0, empty user and group names, the name replaced by the walk path (directories without
a trailing slash). Go's writer then picks the first format able to encode the header, in the order
USTAR, PAX. This module reproduces exactly that choice and encoding for regular files and
directories; Python's ``tarfile`` differs in several places (prefix split, PAX layout, trailing
slashes, record padding) and is deliberately not used.

Format rules reproduced here (read from Go's ``writer.go``, ``common.go``, ``strconv.go``,
``format.go``):

* USTAR when the name is ASCII and either fits the 100-byte name field or has one valid
  prefix/suffix split, and the size fits 11 octal digits (< 8 GiB).
* Otherwise PAX: an ``x`` header named ``<dir>/PaxHeaders.0/<base>`` carrying ``path`` and/or
  ``size`` records (sorted by key), followed by the main header whose name field holds the
  ASCII-only name cut to 100 bytes and whose size field is zero when the size went to PAX.
"""

from __future__ import annotations

import os

__all__ = ["BLOCK", "END_OF_ARCHIVE", "dir_header", "file_header", "pad"]

BLOCK = 512
END_OF_ARCHIVE = bytes(2 * BLOCK)

KIT_UID = 1000  # kit forces uid 1000 / gid 0 for reproducible layers
KIT_GID = 0

_NAME_SIZE = 100
_PREFIX_SIZE = 155
_MAX_OCTAL_SIZE = 1 << 33  # 11 octal digits + NUL in the 12-byte size field
_TYPE_REG = b"0"
_TYPE_DIR = b"5"
_TYPE_PAX = b"x"

# Field offsets (start, length) of the USTAR block.
_NAME = (0, 100)
_MODE = (100, 8)
_UID = (108, 8)
_GID = (116, 8)
_SIZE = (124, 12)
_MTIME = (136, 12)
_CHKSUM = (148, 8)
_TYPEFLAG = 156
_MAGIC = (257, 6)
_VERSION = (263, 2)
_DEVMAJOR = (329, 8)
_DEVMINOR = (337, 8)
_PREFIX = (345, 155)


def file_header(name: str, mode: int, size: int) -> bytes:
    """Header block(s) for a regular file ``name`` (walk path, ``/``-separated) as kit writes it."""
    if size < 0:
        raise ValueError(f"negative size {size} for {name!r}")
    return _entry(os.fsencode(name), mode, size, _TYPE_REG)


def dir_header(name: str, mode: int) -> bytes:
    """Header block(s) for a directory ``name`` (no trailing slash, size 0) as kit writes it."""
    return _entry(os.fsencode(name), mode, 0, _TYPE_DIR)


def pad(size: int) -> bytes:
    """NUL bytes that bring ``size`` bytes of file data up to a whole 512-byte block."""
    return bytes(-size % BLOCK)


def _entry(name: bytes, mode: int, size: int, typeflag: bytes) -> bytes:
    name_ok = _is_ascii(name) and (len(name) <= _NAME_SIZE or _split_ustar(name) is not None)
    size_ok = size < _MAX_OCTAL_SIZE
    if name_ok and size_ok:
        return _ustar_block(name, mode, size, typeflag)
    records: dict[str, bytes] = {}
    # Go records the path whenever the name is non-ASCII or longer than the name field, even if a
    # USTAR split would exist (that only matters when the size forces PAX anyway).
    if not _is_ascii(name) or len(name) > _NAME_SIZE:
        records["path"] = name
    if not size_ok:
        records["size"] = str(size).encode()
    return _pax_header(name, records) + _pax_main_block(name, mode, size, typeflag)


def _is_ascii(data: bytes) -> bool:
    """Go's ``isASCII``: every byte below 0x80 and no NUL."""
    return data.isascii() and b"\x00" not in data


def _to_ascii(data: bytes) -> bytes:
    """Go's ``toASCII``: drop NULs and every non-ASCII byte (invalid UTF-8 included)."""
    return bytes(b for b in data if 0 < b < 0x80)


def _split_ustar(name: bytes) -> tuple[bytes, bytes] | None:
    """Go's single USTAR prefix/suffix split attempt, or None when it is not possible."""
    length = len(name)
    if length <= _NAME_SIZE or not _is_ascii(name):
        return None
    if length > _PREFIX_SIZE + 1:
        length = _PREFIX_SIZE + 1
    elif name[length - 1 : length] == b"/":
        length -= 1
    cut = name.rfind(b"/", 0, length)
    suffix_len = len(name) - cut - 1
    if cut <= 0 or suffix_len > _NAME_SIZE or suffix_len == 0 or cut > _PREFIX_SIZE:
        return None
    return name[:cut], name[cut + 1 :]


def _put_string(block: bytearray, field: tuple[int, int], value: bytes) -> None:
    """Go's ``formatString``: copy (cut to the field), NUL-terminate when shorter.

    A value cut at a ``/`` gets that trailing slash run replaced by NUL (Go's guard for readers that
    would otherwise take a regular file for a directory).
    """
    start, length = field
    chunk = value[:length]
    block[start : start + len(chunk)] = chunk
    if len(value) < length:
        block[start + len(value)] = 0
    elif len(value) > length and chunk.endswith(b"/"):
        keep = len(chunk[:-1].rstrip(b"/"))
        block[start + keep] = 0


def _put_octal(block: bytearray, field: tuple[int, int], value: int) -> None:
    """Go's ``formatOctal``: zero-padded octal leaving room for a NUL; 0 if it does not fit."""
    length = field[1]
    if value < 0 or value >= 1 << (3 * (length - 1)):
        value = 0
    _put_string(block, field, format(value, "o").rjust(length - 1, "0").encode())


def _finish(block: bytearray) -> bytes:
    """Write the USTAR/PAX magic and the checksum (6 octal digits, NUL, space)."""
    block[_MAGIC[0] : _MAGIC[0] + 6] = b"ustar\x00"
    block[_VERSION[0] : _VERSION[0] + 2] = b"00"
    start = _CHKSUM[0]
    block[start : start + 8] = b" " * 8
    total = sum(block)
    _put_octal(block, (start, 7), total)
    block[start + 7] = 0x20
    return bytes(block)


def _v7_fields(block: bytearray, name: bytes, mode: int, size: int, typeflag: bytes) -> None:
    """Go's ``templateV7Plus`` with kit's normalised values (uid/gid, zero times, empty names)."""
    block[_TYPEFLAG] = typeflag[0]
    _put_string(block, _NAME, name)
    _put_octal(block, _MODE, mode)
    _put_octal(block, _UID, KIT_UID)
    _put_octal(block, _GID, KIT_GID)
    _put_octal(block, _SIZE, size)
    _put_octal(block, _MTIME, 0)
    _put_octal(block, _DEVMAJOR, 0)
    _put_octal(block, _DEVMINOR, 0)


def _ustar_block(name: bytes, mode: int, size: int, typeflag: bytes) -> bytes:
    prefix = b""
    split = _split_ustar(name)
    if split is not None:
        prefix, name = split
    block = bytearray(BLOCK)
    _v7_fields(block, name, mode, size, typeflag)
    _put_string(block, _PREFIX, prefix)
    return _finish(block)


def _pax_main_block(name: bytes, mode: int, size: int, typeflag: bytes) -> bytes:
    block = bytearray(BLOCK)
    _v7_fields(block, _to_ascii(name), mode, size, typeflag)
    return _finish(block)


def _pax_record(key: str, value: bytes) -> bytes:
    """``"<len> key=value\\n"`` where ``len`` counts the whole record including itself."""
    body = b" " + key.encode() + b"=" + value + b"\n"
    size = len(body) + len(str(len(body)))
    if len(str(size)) + len(body) != size:
        size = len(str(size)) + len(body)
    return str(size).encode() + body


def _pax_name(name: bytes) -> bytes:
    """Go's ``path.Join(dir, "PaxHeaders.0", base)`` made ASCII, cut to 100 bytes, slashes trimmed."""
    cut = name.rfind(b"/")
    parent, base = name[: cut + 1], name[cut + 1 :]
    joined = _clean(b"/".join(p for p in (parent, b"PaxHeaders.0", base) if p))
    return _to_ascii(joined)[:_NAME_SIZE].rstrip(b"/")


def _clean(path: bytes) -> bytes:
    """Go's ``path.Clean`` (walk names are already clean; this keeps odd names Go-identical)."""
    rooted = path.startswith(b"/")
    parts: list[bytes] = []
    for part in path.split(b"/"):
        if part in (b"", b"."):
            continue
        if part != b"..":
            parts.append(part)
        elif parts and parts[-1] != b"..":
            parts.pop()
        elif not rooted:
            parts.append(part)
    joined = b"/".join(parts)
    return b"/" + joined if rooted else joined or b"."


def _pax_header(name: bytes, records: dict[str, bytes]) -> bytes:
    data = b"".join(_pax_record(key, records[key]) for key in sorted(records))
    block = bytearray(BLOCK)
    block[_TYPEFLAG] = _TYPE_PAX[0]
    _put_string(block, _NAME, _pax_name(name))
    for field in (_MODE, _UID, _GID):
        _put_octal(block, field, 0)
    _put_octal(block, _SIZE, len(data))
    _put_octal(block, _MTIME, 0)
    return _finish(block) + data + pad(len(data))
