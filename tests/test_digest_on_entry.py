"""Bytes that do not match their digest never enter the store or a target: a registry (through the
fault proxy) answers a layer with one byte flipped, and pull, remote unpack, the dataset cache and
``kit://`` with ``verify=True`` each refuse it with an IntegrityError and leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pytest

from kitops_jupyter.api import Kit
from kitops_jupyter.core.digest import hex_of
from kitops_jupyter.errors import IntegrityError
from tests.registry_fixtures import Fault, FaultProxy
from tests.test_magics_support import make_context


def _pushed(proxy: FaultProxy, repo: str, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A ModelKit (model, CSV dataset, README) pushed through the proxy; its reference and layer digests."""
    source = Kit(tmp_path / "source-home")
    packed = source.pack(make_context(tmp_path / "ctx"), tag="src/tiny:v1")
    ref = f"{proxy.registry}/{repo}:v1"
    source.push("src/tiny:v1", ref)
    kinds = [layer.media_type.split(".")[-3] for layer in packed.manifest.layers]
    return ref, dict(zip(kinds, (layer.digest for layer in packed.manifest.layers), strict=True))


def _corrupt(proxy: FaultProxy, digest: str) -> Fault:
    return proxy.add("corrupt", method="GET", path=f"/blobs/{digest}", after=10, times=100)


def _left(home: Path, digest: str) -> list[str]:
    """Every file under ``home`` whose name mentions the layer's digest, plus non-empty ingest files."""
    hexd = hex_of(digest)
    named = [str(p.relative_to(home)) for p in home.rglob("*") if hexd in p.name]
    partial = [str(p) for p in (home / "storage").rglob("ingest/*") if p.is_file() and p.stat().st_size]
    return named + partial


def test_pull_refuses_a_corrupted_layer(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    ref, layers = _pushed(fault_proxy, repo_name, tmp_path)
    fault = _corrupt(fault_proxy, layers["model"])
    kit = Kit(tmp_path / "home")
    with pytest.raises(IntegrityError, match="does not match"):
        kit.pull(ref)
    assert fault.times < 100  # the corrupted answer was served
    assert _left(kit.home, layers["model"]) == []
    assert kit.list_modelkits() == []


def test_remote_unpack_refuses_a_corrupted_layer(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    ref, layers = _pushed(fault_proxy, repo_name, tmp_path)
    fault = _corrupt(fault_proxy, layers["dataset"])
    kit = Kit(tmp_path / "home")
    with pytest.raises(IntegrityError, match="does not match"):
        kit.unpack(ref, tmp_path / "out")
    assert fault.times < 100  # the corrupted answer was served
    assert not (tmp_path / "out").exists()
    assert _left(kit.home, layers["dataset"]) == []


def test_dataset_cache_refuses_a_corrupted_layer(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    ref, layers = _pushed(fault_proxy, repo_name, tmp_path)
    fault = _corrupt(fault_proxy, layers["dataset"])
    kit = Kit(tmp_path / "home")
    with pytest.raises(IntegrityError, match="does not match"):
        kit.load_dataset(ref)
    assert fault.times < 100  # the corrupted answer was served
    assert _left(kit.home, layers["dataset"]) == []
    assert list((kit.home / "cache").rglob("datasets/*")) == []


def test_kit_url_with_verify_refuses_a_corrupted_layer(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref, layers = _pushed(fault_proxy, repo_name, tmp_path)
    fault = _corrupt(fault_proxy, layers["docs"])
    monkeypatch.setenv("KITOPS_HOME", str(tmp_path / "home"))
    strict = fsspec.filesystem("kit", verify=True, skip_instance_cache=True)
    with pytest.raises(IntegrityError, match="does not match"):
        strict.cat_file(f"kit://{ref}/README.md")
    assert fault.times < 100  # the corrupted answer was served
    assert _left(tmp_path / "home", layers["docs"]) == []
