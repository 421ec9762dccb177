"""kit:// against the real local registry: URLs, listing, ranged reads (bytes counted at a proxy),
compressed layers, verification, tampered and hostile layers, and the store with no network."""

from __future__ import annotations

import io
import os
import re
import tarfile
import warnings
from pathlib import Path

import fsspec
import numpy as np
import pandas as pd
import pytest

from kitops_jupyter import api
from kitops_jupyter.core.kitfs.filesystem import KitFileSystem
from kitops_jupyter.core.kitfs.layers import RangedReadNote
from kitops_jupyter.core.kitfs.url import parse_kit_path
from kitops_jupyter.errors import IntegrityError, InvalidReference, NotFound, UnsafeArchive
from tests.registry_fixtures import FaultProxy, RegistryServer

KITFILE = """manifestVersion: 1.0.0
package:
  name: kitfs-test
datasets:
  - name: tables
    path: data
  - name: notes
    path: notes.txt
"""


def write_project(
    root: Path, rows: int = 200, columns: int = 3, notes: str = "hello kit://\n"
) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({f"c{i}": rng.random(rows) for i in range(columns)})
    (root / "data" / "sub").mkdir(parents=True)
    frame.to_parquet(root / "data" / "train.parquet", index=False)
    frame.head(20).to_csv(root / "data" / "sub" / "small.csv", index=False)
    (root / "notes.txt").write_text(notes)
    (root / "Kitfile").write_text(KITFILE)
    return frame


def pushed(
    tmp_path: Path, registry: RegistryServer, repo: str, compression: str = "none", **kw: int
) -> pd.DataFrame:
    """Pack the project, push it, and drop it from the local store (so reads go to the registry)."""
    frame = write_project(tmp_path / "project", **kw)
    ref = f"{registry.registry}/{repo}:v1"
    api.pack(tmp_path / "project", tag=ref, compression=compression)
    api.push(ref)
    api.remove(ref)
    return frame


def test_urls_parse_and_refuse_credentials() -> None:
    where = parse_kit_path("kit://127.0.0.1:5000/org/data:v1/data/./train.parquet")
    assert (str(where.reference), where.inner) == ("127.0.0.1:5000/org/data:v1", "data/train.parquet")
    digest = "sha256:" + "a" * 64
    where = parse_kit_path(f"kit://reg.example.com/org/data@{digest}/x.csv")
    assert (where.reference.digest, where.inner) == (digest, "x.csv")
    assert parse_kit_path("kit://localhost/test/model:v1").inner == ""
    with pytest.raises(InvalidReference) as err:
        parse_kit_path("kit://bob:s3cret@reg.example.com/org/data:v1/x")
    assert "s3cret" not in str(err.value) and "credentials" in str(err.value)
    with pytest.raises(InvalidReference, match=r"\.\."):
        parse_kit_path("kit://reg.example.com/org/data:v1/../etc/passwd")
    with pytest.raises(InvalidReference, match="TAG"):
        parse_kit_path("kit://reg.example.com/org/data/x.csv")


def test_listing_reading_and_glob_over_the_registry(
    tmp_path: Path, registry: RegistryServer, repo_name: str
) -> None:
    frame = pushed(tmp_path, registry, repo_name)
    root = f"kit://{registry.registry}/{repo_name}:v1"
    fs = fsspec.filesystem("kit")
    assert isinstance(fs, KitFileSystem)  # found through the fsspec.specs entry point
    names = fs.ls(root, detail=False)
    assert [n.rsplit("/", 1)[1] for n in names] == ["Kitfile", "data", "notes.txt"]
    assert fs.info(f"{root}/data")["type"] == "directory"
    assert (
        fs.info(f"{root}/data/train.parquet")["size"]
        == (tmp_path / "project/data/train.parquet").stat().st_size
    )
    assert fs.cat_file(f"{root}/notes.txt") == b"hello kit://\n"
    assert fs.cat_file(f"{root}/notes.txt", start=6, end=9) == b"kit"
    assert fs.cat_ranges([f"{root}/notes.txt"] * 2, [0, -3], [5, None]) == [b"hello", b"//\n"]
    assert "name: kitfs-test" in fs.cat_file(f"{root}/Kitfile").decode()
    found = fs.glob(f"{root}/data/**/*.csv")
    assert [f.rsplit("/", 1)[1] for f in found] == ["small.csv"]
    back = pd.read_parquet(f"{root}/data/train.parquet")
    pd.testing.assert_frame_equal(back, frame)
    pd.testing.assert_frame_equal(pd.read_csv(f"{root}/data/sub/small.csv"), frame.head(20))
    with pytest.raises(FileNotFoundError) as err:
        fs.info(f"{root}/data/missing.parquet")
    assert isinstance(err.value, NotFound) and "missing.parquet" in str(err.value)


