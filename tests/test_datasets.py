"""Reading dataset files and directories into DataFrames (real files in every supported format)."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kitops_jupyter.core.datasetreaders import read_dataset_dir
from kitops_jupyter.errors import InvalidArgument, NotFound

FRAME = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "c": ["x", "y", "z"]})
RECORDS = FRAME.to_dict(orient="records")


def check(result: Any, expected: pd.DataFrame = FRAME) -> None:
    assert isinstance(result, pd.DataFrame)
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)
    assert list(result.dtypes.astype(str))[:2] == ["int64", "float64"]


def test_csv_tsv_and_compressed_csv(tmp_path: Path) -> None:
    FRAME.to_csv(tmp_path / "t.csv", index=False)
    FRAME.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    FRAME.to_csv(tmp_path / "t.csv.gz", index=False)
    for name in ("t.csv", "t.tsv", "t.csv.gz"):
        check(read_dataset_dir(tmp_path / name))


def test_parquet_keeps_dtypes_exactly(tmp_path: Path) -> None:
    FRAME.to_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_dataset_dir(tmp_path / "t.parquet"), FRAME)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("array.json", json.dumps(RECORDS, indent=2)),
        ("lines.json", "\n".join(json.dumps(r) for r in RECORDS) + "\n"),
        ("spaced.json", "\n  " + "\n\n".join(json.dumps(r) for r in RECORDS)),
        ("t.jsonl", "\n".join(json.dumps(r) for r in RECORDS) + "\n"),
        ("t.ndjson", "\n".join(json.dumps(r) for r in RECORDS)),
        ("columns.json", FRAME.to_json()),
    ],
)
def test_json_flavours(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    check(read_dataset_dir(tmp_path / name))


def test_gzipped_json_lines_are_detected(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "t.json.gz", "wt") as f:
        f.write("\n".join(json.dumps(r) for r in RECORDS))
    check(read_dataset_dir(tmp_path / "t.json.gz"))


def test_feather_and_arrow_ipc_file_and_stream(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    FRAME.to_feather(tmp_path / "t.feather")
    table = pa.Table.from_pandas(FRAME, preserve_index=False)
    with pa.OSFile(str(tmp_path / "file.arrow"), "wb") as sink, ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    with pa.OSFile(str(tmp_path / "stream.arrow"), "wb") as sink, ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    for name in ("t.feather", "file.arrow", "stream.arrow"):
        check(read_dataset_dir(tmp_path / name))


def test_excel(tmp_path: Path) -> None:
    import openpyxl  # noqa: F401  (a test dependency this test needs)

    FRAME.to_excel(tmp_path / "t.xlsx", index=False)
    check(read_dataset_dir(tmp_path / "t.xlsx"))


def test_excel_without_openpyxl_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.xlsx").write_bytes(b"PK")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "openpyxl" else real(n, *a))
    with pytest.raises(InvalidArgument, match="pip install openpyxl"):
        read_dataset_dir(tmp_path / "t.xlsx")


def test_pickles_are_refused_unless_allowed(tmp_path: Path) -> None:
    FRAME.to_pickle(tmp_path / "t.pkl")
    with pytest.raises(InvalidArgument, match=r"runs arbitrary code.*allow_pickle=True"):
        read_dataset_dir(tmp_path / "t.pkl")
    check(read_dataset_dir(tmp_path / "t.pkl", allow_pickle=True))
    directory = tmp_path / "dir"
    directory.mkdir()
    FRAME.to_csv(directory / "a.csv", index=False)
    FRAME.to_pickle(directory / "b.pickle")
    with pytest.raises(InvalidArgument, match=r"b\.pickle is a pickle"):
        read_dataset_dir(directory)


def test_unknown_extension_lists_supported(tmp_path: Path) -> None:
    (tmp_path / "t.xyz").write_text("?")
    with pytest.raises(InvalidArgument, match=r"unknown file type; supported: .*\.csv.*\.parquet"):
        read_dataset_dir(tmp_path / "t.xyz")
    (tmp_path / "t.parquet.gz").write_bytes(b"")
    with pytest.raises(InvalidArgument, match="unknown file type"):
        read_dataset_dir(tmp_path / "t.parquet.gz")


def test_missing_path_and_corrupt_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        read_dataset_dir(tmp_path / "nope.csv")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidArgument, match=r"cannot read .*broken\.parquet as parquet"):
        read_dataset_dir(tmp_path / "broken.parquet")


def test_directory_with_one_schema_is_concatenated(tmp_path: Path) -> None:
    (tmp_path / "part-2").mkdir()
    FRAME.iloc[:2].to_csv(tmp_path / "part-1.csv", index=False)
    FRAME.iloc[2:].to_parquet(tmp_path / "part-2" / "rest.parquet", index=False)
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "x.csv").write_text("zzz\n1\n")
    with pytest.warns(UserWarning, match=r"skipped files that are not data: README\.md"):
        (tmp_path / "README.md").write_text("about")
        result = read_dataset_dir(tmp_path)
    check(result)


def test_directory_with_different_schemas_gives_a_dict(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    FRAME.to_csv(tmp_path / "train.csv", index=False)
    FRAME[["a"]].to_csv(tmp_path / "sub" / "ids.csv", index=False)
    result = read_dataset_dir(tmp_path)
    assert isinstance(result, dict)
    assert sorted(result) == ["sub/ids.csv", "train.csv"]
    check(result["train.csv"])
    assert list(result["sub/ids.csv"].columns) == ["a"]


def test_directory_without_data_files(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"")  # (a folder of text files is an unstructured dataset)
    with pytest.raises(InvalidArgument, match=r"no data files in .*found: weights\.bin.*supported"):
        read_dataset_dir(tmp_path)
