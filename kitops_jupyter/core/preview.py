"""The first rows of a dataset (or thumbnails of an image folder) through ``kit://``, as plain JSON
for the sidebar's details view: nothing is pulled, only the bytes the first rows need are read."""

from __future__ import annotations

import base64
import json
import posixpath
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from .datadiff import table_kind
from .datasetcache import pick_dataset
from .unstructured import IMAGE, THUMBNAIL_ROWS, is_hidden, is_media, thumbnail_png

if TYPE_CHECKING:
    from .kitfs.filesystem import KitFileSystem
    from .kitfs.layers import ModelKitFiles

MAX_ROWS = 100


def preview_dataset(
    fs: KitFileSystem, files: ModelKitFiles, name: str | None, rows: int = 10
) -> dict[str, Any]:
    """``{"dataset", "path", "kind": "table", "file", "columns", "rows"}`` or ``kind: "media"`` with
    ``"files": [{"path", "label", "size", "thumbnail"}]`` (a data: URL for images, else ``""``)."""
    if not 0 < rows <= MAX_ROWS:
        raise InvalidArgument(f"rows must be between 1 and {MAX_ROWS} (got {rows})")
    dataset = pick_dataset(files.kitfile, name, files.reference.display())
    base = f"{files.reference}/{posixpath.normpath(dataset.path)}"
    found = [(n, e) for n, e in sorted(fs.find(base, detail=True).items()) if not is_hidden(n[len(base) :])]
    head = {"dataset": dataset.name or dataset.path, "path": dataset.path}
    tables = [n for n, _ in found if table_kind(n)]
    if tables:
        return {**head, **_table(fs, tables[0], len(str(files.reference)) + 1, rows)}
    media = [(n, e) for n, e in found if is_media(n)][: min(rows, THUMBNAIL_ROWS)]
    if not media:
        raise InvalidArgument(
            f"dataset {head['dataset']!r} of {files.reference.display()} has no tables or media files to preview"
        )
    return {**head, "kind": "media", "files": [_media_entry(fs, base, n, e) for n, e in media]}


def _table(fs: KitFileSystem, path: str, cut: int, rows: int) -> dict[str, Any]:
    import pandas as pd

    kind = table_kind(path)
    with fs.open(path, "rb") as f:
        if kind == "parquet":
            import pyarrow.parquet as pq

            batch = next(pq.ParquetFile(f).iter_batches(batch_size=rows), None)
            frame = batch.to_pandas() if batch is not None else pd.DataFrame()
        elif kind in ("csv", "tsv"):
            frame = pd.read_csv(f, nrows=rows, sep="\t" if kind == "tsv" else ",")
        elif kind == "jsonl":
            frame = pd.read_json(f, lines=True, nrows=rows)
        else:
            frame = pd.read_feather(f).head(rows)
    records = json.loads(frame.head(rows).to_json(orient="split", index=False, date_format="iso"))
    return {"kind": "table", "file": path[cut:], "columns": records["columns"], "rows": records["data"]}


def _media_entry(fs: KitFileSystem, base: str, name: str, entry: dict[str, Any]) -> dict[str, Any]:
    rel = name[len(base) :].lstrip("/") or posixpath.basename(name)
    parts = rel.split("/")
    thumbnail = ""
    if posixpath.splitext(name)[1].lower() in IMAGE:
        data, mime = thumbnail_png(fs.cat_file(name), posixpath.splitext(name)[1].lower())
        if mime is not None:
            thumbnail = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return {
        "path": rel,
        "label": parts[-2] if len(parts) > 1 else "",
        "size": entry["size"],
        "thumbnail": thumbnail,
    }
