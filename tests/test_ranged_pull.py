"""Parallel ranged pulls through the fault proxy in front of a real registry: the assembled blob is
exact, a registry that ignores ``Range`` gets one stream, a corrupted part is refused with nothing
kept, and a part that keeps failing leaves an in-order prefix a later pull resumes from."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from kitops_jupyter.core.digest import hex_of
from kitops_jupyter.core.registry.client import RegistryOptions
from kitops_jupyter.core.registry.ranged import range_plan
from kitops_jupyter.core.registry.retry import RetryPolicy
from kitops_jupyter.core.registry.transfer import pull, push
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import IntegrityError, RegistryError
from tests.registry_fixtures import FaultProxy, make_modelkit

KiB = 1 << 10
FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.05)
RANGED = RegistryOptions(range_parts=5, range_min_part=256 * KiB, retry=FAST)


@pytest.mark.parametrize(
    ("size", "parts", "min_part"),
    [(10, 4, 1), (3 << 20, 5, 256 * KiB), ((5 << 20) + 12345, 8, 1 << 20), (100, 8, 64)],
)
def test_range_plan_covers_the_blob_in_order(size: int, parts: int, min_part: int) -> None:
    plan = range_plan(size, parts, min_part)
    assert plan[0][0] == 0 and plan[-1][1] == size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(plan))
    assert 1 <= len(plan) <= parts
    assert all(end - start >= min(min_part, size) for start, end in plan[:-1])


def _pushed(proxy: FaultProxy, repo: str, tmp_path: Path) -> tuple[str, str, bytes]:
    """A ModelKit whose model layer is a few MiB of odd size, pushed straight to the registry."""
    model = os.urandom((3 << 20) + 12345)
    digest, manifest = make_modelkit(LocalStore(tmp_path / "src"), model=model)
    push(LocalStore(tmp_path / "src"), "test/model:v1", f"{proxy.registry}/{repo}:v1")
    layer = max(manifest.layers, key=lambda d: d.size)
    return digest, layer.digest, LocalStore(tmp_path / "src").read_blob(layer.digest)


def _gets(proxy: FaultProxy, digest: str) -> list[int]:
    return [
        status for method, path, status in proxy.log if method == "GET" and path.endswith(f"/blobs/{digest}")
    ]


def test_parallel_ranges_assemble_the_exact_blob(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    digest, layer, data = _pushed(fault_proxy, repo_name, tmp_path)
    dst = LocalStore(tmp_path / "dst")
    result = pull(dst, f"{fault_proxy.registry}/{repo_name}:v1", options=RANGED)
    assert result.digest == digest
    assert dst.read_blob(layer) == data
    assert _gets(fault_proxy, layer) == [206] * 5


def test_registry_ignoring_range_gets_one_stream(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    _, layer, data = _pushed(fault_proxy, repo_name, tmp_path)
    fault_proxy.add("strip_range", method="GET", path=f"/blobs/{layer}", times=100)
    dst = LocalStore(tmp_path / "dst")
    pull(dst, f"{fault_proxy.registry}/{repo_name}:v1", options=RANGED)
    assert dst.read_blob(layer) == data
    assert _gets(fault_proxy, layer) == [200, 200]  # the probe, then one plain stream


def test_a_corrupted_part_is_refused(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    _, layer, _ = _pushed(fault_proxy, repo_name, tmp_path)
    fault_proxy.add("corrupt", method="GET", path=f"/blobs/{layer}", after=4321, skip=2)
    dst = LocalStore(tmp_path / "dst")
    with pytest.raises(IntegrityError, match="does not match"):
        pull(dst, f"{fault_proxy.registry}/{repo_name}:v1", options=RANGED)
    assert not dst.has_blob(layer)
    assert [f for f in dst.ingest_dir().iterdir() if f.is_file() and f.stat().st_size] == []  # nothing kept
    assert dst.entries() == []


def test_a_dropped_part_is_retried(fault_proxy: FaultProxy, repo_name: str, tmp_path: Path) -> None:
    _, layer, data = _pushed(fault_proxy, repo_name, tmp_path)
    fault_proxy.add("drop_response", method="GET", path=f"/blobs/{layer}", after=100 * KiB, skip=3)
    dst = LocalStore(tmp_path / "dst")
    pull(dst, f"{fault_proxy.registry}/{repo_name}:v1", options=RANGED)
    assert dst.read_blob(layer) == data
    assert len(_gets(fault_proxy, layer)) == 6


def test_a_failed_ranged_pull_resumes_from_its_in_order_prefix(
    fault_proxy: FaultProxy, repo_name: str, tmp_path: Path
) -> None:
    _, layer, data = _pushed(fault_proxy, repo_name, tmp_path)
    fault_proxy.add("drop_response", method="GET", path=f"/blobs/{layer}", after=50 * KiB, skip=4, times=50)
    dst = LocalStore(tmp_path / "dst")
    with pytest.raises(RegistryError):
        pull(dst, f"{fault_proxy.registry}/{repo_name}:v1", options=RANGED)
    partial = dst.ingest_dir() / hex_of(layer)
    kept = partial.read_bytes()
    assert 0 < len(kept) < len(data) and data.startswith(kept)
    assert not dst.has_blob(layer) and dst.entries() == []
    fault_proxy.faults.clear()
    fault_proxy.log.clear()
    pull(dst, f"{fault_proxy.registry}/{repo_name}:v1", options=RANGED)
    assert dst.read_blob(layer) == data
    assert _gets(fault_proxy, layer) == [206]  # one stream from the kept prefix
