"""Read a dataset (a file, or a directory of files) into pandas DataFrames.

Supported: CSV, TSV, Parquet, JSON (an array of records, an object, or JSON Lines detected from the
content), JSON Lines (``.jsonl``/``.ndjson``), Feather/Arrow IPC, Excel ``.xlsx`` (needs openpyxl),
each optionally compressed (``.gz``, ``.bz2``, ``.xz``, ``.zst``, ``.zip``) where pandas can
decompress it. Pickles are refused unless asked for, since loading one runs code.

A directory is read file by file in sorted order, skipping hidden and ``_``-prefixed entries (such as
``.ipynb_checkpoints`` or Spark's ``_SUCCESS``) and files of other types (a README). When every file
has the same columns and dtypes the frames are concatenated; otherwise a dict keyed by the relative
path is returned.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import json
import lzma
import posixpath
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import InvalidArgument, NotFound

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SUPPORTED_EXTENSIONS", "read_dataset_dir", "read_dataset_file", "read_dataset_url"]

_COMPRESSION = (".gz", ".bz2", ".xz", ".zst", ".zip")
_PICKLE = (".pkl", ".pickle")
_KINDS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".feather": "arrow",
    ".arrow": "arrow",
    ".ipc": "arrow",
    ".xlsx": "excel",
    ".xlsm": "excel",
}
_COMPRESSIBLE = {"csv", "tsv", "json", "jsonl"}
SUPPORTED_EXTENSIONS = tuple(sorted(_KINDS))


def _kind(path: Path) -> tuple[str, str] | None:
    """``(kind, compression suffix)`` from the file name, or None for an unknown type."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = suffixes.pop() if len(suffixes) > 1 and suffixes[-1] in _COMPRESSION else ""
    if not suffixes:
        return None
    if suffixes[-1] in _PICKLE:
        return "pickle", compression
    kind = _KINDS.get(suffixes[-1])
    if kind is None or (compression and kind not in _COMPRESSIBLE):
        return None
    return kind, compression


def read_dataset_file(path: Path, allow_pickle: bool = False) -> pd.DataFrame:
    """Read one data file into a DataFrame (see the module doc for the formats)."""
    path = Path(path)
    found = _kind(path)
    if found is None:
        raise InvalidArgument(
            f"cannot read {path}: unknown file type; supported: {', '.join(SUPPORTED_EXTENSIONS)} "
            f"(optionally compressed for CSV/TSV/JSON), and .pkl with allow_pickle=True"
        )
    kind = found[0]
    if kind == "pickle" and not allow_pickle:
        raise InvalidArgument(
            f"{path} is a pickle; loading a pickle runs arbitrary code, so it is refused. "
            "If you trust its source, pass allow_pickle=True"
        )
    try:
        return _READERS[kind](path)
    except (ValueError, TypeError, OSError, UnicodeDecodeError) as err:
        if isinstance(err, FileNotFoundError):
            raise NotFound(f"dataset file {path} does not exist") from err
        raise InvalidArgument(f"cannot read {path} as {kind}: {err}") from err


def _pandas() -> Any:
    import pandas

    return pandas


