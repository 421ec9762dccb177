"""Tar headers must be byte-identical to Go's archive/tar as kit drives it (docs/format.md §3.2).

Three kinds of evidence:
* hand-built expectations: blocks assembled field by field from the spec in this file;
* Go-derived digests: sha256 of the header bytes Go 1.26 ``archive/tar`` wrote for the same header
  (uid 1000, gid 0, zero times, empty names), recorded once in ``GO_HEADERS``;
* a differential run against Go itself (scripts/setup requires a Go toolchain for the test registries).
Layer-level comparisons with the real kit binary live in test_layerwrite.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from kitops_jupyter.core.tarformat import END_OF_ARCHIVE, dir_header, file_header, pad


def _p(prefix: str, total: int, fill: str) -> str:
    return prefix + fill * (total - len(prefix.encode()))


# name, mode, size, is_dir
CASES: dict[str, tuple[str, int, int, bool]] = {
    "file_99": (_p("", 99, "a"), 0o644, 3, False),
    "file_100": (_p("", 100, "b"), 0o644, 3, False),
    "file_101_no_slash": (_p("", 101, "c"), 0o644, 3, False),
    "file_101_split": (_p("d/", 101, "c"), 0o644, 3, False),
    "file_155_split": (_p("e" * 50 + "/", 155, "f"), 0o644, 3, False),
    "file_156_split": (_p("g" * 55 + "/", 156, "h"), 0o644, 3, False),
    "file_255_ustar": (_p("i" * 155 + "/", 255, "j"), 0o644, 3, False),
    "file_255_pax": (_p("k" * 100 + "/" + "l" * 100 + "/", 255, "m"), 0o644, 3, False),
    "prefix_156_pax": ("n" * 156 + "/" + "o" * 10, 0o644, 3, False),
    "suffix_101_pax": ("p" * 20 + "/" + "q" * 101, 0o644, 3, False),
    "last_slash_late_pax": ("u" * 140 + "/" + "v" * 20, 0o644, 3, False),
    "slash_at_100_pax": ("w" * 99 + "/" + "x" * 110, 0o644, 3, False),
    "go_not_python_split": ("p" * 30 + "/" + "q" * 30 + "/" + "r" * 30 + "/" + "s" * 60, 0o644, 3, False),
    "dir_130": (_p("y" * 94 + "/", 130, "Y"), 0o755, 0, True),
    "deep_dir": ("/".join(f"l{i:02d}" for i in range(1, 40)), 0o755, 0, True),
    "non_ascii": ("café.txt", 0o644, 3, False),
    "non_ascii_dir": ("données/été", 0o2755, 0, True),
    "non_ascii_long": ("é" * 60 + "y" * 40, 0o644, 3, False),
    "non_ascii_slash_at_100": ("é" + "a" * 98 + "/" + "b" * 20, 0o644, 3, False),
    "cjk": ("日本語/データ.csv", 0o600, 8, False),
    "exec_file": ("bin/run.sh", 0o755, 18, False),
    "setuid_file": ("bin/suid", 0o4755, 5, False),
    "sticky_dir": ("tmp", 0o1777, 0, True),
    "size_8gib_minus_1": ("big.bin", 0o644, (8 << 30) - 1, False),
    "size_8gib": ("big.bin", 0o644, 8 << 30, False),
    "size_8gib_plus_1": ("models/big.bin", 0o644, (8 << 30) + 1, False),
    "size_1tib_long_name": ("m" * 120 + "/w.bin", 0o644, 1 << 40, False),
    "size_10gib_non_ascii": ("modèle.bin", 0o644, 10 << 30, False),
    "non_utf8": (os.fsdecode(b"bad\xffname"), 0o644, 1, False),
}

# (number of 512-byte blocks, sha256 of the bytes) written by Go's archive/tar for CASES.
GO_HEADERS = {
    "file_99": (1, "8e741d8b5bf6da1f4e2130317d377d1f2d74b439d83026c292d17b12d0aa4f63"),
    "file_100": (1, "1e247ab05717bc3f5a271b729a4795dddd96ac31a0b791723a6e985b85d5e8e9"),
    "file_101_no_slash": (3, "84404cf769507d6e257951bc5320a572dcc004caf3f8110153e077a698e40c83"),
    "file_101_split": (1, "156371a226fa966163a65ed308811bec0265ca3e176f546e3dbbc6d6bfab994c"),
    "file_155_split": (3, "898337a93c7b21ec8639debb5f585f5bd51eed8dd9a323afd4034fe92effaa36"),
    "file_156_split": (1, "afe7473321dd21e92d511fbfa657adb2139b046a22b3e707064ba4fcf33ead38"),
    "file_255_ustar": (1, "6064aa4d3dc7369ec45de44d1950fa9d692a966b1326cbbb3a56678a96878fe1"),
    "file_255_pax": (3, "f4276277c132d9bf01a972c5bbae6713960fcb170a93b9abe5e09e372817b2f0"),
    "prefix_156_pax": (3, "3542950a92ddae722ffd4f3a4017b3d3682a3d7471ea1bb9e8099055a342d37f"),
    "suffix_101_pax": (3, "69b5c031f5a505d2b6ba9dbff1a9973259d069d4c66197d722d16a3ed0c8c10c"),
    "last_slash_late_pax": (1, "98f3af4896b9601007f0c3e6c8a77590ed83a3b85bbb11dab07d4d9e0affa48a"),
    "slash_at_100_pax": (3, "4e8ecf949ebc454901cce127a8dc7add873413c0a0f6af7931105652fdf688a2"),
    "go_not_python_split": (1, "895926ea697f0072e92b7bd3aeba155af262ccc8789f80ed52c25c1583f1ca12"),
    "dir_130": (1, "83830d9545d6500acd1c1696d764074ed1ea72185bdede7e487f41d525783897"),
    "deep_dir": (1, "721fa644982928aee2eab870ef59d5124f29a433b005d7794bf830a298a68df8"),
    "non_ascii": (3, "da78df1b7a915f234ec316c6970e6433e11442ef0318554d3a46dd45801255a4"),
    "non_ascii_dir": (3, "4fc24742b309fa58da1b07fe2b918d7da1281bab7739348ba40931832955ec84"),
    "non_ascii_long": (3, "30994ff4fb1fa296b09fd35e9d1754bd85101c7560456aa4d260bf2771b7423e"),
    "non_ascii_slash_at_100": (3, "a7a5e721df9480295fb50ca2ad7f4275b7cef410b2108e41277309b5673d81f0"),
    "cjk": (3, "1b3cfd1cc9bbb2823eee3885568b1ef70cb10657b0c1a32bc947a33f26ebcdc2"),
    "exec_file": (1, "06937f1ceaf1f07c06b4b669619031abc33dc996efb6ab772fd8feb886eeb93f"),
    "setuid_file": (1, "be513edfd3169950719d18d12b6f0ba7dcdb25a0bd0b09f18f79217d136027c0"),
    "sticky_dir": (1, "99873169ab7df078736e83c2144dce47efbbbdbef005cfb42269c7e7f78e8fe3"),
    "size_8gib_minus_1": (1, "36491f7044c6dbeca5d4efbbdb9164e32c74092d71dde363f9da379139d3c376"),
    "size_8gib": (3, "21ec2411c963c9cbe85d90d3781802f14101a215baa80ef9810cf672900cab79"),
    "size_8gib_plus_1": (3, "e8376c781add25c5220d12f92bb8b8edb961cbbff6f63a91e9d4cea102f104c5"),
    "size_1tib_long_name": (3, "34e897bc108054d2f12092ecc091b3961a075eac73691747a30ed5af02681555"),
    "size_10gib_non_ascii": (3, "60af22408243a746286473c29d999093c981152599f955096867598c8ccf664f"),
    "non_utf8": (3, "646c88a283c39c9b01c109d1e86fa7efc51370dd2ee76965b17f849107b2e92f"),
}


def _header(case: str) -> bytes:
    name, mode, size, is_dir = CASES[case]
    return dir_header(name, mode) if is_dir else file_header(name, mode, size)


def _field(block: bytes, start: int, length: int) -> bytes:
    return block[start : start + length]


# --- hand-built expectations ----------------------------------------------------------------------


def _hand_block(name: bytes, mode: bytes, size: bytes, typeflag: bytes, prefix: bytes = b"") -> bytes:
    """A USTAR block assembled from the spec's field table, with kit's fixed values."""
    block = bytearray(512)
    block[0 : len(name)] = name
    block[100:108] = mode
    block[108:116] = b"0001750\x00"  # uid 1000
    block[116:124] = b"0000000\x00"  # gid 0
    block[124:136] = size
    block[136:148] = b"00000000000\x00"  # mtime 0
    block[156:157] = typeflag
    block[257:263] = b"ustar\x00"
    block[263:265] = b"00"
    block[329:337] = b"0000000\x00"  # devmajor
    block[337:345] = b"0000000\x00"  # devminor
    block[345 : 345 + len(prefix)] = prefix
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block)


def test_plain_file_matches_hand_built_block() -> None:
    expected = _hand_block(b"data/train.csv", b"0000644\x00", b"00000000005\x00", b"0")
    assert file_header("data/train.csv", 0o644, 5) == expected
    assert expected[148:156] == b"011760\x00 "  # the checksum Go writes for this header


def test_directory_has_no_trailing_slash_and_size_zero() -> None:
    expected = _hand_block(b"a/b/c", b"0000755\x00", b"00000000000\x00", b"5")
    assert dir_header("a/b/c", 0o755) == expected


@pytest.mark.parametrize(
    ("mode", "field"),
    [(0o755, b"0000755\x00"), (0o600, b"0000600\x00"), (0o4755, b"0004755\x00"), (0o1777, b"0001777\x00")],
)
def test_mode_keeps_permission_and_special_bits(mode: int, field: bytes) -> None:
    assert _field(file_header("x", mode, 0), 100, 8) == field


def test_name_split_uses_last_slash_within_156_bytes() -> None:
    name = "p" * 30 + "/" + "q" * 30 + "/" + "r" * 30 + "/" + "s" * 60  # Python tarfile splits at 30
    block = file_header(name, 0o644, 3)
    expected = _hand_block(b"s" * 60, b"0000644\x00", b"00000000003\x00", b"0", name[:92].encode())
    assert block == expected


@pytest.mark.parametrize(("length", "blocks"), [(99, 1), (100, 1), (101, 3), (155, 3), (156, 3), (255, 3)])
def test_unsplittable_ascii_names_by_length(length: int, blocks: int) -> None:
    assert len(file_header("a" * length, 0o644, 1)) == blocks * 512


def test_exactly_100_bytes_fills_the_name_field_without_nul() -> None:
    block = file_header("b" * 100, 0o644, 1)
    assert block[:100] == b"b" * 100 and block[100:108] == b"0000644\x00"


def test_pax_header_for_non_ascii_name() -> None:
    data = file_header("dir/café.txt", 0o644, 3)
    pax, body, main = data[:512], data[512:1024], data[1024:]
    assert pax[:100].rstrip(b"\x00") == b"dir/PaxHeaders.0/caf.txt"
    assert pax[156:157] == b"x"
    assert pax[100:148] == b"0000000\x00" * 3 + b"00000000026\x00" + b"00000000000\x00"
    assert pax[265:345] == bytes(80)  # uname, gname, devmajor, devminor left as raw NULs
    assert body == b"22 path=dir/caf\xc3\xa9.txt\n".ljust(512, b"\x00")
    assert main == _hand_block(b"dir/caf.txt", b"0000644\x00", b"00000000003\x00", b"0")


def test_pax_record_length_counts_its_own_digits() -> None:
    # " path=<91 bytes>\n" is 98 bytes; 98 + 2 digits = 100 needs 3 digits, so the record is 101 long
    name = "é" + "a" * 89
    body = file_header(name, 0o644, 0)[512:1024]
    assert body.rstrip(b"\x00") == b"101 path=\xc3\xa9" + b"a" * 89 + b"\n"


def test_size_of_8_gib_moves_to_pax_and_zeroes_the_size_field() -> None:
    data = file_header("models/big.bin", 0o644, (8 << 30) + 1)
    assert len(data) == 1536
    assert data[:100].rstrip(b"\x00") == b"models/PaxHeaders.0/big.bin"
    assert data[512:1024].rstrip(b"\x00") == b"19 size=8589934593\n"
    assert _field(data[1024:], 124, 12) == b"00000000000\x00"
    assert data[1024:1124].rstrip(b"\x00") == b"models/big.bin"


def test_size_just_below_8_gib_stays_ustar() -> None:
    data = file_header("big.bin", 0o644, (8 << 30) - 1)
    assert len(data) == 512 and _field(data, 124, 12) == b"77777777777\x00"


def test_long_splittable_name_with_huge_size_records_path_and_size_sorted() -> None:
    data = file_header("m" * 120 + "/w.bin", 0o644, 1 << 40)
    records = data[512:1024].rstrip(b"\x00")
    assert records == b"136 path=" + b"m" * 120 + b"/w.bin\n" + b"22 size=1099511627776\n"
    assert data[1024:1124] == b"m" * 100  # main header: cut to 100 bytes, no prefix split


def test_cut_name_ending_in_slash_gets_nul_instead() -> None:
    data = file_header("é" + "a" * 99 + "/" + "b" * 20, 0o644, 1)  # ASCII projection: '/' is byte 100
    main = data[1024:]
    assert main[:100] == b"a" * 99 + b"\x00"


def test_pad_and_end_of_archive() -> None:
    assert pad(0) == b"" and pad(1) == bytes(511) and pad(512) == b"" and pad(513) == bytes(511)
    assert bytes(1024) == END_OF_ARCHIVE


def test_negative_size_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative size"):
        file_header("x", 0o644, -1)


# --- Go-derived digests -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_header_bytes_equal_go_archive_tar(case: str) -> None:
    blocks, digest = GO_HEADERS[case]
    data = _header(case)
    assert len(data) == blocks * 512
    assert hashlib.sha256(data).hexdigest() == digest


def test_python_tarfile_reads_our_headers_back() -> None:
    buf = io.BytesIO()
    for case in ("file_101_split", "non_ascii", "cjk", "deep_dir", "exec_file", "file_255_pax"):
        _, _, size, is_dir = CASES[case]
        buf.write(_header(case) + (b"" if is_dir else b"x" * size + pad(size)))
    buf.write(END_OF_ARCHIVE)
    buf.seek(0)
    with tarfile.open(fileobj=buf, mode="r:") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == [
        CASES[c][0] for c in ("file_101_split", "non_ascii", "cjk", "deep_dir", "exec_file", "file_255_pax")
    ]
    assert all(m.uid == 1000 and m.gid == 0 and m.mtime == 0 and m.uname == "" for m in members)


# --- differential run against Go's archive/tar (needs a Go toolchain) ------------------------------

GO_ORACLE = """\
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
)

