"""The store is safe across processes: a blob is written under a name only its writer uses and enters
``blobs/sha256`` only after its digest checks; a stored blob is trusted only when its size matches, a
damaged one is replaced by the next pull (which says so); removals in other processes never delete
blobs a pull, pack or unpack is using; file-system failures are KitErrors."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from kitops_jupyter import api
from kitops_jupyter.core.digest import digest_bytes, hex_of
from kitops_jupyter.core.ingest import claim_ingest_file
from kitops_jupyter.core.manifest import Manifest
from kitops_jupyter.core.registry.transfer import pull
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import IntegrityError, StoreError
from tests.registry_fixtures import FaultProxy, RegistryServer, make_modelkit

MiB = 1 << 20


def blobs_match_their_names(store: LocalStore) -> dict[str, str]:
    """Every stored blob whose sha256 is not its file name (empty when the store is sound)."""
    wrong = {}
    for path in (store.storage / "blobs" / "sha256").iterdir():
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != path.name:
            wrong[path.name] = actual
    return wrong


def run_python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def in_process(target: Callable[..., None], *args: str) -> multiprocessing.process.BaseProcess:
    """Run ``target`` in a real process forked from this one, which has imported the registry client
    already (a fresh interpreter spends seconds importing it on a busy machine)."""
    proc = multiprocessing.get_context("fork").Process(target=target, args=args)
    proc.start()
    return proc


def pull_into(home: str, reference: str) -> None:
    api.Kit(home).pull(reference)


def published(
    registry: RegistryServer, repo_name: str, tmp_path: Path, size: int = MiB
) -> tuple[str, Manifest]:
    """A ModelKit with a ``size``-byte model pushed to ``registry``: its reference and manifest."""
    src = LocalStore(tmp_path / "src")
    _, manifest = make_modelkit(src, model=os.urandom(size))
    ref = f"{registry.registry}/{repo_name}:v1"
    api.Kit(src.home).push("test/model:v1", ref)
    return ref, manifest


# -- downloads: one writer per file ------------------------------------------------------------


def test_concurrent_pulls_resuming_one_partial_file_do_not_corrupt_the_store(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    src = LocalStore(tmp_path / "src")
    model = os.urandom(3 * MiB)
    _, manifest = make_modelkit(src, model=model)
    ref = f"{fault_proxy.registry}/{repo_name}:v1"
    api.Kit(src.home).push("test/model:v1", ref)
    home = tmp_path / "shared"
    store = LocalStore(home)
    layer = manifest.layers[0]
    src_layer = src.blob_path(layer.digest).read_bytes()
    (store.ingest_dir() / hex_of(layer.digest)).write_bytes(src_layer[:MiB])  # an earlier pull's partial file
    fault_proxy.throttle = 2 * MiB  # every download takes about a second, so they overlap
    procs = [in_process(pull_into, str(home), ref) for _ in range(3)]
    for proc in procs:
        proc.join(120)
    assert [proc.exitcode for proc in procs] == [0, 0, 0]
    assert blobs_match_their_names(store) == {}
    assert store.blob_path(layer.digest).read_bytes() == src_layer
    assert list((store.storage / "ingest").iterdir()) == []
    api.Kit(home).unpack(ref, tmp_path / "out")
    assert (tmp_path / "out" / "model.bin").read_bytes() == model


def test_a_claimed_ingest_name_is_not_shared_with_another_process(tmp_path: Path) -> None:
    code = """
        import sys
        from pathlib import Path
        from kitops_jupyter.core.ingest import claim_ingest_file
        with claim_ingest_file(Path(sys.argv[1]), "abc") as path:
            print(path.name)
        """
    with claim_ingest_file(tmp_path, "abc") as mine:
        mine.write_bytes(b"partial")
        proc = run_python(code, str(tmp_path))
        other = proc.communicate(timeout=60)[0].strip()
    assert mine.name == "abc" and other.startswith("abc-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc"]  # the private name was cleaned up
    proc = run_python(code, str(tmp_path))
    assert proc.communicate(timeout=60)[0].strip() == "abc"  # free again once released


# -- stored blobs are trusted only when sound --------------------------------------------------


def test_a_stored_blob_of_the_wrong_size_is_replaced_and_reported(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    ref, manifest = published(registry, repo_name, tmp_path)
    store = LocalStore(tmp_path / "dst")
    pull(store, ref)
    layer = store.blob_path(manifest.layers[0].digest)
    os.chmod(layer, 0o600)
    layer.write_bytes(layer.read_bytes() * 2)  # what two writers appending to one file left behind
    again = pull(store, ref)
    assert again.repaired == [manifest.layers[0].digest]
    assert again.notes == [
        f"replaced 1 damaged blob(s) in local storage with the registry's copy: {manifest.layers[0].digest[:19]}"
    ]
    assert blobs_match_their_names(store) == {}
    info = api.Kit(store.home).pull(ref)
    assert info.notes == []  # nothing left to repair


def test_a_blob_found_damaged_while_unpacking_is_dropped_and_the_next_pull_restores_it(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    ref, manifest = published(registry, repo_name, tmp_path)
    kit = api.Kit(tmp_path / "dst")
    kit.pull(ref)
    path = kit.store.blob_path(manifest.layers[0].digest)
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[100] ^= 1  # same size: only the digest tells
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="the damaged local copy was removed; pull the ModelKit again"):
        kit.unpack(ref, tmp_path / "out")
    assert not path.exists()
    kit.pull(ref)
    assert blobs_match_their_names(kit.store) == {}
    kit.unpack(ref, tmp_path / "out")
    assert (tmp_path / "out" / "model.bin").exists()


# -- removals in another process keep what an operation is using -------------------------------


REMOVE = """
    import sys
    from kitops_jupyter import api
    api.Kit(sys.argv[1]).remove(sys.argv[2])
    """


def remove_in_another_process(home: Path, reference: str) -> None:
    proc = run_python(REMOVE, str(home), reference)
    assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""


def test_a_removal_during_a_pull_does_not_delete_the_blobs_it_lists(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    ref, manifest = published(registry, repo_name, tmp_path)
    digest = digest_bytes(manifest.encode())
    kit = api.Kit(tmp_path / "dst")
    kit.pull(ref)
    kit.tag(ref, "local/copy:v1")
    kit.remove(ref)
    removed: list[bool] = []

    def progress(done: int, total: int) -> None:
        if not removed:  # the blobs are all there already: the pull only has to list the manifest
            removed.append(True)
            remove_in_another_process(kit.home, "local/copy:v1")

    kit.pull(ref, progress=progress)
    assert removed and kit.get(ref).digest == digest
    assert blobs_match_their_names(kit.store) == {}
    kit.unpack(ref, tmp_path / "out")


def test_a_removal_during_a_pack_does_not_delete_its_layers(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "model.bin").write_bytes(os.urandom(MiB))
    (project / "data" / "train.csv").write_bytes(b"a,b\n" * 50000)
    (project / "Kitfile").write_text(
        "manifestVersion: 1.0.0\npackage:\n  name: p\nmodel:\n  path: model.bin\n"
        "datasets:\n  - name: train\n    path: data/train.csv\n"
    )
    kit = api.Kit(tmp_path / "home")
    kit.pack(project, tag="first/copy:v1")  # the same layers, listed under another name
    removed: list[bool] = []

    def progress(done: int, total: int) -> None:
        if done > MiB and not removed:  # the model layer is stored, the dataset layer is being written
            removed.append(True)
            remove_in_another_process(kit.home, "first/copy:v1")

    result = kit.pack(project, tag="second/copy:v1", progress=progress)
    assert removed and kit.get("second/copy:v1").digest == result.digest
    assert all(kit.store.has_blob(d.digest, d.size) for d in result.manifest.blob_descriptors())
    kit.unpack("second/copy:v1", tmp_path / "out")


# -- file-system failures are KitErrors ---------------------------------------------------------


def test_kitops_home_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a directory")
    kit = api.Kit(home)
    project = tmp_path / "p"
    project.mkdir()
    (project / "Kitfile").write_text("manifestVersion: 1.0.0\npackage:\n  name: p\n")
    for call in (kit.list_modelkits, lambda: kit.pack(project, tag="a/b:v1"), lambda: kit.get("a/b:v1")):
        with pytest.raises(
            StoreError, match=f"KITOPS_HOME {home} is a file, not a directory; set KITOPS_HOME"
        ):
            call()


# -- one damaged ModelKit does not hide the others ---------------------------------------------


def test_list_shows_the_rest_and_names_a_modelkit_with_a_damaged_config(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "home")
    make_modelkit(store, "localhost/good/one", name="good-one")
    _, broken = make_modelkit(store, "localhost/bad/one", name="bad-one", model=b"other weights")
    make_modelkit(store, "localhost/good/two", name="good-two", model=b"more weights")
    config = store.blob_path(broken.config.digest)
    os.chmod(config, 0o600)
    config.write_bytes(b"{" + config.read_bytes()[1:-1] + b"!")  # same size, wrong bytes
    rows = api.Kit(store.home).list_modelkits()
    assert [(r.repo, r.model_name) for r in rows] == [
        ("bad/one", "<damaged>"),
        ("good/one", "good-one"),
        ("good/two", "good-two"),
    ]
    assert rows[0].problem.startswith("bad/one:v1: blob ")
    assert "does not match its digest" in rows[0].problem
    again = api.Kit(store.home).list_modelkits()  # the damaged config was removed: now it is missing
    assert [r.model_name for r in again] == ["<damaged>", "good-one", "good-two"]
    assert "pull the ModelKit again" in again[0].problem


def test_list_names_a_modelkit_whose_manifest_is_missing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "home")
    digest, _ = make_modelkit(store, "localhost/bad/one")
    make_modelkit(store, "localhost/good/one", model=b"w")
    os.unlink(store.blob_path(digest))
    rows = api.Kit(store.home).list_modelkits()
    assert [r.model_name for r in rows] == ["<damaged>", "test-model"]
    assert rows[0].problem.startswith(f"bad/one:v1: blob {digest} is not in local storage")


def test_unpack_from_a_read_only_store_still_works(tmp_path: Path) -> None:
    from tests.test_unpack_atomic import FILES, make_project, small_tmpfs

    with small_tmpfs(tmp_path / "ro", "8m") as mounted:
        if not mounted:
            pytest.skip("needs a tmpfs mount to make a read-only store")
        kit = api.Kit(tmp_path / "ro" / "home")
        kit.pack(make_project(tmp_path / "project", FILES), tag="ro/m:v1")
        subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "ro")], check=True)
        kit.unpack("ro/m:v1", tmp_path / "out")  # no pin or lock file can be written: reads go unpinned
        assert (tmp_path / "out" / "model.bin").read_bytes() == FILES["model.bin"]


def test_a_pull_into_a_full_file_system_is_a_kit_error_and_keeps_nothing(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    from tests.test_unpack_atomic import small_tmpfs

    ref, _ = published(registry, repo_name, tmp_path, size=6 * MiB)
    with small_tmpfs(tmp_path / "small", "3m") as mounted:
        if not mounted:
            pytest.skip("needs a tmpfs mount to fill a file system")
        kit = api.Kit(tmp_path / "small" / "home")
        with pytest.raises(StoreError, match="the file system is full; free some space there"):
            kit.pull(ref)
        blobs = kit.store.storage / "blobs" / "sha256"
        assert not [p for p in blobs.rglob("*") if p.is_file() and p.stat().st_size >= MiB]
        ingest = kit.store.storage / "ingest"
        assert not [p for p in ingest.rglob("*") if p.is_file() and p.stat().st_size > 0]