def test_one_column_of_a_wide_parquet_transfers_a_small_fraction(
    tmp_path: Path, registry: RegistryServer, fault_proxy: FaultProxy, repo_name: str
) -> None:
    frame = pushed(tmp_path, registry, repo_name, rows=120_000, columns=20)
    size = (tmp_path / "project/data/train.parquet").stat().st_size
    assert size > 15 << 20
    url = f"kit://{fault_proxy.registry}/{repo_name}:v1/data/train.parquet"
    column = pd.read_parquet(url, columns=["c7"])
    pd.testing.assert_frame_equal(column, frame[["c7"]])
    assert fault_proxy.body_bytes <= size // 10, (fault_proxy.body_bytes, size)
    ranged = [path for method, path, status in fault_proxy.log if status == 206]
    assert ranged and all("/blobs/sha256:" in p for p in ranged)
    assert not (api.default_kit().store.storage / "blobs").exists() or not any(
        (api.default_kit().store.storage / "blobs" / "sha256").iterdir()
    )  # nothing was downloaded into the store


def test_the_member_index_is_cached_per_layer_digest(
    tmp_path: Path, registry: RegistryServer, fault_proxy: FaultProxy, repo_name: str
) -> None:
    pushed(tmp_path, registry, repo_name)
    url = f"kit://{fault_proxy.registry}/{repo_name}:v1/notes.txt"
    assert fsspec.filesystem("kit", skip_instance_cache=True).cat_file(url) == b"hello kit://\n"
    manifest = api.inspect(f"{registry.registry}/{repo_name}:v1", remote=True).manifest
    layer = next(d for d in manifest.layers if d.size < 4096).digest
    indexes = [p.stem for p in (api.default_kit().home / "cache/kitfs/index").glob("*.json")]
    assert indexes == [layer.split(":")[1]]  # only the layer holding notes.txt was indexed
    first = [p for _, p, _ in fault_proxy.log if p.endswith(layer)]
    assert len(first) == 2  # the headers, then the data
    before = len(fault_proxy.log)
    assert fsspec.filesystem("kit", skip_instance_cache=True).cat_file(url) == b"hello kit://\n"
    again = [p for _, p, _ in fault_proxy.log[before:] if p.endswith(layer)]
    assert len(again) == 1  # the data only: the headers came from the cached index


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_layers_are_fetched_once_with_a_note(
    tmp_path: Path, registry: RegistryServer, repo_name: str, compression: str
) -> None:
    frame = pushed(tmp_path, registry, repo_name, compression=compression)
    url = f"kit://{registry.registry}/{repo_name}:v1/data/train.parquet"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pd.testing.assert_frame_equal(pd.read_parquet(url), frame)
    notes = [str(w.message) for w in caught if issubclass(w.category, RangedReadNote)]
    assert (
        len(notes) == 1
        and f"{compression}-compressed" in notes[0]
        and "cannot be read by byte ranges" in notes[0]
    )
    assert len(list((api.default_kit().home / "cache/kitfs/layers").glob("*.tar"))) == 1


def test_local_store_reads_need_no_network(tmp_path: Path) -> None:
    frame = write_project(tmp_path / "project")
    api.pack(tmp_path / "project", tag="local/data:v1")
    url = "kit://localhost/local/data:v1/data/train.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(url), frame)
    with pytest.raises(NotFound, match="not in the local store"):
        fsspec.filesystem("kit").ls("kit://localhost/local/data:v2")


def test_verify_catches_a_tampered_layer(tmp_path: Path, registry: RegistryServer, repo_name: str) -> None:
    # Content of its own: the session registry stores blobs by digest, shared by every test
    pushed(tmp_path, registry, repo_name, notes=f"hello {repo_name}\n")
    ref = f"{registry.registry}/{repo_name}:v1"
    notes = next(d for d in api.inspect(ref, remote=True).manifest.layers if d.size < 4096)
    blob = registry.blob_data(notes.digest)
    data = bytearray(blob.read_bytes())
    at = data.index(b"hello")
    data[at : at + 5] = b"HELLO"
    os.chmod(blob, 0o644)
    blob.write_bytes(bytes(data))
    # A ranged read cannot tell (documented); a verified read refuses the layer.
    plain = fsspec.filesystem("kit", skip_instance_cache=True)
    assert plain.cat_file(f"kit://{ref}/notes.txt") == f"HELLO {repo_name}\n".encode()
    strict = fsspec.filesystem("kit", verify=True, skip_instance_cache=True)
    with pytest.raises(IntegrityError, match="does not match"):
        strict.cat_file(f"kit://{ref}/notes.txt")
    assert not list((api.default_kit().home / "cache/kitfs/layers").glob("*.tar"))


def _link(name: str) -> tarfile.TarInfo:
    link = tarfile.TarInfo(name)
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return link


