"""The layer cache: an unchanged layer reuses its stored blob without reading its files, a changed
one is packed again, and every result is byte-identical to a full pack (``cache=False``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kitops_jupyter.api import Kit, PackResult

KITFILE = """\
manifestVersion: 1.0.0
package:
  name: cached
model:
  name: clf
  path: model.bin
datasets:
  - name: train
    path: data/train.csv
docs:
  - path: README.md
"""

FILES = {"model.bin": os.urandom(300_000), "data/train.csv": b"x,y\n1,2\n" * 500, "README.md": b"# hi\n"}
AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def _age(path: Path, when: int = AN_HOUR_AGO) -> None:
    """Give ``path`` an old mtime: files written just now are never cached (racy clean)."""
    os.utime(path, ns=(when, when))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = tmp_path / "project"
    for rel, data in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        _age(root / rel)
    (root / "Kitfile").write_text(KITFILE)
    return root


def _layers(result: PackResult) -> list[str]:
    return [layer.digest for layer in result.manifest.layers]


def _full_pack(project: Path, tmp_path: Path, compression: str = "none") -> PackResult:
    """The reference: a pack into a fresh store with the cache off."""
    return Kit(home=tmp_path / f"fresh-{os.urandom(4).hex()}").pack(
        project, compression=compression, cache=False
    )


def test_unchanged_tree_reuses_every_layer(project: Path, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    first = kit.pack(project, tag="m:v1")
    assert first.cached_layers == []
    again = kit.pack(project, tag="m:v1")
    assert again.cached_layers == _layers(first)
    assert again.digest == first.digest == _full_pack(project, tmp_path).digest
    assert kit.store.read_blob(again.digest) == kit.store.read_blob(first.digest)


def test_only_the_changed_layer_is_read_again(project: Path, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    first = kit.pack(project)
    (project / "data/train.csv").write_bytes(b"x,y\n9,9\n" * 500)  # same size, new content and mtime
    _age(project / "data/train.csv", AN_HOUR_AGO + 10**9)
    again = kit.pack(project)
    model, dataset, docs = _layers(first)
    assert again.cached_layers == [model, docs]
    assert _layers(again)[1] != dataset
    assert again.digest == _full_pack(project, tmp_path).digest


def test_cached_layers_are_not_read_and_no_cache_reads_them(project: Path, tmp_path: Path) -> None:
    """Rewrite a file in place keeping size, inode and mtime: only a pack that reads it sees the change."""
    kit = Kit(home=tmp_path / "home")
    first = kit.pack(project)
    with open(project / "model.bin", "r+b") as f:
        f.write(b"\0" * 1000)
    _age(project / "model.bin")
    assert kit.pack(project).digest == first.digest  # the cache vouched for the layer: not read
    full = kit.pack(project, cache=False)
    assert _layers(full)[0] != _layers(first)[0]
    assert full.cached_layers == [] and full.digest == _full_pack(project, tmp_path).digest


def test_missing_or_truncated_blob_is_packed_again(project: Path, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    first = kit.pack(project, tag="m:v1")
    model, dataset, _ = _layers(first)
    kit.store.blob_path(model).unlink()
    with open(kit.store.blob_path(dataset), "r+b") as f:
        f.truncate(10)
    again = kit.pack(project, tag="m:v1")
    assert model not in again.cached_layers and dataset not in again.cached_layers
    assert again.digest == first.digest
    assert kit.store.blob_path(model).stat().st_size == first.manifest.layers[0].size


def test_recently_modified_files_are_not_cached(project: Path, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    (project / "README.md").write_bytes(b"# fresh\n")  # mtime now: a same-tick rewrite could go unseen
    kit.pack(project)
    again = kit.pack(project)
    assert len(again.cached_layers) == 2 and _layers(again)[2] not in again.cached_layers


def test_compression_is_part_of_the_key(project: Path, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    kit.pack(project)
    gz = kit.pack(project, compression="gzip")
    assert gz.cached_layers == []
    gz_again = kit.pack(project, compression="gzip")
    assert gz_again.cached_layers == _layers(gz)
    assert gz_again.digest == _full_pack(project, tmp_path, "gzip").digest


def test_ignore_rules_are_part_of_the_key(project: Path, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    kit.pack(project)
    (project / ".kitignore").write_text("*.tmp\n")
    assert kit.pack(project).cached_layers == []
