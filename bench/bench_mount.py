"""Promoting a ModelKit to another repository of the same registry: cross-repository mount.

    .venv/bin/python bench/bench_mount.py                  # 1 GiB, Debian's docker-registry
    .venv/bin/python bench/bench_mount.py --size-mib 256 --server distribution

Builds a ModelKit with one incompressible layer of ``--size-mib`` MiB, starts a loopback registry and,
in the same run, times:

- first push    ``team/churn:v3`` (every blob uploaded: the baseline)
- promotion     the same ModelKit to ``prod/churn:v3`` (the store remembers ``team/churn`` holds the
                blobs, so each is mounted: ``POST ?mount=&from=``, no bytes sent)
- copy          the same to ``copy/churn:v3`` with the location record removed (what promotion costs
                without mount: a second full upload)

and prints seconds and the ratio to the first push. Target (issue 14): promotion < 0.2 s for 1 GiB.
``--server distribution`` uses CNCF distribution v3 built by ``python -m tests.gotools``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_transfer import build_modelkit  # noqa: E402

from kitops_jupyter import devregistry  # noqa: E402
from kitops_jupyter.core.bloblocations import LOCATIONS_FILE  # noqa: E402
from kitops_jupyter.core.registry import PushResult, push  # noqa: E402
from kitops_jupyter.core.store import LocalStore  # noqa: E402
from tests import gotools  # noqa: E402

MiB = 1 << 20
TARGET_SECONDS = 0.2


def timed_push(store: LocalStore, ref: str) -> tuple[float, PushResult]:
    start = time.perf_counter()
    result = push(store, "bench/model:v1", ref)
    return time.perf_counter() - start, result


def bench(work: Path, size: int, server_kind: str) -> bool:
    print(f"building a {size // MiB} MiB incompressible ModelKit in {work} ...", flush=True)
    store = LocalStore(work / "src")
    build_modelkit(store, size)
    binary = str(gotools.ensure(gotools.DISTRIBUTION)) if server_kind == "distribution" else None
    server = devregistry.start_registry(work / "registry", binary=binary)
    try:
        host = server.address
        first, _ = timed_push(store, f"{host}/team/churn:v3")
        promote, promoted = timed_push(store, f"{host}/prod/churn:v3")
        (store.storage / LOCATIONS_FILE).unlink()
        copy, copied = timed_push(store, f"{host}/copy/churn:v3")
    finally:
        server.stop()
    print(f"\nregistry: {server_kind}, ModelKit {size // MiB} MiB")
    print(f"{'step':<34}{'seconds':>9}{'x first push':>14}  blobs")
    print(f"{'first push team/churn:v3':<34}{first:>9.3f}{1.0:>14.2f}  all uploaded")
    print(
        f"{'promotion to prod/churn:v3':<34}{promote:>9.3f}{promote / first:>14.4f}  {len(promoted.mounted)} mounted, {len(promoted.uploaded)} uploaded"
    )
    print(
        f"{'copy without the location record':<34}{copy:>9.3f}{copy / first:>14.2f}  {len(copied.uploaded)} uploaded"
    )
    met = promote < TARGET_SECONDS and not promoted.uploaded
    print(f"\ntarget: promotion < {TARGET_SECONDS} s with nothing uploaded: {'met' if met else 'MISSED'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024, help="layer size in MiB (default 1024)")
    parser.add_argument("--server", choices=("docker-registry", "distribution"), default="docker-registry")
    parser.add_argument("--workdir", type=Path, default=None, help="where to put the store and the registry")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kit-bench-mount-", dir=args.workdir))
    try:
        return 0 if bench(work, args.size_mib * MiB, args.server) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
