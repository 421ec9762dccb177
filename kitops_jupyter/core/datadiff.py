"""Data-aware diff of two ModelKits: for each tabular file of each dataset, schema, rows and per-column
summaries, beside the layer diff (``api.diff(a, b, data=True)``, ``%kit diff A B --data``).

Files are read through ``kit://`` (:mod:`.kitfs`), so remote ModelKits are not pulled: a Parquet
file's row count, schema, nulls and min/max come from its footer (ranged reads); its means and
unique counts only when the file is at most :data:`FULL_READ_LIMIT` bytes. CSV, TSV, JSON Lines
and Feather files are read whole. Datasets whose layer is the same on both sides are not read.
"""

from __future__ import annotations

import html
import math
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .listing import ManifestDiff

if TYPE_CHECKING:
    import pandas as pd

    from .kitfs.filesystem import KitFileSystem
    from .kitfs.layers import ModelKitFiles

FULL_READ_LIMIT = 32 << 20
TABULAR = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".feather": "feather",
    ".arrow": "feather",
}
SUMMARY_FIELDS = ("dtype", "nulls", "min", "max", "unique", "mean")


@dataclass(frozen=True)
class ColumnSummary:
    dtype: str
    nulls: int | None = None
    min: Any = None
    max: Any = None
    unique: int | None = None
    mean: float | None = None


@dataclass(frozen=True)
class TableSummary:
    rows: int
    columns: dict[str, ColumnSummary]


@dataclass(frozen=True)
class ColumnChange:
    column: str
    field: str  # one of SUMMARY_FIELDS
    before: Any
    after: Any


@dataclass(frozen=True)
class TableDiff:
    """One tabular file of a dataset; ``status`` is added, removed, changed, unchanged or same layer."""

    dataset: str
    path: str
    status: str
    rows_before: int | None = None
    rows_after: int | None = None
    added_columns: list[str] = field(default_factory=list)
    removed_columns: list[str] = field(default_factory=list)
    changes: list[ColumnChange] = field(default_factory=list)

    @property
    def retyped(self) -> list[ColumnChange]:
        return [c for c in self.changes if c.field == "dtype"]