def _read_csv(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = _pandas().read_csv(path)
    return frame


def _read_tsv(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = _pandas().read_csv(path, sep="\t")
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = _pandas().read_parquet(path, engine="pyarrow")
    return frame


def _read_jsonl(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = _pandas().read_json(path, lines=True)
    return frame


def _read_json(path: Path) -> pd.DataFrame:
    if _looks_like_json_lines(path):
        return _read_jsonl(path)
    frame: pd.DataFrame = _pandas().read_json(path)
    return frame


_TEXT_OPENERS: dict[str, Callable[..., IO[str]]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _looks_like_json_lines(path: Path) -> bool:
    """True when the file starts with a complete JSON object on its own line and more follows."""
    suffix = path.suffix.lower()
    if suffix in _COMPRESSION and suffix not in _TEXT_OPENERS:
        return False  # .zst/.zip: pandas decompresses; name JSON Lines files .jsonl.zst
    opener = _TEXT_OPENERS.get(suffix, open)
    with opener(path, "rt", encoding="utf-8-sig") as f:
        head = f.read(1)
        while head.isspace():
            head = f.read(1)
        if head != "{":
            return False  # an array (or anything else) is plain JSON
        first = "{" + f.readline()
        rest = f.readline()
        while rest and not rest.strip():
            rest = f.readline()
    if not rest.strip():
        return False
    try:
        json.loads(first)
    except ValueError:
        return False
    return True


def _read_arrow(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        with ipc.open_file(path) as reader:  # Feather v2 / Arrow IPC file format
            table = reader.read_all()
    except pa.ArrowInvalid:
        with pa.memory_map(str(path)) as source, ipc.open_stream(source) as stream:  # IPC stream format
            table = stream.read_all()
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _read_excel(path: Path) -> pd.DataFrame:
    if importlib.util.find_spec("openpyxl") is None:
        raise InvalidArgument(f"reading {path} needs openpyxl; install it with: pip install openpyxl")
    frame: pd.DataFrame = _pandas().read_excel(path, engine="openpyxl")  # first sheet
    return frame


def _read_pickle(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = _pandas().read_pickle(path)
    return frame


_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "csv": _read_csv,
    "tsv": _read_tsv,
    "parquet": _read_parquet,
    "json": _read_json,
    "jsonl": _read_jsonl,
    "arrow": _read_arrow,
    "excel": _read_excel,
    "pickle": _read_pickle,
}


def _data_files(root: Path) -> tuple[list[Path], list[str]]:
    """Readable files under ``root`` (sorted) and the relative paths of skipped other files."""
    files: list[Path] = []
    skipped: list[str] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts) or not path.is_file():
            continue
        if _kind(path) is None:
            skipped.append(rel.as_posix())
        else:
            files.append(path)
    return files, skipped


def _schema(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return [(str(name), str(dtype)) for name, dtype in frame.dtypes.items()]


def read_dataset_dir(path: Path, allow_pickle: bool = False) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read a dataset file, or a directory of them, into a DataFrame (or a dict when schemas differ).

    A directory of images, audio, video or text files (and no tables) gives a media frame
    (:mod:`kitops_jupyter.core.unstructured`): one row per file, bytes read only when asked.
    """
    path = Path(path)
    if not path.exists():
        raise NotFound(f"dataset path {path} does not exist")
    if path.is_file():
        return read_dataset_file(path, allow_pickle)
    files, skipped = _data_files(path)
    from .unstructured import is_media, media_frame  # imports pandas: only when needed

    if not files and any(is_media(name) for name in skipped):
        sizes = [(name, (path / name).stat().st_size) for name in skipped]
        return media_frame(sizes, lambda name: (path / name).read_bytes())
    if not files:
        raise InvalidArgument(
            f"no data files in {path} (found: {', '.join(skipped[:10]) or 'nothing'}); "
            f"supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    if skipped:
        warnings.warn(f"{path}: skipped files that are not data: {', '.join(skipped[:10])}", stacklevel=2)
    return _combine({f.relative_to(path).as_posix(): read_dataset_file(f, allow_pickle) for f in files})


def _combine(frames: dict[str, pd.DataFrame]) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """One frame, the concatenation when every schema is the same, else the dict by relative path."""
    if len(frames) == 1:
        return next(iter(frames.values()))
    schemas = {tuple(_schema(frame)) for frame in frames.values()}
    if len(schemas) > 1:
        return frames
    combined: pd.DataFrame = _pandas().concat(list(frames.values()), ignore_index=True)
    return combined


_URL_READERS = {
    "csv": "read_csv",
    "tsv": "read_csv",
    "parquet": "read_parquet",
    "jsonl": "read_json",
    "arrow": "read_feather",
}


def read_dataset_url(fs: Any, url: str) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read a dataset file or folder through an fsspec filesystem (``kit://``) without unpacking it.

    Tables (CSV/TSV, Parquet, JSON Lines, Feather) are read by pandas through the URL; a folder of
    media files gives a media frame whose bytes are fetched only when asked.
    """
    from .unstructured import is_hidden, is_media, media_frame

    info = fs.info(url)
    root = info["name"]
    found = {info["name"]: info} if info["type"] == "file" else fs.find(url, detail=True)
    files = {
        name[len(root) :].lstrip("/") or posixpath.basename(name): entry for name, entry in found.items()
    }
    visible = {rel: e for rel, e in files.items() if not is_hidden(rel)}
    tables = {rel: e for rel, e in visible.items() if (_kind(Path(rel)) or ("", ""))[0] in _URL_READERS}
    if not tables and any(is_media(rel) for rel in visible):
        return media_frame(
            [(rel, e["size"]) for rel, e in visible.items()], lambda rel: fs.cat_file(files[rel]["name"])
        )
    if not tables:
        raise InvalidArgument(
            f"no data files at {url} that can be read without unpacking; supported: CSV, TSV, Parquet, "
            "JSON Lines, Feather, and folders of images/audio/video/text"
        )
    return _combine({rel: _read_url(fs, e["name"], rel) for rel, e in sorted(tables.items())})


def _read_url(fs: Any, name: str, rel: str) -> pd.DataFrame:
    kind = (_kind(Path(rel)) or ("", ""))[0]
    options: dict[str, Any] = {"sep": "\t"} if kind == "tsv" else {"lines": True} if kind == "jsonl" else {}
    with fs.open(name, "rb") as handle:
        frame: pd.DataFrame = getattr(_pandas(), _URL_READERS[kind])(handle, **options)
    return frame
