"""Filters, planning (newest by-digest and v1.7 positional), and extraction semantics of unpack.

ModelKits are assembled here from hand-built layer tars (see ``test_hostile_archives`` helpers);
the pack -> unpack round trips live with the packer tests.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from kitops_jupyter.core import extract, mediatypes, unpack
from kitops_jupyter.core.digest import digest_bytes
from kitops_jupyter.core.kitfile import (
    CodeEntry,
    Dataset,
    DocEntry,
    Kitfile,
    LayerInfo,
    Model,
    ModelPart,
    Package,
    Prompt,
    dump_kitfile,
)
from kitops_jupyter.core.manifest import Descriptor, Manifest
from kitops_jupyter.core.unpack import (
    Filter,
    PlannedLayer,
    parse_filters,
    plan_unpack,
    unpack_layers,
    unpack_modelkit,
    write_unpacked_kitfile,
)
from kitops_jupyter.errors import IntegrityError, InvalidArgument, KitfileError, UnpackError

from .test_hostile_archives import dir_entry, file_entry, snapshot, tar

# -- a small ModelKit built by hand ----------------------------------------------------------


def model(name: str, path: str, parts: list[ModelPart], layer: LayerInfo | None) -> Model:
    return Model(
        name=name,
        path=path,
        license="",
        framework="",
        format="",
        version="",
        description="",
        parts=parts,
        parameters=None,
        layer=layer,
    )


def part(name: str, path: str, layer: LayerInfo | None) -> ModelPart:
    return ModelPart(name=name, path=path, license="", type="", layer=layer)


def dataset(name: str, path: str, layer: LayerInfo | None, remote: str = "") -> Dataset:
    return Dataset(
        name=name,
        path=path,
        remote_path=remote,
        remote_hash="",
        description="",
        license="",
        parameters=None,
        layer=layer,
    )


def kitfile(**fields: Any) -> Kitfile:
    base: dict[str, Any] = {
        "manifest_version": "1.0.0",
        "model": None,
        "code": [],
        "datasets": [],
        "docs": [],
        "prompts": [],
        "mcp_servers": [],
        "package": Package(name="demo", version="1.0.0", description="", license="", authors=["Jane"]),
    }
    base.update(fields)
    return Kitfile(**base)


class ModelKit:
    """Layers added in manifest order; ``blobs`` serves them; ``info`` toggles layer info."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.layers: list[Descriptor] = []

    def layer(self, base: str, data: bytes, compression: str = "", **annotations: str) -> LayerInfo:
        blob = data
        if compression == "gzip":
            blob = gzip.compress(data, mtime=0)
        media = f"application/vnd.kitops.modelkit.{base}.v1.tar" + (f"+{compression}" if compression else "")
        desc = Descriptor(media, digest_bytes(blob), len(blob), dict(annotations) or None)
        self.blobs[desc.digest] = blob
        self.layers.append(desc)
        return LayerInfo(digest=desc.digest, diff_id=digest_bytes(data))

    def open(self, desc: Descriptor) -> BinaryIO:
        return io.BytesIO(self.blobs[desc.digest])

    def manifest(self) -> Manifest:
        config = Descriptor(mediatypes.KIT_CONFIG, digest_bytes(b"{}"), 2)
        return Manifest(config=config, layers=list(self.layers), media_type=mediatypes.MANIFEST)


FILES = {
    "model/weights.bin": b"W" * 700,
    "model/tokenizer.json": b"{}",
    "src/train.py": b"print('hi')\n",
    "data/train.csv": b"a,b\n1,2\n",
    "data/test.csv": b"a,b\n3,4\n",
    "README.md": b"# demo\n",
    "prompts/system.txt": b"be brief\n",
}
PROMPT = {mediatypes.ANNOTATION_SUBTYPE: "prompt"}


def full_tar(path: str) -> bytes:
    """A layer as kit writes it: ancestor directories, then the file, names from the context root."""
    parts = path.split("/")
    dirs = [dir_entry("/".join(parts[:i])) for i in range(1, len(parts))]
    return tar(*dirs, file_entry(path, FILES[path]))


