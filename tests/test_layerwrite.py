"""write_layer: one pass, Go-identical tar bytes, compression round trips, cleanup on failure.

The golden tests rebuild every case of tests/golden/cases.py, walk and write each layer with our code
and compare with the layer digests the real ``kit`` (v1.7.0-19, see kit_golden.json ``_about``)
produced. The layer list comes from the golden config JSON (each entry's path and digest), so these
tests do not depend on the Kitfile parser.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from kitops_jupyter.core import layerwrite
from kitops_jupyter.core.ignore import IgnoreRules
from kitops_jupyter.core.layerwalk import TarEntry, walk_layer
from kitops_jupyter.core.layerwrite import LayerBlob, plain_tar_size, write_layer
from kitops_jupyter.core.tarformat import END_OF_ARCHIVE, file_header, pad
from kitops_jupyter.errors import InvalidArgument, PackError
from tests.golden.cases import build_case

GOLDEN_FILE = Path(__file__).parent / "golden" / "kit_golden.json"
GOLDEN: dict[str, Any] = json.loads(GOLDEN_FILE.read_text())["cases"]
PACK_CASES = sorted(
    n for n, c in GOLDEN.items() if not c["expect_error"] and not c.get("pack_seconds_approx")
)
# Layers where kit v1.7's string-prefix exclusion differs from the newest component-aware rule.
V17_ONLY = {("intersect_dot", "."), ("intersect_nested", "src")}
MT = "application/vnd.kitops.modelkit.code.v1.tar"


def golden_layers(config_json: str) -> list[tuple[str, str, str]]:
    """(raw path, digest, diffId) of every layer entry in a kit config blob, in Kitfile order."""
    cfg = json.loads(config_json)
    model = cfg.get("model") or {}
    entries = [model] if model.get("path") else []
    entries += model.get("parts") or []
    for section in ("code", "datasets", "docs"):
        entries += cfg.get(section) or []
    return [(e["path"], e["digest"], e["diffId"]) for e in entries]


def pack_case(
    name: str, root: Path, config_json: str, compression: str = "none", rule: str = "v1.7"
) -> list[tuple[str, LayerBlob, list[str]]]:
    ctx = root / "ctx"
    if not ctx.exists():
        build_case(name, ctx)
    rules = IgnoreRules.load(ctx)
    layers = golden_layers(config_json)
    paths = [p for p, _, _ in layers]
    out = []
    for path, _, _ in layers:
        warnings: list[str] = []
        entries = walk_layer(ctx, path, rules, paths, warnings.append, exclusion_rule=rule)
        out.append((path, write_layer(entries, MT, compression, root), warnings))
    return out


def tar_names(path: Path) -> list[str]:
    with tarfile.open(path, "r:") as tar:
        return tar.getnames()


@pytest.mark.parametrize("case", PACK_CASES)
def test_layer_digests_equal_kit(case: str, tmp_path: Path) -> None:
    golden = GOLDEN[case]
    expected = golden_layers(golden["config"])
    packed = pack_case(case, tmp_path, golden["config"])
    assert [blob.digest for _, blob, _ in packed] == [digest for _, digest, _ in expected]
    assert [blob.size for _, blob, _ in packed] == [layer["size"] for layer in golden["layers"]]
    assert all(blob.diff_id == blob.digest for _, blob, _ in packed)


@pytest.mark.parametrize("case", PACK_CASES)
def test_newest_exclusion_rule_differs_from_kit_17_only_where_expected(case: str, tmp_path: Path) -> None:
    golden = GOLDEN[case]
    expected = {p: d for p, d, _ in golden_layers(golden["config"])}
    for path, blob, _ in pack_case(case, tmp_path, golden["config"], rule="newest"):
        assert (blob.digest == expected[path]) is ((case, path) not in V17_ONLY), path


def test_newest_rule_keeps_prefix_siblings(tmp_path: Path) -> None:
    golden = GOLDEN["intersect_dot"]
    layers = dict((p, b) for p, b, _ in pack_case("intersect_dot", tmp_path, golden["config"], rule="newest"))
    kit_members = next(m for m in golden["layers"] if m["digest"] == golden_layers(golden["config"])[1][1])
    extra = sorted(set(tar_names(layers["."].path)) - {m["name"] for m in kit_members["members"]})
    assert extra == [
        "data-v2",
        "data-v2/other.csv",
        "data2",
        "data2/b.csv",
        "datafile.txt",
        "model.bin.sha256",
    ]


def test_a_skipped_symlink_is_left_out_as_kit_does_and_said_where_kit_is_silent(tmp_path: Path) -> None:
    golden = GOLDEN["symlinks"]
    packed = {p: (blob, w) for p, blob, w in pack_case("symlinks", tmp_path, golden["config"])}
    kit_layers = {m["digest"]: [e["name"] for e in m["members"]] for m in golden["layers"]}
    assert kit_layers[packed["linked.csv"][0].digest] == []  # the same empty layer as kit's
    assert (
        golden["pack"]["stderr"] == "" and "symlink" not in golden["pack"]["stdout"]
    )  # kit 1.7 says nothing
    assert packed["linked.csv"][1] == ["skipped symlink linked.csv; kit does not pack symlinks"]


@pytest.mark.parametrize("case", ["titanic", "sizes", "tar_pax_names"])
def test_gzip_diff_ids_equal_kit_and_decompress_to_the_tar(case: str, tmp_path: Path) -> None:
    golden = GOLDEN[case]
    kit_gzip = golden_layers(golden["gzip"]["config"])
    plain = pack_case(case, tmp_path, golden["config"])
    packed = pack_case(case, tmp_path, golden["config"], compression="gzip")
    for (_, blob, _), (_, plain_blob, _), (_, _, kit_diff_id) in zip(packed, plain, kit_gzip, strict=True):
        assert blob.diff_id == kit_diff_id == plain_blob.digest
        data = blob.path.read_bytes()
        assert blob.digest == "sha256:" + hashlib.sha256(data).hexdigest() and blob.size == len(data)
        assert gzip.decompress(data) == plain_blob.path.read_bytes()


def test_big_file_header_equals_kit(tmp_path: Path) -> None:
    golden = GOLDEN["big_sparse"]
    header = file_header("big.bin", 0o644, (8 << 30) + 1)
    assert header.hex() == golden["first_1536_bytes_hex"]


# --- synthetic layers -------------------------------------------------------------------------------


def entry(path: Path, name: str, size: int | None = None, mode: int = 0o644) -> TarEntry:
    return TarEntry(name, path, mode, path.stat().st_size if size is None else size, False)


def expected_tar(files: list[tuple[str, bytes]]) -> bytes:
    out = b""
    for name, data in files:
        out += file_header(name, 0o644, len(data)) + data + pad(len(data))
    return out + END_OF_ARCHIVE


@pytest.fixture
def big_files(tmp_path: Path) -> list[tuple[str, bytes]]:
    files = [
        ("a.bin", os.urandom(3 * layerwrite.CHUNK + 7)),
        ("b.txt", b"small"),
        ("c.csv", b"x,y\n" * 50000),
    ]
    for name, data in files:
        (tmp_path / name).write_bytes(data)
    return files


@pytest.mark.parametrize("compression", ["none", "gzip", "gzip-fastest", "zstd"])
def test_round_trip_and_digests(compression: str, tmp_path: Path, big_files: list[tuple[str, bytes]]) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    progress: list[int] = []
    entries = [entry(tmp_path / n, n) for n, _ in big_files]
    blob = write_layer(entries, "mt", compression, out_dir, progress.append)
    tar = expected_tar(big_files)
    data = blob.path.read_bytes()
    assert blob.diff_id == "sha256:" + hashlib.sha256(tar).hexdigest()
    assert blob.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert blob.size == len(data) and blob.media_type == "mt"
    assert blob.path.parent == out_dir and blob.path.name.startswith(".kitops_layer_")
    assert sum(progress) == sum(len(d) for _, d in big_files)
    assert decompress(compression, data) == tar


def decompress(compression: str, data: bytes) -> bytes:
    if compression == "none":
        return data
    if compression.startswith("gzip"):
        return gzip.decompress(data)
    return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()


@pytest.mark.parametrize(("compression", "xfl"), [("gzip", 0), ("gzip-fastest", 4)])
def test_gzip_header_is_go_style(compression: str, xfl: int, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"hello")
    blob = write_layer([entry(tmp_path / "f", "f")], "mt", compression, tmp_path)
    assert blob.path.read_bytes()[:10] == bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, xfl, 255])


def test_empty_layer_is_the_trailer_only(tmp_path: Path) -> None:
    blob = write_layer([], "mt", "none", tmp_path)
    assert blob.path.read_bytes() == bytes(1024)
    assert blob.digest == "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".kitops_layer_")]


def test_file_vanishing_mid_pack_removes_the_temp_file(
    tmp_path: Path, big_files: list[tuple[str, bytes]]
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def entries() -> Iterator[TarEntry]:
        yield entry(tmp_path / "a.bin", "a.bin")
        gone = entry(tmp_path / "b.txt", "b.txt")
        (tmp_path / "b.txt").unlink()
        yield gone

    with pytest.raises(PackError, match=r"cannot read .*b\.txt"):
        write_layer(entries(), "mt", "gzip", out_dir)
    assert leftovers(out_dir) == []


@pytest.mark.parametrize(("size", "how"), [(10, "grew"), (10**6, "shrank")])
def test_file_changing_size_is_a_pack_error(size: int, how: str, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 1000)
    with pytest.raises(PackError, match=f"f {how} while it was being packed"):
        write_layer([entry(tmp_path / "f", "f", size=size)], "mt", "none", tmp_path)
    assert leftovers(tmp_path) == []


def test_compressor_failure_stops_the_pipeline_and_cleans_up(
    tmp_path: Path, big_files: list[tuple[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def compress(self, data: bytes) -> bytes:
            raise RuntimeError("boom")

        def flush(self) -> bytes:
            return b""

    monkeypatch.setattr(layerwrite, "make_compressor", lambda _: Broken())
    with pytest.raises(RuntimeError, match="boom"):
        write_layer([entry(tmp_path / n, n) for n, _ in big_files], "mt", "gzip", tmp_path)
    assert leftovers(tmp_path) == []


def test_unknown_compression_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="unknown compression 'lz4'"):
        write_layer([], "mt", "lz4", tmp_path)
    assert leftovers(tmp_path) == []


def test_missing_out_dir_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="cannot create a temporary layer file"):
        write_layer([], "mt", "none", tmp_path / "missing")


# --- random layouts recorded with a real kit (scripts/golden/make_golden.py, KITOPS_TEST_KIT=/path/to/kit) ---

FUZZ_NAMES = [
    "a",
    "b",
    "data",
    "data2",
    "data-v2",
    "x.csv",
    "é",
    "sp ace",
    "w..x",
    ".hid",
    "deep",
    "t" * 60,
    "u" * 101,
]
FUZZ_PATTERNS = [
    "*.csv",
    "**/*.txt",
    "data",
    "!data/keep*",
    "deep/**",
    "!**/y.txt",
    "a/b",
    "*",
    "!a",
    "[ab]",
    "?",
]


def fuzz_tree(root: Path, rng: random.Random, depth: int = 0) -> None:
    for _ in range(rng.randint(1, 5 if depth < 3 else 1)):
        path = root / rng.choice(FUZZ_NAMES)
        if path.exists():
            continue
        if depth < 4 and rng.random() < 0.4:
            path.mkdir()
            path.chmod(rng.choice([0o755, 0o700, 0o2775]))
            fuzz_tree(path, rng, depth + 1)
        else:
            path.write_bytes(rng.randbytes(rng.choice([0, 1, 511, 512, 513, 5000])))
            path.chmod(rng.choice([0o644, 0o600, 0o755, 0o4755]))


RANDOM_GOLDEN = json.loads((Path(__file__).parent / "golden" / "kit_random_layouts.json").read_text())[
    "digests"
]


def random_layout(ctx: Path, seed: int) -> list[str]:
    """Build seed's random context in ``ctx`` (Kitfile with code layers, maybe a .kitignore); return
    the layer paths. scripts/golden/make_golden.py packs the same layouts with the real kit."""
    rng = random.Random(seed)
    ctx.mkdir(parents=True)
    ctx.chmod(0o755)
    fuzz_tree(ctx, rng)
    candidates = sorted(str(p.relative_to(ctx)) for p in ctx.rglob("*"))
    layers = rng.sample(candidates, min(len(candidates), rng.randint(1, 3))) + ["."] * (rng.random() < 0.3)
    (ctx / "Kitfile").write_text(
        "manifestVersion: 1.0.0\ncode:\n" + "".join(f"  - path: {json.dumps(p)}\n" for p in layers)
    )
    if rng.random() < 0.6:
        (ctx / ".kitignore").write_text("\n".join(rng.sample(FUZZ_PATTERNS, rng.randint(1, 4))) + "\n")
    return layers


@pytest.mark.parametrize("seed", range(40))
def test_random_layouts_equal_real_kit(seed: int, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    layers = random_layout(ctx, seed)
    expected = RANDOM_GOLDEN[str(seed)]  # what the real kit packed for this seed's layout
    rules = IgnoreRules.load(ctx)
    ours = []
    for layer in layers:
        walked = walk_layer(ctx, layer, rules, layers, lambda _: None, exclusion_rule="v1.7")
        ours.append(write_layer(walked, MT, "none", tmp_path).digest)
    assert ours == expected


@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_plain_tar_size_is_known_before_packing(seed: int, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    layers = random_layout(ctx, seed)
    rules = IgnoreRules.load(ctx)
    for layer in layers:
        walked = list(walk_layer(ctx, layer, rules, layers, lambda _: None, exclusion_rule="v1.7"))
        assert plain_tar_size(walked) == write_layer(walked, MT, "none", tmp_path).size


def test_plain_tar_size_counts_long_name_headers(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    deep = ctx / ("d" * 120) / "ü-name"  # a PAX header for the long, non-ASCII path
    deep.mkdir(parents=True)
    (deep / ("f" * 150)).write_bytes(b"x" * 1000)
    (ctx / "Kitfile").write_text("manifestVersion: 1.0.0\ncode:\n  - path: .\n")
    walked = list(walk_layer(ctx, ".", IgnoreRules.load(ctx), ["."], lambda _: None, exclusion_rule="v1.7"))
    assert plain_tar_size(walked) == write_layer(walked, MT, "none", tmp_path).size
