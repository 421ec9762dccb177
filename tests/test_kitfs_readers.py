"""Data readers through kit:// (found via the fsspec entry point), on uncompressed and compressed layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pytest

from kitops_jupyter import api
from tests.registry_fixtures import RegistryServer

KITFILE = """manifestVersion: 1.0.0
package:
  name: readers
datasets:
  - name: parts
    path: parts
  - name: table
    path: table.csv
"""


@pytest.fixture(params=["none", "gzip"])
def kit_root(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryServer, repo_name: str
) -> tuple[str, pd.DataFrame]:
    frame = pd.DataFrame(
        {"x": np.arange(60), "y": np.linspace(0, 1, 60), "name": [f"n{i % 7}" for i in range(60)]}
    )
    root = tmp_path / "p"
    (root / "parts").mkdir(parents=True)
    for i in range(3):
        frame.iloc[i * 20 : (i + 1) * 20].to_parquet(root / "parts" / f"part-{i}.parquet", index=False)
    frame.to_csv(root / "table.csv", index=False)
    (root / "Kitfile").write_text(KITFILE)
    ref = f"{registry.registry}/{repo_name}:v1"
    api.pack(root, tag=ref, compression=request.param)
    api.push(ref)
    api.remove(ref)
    return f"kit://{ref}", frame


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pandas_parquet_and_csv(kit_root: tuple[str, pd.DataFrame]) -> None:
    root, frame = kit_root
    pd.testing.assert_frame_equal(pd.read_csv(f"{root}/table.csv"), frame)
    part = pd.read_parquet(f"{root}/parts/part-1.parquet")
    pd.testing.assert_frame_equal(part, frame.iloc[20:40].reset_index(drop=True))


def pyarrow_dataset(root: str, folder: str) -> Any:
    import pyarrow.dataset as ds

    path = root.removeprefix("kit://")  # pyarrow wants the path without the protocol beside the filesystem
    return ds.dataset(f"{path}/{folder}", filesystem=fsspec.filesystem("kit"), format="parquet")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pyarrow_dataset_over_a_folder(kit_root: tuple[str, pd.DataFrame]) -> None:
    import pyarrow.dataset as ds

    root, _ = kit_root
    dataset = pyarrow_dataset(root, "parts")
    table = dataset.to_table(filter=ds.field("x") >= 50, columns=["x", "name"])
    assert table.column("x").to_pylist() == list(range(50, 60))
    assert sorted(p.rsplit("/", 1)[1] for p in dataset.files) == [
        "part-0.parquet",
        "part-1.parquet",
        "part-2.parquet",
    ]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_polars(kit_root: tuple[str, pd.DataFrame]) -> None:
    import polars as pl

    root, _ = kit_root
    with fsspec.open(f"{root}/parts/part-2.parquet", "rb") as f:
        part = pl.read_parquet(f)
    assert part["x"].to_list() == list(range(40, 60))
    lazy = pl.scan_pyarrow_dataset(pyarrow_dataset(root, "parts"))  # lazy: only the filtered columns
    assert lazy.filter(pl.col("x") < 3).select("name").collect()["name"].to_list() == ["n0", "n1", "n2"]
    with fsspec.open(f"{root}/table.csv", "rb") as f:
        table = pl.read_csv(f)
    assert table.shape == (60, 3) and table["name"][8] == "n1"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_duckdb_register_filesystem(kit_root: tuple[str, pd.DataFrame]) -> None:
    import duckdb

    root, _ = kit_root
    con = duckdb.connect()
    con.register_filesystem(fsspec.filesystem("kit"))
    total = con.sql(f"SELECT count(*), sum(x) FROM read_parquet('{root}/parts/*.parquet')").fetchall()[0]
    assert total == (60, sum(range(60)))
    names = con.sql(f"SELECT count(DISTINCT name) FROM read_csv('{root}/table.csv')").fetchall()[0]
    assert names == (7,)
    con.close()
