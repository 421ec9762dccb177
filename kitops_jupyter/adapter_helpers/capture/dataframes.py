"""DataFrames in a kernel namespace, written as dataset files with a summary of their shape.

pandas and polars are never imported here: a namespace can only hold a DataFrame of a library that
is already in ``sys.modules``, so lookups go through ``sys.modules`` and cost nothing otherwise.

Parquet bytes are deterministic for the same data and library versions: pyarrow records no
creation time, only ``created_by`` (the parquet-cpp version) and the pandas schema metadata
(pandas and pyarrow versions). The same DataFrame therefore packs to the same layer digest.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InvalidArgument
from . import atomic_target, file_stem, user_variables

__all__ = [
    "FORMATS",
    "DatasetFile",
    "describe_frame",
    "find_dataframes",
    "is_dataframe",
    "plan_dataframe",
    "write_dataframe",
]

FORMATS = ("parquet", "csv")
_MAX_LISTED_COLUMNS = 8


@dataclass
class DatasetFile:
    """One DataFrame written to disk, with what the Kitfile records about it."""

    path: Path
    rows: int
    columns: int
    dtypes: dict[str, str]
    description: str

    @property
    def parameters(self) -> dict[str, Any]:
        """The Kitfile dataset ``parameters``: ``{rows, columns, dtypes}``."""
        return {"rows": self.rows, "columns": self.columns, "dtypes": dict(self.dtypes)}


def is_dataframe(obj: object) -> bool:
    """True for a pandas DataFrame, or a polars DataFrame when polars is loaded."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(obj, pandas.DataFrame):
        return True
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(obj, polars.DataFrame)


def find_dataframes(namespace: Mapping[str, object]) -> dict[str, object]:
    """The user's DataFrames by variable name (sorted; aliases and IPython caches skipped)."""
    return {name: value for name, value in user_variables(namespace) if is_dataframe(value)}


def _is_polars(df: object) -> bool:
    return type(df).__module__.split(".")[0] == "polars"


def _shape_and_dtypes(df: Any) -> tuple[int, int, dict[str, str]]:
    dtypes = {str(name): str(dtype) for name, dtype in zip(df.columns, df.dtypes, strict=True)}
    return int(df.shape[0]), int(df.shape[1]), dtypes


def describe_frame(rows: int, columns: int, dtypes: Mapping[str, str]) -> str:
    """Row and column counts, then ``name dtype`` for at most eight columns (see the tests)."""
    listed = [f"{name} {dtype}" for name, dtype in list(dtypes.items())[:_MAX_LISTED_COLUMNS]]
    more = len(dtypes) - len(listed)
    if more > 0:
        listed.append(f"… (+{more:,} more)")
    head = (
        f"{rows:,} {'row' if rows == 1 else 'rows'} × {columns:,} {'column' if columns == 1 else 'columns'}"
    )
    return f"{head}: {', '.join(listed)}" if listed else head


def write_dataframe(df: Any, dest_dir: Path, name: str, fmt: str = "parquet") -> DatasetFile:
    """Write ``df`` to ``dest_dir/<name>.<fmt>`` atomically and describe it.

    ``fmt`` is ``"parquet"`` (via pyarrow; keeps dtypes and a non-default index) or ``"csv"``.
    Raises InvalidArgument for an unknown format, a non-DataFrame, or data the format cannot hold.
    """
    planned = plan_dataframe(df, dest_dir, name, fmt)
    with atomic_target(planned.path) as tmp:
        _write(df, tmp, fmt, name)
    return planned


def plan_dataframe(df: Any, dest_dir: Path, name: str, fmt: str = "parquet") -> DatasetFile:
    """What :func:`write_dataframe` would write and record, without writing anything (for previews)."""
    if fmt not in FORMATS:
        raise InvalidArgument(
            f"unknown dataset format {fmt!r} for {name!r}; choose one of {', '.join(FORMATS)}"
        )
    if not is_dataframe(df):
        raise InvalidArgument(
            f"{name!r} is a {type(df).__module__}.{type(df).__qualname__}, not a pandas or polars DataFrame"
        )
    final = Path(dest_dir) / f"{file_stem(name, 'dataset')}.{fmt}"
    rows, columns, dtypes = _shape_and_dtypes(df)
    return DatasetFile(final, rows, columns, dtypes, describe_frame(rows, columns, dtypes))


def _write(df: Any, path: Path, fmt: str, name: str) -> None:
    try:
        if _is_polars(df):
            _write_polars(df, path, fmt)
        else:
            _write_pandas(df, path, fmt)
    except _write_errors() as err:
        hint = "convert the offending columns (e.g. df.astype({'col': str})) or use fmt='csv'"
        if fmt == "csv":
            hint = "check the DataFrame's contents"
        raise InvalidArgument(f"cannot write DataFrame {name!r} as {fmt}: {err}; {hint}") from err


def _write_errors() -> tuple[type[BaseException], ...]:
    """Data errors from the writers: pyarrow's ArrowInvalid/ArrowTypeError/ArrowNotImplementedError
    subclass the builtins listed here; polars has its own base class."""
    errors: list[type[BaseException]] = [ValueError, TypeError, OverflowError, NotImplementedError]
    polars_exceptions = sys.modules.get("polars.exceptions")
    if polars_exceptions is not None:
        errors.append(polars_exceptions.PolarsError)
    return tuple(errors)


def _write_pandas(df: Any, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        bad = [c for c in df.columns if not isinstance(c, str)]
        if bad:
            raise ValueError(f"Parquet needs string column names, found {bad[:5]!r}")
        df.to_parquet(path, engine="pyarrow", index=None)
        return
    pandas = sys.modules["pandas"]
    default_index = isinstance(df.index, pandas.RangeIndex) and df.index.start == 0 and df.index.step == 1
    df.to_csv(path, index=not default_index)


def _write_polars(df: Any, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        df.write_parquet(path)
    else:
        df.write_csv(path)
