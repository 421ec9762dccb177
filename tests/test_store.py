"""kit-compatible local storage: file formats, verbs, atomicity and concurrent writers.

Expected file contents were checked against what kit 1.7 writes (`kit pack -t`, `kit tag`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.digest import digest_bytes, digest_file
from kitops_jupyter.core.gojson import dumps
from kitops_jupyter.core.manifest import Descriptor, build_manifest
from kitops_jupyter.core.reference import Reference, parse_reference
from kitops_jupyter.core.store import BLOB_MODE, MAX_METADATA_BLOB, LocalStore, kitops_home
from kitops_jupyter.core.storefiles import LOCK_FILE, StoreLock, repo_file_stem, repo_key_of_index_file
from kitops_jupyter.errors import IntegrityError, InvalidReference, NotFound, StoreError

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class Kit:
    digest: str
    size: int
    config: str
    layers: list[str]


def make_kit(
    store: LocalStore,
    repo_key: str,
    tags: list[str],
    layers: list[bytes],
    name: str = "demo",
    author: str = "Jane",
) -> Kit:
    """Store a small Kit-format ModelKit (model layers only) through the public API."""
    layer_descs = []
    for data in layers:
        digest = store.write_blob(data)
        layer_descs.append(Descriptor(mediatypes.layer_media_type("model", "none"), digest, len(data)))
    package = {"name": name, "authors": [author]} if author else {"name": name}
    config = dumps({"manifestVersion": "1.0.0", "package": package})
    config_desc = Descriptor(mediatypes.KIT_CONFIG, store.write_blob(config), len(config))
    manifest = build_manifest(config_desc, layer_descs, "0.1.0", "2026-06-30T12:00:00Z").encode()
    desc = store.put_manifest(repo_key, manifest, tags)
    return Kit(desc.digest, desc.size, config_desc.digest, [d.digest for d in layer_descs])


def ref(text: str) -> Reference:
    return parse_reference(text)[0]


def plain_json(digest: str, size: int) -> str:
    return f'{{"mediaType":"{MANIFEST_TYPE}","digest":"{digest}","size":{size}}}'


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "home")


def all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# -- layout and exact file contents ---------------------------------------------------------------


def test_file_names_are_urlsafe_base64_with_padding() -> None:
    assert repo_file_stem("localhost/_") == "bG9jYWxob3N0L18="
    assert repo_file_stem("localhost/myorg/mymodel") == "bG9jYWxob3N0L215b3JnL215bW9kZWw="
    assert repo_file_stem("reg.io/a?>b") == "cmVnLmlvL2E_PmI="  # '_' instead of '/' in the alphabet
    assert repo_key_of_index_file("bG9jYWxob3N0L18=-index.json") == "localhost/_"
    assert repo_key_of_index_file("bG9jYWxob3N0L18=-tags.json") is None
    assert repo_key_of_index_file("index.json") is None
    assert repo_key_of_index_file(".bG9jYWxob3N0L18=-index.json.x.tmp") is None


def test_storage_files_match_kit_byte_for_byte(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/demo/one", ["v2", "v1"], [b"weights"])
    storage = store.storage
    desc = plain_json(kit.digest, kit.size)
    assert (storage / "oci-layout").read_bytes() == b'{"imageLayoutVersion":"1.0.0"}'
    assert (storage / "index.json").read_text() == (
        '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[' + desc + "]}"
    )
    stem = repo_file_stem("localhost/demo/one")
    assert (storage / f"{stem}-index.json").read_text() == '{"schemaVersion":2,"manifests":[' + desc + "]}"
    assert (storage / f"{stem}-tags.json").read_text() == '{"v1":' + desc + ',"v2":' + desc + "}"


def test_layout_has_no_nested_index_and_no_temp_files(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/org/m", ["v1"], [b"a", b"b"])
    make_kit(store, "localhost/_", [], [b"c"])
    store.tag(ref("org/m:v1"), ref("reg.io/x/y:z"))
    store.remove(ref("org/m:v1"))
    files = all_files(store.storage)
    assert [f for f in files if f.endswith("index.json") and "/" in f] == []
    assert [f for f in files if f.endswith(".tmp") or "/." in f or f.startswith(".")] == []
    assert list((store.storage / "ingest").iterdir()) == []
    assert store.has_blob(kit.digest)  # still referenced by reg.io/x/y


def test_blobs_are_owner_read_only(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1"], [b"data"])
    for digest in [kit.digest, kit.config, *kit.layers]:
        assert stat.S_IMODE(store.blob_path(digest).stat().st_mode) == BLOB_MODE


def test_kitops_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KITOPS_HOME", str(tmp_path / "k"))
    assert kitops_home() == tmp_path / "k"
    assert LocalStore().storage == tmp_path / "k" / "storage"
    monkeypatch.delenv("KITOPS_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert kitops_home() == tmp_path / "xdg" / "kitops"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert kitops_home() == tmp_path / "h" / ".local" / "share" / "kitops"


# -- blobs --------------------------------------------------------------------------------------------


def test_write_blob_and_read_back(store: LocalStore) -> None:
    digest = store.write_blob(b"hello")
    assert digest == digest_bytes(b"hello")
    assert store.write_blob(b"hello") == digest  # idempotent
    assert store.read_blob(digest) == b"hello"
    with store.open_blob(digest) as f:
        assert f.read() == b"hello"
    with pytest.raises(NotFound, match="not in local storage"):
        store.open_blob(digest_bytes(b"absent"))


def test_read_blob_detects_corruption(store: LocalStore) -> None:
    digest = store.write_blob(b"hello")
    path = store.blob_path(digest)
    path.chmod(0o600)
    path.write_bytes(b"jello")
    with pytest.raises(IntegrityError, match="does not match its digest"):
        store.read_blob(digest)


def test_read_blob_refuses_a_layer_sized_blob(store: LocalStore) -> None:
    tmp = store.ingest_dir() / "big"
    with tmp.open("wb") as f:
        f.truncate(MAX_METADATA_BLOB + 1)  # sparse: no 64 MiB written
    digest = digest_file(tmp)[0]
    store.add_blob_file(tmp, digest)
    with pytest.raises(
        StoreError, match=f"larger than {MAX_METADATA_BLOB} bytes; it is not a manifest or config"
    ):
        store.read_blob(digest)


def test_add_blob_file_verifies_digest(store: LocalStore) -> None:
    tmp = store.ingest_dir() / "upload"
    tmp.write_bytes(b"payload")
    with pytest.raises(IntegrityError):
        store.add_blob_file(tmp, digest_bytes(b"other"))
    assert not tmp.exists() and not store.has_blob(digest_bytes(b"other"))
    tmp.write_bytes(b"payload")
    path = store.add_blob_file(tmp, digest_bytes(b"payload"))
    assert path.read_bytes() == b"payload" and not tmp.exists()
    tmp.write_bytes(b"payload")  # already stored: the temp file is just dropped
    assert store.add_blob_file(tmp, digest_bytes(b"payload")) == path and not tmp.exists()


def test_add_blob_file_trusts_verified_flag(store: LocalStore) -> None:
    tmp = store.ingest_dir() / "hashed-while-writing"
    tmp.write_bytes(b"abc")
    store.add_blob_file(tmp, digest_bytes(b"abc"), verified=True)
    assert store.read_blob(digest_bytes(b"abc")) == b"abc"


# -- put / resolve --------------------------------------------------------------------------------------


def test_put_and_resolve(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/org/m", ["v1", "latest"], [b"x"])
    assert store.resolve(ref("org/m")).digest == kit.digest
    assert store.resolve(ref("org/m:v1")) == Descriptor(MANIFEST_TYPE, kit.digest, kit.size)
    assert store.resolve(ref(f"org/m@{kit.digest}")).digest == kit.digest
    assert store.find(ref("org/m:v2")) is None
    assert store.find(ref("other/m:v1")) is None
    with pytest.raises(NotFound, match="org/m:v2"):
        store.resolve(ref("org/m:v2"))
    manifest = store.read_manifest(kit.digest)
    assert manifest.kind == "kit" and [d.digest for d in manifest.layers] == kit.layers


def test_bare_digest_finds_any_repository(store: LocalStore) -> None:
    kit = make_kit(store, "reg.io/org/m", ["v1"], [b"x"])
    entry = store.locate(ref(kit.digest))
    assert entry is not None and entry.repo_key == "reg.io/org/m" and entry.tags == ["v1"]
    assert store.find(ref(f"other/m@{kit.digest}")) is None  # a named repository is not widened


def test_reference_without_tag_or_digest_is_refused(store: LocalStore) -> None:
    with pytest.raises(InvalidReference, match="neither a tag nor a digest"):
        store.find(parse_reference("m", default_tag=None)[0])


def test_put_is_idempotent_and_tags_move(store: LocalStore) -> None:
    first = make_kit(store, "localhost/m", ["v1"], [b"1"])
    make_kit(store, "localhost/m", ["v1"], [b"1"])
    second = make_kit(store, "localhost/m", ["v1"], [b"2"])
    entries = {e.descriptor.digest: e.tags for e in store.entries()}
    assert entries == {first.digest: [], second.digest: ["v1"]}
    index = (store.storage / "index.json").read_text()
    assert index.count(first.digest) == 1 and index.count(second.digest) == 1


def test_put_manifest_requires_its_blobs(store: LocalStore) -> None:
    config = Descriptor(mediatypes.KIT_CONFIG, digest_bytes(b"{}"), 2)
    manifest = build_manifest(config, [], "0.1.0", None).encode()
    with pytest.raises(StoreError, match="missing"):
        store.put_manifest("localhost/m", manifest, ["v1"])
    assert store.entries() == [] and not store.has_blob(digest_bytes(manifest))


def test_put_manifest_validates_tags_and_repo(store: LocalStore) -> None:
    config = Descriptor(mediatypes.KIT_CONFIG, store.write_blob(b"{}"), 2)
    manifest = build_manifest(config, [], "0.1.0", None).encode()
    with pytest.raises(InvalidReference, match=r"'\.bad'"):
        store.put_manifest("localhost/m", manifest, [".bad"])
    with pytest.raises(InvalidReference):
        store.put_manifest("Localhost", manifest, [])
    with pytest.raises(StoreError, match="manifest to store"):
        store.put_manifest("localhost/m", b"{", [])


def test_entries_sorted_by_repository_then_digest(store: LocalStore) -> None:
    kits = [
        make_kit(store, repo, [], [repo.encode() + bytes([i])])
        for i in range(3)
        for repo in ("localhost/b", "docker.io/z")
    ]
    keys = [(e.repo_key, e.descriptor.digest) for e in store.entries()]
    assert keys == sorted(keys) and len(keys) == len(kits)
    assert keys[0][0] == "docker.io/z"
    assert {e.display_repo for e in store.entries()} == {"b", "docker.io/z"}


def test_reads_kit_written_files(store: LocalStore) -> None:
    """Files as kit/oras leave them: `"manifests":null` after the last delete, tag files from kit."""
    kit = make_kit(store, "localhost/m", ["v1"], [b"x"])
    (store.storage / "index.json").write_text(
        '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":null}'
    )
    assert [e.descriptor.digest for e in store.entries()] == [kit.digest]
    store.remove(ref("m:v1"))  # still works; the blob is deleted once nothing lists it
    assert not store.has_blob(kit.digest)


def test_corrupt_index_file_is_reported(store: LocalStore) -> None:
    make_kit(store, "localhost/m", ["v1"], [b"x"])
    path = store.storage / f"{repo_file_stem('localhost/m')}-tags.json"
    path.write_text("{broken")
    with pytest.raises(StoreError, match="not valid JSON"):
        store.entries()


# -- tag --------------------------------------------------------------------------------------------------


def test_tag_in_same_repository(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1"], [b"x"])
    assert store.tag(ref("m:v1"), ref("m:v2")).digest == kit.digest
    assert [e.tags for e in store.entries()] == [["v1", "v2"]]


def test_tag_into_other_repository_copies_the_entry(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1"], [b"x"])
    store.tag(ref("m:v1"), ref("reg.io/org/m:prod"))
    entries = [(e.repo_key, e.descriptor.digest, e.tags) for e in store.entries()]
    assert entries == [("localhost/m", kit.digest, ["v1"]), ("reg.io/org/m", kit.digest, ["prod"])]


def test_tag_errors(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1"], [b"x"])
    with pytest.raises(NotFound):
        store.tag(ref("m:nope"), ref("m:v2"))
    with pytest.raises(InvalidReference):
        store.tag(ref("m:v1"), ref(f"m@{kit.digest}"))


# -- remove / gc ----------------------------------------------------------------------------------------


def test_remove_tag_keeps_manifest_while_other_tags_remain(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1", "v2"], [b"x"])
    result = store.remove(ref("m:v1"))
    assert result.untagged == ["v1"] and not result.manifest_removed
    assert [e.tags for e in store.entries()] == [["v2"]]
    result = store.remove(ref("m:v2"))
    assert result.untagged == ["v2"] and result.manifest_removed and result.manifest_deleted
    assert sorted(result.blobs_removed) == sorted([kit.config, *kit.layers])
    assert result.freed > 0
    assert store.entries() == [] and all_files(store.storage / "blobs") == []
    assert '"manifests":[]' in (store.storage / "index.json").read_text()
    assert not list(store.storage.glob("*-index.json")) and not list(store.storage.glob("*-tags.json"))


def test_remove_by_digest_or_force_drops_all_tags(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1", "v2"], [b"x"])
    result = store.remove(ref(f"m@{kit.digest}"))
    assert result.untagged == ["v1", "v2"] and result.manifest_deleted
    kit = make_kit(store, "localhost/m", ["v1", "v2"], [b"y"])
    result = store.remove(ref("m:v1"), force=True)
    assert result.untagged == ["v1", "v2"] and result.manifest_deleted and not store.has_blob(kit.digest)


def test_remove_keeps_manifest_blob_used_by_another_repository(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1"], [b"x"])
    store.tag(ref("m:v1"), ref("other:v1"))
    result = store.remove(ref("m:v1"))
    assert result.manifest_removed and not result.manifest_deleted and result.blobs_removed == []
    assert store.read_manifest(kit.digest).kind == "kit"
    assert kit.digest in (store.storage / "index.json").read_text()
    assert store.resolve(ref("other:v1")).digest == kit.digest


def test_remove_keeps_layers_shared_with_other_manifests(store: LocalStore) -> None:
    kept = make_kit(store, "localhost/a", ["v1"], [b"shared", b"only-a"])
    gone = make_kit(store, "localhost/b", ["v1"], [b"shared", b"only-b"], name="other")
    result = store.remove(ref("b:v1"))
    assert sorted(result.blobs_removed) == sorted([gone.config, digest_bytes(b"only-b")])
    assert all(store.has_blob(d) for d in [kept.digest, kept.config, *kept.layers])


def test_remove_not_found_points_to_the_right_repository(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/org/m", ["v1"], [b"x"])
    with pytest.raises(NotFound, match=f"stored as org/m@{kit.digest}"):
        store.remove(ref(kit.digest))
    with pytest.raises(NotFound, match="m:nope"):
        store.remove(ref("org/m:nope"))


def test_remove_untagged(store: LocalStore) -> None:
    tagged = make_kit(store, "localhost/m", ["v1"], [b"1"])
    loose = make_kit(store, "localhost/_", [], [b"2"])
    results = store.remove_untagged()
    assert [(r.repo_key, r.digest) for r in results] == [("localhost/_", loose.digest)]
    assert [e.descriptor.digest for e in store.entries()] == [tagged.digest]
    results = store.remove_untagged(force=True)
    assert [(r.digest, r.untagged) for r in results] == [(tagged.digest, ["v1"])]
    assert store.entries() == []


def test_gc_removes_unreachable_blobs_only(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1"], [b"x"])
    orphan = store.write_blob(b"orphan blob")
    assert store.gc().removed == [] and store.gc().kept_recent == 1  # young: maybe a pack in progress
    result = store.gc(min_age=0)
    assert result.removed == [orphan] and result.freed == len(b"orphan blob")
    assert all(store.has_blob(d) for d in [kit.digest, kit.config, *kit.layers])


def test_gc_repairs_what_kit_remove_all_leaves(store: LocalStore) -> None:
    """kit 1.7 `remove --all --force` over two repositories can leave index.json listing a deleted
    manifest (each repository's oras store saves its stale copy) and a layer blob nobody needs."""
    gone = make_kit(store, "localhost/a", ["v1"], [b"left-over"])
    kept = make_kit(store, "localhost/b", ["v1"], [b"other"])
    index_before = (store.storage / "index.json").read_bytes()
    store.remove(ref("a:v1"))
    (store.storage / "index.json").write_bytes(index_before)  # the stale entry
    store.write_blob(b"left-over")  # the orphaned layer
    result = store.gc(min_age=0)
    assert result.dropped_entries == [gone.digest]
    assert result.removed == gone.layers and result.freed == len(b"left-over")
    assert gone.digest not in (store.storage / "index.json").read_text()
    assert store.resolve(ref("b:v1")).digest == kept.digest and store.has_blob(kept.layers[0])


def test_gc_keeps_young_unlisted_manifest(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/a", ["v1"], [b"x"])
    (store.storage / f"{repo_file_stem('localhost/a')}-index.json").unlink()  # a pack between its two writes
    (store.storage / f"{repo_file_stem('localhost/a')}-tags.json").unlink()
    assert store.gc().dropped_entries == [] and store.has_blob(kit.digest)
    assert store.gc(min_age=0).dropped_entries == [kit.digest] and not store.has_blob(kit.digest)


def test_gc_refuses_when_a_manifest_is_unreadable(store: LocalStore) -> None:
    kit = make_kit(store, "localhost/m", ["v1"], [b"x"])
    path = store.blob_path(kit.digest)
    path.chmod(0o600)
    path.write_bytes(b"garbage")
    with pytest.raises(IntegrityError):
        store.gc(min_age=0)
    assert store.has_blob(kit.config)


def test_gc_on_empty_home(store: LocalStore) -> None:
    assert store.gc(min_age=0).freed == 0
    assert store.entries() == []


# -- atomicity and concurrency --------------------------------------------------------------------------


def test_failed_write_leaves_old_file_and_no_temp(store: LocalStore, monkeypatch: pytest.MonkeyPatch) -> None:
    make_kit(store, "localhost/m", ["v1"], [b"x"])
    before = {
        name: (store.storage / name).read_bytes()
        for name in os.listdir(store.storage)
        if name.endswith(".json")
    }

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.tag(ref("m:v1"), ref("m:v2"))
    monkeypatch.undo()
    after = {
        name: (store.storage / name).read_bytes()
        for name in os.listdir(store.storage)
        if name.endswith(".json")
    }
    assert after == before
    assert [f for f in all_files(store.storage) if f.endswith(".tmp")] == []


def test_concurrent_writers_in_threads(store: LocalStore) -> None:
    threads = [threading.Thread(target=_writer, args=(str(store.home), w, 10)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(len(e.tags) for e in store.entries()) == 40


def test_lock_is_reentrant(store: LocalStore) -> None:
    lock = StoreLock.for_storage(store.storage)
    with lock.hold(), lock.hold():
        make_kit(store, "localhost/m", ["v1"], [b"x"])  # takes the lock again inside
    assert store.resolve(ref("m:v1"))


def _writer(home: str, worker: int, count: int) -> None:
    store = LocalStore(Path(home))
    for i in range(count):
        make_kit(store, "localhost/shared", [f"w{worker}-{i}"], [f"{worker}-{i}".encode()])


def test_concurrent_writers_in_two_processes(tmp_path: Path) -> None:
    home, count = str(tmp_path / "home"), 15
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(home, w, count)) for w in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    store = LocalStore(Path(home))
    entries = store.entries()
    assert len(entries) == 2 * count
    assert sorted(t for e in entries for t in e.tags) == sorted(
        f"w{w}-{i}" for w in range(2) for i in range(count)
    )
    index = (store.storage / "index.json").read_text()
    assert all(e.descriptor.digest in index for e in entries)


# -- the same steps kit took in tests/golden/kit_golden.json give the same storage files -----------------

GOLDEN = Path(__file__).parent / "golden" / "kit_golden.json"


def _place_kit_blobs(store: LocalStore, case: dict[str, Any]) -> bytes:
    """Put a golden case's config and layer blobs in place (layers as stand-in files) like `kit pack` did."""
    store.write_blob(case["config"].encode())
    for layer in case["layers"]:
        path = store.blob_path(layer["digest"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"layer stand-in")
    data: bytes = case["manifest"].encode()
    return data


def _storage_texts(store: LocalStore) -> dict[str, str]:
    return {p.name: p.read_text() for p in store.storage.iterdir() if p.is_file() and p.name != LOCK_FILE}


def test_golden_storage_steps(store: LocalStore) -> None:
    golden = json.loads(GOLDEN.read_text())
    cases, steps = golden["cases"], golden["storage"]["steps"]
    titanic = _place_kit_blobs(store, cases["titanic"])
    sizes = _place_kit_blobs(store, cases["sizes"])
    actions: list[Callable[[], object]] = [
        lambda: store.put_manifest(ref("localhost/golden/case").repo_key, titanic, ["v1", "v2"]),
        lambda: store.tag(ref("localhost/golden/case:v1"), ref("localhost/golden/case:v3")),
        lambda: store.tag(ref("localhost/golden/case:v1"), ref("other/repo:latest")),
        lambda: store.put_manifest("localhost/_", sizes, []),
        lambda: store.remove(ref("localhost/golden/case:v2")),
        lambda: store.remove(ref("other/repo:latest")),
    ]
    assert len(actions) == len(steps)
    for action, step in zip(actions, steps, strict=True):
        action()
        assert _storage_texts(store) == step["storage_files"], step["label"]