@dataclass
class DataDiff:
    """The layer diff plus one :class:`TableDiff` per tabular file; renders as an HTML table."""

    first: str
    second: str
    layers: ManifestDiff
    tables: list[TableDiff]

    def to_frame(self) -> pd.DataFrame:
        """One row per column change (schema changes and summary changes), for filtering in pandas."""
        import pandas as pd

        rows: list[tuple[Any, ...]] = []
        for t in self.tables:
            rows.append((t.dataset, t.path, t.status, "", "rows", t.rows_before, t.rows_after))
            rows += [(t.dataset, t.path, t.status, c, "column", None, "added") for c in t.added_columns]
            rows += [(t.dataset, t.path, t.status, c, "column", "removed", None) for c in t.removed_columns]
            rows += [(t.dataset, t.path, t.status, c.column, c.field, c.before, c.after) for c in t.changes]
        return pd.DataFrame(rows, columns=["dataset", "path", "status", "column", "field", "before", "after"])

    def __str__(self) -> str:
        lines = [f"Data diff {self.first} -> {self.second}"]
        for t in self.tables:
            lines.append(
                f"{t.dataset}: {t.path} [{t.status}] rows {_fmt(t.rows_before)} -> {_fmt(t.rows_after)}"
            )
            lines += [f"  + column {c}" for c in t.added_columns]
            lines += [f"  - column {c}" for c in t.removed_columns]
            lines += [f"  ~ {c.column}.{c.field}: {_fmt(c.before)} -> {_fmt(c.after)}" for c in t.changes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return render_html(self)


# -- summaries ---------------------------------------------------------------------------------------


def table_kind(path: str) -> str | None:
    return TABULAR.get(posixpath.splitext(path)[1].lower())


def summarize(fs: KitFileSystem, path: str) -> TableSummary:
    """Summary of one tabular file inside a ModelKit (``path`` without the protocol)."""
    kind = table_kind(path)
    if kind == "parquet":
        return _parquet_summary(fs, path)
    import pandas as pd

    readers: dict[str, Callable[[Any], pd.DataFrame]] = {
        "csv": pd.read_csv,
        "tsv": lambda f: pd.read_csv(f, sep="\t"),
        "jsonl": lambda f: pd.read_json(f, lines=True),
        "feather": pd.read_feather,
    }
    with fs.open(path, "rb") as f:
        frame = readers[str(kind)](f)
    return frame_summary(frame)


def frame_summary(frame: pd.DataFrame) -> TableSummary:
    import pandas as pd

    columns = {}
    for name in frame.columns:
        series = frame[name]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        valid = series.dropna()
        columns[str(name)] = ColumnSummary(
            dtype=str(series.dtype),
            nulls=int(series.isna().sum()),
            min=_plain(valid.min()) if numeric and len(valid) else None,
            max=_plain(valid.max()) if numeric and len(valid) else None,
            unique=None if numeric else int(series.nunique()),
            mean=float(valid.mean()) if numeric and len(valid) else None,
        )
    return TableSummary(len(frame), columns)


def _parquet_summary(fs: KitFileSystem, path: str) -> TableSummary:
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as f:
        meta = pq.ParquetFile(f).metadata
        schema = meta.schema.to_arrow_schema()
        full = frame_summary(pq.read_table(f).to_pandas()) if fs.size(path) <= FULL_READ_LIMIT else None
    columns = {}
    for i, arrow_field in enumerate(schema):
        nulls, low, high = _footer_stats(meta, i)
        from_data = full.columns.get(arrow_field.name) if full else None
        columns[arrow_field.name] = ColumnSummary(
            dtype=str(arrow_field.type),
            nulls=nulls,
            min=low if low is not None or from_data is None else from_data.min,
            max=high if high is not None or from_data is None else from_data.max,
            unique=from_data.unique if from_data else None,
            mean=from_data.mean if from_data else None,
        )
    return TableSummary(meta.num_rows, columns)


def _footer_stats(meta: Any, column: int) -> tuple[int | None, Any, Any]:
    """Null count, min and max of a column over all row groups, from the footer (None if absent)."""
    nulls, low, high = 0, None, None
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(column).statistics
        if stats is None or not stats.has_null_count:
            return None, None, None
        nulls += stats.null_count
        if not stats.has_min_max:
            continue
        value_low, value_high = _plain(stats.min), _plain(stats.max)
        low = value_low if low is None else min(low, value_low)
        high = value_high if high is None else max(high, value_high)
    return nulls, low, high


def _plain(value: Any) -> Any:
    """numpy / bytes scalars as plain Python values (comparable, JSON-friendly)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    item = getattr(value, "item", None)
    return item() if callable(item) else value


# -- comparing ---------------------------------------------------------------------------------------


def compare_tables(dataset: str, path: str, before: TableSummary, after: TableSummary) -> TableDiff:
    old, new = before.columns, after.columns
    changes = [
        ColumnChange(name, key, getattr(old[name], key), getattr(new[name], key))
        for name in old
        if name in new
        for key in SUMMARY_FIELDS
        if not _same(getattr(old[name], key), getattr(new[name], key))
    ]
    added = [c for c in new if c not in old]
    removed = [c for c in old if c not in new]
    changed = bool(changes or added or removed or before.rows != after.rows)
    status = "changed" if changed else "unchanged"
    return TableDiff(dataset, path, status, before.rows, after.rows, added, removed, changes)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def diff_data(
    fs: KitFileSystem,
    first: ModelKitFiles,
    second: ModelKitFiles,
    layers: ManifestDiff,
    names: tuple[str, str],
) -> DataDiff:
    """Compare the tabular files of the datasets of two ModelKits (matched by dataset name or path)."""
    sides = [_tabular_files(fs, first), _tabular_files(fs, second)]
    tables = []
    for dataset in _union(list(sides[0]), list(sides[1])):
        (layer_a, files_a), (layer_b, files_b) = (
            sides[0].get(dataset, ("", {})),
            sides[1].get(dataset, ("", {})),
        )
        for path in _union(list(files_a), list(files_b)):
            if path not in files_b:
                tables.append(_one_side(fs, dataset, path, files_a[path], "removed"))
            elif path not in files_a:
                tables.append(_one_side(fs, dataset, path, files_b[path], "added"))
            elif layer_a == layer_b:
                tables.append(TableDiff(dataset, path, "same layer"))
            else:
                tables.append(
                    compare_tables(dataset, path, summarize(fs, files_a[path]), summarize(fs, files_b[path]))
                )
    return DataDiff(names[0], names[1], layers, tables)


def _one_side(fs: KitFileSystem, dataset: str, path: str, where: str, status: str) -> TableDiff:
    rows = summarize(fs, where).rows
    return TableDiff(
        dataset, path, status, rows if status == "removed" else None, rows if status == "added" else None
    )


def _tabular_files(fs: KitFileSystem, files: ModelKitFiles) -> dict[str, tuple[str, dict[str, str]]]:
    """dataset key -> (layer digest, {path in ModelKit: fs path}) for every tabular file."""
    root = str(files.reference)
    layer_of = {
        layer.planned.path: layer.planned.descriptor.digest
        for layer in files.layers
        if layer.planned.kind == "dataset"
    }
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for dataset in files.kitfile.datasets:
        if dataset.remote_path or dataset.path not in layer_of:
            continue
        base = f"{root}/{posixpath.normpath(dataset.path)}"
        paths = sorted(p for p in fs.find(base) if table_kind(p))
        key = dataset.name or dataset.path
        found[key] = (layer_of[dataset.path], {p[len(root) + 1 :]: p for p in paths})
    return found


def _union(a: list[str], b: list[str]) -> list[str]:
    return a + [x for x in b if x not in a]


# -- rendering ---------------------------------------------------------------------------------------

_STYLE = {
    "added": "background:#e6ffec",
    "removed": "background:#ffebe9",
    "changed": "background:#fff8c5",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def render_html(diff: DataDiff) -> str:
    e = html.escape
    head = "".join(f"<th>{h}</th>" for h in ("dataset", "file", "status", "rows", "schema", "column changes"))
    body = []
    for t in diff.tables:
        rows = (
            _fmt(t.rows_before)
            if t.rows_before == t.rows_after
            else f"{_fmt(t.rows_before)} → {_fmt(t.rows_after)}"
        )
        row_style = (
            ' style="background:#fff8c5"' if t.rows_before != t.rows_after and t.status == "changed" else ""
        )
        schema = [f'<span style="{_STYLE["added"]}">+{e(c)}</span>' for c in t.added_columns]
        schema += [f'<span style="{_STYLE["removed"]}">−{e(c)}</span>' for c in t.removed_columns]
        schema += [f"{e(c.column)}: {e(_fmt(c.before))} → {e(_fmt(c.after))}" for c in t.retyped]
        details = "<br>".join(
            f"<code>{e(c.column)}</code> {c.field}: {e(_fmt(c.before))} → <b>{e(_fmt(c.after))}</b>"
            for c in t.changes
            if c.field != "dtype"
        )
        status_style = _STYLE.get(t.status, "")
        body.append(
            f'<tr><td>{e(t.dataset)}</td><td><code>{e(t.path)}</code></td><td style="{status_style}">{t.status}</td>'
            f"<td{row_style}>{rows}</td><td>{'<br>'.join(schema)}</td><td>{details}</td></tr>"
        )
    title = f"<div>Data diff <code>{e(diff.first)}</code> → <code>{e(diff.second)}</code></div>"
    if not diff.tables:
        return title + "<div>No tabular datasets on either side.</div>"
    return f'{title}<table class="kitops-data-diff"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