HOSTILE_LAYERS = {
    "symbolic link": [_link("data/train.csv")],
    "'data/train.csv' appears twice in the layer": [tarfile.TarInfo("data/train.csv")] * 2,
    "'data/x/y' lies under 'data/x', which the layer made a file": [
        tarfile.TarInfo("data/x"),
        tarfile.TarInfo("data/x/y"),
    ],
}


@pytest.mark.parametrize("refusal", sorted(HOSTILE_LAYERS))
def test_hostile_layers_are_refused(tmp_path: Path, refusal: str) -> None:
    from kitops_jupyter.core import mediatypes
    from kitops_jupyter.core.gojson import dumps
    from kitops_jupyter.core.manifest import Descriptor, build_manifest

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for member in HOSTILE_LAYERS[refusal]:
            tar.addfile(member, io.BytesIO(b"") if member.isfile() else None)
    store = api.default_kit().store
    layer = out.getvalue()
    digest = store.write_blob(layer)
    kitfile = {
        "manifestVersion": "1.0.0",
        "package": {"name": "x"},
        "datasets": [{"name": "d", "path": "data", "digest": digest, "diffId": digest}],
    }
    config = dumps(kitfile)
    manifest = build_manifest(
        Descriptor(mediatypes.KIT_CONFIG, store.write_blob(config), len(config)),
        [Descriptor(mediatypes.layer_media_type("dataset", "none"), digest, len(layer))],
        "0.0.0-test",
        None,
        artifact_type=mediatypes.KIT_ARTIFACT,
    )
    store.put_manifest("localhost/evil/data", manifest.encode(), ["v1"])
    with pytest.raises(UnsafeArchive, match=re.escape(refusal)):
        fsspec.filesystem("kit").ls("kit://localhost/evil/data:v1/data")


def test_tls_registry_with_login_and_no_secret_in_reprs_or_errors(
    tmp_path: Path, tls_registry: RegistryServer, repo_name: str
) -> None:
    kit = api.Kit(network=api.NetworkOptions(ca_bundle=tls_registry.ca_file))
    kit.login(tls_registry.registry, tls_registry.username, tls_registry.password)
    write_project(tmp_path / "project")
    ref = f"{tls_registry.registry}/{repo_name}:v1"
    kit.pack(tmp_path / "project", tag=ref)
    kit.push(ref)
    kit.remove(ref)
    fs = fsspec.filesystem("kit", ca_bundle=str(tls_registry.ca_file))  # credentials from kit login
    with fs.open(f"kit://{ref}/notes.txt") as f:
        assert f.read() == b"hello kit://\n"
        shown = repr(f) + repr(fs)
    with pytest.raises(NotFound) as err:
        fs.info(f"kit://{ref}/nothing-here")
    assert tls_registry.password not in shown + str(err.value)
    assert tls_registry.username not in shown


def test_modelpack_layers_read_from_the_store(tmp_path: Path) -> None:
    from tests.registry_fixtures import make_modelkit

    make_modelkit(
        api.default_kit().store, "localhost/pack/spec", "v1", dataset=b"x,y\n5,6\n", kind="modelpack"
    )
    fs = fsspec.filesystem("kit")
    assert fs.cat_file("kit://localhost/pack/spec:v1/data/train.csv") == b"x,y\n5,6\n"
    assert sorted(fs.ls("kit://localhost/pack/spec:v1", detail=False)) == [
        "localhost/pack/spec:v1/Kitfile",
        "localhost/pack/spec:v1/data",
        "localhost/pack/spec:v1/model.bin",
    ]


def test_digest_urls_pulled_references_and_retried_ranges(
    tmp_path: Path, registry: RegistryServer, fault_proxy: FaultProxy, repo_name: str
) -> None:
    pushed(tmp_path, registry, repo_name)
    ref = f"{fault_proxy.registry}/{repo_name}"
    digest = api.inspect(f"{ref}:v1", remote=True).digest
    # A transient 503 on a ranged blob read is retried like every other registry request
    fault_proxy.add("status", method="GET", path="/blobs/sha256:", status=503, times=1, skip=1)
    fs = fsspec.filesystem("kit", skip_instance_cache=True)
    assert fs.cat_file(f"kit://{ref}@{digest}/notes.txt") == b"hello kit://\n"
    assert any(status == 503 for _, _, status in fault_proxy.log)
    # Once pulled, the same reference is read from the store: no request reaches the registry
    api.pull(f"{ref}:v1")
    before = len(fault_proxy.log)
    fresh = fsspec.filesystem("kit", skip_instance_cache=True)
    assert fresh.cat_file(f"kit://{ref}:v1/data/sub/small.csv").startswith(b"c0,c1,c2\n")
    assert len(fault_proxy.log) == before
