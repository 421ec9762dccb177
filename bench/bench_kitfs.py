"""kit:// ranged reads against pulling the layer (see bench/README.md).

    .venv/bin/python bench/bench_kitfs.py                # 20 columns x 1M rows (~160 MB Parquet)
    .venv/bin/python bench/bench_kitfs.py --rows 200000  # ~32 MB

Starts a real local registry with a byte-counting proxy in front of it, pushes a ModelKit holding one
wide Parquet file (uncompressed layer), then measures in the same run: pulling the ModelKit (the
baseline every other tool needs before reading), reading one column through kit://, and reading the
whole file through kit://. Prints bytes transferred and wall time, each as a ratio to the pull.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fsspec
import numpy as np
import pandas as pd

from kitops_jupyter.api import Kit
from kitops_jupyter.devregistry import start_registry
from tests.registry_fixtures import FaultProxy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-kitfs-"))
    os.environ["KITOPS_HOME"] = str(work / "home")
    project = work / "project"
    (project / "data").mkdir(parents=True)
    rng = np.random.default_rng(1)
    pd.DataFrame({f"c{i}": rng.random(args.rows) for i in range(args.columns)}).to_parquet(
        project / "data" / "wide.parquet", index=False
    )
    size = (project / "data" / "wide.parquet").stat().st_size
    (project / "Kitfile").write_text(
        "manifestVersion: 1.0.0\npackage:\n  name: wide\ndatasets:\n  - name: wide\n    path: data\n"
    )
    with start_registry(work / "registry") as registry:
        proxy = FaultProxy("127.0.0.1", registry.port)
        proxy.start()
        try:
            ref = f"{proxy.registry}/bench/wide:v1"
            publisher = Kit(home=work / "publisher")
            publisher.pack(project, tag=ref)
            publisher.push(ref)
            rows = [measure(proxy, "pull (baseline)", lambda: Kit(home=work / "puller").pull(ref))]
            url = f"kit://{ref}/data/wide.parquet"
            rows.append(measure(proxy, "kit:// one column", lambda: pd.read_parquet(url, columns=["c3"])))
            fresh = {"home": str(work / "reader2"), "skip_instance_cache": True}
            rows.append(
                measure(proxy, "kit:// whole file", lambda: fsspec.filesystem("kit", **fresh).cat_file(url))
            )
        finally:
            proxy.stop()
    print(
        f"Parquet file: {size / 1e6:.1f} MB, {args.columns} columns x {args.rows} rows (uncompressed layer)"
    )
    base_bytes, base_time = rows[0][1], rows[0][2]
    print(f"{'operation':<22}{'MB moved':>10}{'x pull':>9}{'seconds':>9}{'x pull':>9}")
    for name, moved, seconds in rows:
        print(
            f"{name:<22}{moved / 1e6:>10.2f}{moved / base_bytes:>9.3f}{seconds:>9.2f}{seconds / base_time:>9.3f}"
        )
    one_column = rows[1][1] / size
    print(f"one column moved {one_column:.1%} of the file (target <= 10%)")
    return 0 if one_column <= 0.10 else 1


def measure(proxy: FaultProxy, name: str, work: object) -> tuple[str, int, float]:
    before = proxy.body_bytes
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return name, proxy.body_bytes - before, time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main())