type req struct {
	Name string `json:"name"`
	Mode int64  `json:"mode"`
	Size int64  `json:"size"`
	Dir  bool   `json:"dir"`
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		var r req
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			panic(err)
		}
		raw, _ := hex.DecodeString(r.Name)
		h := &tar.Header{Name: string(raw), Mode: r.Mode, Size: r.Size, Uid: 1000, Typeflag: tar.TypeReg}
		if r.Dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		var buf bytes.Buffer
		if err := tar.NewWriter(&buf).WriteHeader(h); err != nil {
			panic(err)
		}
		enc.Encode(hex.EncodeToString(buf.Bytes()))
	}
}
"""


def _random_name(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 9)):
        parts.append("".join(rng.choice("ab-_.é日x") for _ in range(rng.randint(1, 45))))
    return "/".join(parts)


def test_random_headers_equal_go(tmp_path: Path) -> None:
    assert shutil.which("go"), "Go must be on PATH: scripts/setup requires it for the test registries"
    (tmp_path / "main.go").write_text(GO_ORACLE)
    (tmp_path / "go.mod").write_text("module oracle\n\ngo 1.21\n")
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
    subprocess.run(["go", "build", "-o", "oracle", "."], cwd=tmp_path, env=env, check=True, timeout=300)
    rng = random.Random(20260527)
    cases = []
    for _ in range(1500):
        size = rng.choice([0, 1, 511, 512, 513, (8 << 30) - 1, 8 << 30, 123456789012])
        cases.append(
            (_random_name(rng), rng.choice([0o644, 0o755, 0o600, 0o4711, 0o2770]), size, rng.random() < 0.2)
        )
    lines = "\n".join(
        json.dumps({"name": os.fsencode(n).hex(), "mode": m, "size": s, "dir": d}) for n, m, s, d in cases
    )
    run = subprocess.run([str(tmp_path / "oracle")], input=lines.encode(), capture_output=True, check=True)
    expected = [bytes.fromhex(json.loads(line)) for line in run.stdout.decode().splitlines()]
    for (name, mode, size, is_dir), want in zip(cases, expected, strict=True):
        got = dir_header(name, mode) if is_dir else file_header(name, mode, size)
        assert got == want, (name, mode, size, is_dir)
