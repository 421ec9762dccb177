"""Hostile and corrupt layers: each must be refused with a clear error and leave nothing behind.

Layers are built byte by byte here (the helpers below write raw tar headers), so every refusal can
be provoked exactly: links, devices, PAX tricks, truncation, bad checksums, symlink escapes.
"""

from __future__ import annotations

import gzip
import io
import os
import tracemalloc
from pathlib import Path
from typing import BinaryIO

import pytest

from kitops_jupyter.core.digest import digest_bytes
from kitops_jupyter.core.manifest import Descriptor
from kitops_jupyter.core.tarread import TarReader, check_name
from kitops_jupyter.core.unpack import STAGING_PREFIX, PlannedLayer, unpack_layers
from kitops_jupyter.errors import IntegrityError, UnpackError, UnsafeArchive

TAR = "application/vnd.kitops.modelkit.code.v1.tar"
END = bytes(1024)

# -- raw tar building ------------------------------------------------------------------------


def header(
    name: str,
    *,
    typeflag: bytes = b"0",
    size: int = 0,
    mode: int = 0o644,
    linkname: str = "",
    prefix: str = "",
    magic: bytes = b"ustar\x0000",
    size_field: bytes | None = None,
    checksum_delta: int = 0,
) -> bytes:
    """One 512-byte header laid out like Go's writer (docs/format.md §3.2)."""
    block = bytearray(512)
    block[0:100] = name.encode()[:100].ljust(100, b"\0")
    block[100:108] = f"{mode:07o}\0".encode()
    block[108:116] = b"0001750\0"
    block[116:124] = b"0000000\0"
    block[124:136] = size_field if size_field is not None else f"{size:011o}\0".encode()
    block[136:148] = b"00000000000\0"
    block[148:156] = b" " * 8
    block[156:157] = typeflag
    block[157:257] = linkname.encode().ljust(100, b"\0")
    block[257:265] = magic
    block[345:500] = prefix.encode().ljust(155, b"\0")
    block[148:156] = f"{sum(block) + checksum_delta:06o}\0 ".encode()
    return bytes(block)


def pad(size: int) -> bytes:
    return bytes(-size % 512)


def file_entry(name: str, data: bytes = b"", mode: int = 0o644) -> bytes:
    return header(name, size=len(data), mode=mode) + data + pad(len(data))


def dir_entry(name: str, mode: int = 0o755) -> bytes:
    return header(name, typeflag=b"5", mode=mode)


def pax_record(key: str, value: str) -> bytes:
    body = f" {key}={value}\n".encode()
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length = len(str(length)) + len(body)
    return str(length).encode() + body


def pax_entry(records: dict[str, str], typeflag: bytes = b"x") -> bytes:
    data = b"".join(pax_record(k, v) for k, v in records.items())
    return header("PaxHeaders.0/x", typeflag=typeflag, size=len(data)) + data + pad(len(data))


def raw_pax(data: bytes) -> bytes:
    return header("PaxHeaders.0/x", typeflag=b"x", size=len(data)) + data + pad(len(data))


def gnu_long_name(name: str) -> bytes:
    data = name.encode() + b"\0"
    return header("././@LongLink", typeflag=b"L", size=len(data), magic=b"ustar  \0") + data + pad(len(data))


def tar(*parts: bytes) -> bytes:
    return b"".join(parts) + END


GOOD = dir_entry("good") + file_entry("good/file.txt", b"hello\n")  # must not survive a refusal

# -- running a layer -------------------------------------------------------------------------