def build(with_info: bool = True, compression: str = "") -> tuple[ModelKit, Kitfile]:
    """Kit's layer order (model, parts, code, datasets, docs, prompts); v1.7-style relative tars if not ``with_info``."""
    mk = ModelKit()

    def add(base: str, path: str, **annotations: str) -> LayerInfo | None:
        data = full_tar(path) if with_info else tar(file_entry(path.rsplit("/", 1)[-1], FILES[path]))
        if path == "src/train.py":
            data = full_tar(path)  # a directory layer: names start at the layer path's parent (the root)
        info = mk.layer(base, data, compression, **annotations)
        return info if with_info else None

    m = add("model", "model/weights.bin")
    p = add("modelpart", "model/tokenizer.json")
    c = add("code", "src/train.py")
    tr = add("dataset", "data/train.csv")
    te = add("dataset", "data/test.csv")
    d = add("docs", "README.md")
    pr = add("code", "prompts/system.txt", **PROMPT)
    kf = kitfile(
        model=model("my-model", "model/weights.bin", [part("tokenizer", "model/tokenizer.json", p)], m),
        code=[CodeEntry(path="src", description="", license="", layer=c)],
        datasets=[
            dataset("train", "data/train.csv", tr),
            dataset("remote", "data/remote", None, remote="s3://bucket/data"),
            dataset("test", "data/test.csv", te),
        ],
        docs=[DocEntry(path="README.md", description="", layer=d)],
        prompts=[Prompt(name="system", path="prompts/system.txt", description="", layer=pr)],
    )
    return mk, kf


def files_in(root: Path) -> set[str]:
    return {p for p, kind in snapshot(root).items() if kind != "dir"}


def run(target: Path, filters: list[str], **kw: Any) -> list[PlannedLayer]:
    mk, kf = build(**{k: kw.pop(k) for k in ("with_info", "compression") if k in kw})
    return unpack_modelkit(mk.manifest(), kf, mk.open, target, filters=parse_filters(filters), **kw)


# -- filters ---------------------------------------------------------------------------------


def test_parse_filters_follows_kit_syntax() -> None:
    assert parse_filters(["model", "datasets,code:train,src/", "docs:"]) == [
        Filter(("model",)),
        Filter(("datasets", "code"), ("train", "src/")),
        Filter(("docs",), ("",)),
    ]


def test_invalid_filter_type_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_filters(["model,weights"])
    assert "'weights'" in str(info.value)
    assert "kitfile, model, datasets, code, prompts, docs, mcpservers" in str(info.value)


def test_filter_with_two_colons_is_invalid() -> None:
    with pytest.raises(InvalidArgument, match="type1"):
        parse_filters(["model:a:b"])


ALL = set(FILES) | {"Kitfile"}
CASES = {
    "none": ([], ALL),
    "model": (["model"], {"model/weights.bin", "model/tokenizer.json"}),
    "model by name": (["model:my-model"], {"model/weights.bin"}),
    "part by name": (["model:tokenizer"], {"model/tokenizer.json"}),
    "part by path": (["model:model/tokenizer.json"], {"model/tokenizer.json"}),
    "datasets": (["datasets"], {"data/train.csv", "data/test.csv"}),
    "datasets by name": (["datasets:train"], {"data/train.csv"}),
    "datasets by path": (["datasets:data/test.csv"], {"data/test.csv"}),
    "code": (["code"], {"src/train.py"}),
    "code path is exact": (["code:src/"], set()),
    "docs": (["docs"], {"README.md"}),
    "prompts": (["prompts:system"], {"prompts/system.txt"}),
    "kitfile": (["kitfile"], {"Kitfile"}),
    "several or-ed": (["datasets:train", "docs", "kitfile"], {"data/train.csv", "README.md", "Kitfile"}),
    "several types": (["model,code"], {"model/weights.bin", "model/tokenizer.json", "src/train.py"}),
    "names do not cross types": (["code:train"], set()),
    "code and docs have no name to match": (["code:", "docs:"], set()),
}


