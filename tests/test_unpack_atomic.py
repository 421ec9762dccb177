"""Unpack is all or nothing: whatever fails (a digest in the last layer, an unsafe entry, an
interrupt, a full file system, an unwritable parent), the target is left exactly as it was, with no
new files and no new empty directories; local, remote and parent unpacks alike."""

from __future__ import annotations

import contextlib
import io
import os
import resource
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from kitops_jupyter import api
from kitops_jupyter.core.manifest import Descriptor
from kitops_jupyter.core.unpack import parse_filters, unpack_modelkit
from kitops_jupyter.errors import IntegrityError, PackError, UnpackError, UnsafeArchive
from tests.registry_fixtures import RegistryServer

from .test_hostile_archives import dir_entry, file_entry, snapshot, tar
from .test_unpack import ModelKit, build, kitfile, model

MiB = 1 << 20


def make_project(root: Path, files: dict[str, bytes]) -> Path:
    """A folder with a Kitfile: model.bin as the model, every other file a dataset (in that order)."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["manifestVersion: 1.0.0", "package:", "  name: atomic", "model:", "  path: model.bin"]
    datasets = [name for name in files if name != "model.bin"]
    if datasets:
        lines.append("datasets:")
        lines += [f"  - name: d{i}\n    path: {name}" for i, name in enumerate(datasets)]
    (root / "Kitfile").write_text("\n".join(lines) + "\n")
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def tamper(path: Path) -> None:
    """Flip the last byte of a stored blob (same size: only the digest check can tell)."""
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
def kit(tmp_path: Path) -> api.Kit:
    return api.Kit(tmp_path / "home")


def packed(kit: api.Kit, tmp_path: Path, files: dict[str, bytes]) -> api.PackResult:
    return kit.pack(make_project(tmp_path / "project", files), tag="atomic/m:v1")


FILES = {"model.bin": b"M" * 5000, "data/train.csv": b"a,b\n" * 100, "data/test.csv": b"a,b\n1,2\n"}


# -- a digest mismatch in the last layer ------------------------------------------------------


def test_tampered_last_layer_leaves_a_new_target_absent(kit: api.Kit, tmp_path: Path) -> None:
    result = packed(kit, tmp_path, FILES)
    tamper(kit.store.blob_path(result.manifest.layers[-1].digest))
    target = tmp_path / "new" / "deeper" / "out"
    with pytest.raises(IntegrityError, match="does not match"):
        kit.unpack("atomic/m:v1", target)
    assert not (tmp_path / "new").exists()  # not even the empty directories


def test_tampered_last_layer_leaves_an_existing_target_as_it_was(kit: api.Kit, tmp_path: Path) -> None:
    result = packed(kit, tmp_path, FILES)
    target = tmp_path / "out"
    (target / "data").mkdir(parents=True)
    (target / "model.bin").write_bytes(b"my own model")
    (target / "notes.txt").write_bytes(b"keep me")
    before = snapshot(target)
    tamper(kit.store.blob_path(result.manifest.layers[-1].digest))
    with pytest.raises(IntegrityError):
        kit.unpack("atomic/m:v1", target, overwrite=True)
    assert snapshot(target) == before  # the replaced model.bin is back, data/train.csv is gone


def test_second_unpack_after_a_failed_one_is_not_blocked(kit: api.Kit, tmp_path: Path) -> None:
    result = packed(kit, tmp_path, FILES)
    last = kit.store.blob_path(result.manifest.layers[-1].digest)
    good = last.read_bytes()
    tamper(last)
    with pytest.raises(IntegrityError):
        kit.unpack("atomic/m:v1", tmp_path / "out")
    kit.store.blob_path(result.manifest.layers[-1].digest).write_bytes(good)  # repaired by hand
    os.chmod(last, 0o400)
    kit.unpack("atomic/m:v1", tmp_path / "out")  # "path already exists" would mean leftovers
    assert (tmp_path / "out" / "model.bin").read_bytes() == FILES["model.bin"]


# -- an unsafe entry or an interrupt after earlier layers were placed -------------------------


def test_unsafe_last_layer_undoes_the_earlier_layers(tmp_path: Path) -> None:
    mk = ModelKit()
    m = mk.layer("model", tar(file_entry("model.bin", b"weights")))
    d = mk.layer("docs", tar(dir_entry("docs"), file_entry("docs/../../escape.txt", b"x")))
    from kitops_jupyter.core.kitfile import DocEntry

    kf = kitfile(model=model("m", "model.bin", [], m), docs=[DocEntry(path="docs", description="", layer=d)])
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchive):
        unpack_modelkit(mk.manifest(), kf, mk.open, target)
    assert not target.exists()


class Interrupting(io.BytesIO):
    """A blob stream that raises KeyboardInterrupt (Ctrl-C, the kernel's stop button) halfway."""

    def read(self, n: int | None = -1) -> bytes:
        if self.tell() > len(self.getbuffer()) // 2:
            raise KeyboardInterrupt
        return super().read(min(n if n and n > 0 else 64, 64))


def test_interrupt_in_a_later_layer_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    mk, kf = build()
    last = mk.layers[-1].digest

    def open_blob(desc: Descriptor) -> BinaryIO:
        data = mk.blobs[desc.digest]
        return Interrupting(data) if desc.digest == last else io.BytesIO(data)

    target = tmp_path / "out"
    target.mkdir()
    (target / "README.md").write_bytes(b"mine")
    with pytest.raises(KeyboardInterrupt):
        unpack_modelkit(mk.manifest(), kf, open_blob, target, filters=parse_filters([]), overwrite=True)
    assert snapshot(target) == {"README.md": "mine"}


# -- the parents' model layers join the same transaction ------------------------------------


def test_failure_in_the_child_undoes_the_parent_model(kit: api.Kit, tmp_path: Path) -> None:
    kit.pack(make_project(tmp_path / "base", {"model.bin": b"base weights"}), tag="atomic/base:v1")
    child = make_project(tmp_path / "child", {"model.bin": b"unused", "data/train.csv": b"a\n1\n"})
    text = (child / "Kitfile").read_text().replace("path: model.bin", "path: atomic/base:v1")
    (child / "Kitfile").write_text(text)
    result = kit.pack(child, tag="atomic/child:v1")
    tamper(kit.store.blob_path(result.manifest.layers[-1].digest))
    with pytest.raises(IntegrityError):
        kit.unpack("atomic/child:v1", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# -- a remote unpack (nothing stored) is all or nothing as well ----------------------------


def test_remote_unpack_with_a_corrupt_last_layer_keeps_nothing(
    kit: api.Kit, registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    result = packed(kit, tmp_path, FILES)
    ref = f"{registry.registry}/{repo_name}:v1"
    kit.push("atomic/m:v1", ref)
    data = registry.blob_data(result.manifest.layers[-1].digest)
    original = data.read_bytes()
    data.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    try:
        target = tmp_path / "remote-out"
        with pytest.raises(IntegrityError):
            api.Kit(tmp_path / "other-home").unpack(ref, target)
        assert not target.exists()
    finally:
        data.write_bytes(original)


# -- a full file system and an unwritable parent ---------------------------------------------


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` at ``path``; yields False where mounting is not allowed."""
    path.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=True)


FULL_DISK_CHILD = textwrap.dedent(
    """
    import resource, sys
    from kitops_jupyter import api
    from kitops_jupyter.errors import UnpackError
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[3]), resource.RLIM_INFINITY))
    try:
        api.Kit(sys.argv[1]).unpack("atomic/m:v1", sys.argv[2])
    except UnpackError as exc:
        print(exc)
    """
)


def test_a_full_file_system_leaves_the_target_as_it_was(kit: api.Kit, tmp_path: Path) -> None:
    files = {"model.bin": os.urandom(MiB), "data/big.bin": os.urandom(3 * MiB)}
    packed(kit, tmp_path, files)
    with small_tmpfs(tmp_path / "small", "2m") as mounted:
        if mounted:
            target = tmp_path / "small" / "out"
            (tmp_path / "small" / "mine.txt").write_bytes(b"mine")
            with pytest.raises(UnpackError) as caught:
                kit.unpack("atomic/m:v1", target)
            message = str(caught.value)
            assert snapshot(tmp_path / "small") == {"mine.txt": "mine"}
        else:  # no mount rights: a file-size limit in a child process fails the same writes
            target = tmp_path / "out"
            signal_free = [sys.executable, "-c", FULL_DISK_CHILD, str(kit.home), str(target), str(2 * MiB)]
            done = subprocess.run(
                signal_free, capture_output=True, text=True, preexec_fn=_ignore_sigxfsz, check=True
            )
            message = done.stdout
            assert not target.exists()
    assert "cannot unpack into" in message and "nothing was kept" in message
    assert "full" in message or "larger than" in message


def _ignore_sigxfsz() -> None:
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def test_unpack_under_a_read_only_parent_is_a_kit_error(kit: api.Kit, tmp_path: Path) -> None:
    packed(kit, tmp_path, FILES)
    with small_tmpfs(tmp_path / "ro", "1m") as mounted:
        if mounted:  # root ignores permission bits; a read-only mount refuses even root
            subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "ro")], check=True)
        elif os.geteuid() == 0:
            pytest.skip("needs a tmpfs mount (or a non-root user) to make a read-only parent")
        else:
            os.chmod(tmp_path / "ro", 0o500)
        with pytest.raises(UnpackError) as caught:
            kit.unpack("atomic/m:v1", tmp_path / "ro" / "out")
        message = str(caught.value)
        assert message.startswith(f"cannot unpack into {tmp_path / 'ro' / 'out'}: ")
        assert "read-only" in message or "permission denied" in message
        assert snapshot(tmp_path / "ro") == {}


def test_unpack_below_a_file_is_a_kit_error(kit: api.Kit, tmp_path: Path) -> None:
    packed(kit, tmp_path, FILES)
    (tmp_path / "a-file").write_bytes(b"x")
    with pytest.raises(UnpackError, match="a part of the path is a file, not a directory; remove or rename"):
        kit.unpack("atomic/m:v1", tmp_path / "a-file" / "out")
    assert (tmp_path / "a-file").read_bytes() == b"x"


def test_a_name_too_long_for_the_file_system_is_a_kit_error(tmp_path: Path) -> None:
    long_name = "n" * 300  # one path component over the usual 255-byte limit
    mk = ModelKit()
    m = mk.layer("model", tar(file_entry("model.bin", b"weights")))
    from kitops_jupyter.core.kitfile import DocEntry

    from .test_hostile_archives import pax_entry

    d = mk.layer(
        "docs", tar(dir_entry("docs"), pax_entry({"path": f"docs/{long_name}"}), file_entry("x", b"d"))
    )
    kf = kitfile(model=model("m", "model.bin", [], m), docs=[DocEntry(path="docs", description="", layer=d)])
    with pytest.raises(UnpackError) as caught:
        unpack_modelkit(mk.manifest(), kf, mk.open, tmp_path / "out")
    message = str(caught.value)
    assert f"out/docs/{long_name}: the name is too long for the file system; use shorter names" in message
    assert "nothing was kept" in message
    assert not (tmp_path / "out").exists()


def test_packing_into_a_full_store_is_a_kit_error_and_lists_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", {"model.bin": os.urandom(3 * MiB)})
    with small_tmpfs(tmp_path / "small", "2m") as mounted:
        if not mounted:
            pytest.skip("needs a tmpfs mount to fill a file system")
        kit = api.Kit(tmp_path / "small" / "home")
        with pytest.raises(PackError, match="free some disk space"):
            kit.pack(project, tag="atomic/full:v1")
        assert kit.list_modelkits() == []
        leftovers = [p for p in (tmp_path / "small").rglob("*") if p.is_file() and p.stat().st_size]
        assert leftovers == []
