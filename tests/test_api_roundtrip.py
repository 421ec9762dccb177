"""The public API end to end: pack -> unpack with every filter, and pack -> push -> pull -> load
against the real local registry."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from kitops_jupyter import api
from kitops_jupyter.api import Kit
from kitops_jupyter.errors import InvalidArgument, NotFound, UnpackError

KITFILE = """\
manifestVersion: 1.0.0
package:
  name: demo
  version: 1.0.0
  authors: [Ada]
model:
  name: clf
  path: model/model.joblib
  framework: scikit-learn
  parts:
    - name: vocab
      path: model/vocab.json
code:
  - path: src/
datasets:
  - name: train
    path: data/train.csv
  - name: test
    path: data/test.csv
docs:
  - path: README.md
"""

FILES = {
    "model/model.joblib": b"model-bytes" * 100,
    "model/vocab.json": b'{"a": 1}',
    "src/train.py": b"print('train')\n",
    "data/train.csv": b"x,y\n1,2\n3,4\n",
    "data/test.csv": b"x,y\n5,6\n",
    "README.md": b"# Demo\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for rel, data in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "Kitfile").write_text(KITFILE)
    return root


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


FILTER_CASES = [
    ([], set(FILES) | {"Kitfile"}),
    (["model"], {"model/model.joblib", "model/vocab.json"}),
    (["model:clf"], {"model/model.joblib"}),
    (["datasets"], {"data/train.csv", "data/test.csv"}),
    (["datasets:train"], {"data/train.csv"}),
    (["datasets:data/test.csv"], {"data/test.csv"}),
    (["code"], {"src/train.py"}),
    (["docs"], {"README.md"}),
    (["kitfile"], {"Kitfile"}),
    (["datasets:train", "docs"], {"data/train.csv", "README.md"}),
    (["code,docs"], {"src/train.py", "README.md"}),
]


@pytest.mark.parametrize(
    ("filters", "expected"), FILTER_CASES, ids=lambda v: ",".join(v) if isinstance(v, list) else None
)
def test_pack_unpack_round_trip_for_every_filter(
    project: Path, tmp_path: Path, filters: list[str], expected: set[str]
) -> None:
    kit = Kit()
    kit.pack(project, tag="demo/clf:v1")
    out = tmp_path / "out"
    kit.unpack("demo/clf:v1", out, filters=filters)
    assert _files(out) == expected
    for rel in expected - {"Kitfile"}:
        assert (out / rel).read_bytes() == FILES[rel]


def test_unpack_refuses_to_overwrite_then_overwrites_on_request(project: Path, tmp_path: Path) -> None:
    kit = Kit()
    kit.pack(project, tag="demo/clf:v1")
    out = tmp_path / "out"
    out.joinpath("data").mkdir(parents=True)
    out.joinpath("data/train.csv").write_text("mine")
    with pytest.raises(UnpackError, match="already exists"):
        kit.unpack("demo/clf:v1", out, filters=["datasets:train"])
    assert out.joinpath("data/train.csv").read_text() == "mine"
    kit.unpack("demo/clf:v1", out, filters=["datasets:train"], overwrite=True)
    assert out.joinpath("data/train.csv").read_bytes() == FILES["data/train.csv"]


def test_list_tag_remove(project: Path) -> None:
    kit = Kit()
    packed = kit.pack(project, tag="demo/clf:v1,latest")
    rows = kit.list_modelkits()
    assert [(r.repo, sorted(r.tags)) for r in rows] == [("demo/clf", ["latest", "v1"])]
    kit.tag("demo/clf:v1", "other/name:v9")
    assert kit.get("other/name:v9").digest == packed.digest
    kit.remove("demo/clf:v1,latest")
    with pytest.raises(NotFound):
        kit.get("demo/clf:v1")
    assert kit.get("other/name:v9").kitfile.package.name == "demo"


def test_module_functions_use_kitops_home(project: Path, kitops_home: Path) -> None:
    result = api.pack(project, tag="demo/clf:v2")
    assert (kitops_home / "storage" / "blobs" / "sha256" / result.digest.split(":")[1]).is_file()
    assert api.info("demo/clf:v2").model is not None


def test_push_pull_unpack_and_load_through_registry(
    project: Path, tmp_path: Path, registry, repo_name: str
) -> None:
    remote = f"{registry.registry}/{repo_name}:v1"
    publisher = Kit(tmp_path / "publisher")
    packed = publisher.pack(project, tag="demo/clf:v1")
    pushed = publisher.push("demo/clf:v1", remote)
    assert pushed.digest == packed.digest

    consumer = Kit(tmp_path / "consumer")
    assert [r.digest for r in consumer.list_modelkits(f"{registry.registry}/{repo_name}")] == [packed.digest]
    assert consumer.inspect(remote, remote=True).kitfile.package.name == "demo"

    # Loading a dataset fetches only that dataset's layer into the store.
    df = consumer.load_dataset(remote, "train")
    pd.testing.assert_frame_equal(df, pd.DataFrame({"x": [1, 3], "y": [2, 4]}))
    blobs = {p.name for p in (tmp_path / "consumer" / "storage" / "blobs" / "sha256").iterdir()}
    train = next(d for d in packed.kitfile.datasets if d.name == "train")
    assert blobs == {train.layer.digest.split(":")[1]}
    # A second load downloads no layer: it reads the unpacked cache (the blob file may even be gone).
    (tmp_path / "consumer" / "storage" / "blobs" / "sha256" / train.layer.digest.split(":")[1]).unlink()
    assert consumer.dataset_path(remote, "train").read_bytes() == FILES["data/train.csv"]
    assert not any((tmp_path / "consumer" / "storage" / "blobs" / "sha256").iterdir())

    # Remote unpack with a filter, straight from the registry.
    out = tmp_path / "remote-out"
    consumer.unpack(remote, out, filters=["docs"])
    assert _files(out) == {"README.md"}

    pulled = consumer.pull(remote)
    assert pulled.digest == packed.digest
    assert consumer.diff("local://" + remote, "remote://" + remote).identical


def test_load_dataset_needs_a_name_when_there_are_several(project: Path) -> None:
    kit = Kit()
    kit.pack(project, tag="demo/clf:v1")
    with pytest.raises(InvalidArgument, match="several datasets"):
        kit.load_dataset("demo/clf:v1")
    with pytest.raises(NotFound, match="no dataset 'valid'"):
        kit.load_dataset("demo/clf:v1", "valid")
    assert list(kit.load_dataset("demo/clf:v1", "test")["x"]) == [5]
    assert list(kit.load_dataset("demo/clf:v1", "train")["x"]) == [1, 3]  # a second layer in the same cache


def test_core_imports_no_jupyter_modules() -> None:
    import subprocess
    import sys

    code = (
        "import importlib, pkgutil, sys, kitops_jupyter.api, kitops_jupyter.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'kitops_jupyter.core.'): importlib.import_module(m.name)\n"
        "bad = [m for m in ('IPython', 'ipywidgets', 'traitlets', 'tornado', 'jupyter_server', 'ipykernel', 'comm')"
        " if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == ""


def test_missing_layer_path_names_the_kitfile_field_and_stores_nothing(
    project: Path, kitops_home: Path
) -> None:
    from kitops_jupyter.errors import PackError

    (project / "data" / "test.csv").unlink()
    with pytest.raises(PackError, match=r"datasets\[1\]\.path 'data/test.csv' does not exist"):
        Kit().pack(project, tag="demo/clf:v1")
    storage = kitops_home / "storage"
    assert not list(storage.glob("*-index.json"))
    assert not [p for p in storage.rglob("*") if p.is_file() and p.parent.name in ("sha256", "ingest")]


def test_manifest_is_newest_kit_layout_and_reproducible_with_source_date_epoch(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kitops_jupyter.core import mediatypes

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = Kit().pack(project, tag="demo/clf:v1")
    second = Kit().pack(project, tag="demo/clf:v2")
    assert first.digest == second.digest  # same inputs, same instant: same manifest bytes
    manifest = first.manifest
    assert manifest.media_type == mediatypes.MANIFEST
    assert manifest.artifact_type == mediatypes.KIT_ARTIFACT
    assert manifest.annotations is not None
    assert manifest.annotations[mediatypes.ANNOTATION_CREATED] == "2023-11-14T22:13:20Z"
    assert mediatypes.ANNOTATION_CLI_VERSION in manifest.annotations
    paths = [(layer.annotations or {})[mediatypes.ANNOTATION_FILEPATH] for layer in manifest.layers]
    assert paths == [
        "model/model.joblib",
        "model/vocab.json",
        "src",
        "data/train.csv",
        "data/test.csv",
        "README.md",
    ]
    types = [mediatypes.parse_layer_media_type(layer.media_type)[0] for layer in manifest.layers]
    assert types == ["model", "modelpart", "code", "dataset", "dataset", "docs"]


@pytest.mark.parametrize("compression", ["gzip", "gzip-fastest", "zstd"])
def test_compressed_packs_unpack_to_the_same_files(project: Path, tmp_path: Path, compression: str) -> None:
    kit = Kit()
    plain = kit.pack(project, tag="demo/clf:plain")
    packed = kit.pack(project, tag=f"demo/clf:{compression}", compression=compression)
    suffix = "+zstd" if compression == "zstd" else "+gzip"
    assert all(layer.media_type.endswith(suffix) for layer in packed.manifest.layers)
    diff_ids = [e.layer.diff_id for _, e in _entries(packed.kitfile)]
    assert diff_ids == [layer.digest for layer in plain.manifest.layers]
    out = tmp_path / compression
    kit.unpack(f"demo/clf:{compression}", out)
    assert _files(out) == set(FILES) | {"Kitfile"}


def _entries(kitfile):  # type: ignore[no-untyped-def]
    from kitops_jupyter.core.kitfile import layer_entries

    return layer_entries(kitfile)


def test_top_level_load_dataset(project: Path) -> None:
    import kitops_jupyter

    api.pack(project, tag="demo/clf:v1")
    assert list(kitops_jupyter.load_dataset("demo/clf:v1", "train")["y"]) == [2, 4]


def test_interrupt_cancels_parallel_transfers() -> None:
    import threading

    from kitops_jupyter.core.registry.parallel import run_parallel

    cancelled = threading.Event()

    def slow(cancel: threading.Event) -> None:
        if not cancel.wait(5):
            raise AssertionError("never cancelled")
        cancelled.set()

    def interrupt(_: threading.Event) -> None:
        import os
        import signal
        import time

        time.sleep(0.3)  # let the main thread reach its wait for the transfers
        os.kill(os.getpid(), signal.SIGINT)  # what the kernel's stop button sends while the main thread waits

    with pytest.raises(KeyboardInterrupt):
        run_parallel([slow, interrupt], concurrency=2)
    assert cancelled.is_set()