@pytest.mark.parametrize("with_info", [True, False], ids=["by-digest", "v1.7-positional"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_filters_select_exactly_their_entries(tmp_path: Path, case: str, with_info: bool) -> None:
    filters, expected = CASES[case]
    run(tmp_path / "out", filters, with_info=with_info)
    assert files_in(tmp_path / "out") == expected
    for name in expected - {"Kitfile"}:
        assert (tmp_path / "out" / name).read_bytes() == FILES[name]


def test_kitfile_is_rewritten_without_digests(tmp_path: Path) -> None:
    mk, kf = build()
    unpack_modelkit(mk.manifest(), kf, mk.open, tmp_path, filters=[])
    assert (tmp_path / "Kitfile").read_text() == dump_kitfile(kf)


def test_compressed_layers_round_trip(tmp_path: Path) -> None:
    run(tmp_path, [], compression="gzip")
    assert files_in(tmp_path) == ALL


# -- planning --------------------------------------------------------------------------------


def test_plan_is_in_kitfile_order_and_skips_remote_datasets() -> None:
    mk, kf = build()
    plan = plan_unpack(mk.manifest(), kf, [])
    assert [(p.kind, p.name or p.path) for p in plan] == [
        ("model", "my-model"),
        ("model part", "tokenizer"),
        ("dataset", "train"),
        ("dataset", "test"),
        ("code", "src"),
        ("docs", "README.md"),
        ("prompt", "system"),
    ]
    assert plan[2].message == "Unpacking dataset train to data/train.csv"
    assert plan[4].message == "Unpacking code to src"


def test_digest_missing_from_manifest_is_a_clear_error() -> None:
    mk, kf = build()
    manifest = mk.manifest()
    missing = manifest.layers.pop(3)  # data/train.csv
    with pytest.raises(IntegrityError) as info:
        plan_unpack(manifest, kf, [])
    assert missing.digest in str(info.value) and "'train'" in str(info.value)
    assert "manifest has no such layer" in str(info.value)


def test_mixed_layer_info_is_refused() -> None:
    mk, kf = build()
    kf.docs[0].layer = None
    with pytest.raises(KitfileError) as info:
        plan_unpack(mk.manifest(), kf, [])
    assert str(info.value).endswith(
        "some entries carry layer digests and others do not; the ModelKit is inconsistent, re-pack it"
    )


def test_positional_plan_with_more_layers_than_entries_is_refused() -> None:
    mk, kf = build(with_info=False)
    kf.docs = []
    with pytest.raises(IntegrityError, match="more docs layers than the Kitfile has entries"):
        plan_unpack(mk.manifest(), kf, [])


def test_positional_plan_extracts_under_the_entry_directory() -> None:
    mk, kf = build(with_info=False)
    plan = plan_unpack(mk.manifest(), kf, parse_filters(["datasets:test"]))
    assert [(p.path, p.subdir) for p in plan] == [("data/test.csv", "data")]


def test_model_reference_is_not_a_layer() -> None:
    mk, kf = build()
    assert kf.model is not None
    kf.model.path, kf.model.layer = "myorg/base:1.0", None
    plan = plan_unpack(mk.manifest(), kf, parse_filters(["model"]))
    assert [p.kind for p in plan] == ["model part"]


def test_unknown_layer_compression_is_refused() -> None:
    desc = Descriptor("application/vnd.kitops.modelkit.docs.v1.tar+lz4", digest_bytes(b""), 0)
    kf = kitfile(docs=[DocEntry(path="a", description="", layer=LayerInfo(desc.digest, desc.digest))])
    manifest = Manifest(config=desc, layers=[desc])
    with pytest.raises(UnpackError, match="unsupported layer format or compression"):
        plan_unpack(manifest, kf, [])


# -- existing files, the Kitfile rule, modes -------------------------------------------------


def test_existing_file_needs_overwrite_or_ignore(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_bytes(b"mine")
    with pytest.raises(UnpackError) as info:
        run(tmp_path, ["datasets"])
    message = str(info.value)
    assert "'data/train.csv' already exists" in message and "overwrite=True (-o)" in message
    assert "dataset layer application/vnd.kitops.modelkit.dataset.v1.tar sha256:" in message
    assert files_in(tmp_path) == {"data/train.csv"}  # the first layer failed; nothing else was written


def test_overwrite_replaces_and_ignore_existing_keeps(tmp_path: Path) -> None:
    for mode, expected in (("ignore_existing", b"mine"), ("overwrite", FILES["data/train.csv"])):
        target = tmp_path / mode
        (target / "data").mkdir(parents=True)
        (target / "data" / "train.csv").write_bytes(b"mine")
        run(target, ["datasets"], **{mode: True})
        assert (target / "data" / "train.csv").read_bytes() == expected
        assert (target / "data" / "test.csv").read_bytes() == FILES["data/test.csv"]


def test_overwrite_and_ignore_existing_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="choose one"):
        run(tmp_path, [], overwrite=True, ignore_existing=True)


def test_identical_kitfile_is_accepted_and_different_needs_overwrite(tmp_path: Path) -> None:
    _, kf = build()
    assert write_unpacked_kitfile(kf, tmp_path, []) == tmp_path / "Kitfile"
    assert write_unpacked_kitfile(kf, tmp_path, []) == tmp_path / "Kitfile"  # same bytes: fine
    (tmp_path / "Kitfile").write_text("manifestVersion: 1.0.0\n")
    with pytest.raises(UnpackError, match="differs from the ModelKit's Kitfile; use overwrite"):
        write_unpacked_kitfile(kf, tmp_path, [])
    write_unpacked_kitfile(kf, tmp_path, [], overwrite=True)
    assert (tmp_path / "Kitfile").read_text() == dump_kitfile(kf)
    assert write_unpacked_kitfile(kf, tmp_path, parse_filters(["model"])) is None
    assert not any(unpack.STAGING_PREFIX in name for name in os.listdir(tmp_path))


def test_kitfile_conflict_is_found_before_any_layer_is_written(tmp_path: Path) -> None:
    (tmp_path / "Kitfile").write_text("something else\n")
    with pytest.raises(UnpackError, match="Kitfile"):
        run(tmp_path, [])
    assert files_in(tmp_path) == {"Kitfile"}


def test_target_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")
    with pytest.raises(UnpackError, match="not a directory"):
        run(tmp_path / "out", ["model"])


def test_modes_come_from_headers_with_umask(tmp_path: Path) -> None:
    layer = tar(
        dir_entry("bin", 0o750),
        file_entry("bin/tool", b"#!/bin/sh\n", 0o4755),
        dir_entry("ro", 0o555),
        file_entry("ro/file", b"x", 0o444),
    )
    old = os.umask(0o022)
    try:
        unpack_plain(tmp_path, layer)
    finally:
        os.umask(old)
    perms = {
        name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("bin", "bin/tool", "ro", "ro/file")
    }
    assert perms == {"bin": 0o750, "bin/tool": 0o755, "ro": 0o555, "ro/file": 0o444}  # setuid dropped
    os.chmod(tmp_path / "ro", 0o755)  # let pytest clean up


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    unpack_plain(tmp_path, tar(file_entry("deep/er/file.txt", b"x")))
    assert (tmp_path / "deep" / "er" / "file.txt").read_bytes() == b"x"


def test_progress_reports_every_blob_byte(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    mk, kf = build()
    unpack_modelkit(mk.manifest(), kf, mk.open, tmp_path, progress=lambda d, t: seen.append((d, t)))
    total = sum(d.size for d in mk.layers)
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_failure_while_moving_undoes_the_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_bytes(b"old a")
    layer = tar(file_entry("a.txt", b"new a"), dir_entry("d"), file_entry("d/b.txt", b"b"))
    real_move, calls = extract._move, []

    def flaky(source: Path, final: Path) -> None:
        calls.append(final)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(final))
        real_move(source, final)

    monkeypatch.setattr(extract, "_move", flaky)
    with pytest.raises(UnpackError, match=r"d/b\.txt: the file system is full; free some space"):
        unpack_plain(tmp_path, layer, overwrite=True)
    assert snapshot(tmp_path) == {"a.txt": "old a"}


def test_raw_layer_is_written_to_its_annotated_path(tmp_path: Path) -> None:
    data = b"raw weights"
    meta = '{"name":"w.bin","mode":384,"uid":0,"gid":0,"size":11,"typeflag":48}'
    annotations = {mediatypes.ANNOTATION_FILEPATH: "models/w.bin", "org.cncf.model.file.metadata+json": meta}
    desc = Descriptor(
        "application/vnd.kitops.modelkit.model.v1.raw", digest_bytes(data), len(data), annotations
    )
    unpack_layers([PlannedLayer(desc, "model", "m", "models/w.bin")], lambda _d: io.BytesIO(data), tmp_path)
    assert (tmp_path / "models" / "w.bin").read_bytes() == data
    assert stat.S_IMODE((tmp_path / "models" / "w.bin").stat().st_mode) == 0o600


def unpack_plain(target: Path, layer: bytes, *, overwrite: bool = False) -> None:
    desc = Descriptor("application/vnd.kitops.modelkit.code.v1.tar", digest_bytes(layer), len(layer))
    plan = [PlannedLayer(desc, "code", "", ".")]
    unpack_layers(plan, lambda _d: io.BytesIO(layer), target, overwrite=overwrite)
