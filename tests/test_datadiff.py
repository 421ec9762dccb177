"""Data-aware diff on two versions of a dataset in the real registry: schema, rows, column summaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kitops_jupyter import api
from kitops_jupyter.core.datadiff import DataDiff
from tests.registry_fixtures import RegistryServer

KITFILE = """manifestVersion: 1.0.0
package:
  name: diff-test
datasets:
  - name: sales
    path: data
  - name: labels
    path: labels.jsonl
"""


def version(root: Path, rows: int, extra: bool) -> None:
    rng = np.random.default_rng(rows)
    frame = pd.DataFrame(
        {"id": np.arange(rows), "price": rng.random(rows) * 100, "region": ["north", "south"] * (rows // 2)}
    )
    if extra:
        frame["discount"] = 0.1
        frame["id"] = frame["id"].astype("float64")
    (root / "data").mkdir(parents=True)
    frame.to_parquet(root / "data" / "sales.parquet", index=False)
    frame.head(5).to_csv(root / "data" / "head.csv", index=False)
    frame.head(3).to_feather(root / "data" / "head.feather")
    (root / "labels.jsonl").write_text('{"y": 1}\n{"y": 0}\n')
    (root / "Kitfile").write_text(KITFILE)


def test_diff_of_two_dataset_versions(tmp_path: Path, registry: RegistryServer, repo_name: str) -> None:
    ref = f"{registry.registry}/{repo_name}"
    version(tmp_path / "v1", 100, extra=False)
    version(tmp_path / "v2", 120, extra=True)
    for tag in ("v1", "v2"):
        api.pack(tmp_path / tag, tag=f"{ref}:{tag}")
    api.push(f"{ref}:v1")
    api.remove(f"{ref}:v1")  # one side remote (ranged reads), the other in the local store

    diff = api.diff(f"{ref}:v1", f"{ref}:v2", data=True)
    assert isinstance(diff, DataDiff)
    assert not diff.layers.identical
    tables = {t.path: t for t in diff.tables}
    assert set(tables) == {"data/head.csv", "data/head.feather", "data/sales.parquet", "labels.jsonl"}
    sales = tables["data/sales.parquet"]
    assert (sales.status, sales.rows_before, sales.rows_after) == ("changed", 100, 120)
    assert sales.added_columns == ["discount"] and sales.removed_columns == []
    assert [(c.column, c.before, c.after) for c in sales.retyped] == [("id", "int64", "double")]
    fields = {(c.column, c.field) for c in sales.changes}
    assert {("id", "max"), ("price", "mean")} <= fields
    assert ("region", "unique") not in fields  # still north/south
    csv = tables["data/head.csv"]
    assert csv.added_columns == ["discount"] and csv.rows_before == csv.rows_after == 5
    assert tables["labels.jsonl"].status == "same layer"

    frame = diff.to_frame()
    assert set(frame.loc[frame["path"] == "data/sales.parquet", "field"]) >= {
        "rows",
        "column",
        "dtype",
        "mean",
    }
    page = diff._repr_html_()
    assert "<table" in page and "+discount" in page and "100 → 120" in page and "background:#fff8c5" in page
    assert "<th>dataset</th><th>file</th><th>status</th>" in page
    assert "id: int64 → double" in page and "</code> dtype:" not in page  # a new type shows once, as schema
    assert "sales.parquet [changed] rows 100 -> 120" in str(diff)


def test_kit_diff_data_magic_renders_the_data_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_magics_support import loaded_shell

    version(tmp_path / "v1", 10, extra=False)
    version(tmp_path / "v2", 10, extra=True)
    for tag in ("v1", "v2"):
        api.pack(tmp_path / tag, tag=f"team/sales:{tag}")
    monkeypatch.chdir(tmp_path)
    with loaded_shell() as shell:
        result = shell.run_line_magic("kit", "diff team/sales:v1 team/sales:v2 --data")
        plain = shell.run_line_magic("kit", "diff team/sales:v1 team/sales:v2")
    assert "Unique Layers to ModelKit1 (team/sales:v1)" in repr(result)  # kit's layer diff first
    assert "data/sales.parquet [changed] rows 10 -> 10" in repr(result) and "+ column discount" in repr(
        result
    )
    page = result._repr_html_()
    assert 'class="kitops-data-diff"' in page and "+discount" in page
    assert "Data diff" not in repr(plain)
