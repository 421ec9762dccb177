"""DataFrames found in a namespace and written as dataset files (real pandas/polars, real files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kitops_jupyter.adapter_helpers.capture.dataframes import describe_frame, find_dataframes, write_dataframe
from kitops_jupyter.core.datasetreaders import read_dataset_dir
from kitops_jupyter.errors import InvalidArgument

ROOT = Path(__file__).resolve().parents[1]


def sample_frame(rows: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "id": np.arange(rows, dtype="int64"),
            "score": rng.normal(size=rows),
            "label": pd.Categorical(rng.choice(["cat", "dog"], size=rows)),
            "name": [f"row {i}" for i in range(rows)],
            "when": pd.date_range("2024-01-01", periods=rows, freq="h"),
            "ok": rng.random(rows) > 0.5,
        }
    )


def test_find_dataframes_skips_ipython_caches_aliases_and_other_objects() -> None:
    train, test = sample_frame(), sample_frame(5)
    namespace = {
        "train": train,
        "test": test,
        "alias_of_train": train,  # sorts before "train": reported once, under the first name
        "_": train,
        "_7": test,
        "__": test,
        "Out": {7: test},
        "series": train["score"],
        "numbers": [1, 2, 3],
    }
    assert find_dataframes(namespace) == {"alias_of_train": train, "test": test}


def test_find_dataframes_includes_polars_frames() -> None:
    import polars as pl

    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert list(find_dataframes({"pdf": sample_frame(), "plf": frame})) == ["pdf", "plf"]


def test_finding_dataframes_imports_neither_pandas_nor_polars() -> None:
    code = (
        "import sys\n"
        "from kitops_jupyter.adapter_helpers.capture.dataframes import find_dataframes\n"
        "assert find_dataframes({'x': 1, 'y': [1, 2]}) == {}\n"
        "print(sorted(m for m in ('pandas', 'polars') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parquet_round_trip_keeps_values_dtypes_and_a_filtered_index(tmp_path: Path) -> None:
    frame = sample_frame()
    filtered = frame[frame["ok"]]  # a non-default index must survive
    info = write_dataframe(filtered, tmp_path / "data", "train")
    assert info.path == tmp_path / "data" / "train.parquet"
    back = pd.read_parquet(info.path)
    pd.testing.assert_frame_equal(back, filtered)
    assert list(tmp_path.joinpath("data").iterdir()) == [info.path]  # no temp file left behind


def test_parquet_bytes_are_deterministic(tmp_path: Path) -> None:
    first = write_dataframe(sample_frame(), tmp_path / "a", "train").path.read_bytes()
    second = write_dataframe(sample_frame(), tmp_path / "b", "train").path.read_bytes()
    assert first == second


def test_csv_round_trip_through_the_dataset_reader(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "c": ["x", "y", "z"]})
    info = write_dataframe(frame, tmp_path, "small", fmt="csv")
    assert info.path.name == "small.csv"
    assert info.path.read_text().splitlines()[0] == "a,b,c"  # default index not written
    pd.testing.assert_frame_equal(read_dataset_dir(info.path), frame)


def test_description_and_parameters(tmp_path: Path) -> None:
    frame = pd.DataFrame({f"c{i}": np.arange(1234) for i in range(20)})
    frame["c3"] = frame["c3"].astype("float64")
    info = write_dataframe(frame, tmp_path, "wide")
    assert (info.rows, info.columns) == (1234, 20)
    assert info.description == (
        "1,234 rows × 20 columns: c0 int64, c1 int64, c2 int64, c3 float64, c4 int64, "
        "c5 int64, c6 int64, c7 int64, … (+12 more)"
    )
    assert info.parameters["rows"] == 1234
    assert info.parameters["columns"] == 20
    assert info.parameters["dtypes"]["c3"] == "float64"
    assert len(info.parameters["dtypes"]) == 20


def test_describe_frame_singular() -> None:
    assert describe_frame(1, 1, {"x": "int64"}) == "1 row × 1 column: x int64"


def test_failed_write_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    good = write_dataframe(pd.DataFrame({"a": [1]}), tmp_path, "t")
    before = good.path.read_bytes()
    bad = pd.DataFrame({0: [1], 1: [2]})  # integer column names cannot go into Parquet
    with pytest.raises(InvalidArgument, match=r"cannot write DataFrame 't' as parquet.*fmt='csv'"):
        write_dataframe(bad, tmp_path, "t")
    assert good.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]
    assert write_dataframe(bad, tmp_path, "t", fmt="csv").path.read_text().startswith("0,1")


def test_mixed_object_column_is_a_clear_error(tmp_path: Path) -> None:
    frame = pd.DataFrame({"mixed": [1, "two", 3.0]})
    with pytest.raises(InvalidArgument, match="'mixed-data'"):
        write_dataframe(frame, tmp_path, "mixed-data")


def test_rejects_unknown_format_and_non_frames(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="choose one of parquet, csv"):
        write_dataframe(sample_frame(), tmp_path, "x", fmt="xls")
    with pytest.raises(InvalidArgument, match="not a pandas or polars DataFrame"):
        write_dataframe([1, 2], tmp_path, "x")


def test_unsafe_names_become_safe_file_names(tmp_path: Path) -> None:
    info = write_dataframe(sample_frame(3), tmp_path, "../train set")
    assert info.path == tmp_path / "train_set.parquet"


def test_polars_round_trip(tmp_path: Path) -> None:
    import polars as pl

    frame = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    info = write_dataframe(frame, tmp_path, "pl")
    assert pl.read_parquet(info.path).equals(frame)
    assert info.dtypes == {"a": "Int64", "b": "String"}
    assert info.description == "3 rows × 2 columns: a Int64, b String"