class Blobs:
    """An in-memory blob source standing in for the store or a registry."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def add(self, data: bytes, media_type: str = TAR, **kw: str) -> PlannedLayer:
        desc = Descriptor(media_type, digest_bytes(data), len(data))
        self.data[desc.digest] = data
        return PlannedLayer(desc, "code", "", ".", **kw)

    def open(self, desc: Descriptor) -> BinaryIO:
        return io.BytesIO(self.data[desc.digest])


def unpack_bytes(target: Path, layer_bytes: bytes, *, overwrite: bool = False) -> None:
    blobs = Blobs()
    unpack_layers([blobs.add(layer_bytes)], blobs.open, target, overwrite=overwrite)


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its kind and content, symlinks not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = path.read_bytes().decode("latin-1")
    return out


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """``tmp_path`` holds ``target/`` and an ``outside/`` directory that must never change."""
    (tmp_path / "target").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("keep me")
    return tmp_path


def assert_refused(
    world: Path, layer: bytes, error: type[Exception], fragment: str, *, overwrite: bool = False
) -> None:
    before = snapshot(world)
    with pytest.raises(error) as info:
        unpack_bytes(world / "target", layer, overwrite=overwrite)
    assert fragment in str(info.value)
    assert snapshot(world) == before  # nothing partial, no staging dir, nothing outside
    assert not any(STAGING_PREFIX in p for p in snapshot(world))


# -- refusals inside the archive -------------------------------------------------------------

HOSTILE = {
    "absolute": (file_entry("/tmp/evil.txt", b"x"), "is an absolute path"),
    "dotdot": (file_entry("../evil.txt", b"x"), "'..' component"),
    "nested dotdot": (file_entry("good/../../evil.txt", b"x"), "'..' component"),
    "dotdot dir": (dir_entry("a/../.."), "'..' component"),
    "backslash": (file_entry("..\\evil.txt", b"x"), "backslash"),
    "empty name": (file_entry("", b"x"), "names no file"),
    "dot file": (file_entry("./", b"x"), "names no file"),
    "symlink": (header("link", typeflag=b"2", linkname="/etc/passwd"), "is a symbolic link"),
    "hardlink": (header("hard", typeflag=b"1", linkname="good/file.txt"), "is a hard link"),
    "char device": (header("dev", typeflag=b"3"), "is a character device"),
    "block device": (header("blk", typeflag=b"4"), "is a block device"),
    "fifo": (header("fifo", typeflag=b"6"), "is a FIFO"),
    "unknown type": (header("odd", typeflag=b"Z"), "unknown type"),
    "pax global": (pax_entry({"path": "x"}, typeflag=b"g") + file_entry("a", b"x"), "PAX global header"),
    "pax path override": (
        pax_entry({"path": "../x"}) + file_entry("innocent.txt", b"x"),
        "PAX header overrides entry name 'innocent.txt' with '../x', which has a '..' component",
    ),
    "pax absolute override": (
        pax_entry({"path": "/etc/cron.d/x"}) + file_entry("innocent.txt", b"x"),
        "PAX header overrides entry name 'innocent.txt' with '/etc/cron.d/x'",
    ),
    "pax linkpath": (pax_entry({"linkpath": "/etc/passwd"}) + file_entry("a", b"x"), "linkpath"),
    "pax sparse": (pax_entry({"GNU.sparse.major": "1"}) + file_entry("a", b"x"), "unsupported key"),
    "pax record without '='": (
        raw_pax(b"11 novalue\n") + file_entry("a", b"x"),
        ": malformed PAX extended header record; the layer",
    ),
    "pax record longer than the header": (
        raw_pax(b"99 path=a\n") + file_entry("a", b"x"),
        ": malformed PAX extended header record; the",
    ),
    "pax bad size": (pax_entry({"size": "-5"}) + file_entry("a", b"x"), "not a valid size"),
    "gnu long name override": (
        gnu_long_name("/abs/evil") + file_entry("ok.txt", b"x"),
        "GNU long name overrides entry name 'ok.txt' with '/abs/evil'",
    ),
    "gnu long link": (header("././@LongLink", typeflag=b"K", magic=b"ustar  \0"), "GNU long link"),
    "truncated data": (header("big.bin", size=1000) + b"x" * 100, "truncated"),
    "size larger than data": (header("big.bin", size=4096) + b"x" * 512, "truncated"),
    "bad checksum": (header("a.txt", size=0, checksum_delta=1), "checksum mismatch"),
    "non-octal size": (header("a.txt", size_field=b"0000000009x\0"), "is not octal"),
    "negative size": (header("a.txt", size_field=b"\xff" * 12), "negative size"),
    "oversized size": (header("a.txt", size_field=b"\x80" + b"\xff" * 11), "too large"),
    "unknown magic": (header("a.txt", magic=b"nottar\0\0"), "unknown format magic"),
    "dir with data": (header("d", typeflag=b"5", size=10) + b"x" * 10 + pad(10), "declares 10 bytes"),
    "file then child": (file_entry("a", b"x") + file_entry("a/b", b"y"), "which the layer made a file"),
    "duplicate file": (file_entry("a", b"x") + file_entry("a", b"y"), "appears twice"),
    "zero block then header": (bytes(512) + file_entry("late.txt", b"x"), "corrupt end-of-archive"),
    "trailing pax header": (pax_entry({"path": "a"}), "ends right after an extended header"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_entry_is_refused_and_nothing_remains(world: Path, case: str) -> None:
    body, fragment = HOSTILE[case]
    layer = GOOD + body if case.startswith(("truncated", "size larger")) else tar(GOOD + body)
    assert_refused(world, layer, UnsafeArchive, fragment)


def test_refusal_message_names_layer_and_what_to_do(world: Path) -> None:
    with pytest.raises(UnsafeArchive) as info:
        unpack_bytes(world / "target", tar(file_entry("../evil", b"x")))
    message = str(info.value)
    assert TAR in message and "sha256:" in message
    assert "'../evil'" in message and "refused" in message


def test_missing_end_of_archive_is_refused(world: Path) -> None:
    assert_refused(world, GOOD, UnsafeArchive, "no end-of-archive marker")


def test_truncated_header_is_refused(world: Path) -> None:
    assert_refused(world, GOOD + header("x")[:300], UnsafeArchive, "ends inside a tar header")


# -- refusals against the target -------------------------------------------------------------


def test_path_through_symlink_leading_outside_is_refused(world: Path) -> None:
    (world / "target" / "link").symlink_to(world / "outside", target_is_directory=True)
    layer = tar(GOOD, file_entry("link/evil.txt", b"pwned"))
    assert_refused(world, layer, UnsafeArchive, "outside")
    assert not (world / "outside" / "evil.txt").exists()


def test_directory_through_dangling_symlink_is_refused(world: Path) -> None:
    (world / "target" / "data").symlink_to(world / "outside" / "missing")
    assert_refused(world, tar(dir_entry("data"), file_entry("data/x", b"1")), UnsafeArchive, "outside")


def test_symlink_inside_target_is_followed_like_kit(world: Path) -> None:
    target = world / "target"
    (target / "real").mkdir()
    (target / "alias").symlink_to("real", target_is_directory=True)
    unpack_bytes(target, tar(dir_entry("alias"), file_entry("alias/f.txt", b"ok")))
    assert (target / "real" / "f.txt").read_bytes() == b"ok"


def test_file_where_directory_is_needed_is_refused(world: Path) -> None:
    (world / "target" / "data").write_text("a file")
    layer = tar(GOOD, dir_entry("data"), file_entry("data/x.csv", b"1"))
    assert_refused(world, layer, UnpackError, "already exists and is not a directory")


def test_file_under_existing_file_is_refused(world: Path) -> None:
    (world / "target" / "data").write_text("a file")
    assert_refused(
        world, tar(GOOD, file_entry("data/x.csv", b"1")), UnpackError, "needs a directory at 'data'"
    )


def test_overwrite_refuses_to_replace_a_symlink(world: Path) -> None:
    (world / "target" / "f.txt").symlink_to("elsewhere")
    layer = tar(GOOD, file_entry("f.txt", b"new"))
    assert_refused(world, layer, UnpackError, "not a regular file", overwrite=True)


def test_existing_file_error_says_what_to_do(world: Path) -> None:
    (world / "target" / "good").mkdir()
    (world / "target" / "good" / "file.txt").write_text("mine")
    assert_refused(
        world, tar(GOOD), UnpackError, "use overwrite=True (-o) to replace or ignore_existing=True (-i)"
    )


# -- integrity -------------------------------------------------------------------------------


def corrupted(data: bytes, offset: int) -> bytes:
    out = bytearray(data)
    out[offset] ^= 0x01
    return bytes(out)


def run_with_blob(target: Path, layer: PlannedLayer, blob: bytes) -> None:
    unpack_layers([layer], lambda _d: io.BytesIO(blob), target)


@pytest.mark.parametrize("offset", [1025, 3, 1600, 2100])  # file data, a header, end-of-archive blocks
def test_corrupt_byte_is_an_integrity_error_and_nothing_is_written(world: Path, offset: int) -> None:
    good = tar(GOOD)
    layer = Blobs().add(good)
    before = snapshot(world)
    with pytest.raises(IntegrityError, match="does not match"):
        run_with_blob(world / "target", layer, corrupted(good, offset))
    assert snapshot(world) == before


@pytest.mark.parametrize("change", ["longer", "shorter"])
def test_blob_of_wrong_size_is_an_integrity_error(world: Path, change: str) -> None:
    good = tar(GOOD)
    layer = Blobs().add(good)
    blob = good + b"\0" * 512 if change == "longer" else good[:-512]
    before = snapshot(world)
    with pytest.raises(IntegrityError):
        run_with_blob(world / "target", layer, blob)
    assert snapshot(world) == before


def compressed_layer(plain: bytes, compression: str, diff_id: str) -> tuple[PlannedLayer, bytes]:
    if compression == "gzip":
        blob = gzip.compress(plain, mtime=0)
    else:
        import zstandard

        blob = zstandard.ZstdCompressor().compress(plain)
    layer = Blobs().add(blob, f"{TAR}+{compression}", diff_id=diff_id)
    return layer, blob


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_layer_with_matching_diff_id_unpacks(world: Path, compression: str) -> None:
    plain = tar(GOOD)
    layer, blob = compressed_layer(plain, compression, digest_bytes(plain))
    run_with_blob(world / "target", layer, blob)
    assert (world / "target" / "good" / "file.txt").read_bytes() == b"hello\n"
    assert not any(STAGING_PREFIX in p for p in snapshot(world))


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_diff_id_mismatch_is_an_integrity_error(world: Path, compression: str) -> None:
    plain = tar(GOOD)
    layer, blob = compressed_layer(plain, compression, digest_bytes(plain + b"other"))
    before = snapshot(world)
    with pytest.raises(IntegrityError, match="diffId"):
        run_with_blob(world / "target", layer, blob)
    assert snapshot(world) == before


def test_trailing_bytes_after_archive_count_for_diff_id(world: Path) -> None:
    plain = tar(GOOD) + b"junk after the end"
    layer, blob = compressed_layer(plain, "gzip", digest_bytes(tar(GOOD)))
    with pytest.raises(IntegrityError, match="diffId"):
        run_with_blob(world / "target", layer, blob)


def test_undecompressable_layer_with_valid_digest_is_refused(world: Path) -> None:
    good = gzip.compress(tar(GOOD), mtime=0)
    blob = corrupted(good, len(good) - 6)  # the CRC32 trailer: detected only at the end
    layer = Blobs().add(blob, f"{TAR}+gzip")
    before = snapshot(world)
    with pytest.raises(UnsafeArchive, match="cannot be decompressed"):
        run_with_blob(world / "target", layer, blob)
    assert snapshot(world) == before


# -- the reader on its own -------------------------------------------------------------------


def members(data: bytes) -> list[tuple[str, str, int, int, bytes]]:
    return [(m.name, m.typeflag, m.mode, m.size, m.read()) for m in TarReader(io.BytesIO(data), "test")]


def test_reader_accepts_what_gos_writer_emits() -> None:
    long_dir = "d" * 120
    data = tar(
        dir_entry("a"),
        file_entry("a/x.bin", b"abc", mode=0o755),
        header("x" * 30, prefix=long_dir, size=2) + b"hi" + pad(2),  # USTAR prefix split
        pax_entry({"mtime": "0", "path": "é/naïve.txt", "size": "4", "uid": "1000"})
        + header("e/nave.txt", size=0)
        + b"data"
        + pad(4),
        gnu_long_name("g/" + "n" * 150) + header("././@LongLink", size=1, magic=b"ustar  \0") + b"z" + pad(1),
    )
    assert members(data) == [
        ("a", "5", 0o755, 0, b""),
        ("a/x.bin", "0", 0o755, 3, b"abc"),
        (f"{long_dir}/{'x' * 30}", "0", 0o644, 2, b"hi"),
        ("é/naïve.txt", "0", 0o644, 4, b"data"),
        ("g/" + "n" * 150, "0", 0o644, 1, b"z"),
    ]


def test_reader_skips_unread_data_and_accepts_old_style_types() -> None:
    data = tar(
        file_entry("skipped.bin", b"s" * 1000),
        header("olddir/", typeflag=b"\0"),
        header("oldfile", typeflag=b"\0", size=1) + b"o" + pad(1),
    )
    reader = iter(TarReader(io.BytesIO(data), "test"))
    next(reader)  # not read
    rest = [(m.name, m.typeflag, m.read()) for m in reader]
    assert rest == [("olddir", "5", b""), ("oldfile", "0", b"o")]


def test_reader_reads_in_constant_memory() -> None:
    size = 64 << 20

    class Zeros:
        def __init__(self) -> None:
            self.stream = io.BytesIO(header("big", size=size))
            self.left = size + 1024

        def read(self, n: int = -1) -> bytes:
            head = self.stream.read(n)
            if head:
                return head
            n = min(n, self.left)
            self.left -= n
            return bytes(n)

    total = 0
    tracemalloc.start()
    try:
        for member in TarReader(Zeros(), "test"):  # type: ignore[arg-type]
            while chunk := member.read(1 << 20):
                total += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == size
    assert peak < 8 << 20


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a/b", "a/b"), ("./a//b/", "a/b"), ("a/./b", "a/b"), ("...", "..."), ("a..b/c", "a..b/c")],
)
def test_check_name_normalises_local_names(name: str, expected: str) -> None:
    assert check_name(name, is_dir=True) == expected


@pytest.mark.parametrize("name", ["/a", "../a", "a/../../b", "a\\b", "C:evil", "a\0b", "", ".", "a/"])
def test_check_name_refuses_non_local_file_names(name: str) -> None:
    with pytest.raises(ValueError):
        check_name(name)


def test_root_directory_entry_is_skipped(world: Path) -> None:
    unpack_bytes(world / "target", tar(dir_entry("."), dir_entry("./"), file_entry("./a.txt", b"a")))
    assert snapshot(world / "target") == {"a.txt": "a"}
