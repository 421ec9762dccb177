"""A throw-away pack context: the kernel capture plus links to the picked working-directory entries.

Packing from a separate directory keeps the Kitfile paths short (``data/train.parquet``, ``train.py``)
and leaves the user's folder untouched. Files are hard-linked where the filesystem allows (no copy
of large weights), else copied; notebooks are copied with their outputs stripped, so results and
tokens printed in cells never reach the ModelKit; inside picked directories, the names kit-safe
packaging leaves out (``.git``, ``.env``, caches, credentials) are skipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..adapter_helpers.capture.notebook import strip_notebook
from ..api import excluded_reason
from ..errors import InvalidArgument

__all__ = ["stage_files", "staging_dir"]

PREFIX = ".kitops-panel-"


@contextlib.contextmanager
def staging_dir(directory: Path) -> Iterator[Path]:
    """A fresh hidden directory inside ``directory`` (same filesystem, so links work), removed after.

    Falls back to the system temp directory when ``directory`` is not writable.
    """
    try:
        path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=directory))
    except OSError:
        path = Path(tempfile.mkdtemp(prefix=PREFIX))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def stage_files(directory: Path, staging: Path, files: list[str]) -> list[Path]:
    """Place each picked entry of ``directory`` at the same relative path under ``staging``."""
    placed = []
    for rel in files:
        source = Path(directory) / rel
        target = staging / rel
        if not source.exists():
            raise InvalidArgument(f"{rel!r} is no longer in {directory}; press Refresh and pick again")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, copy_function=_place_file, ignore=_skipped, symlinks=True)
        else:
            _place_file(source, target)
        placed.append(target)
    return placed


def _skipped(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if excluded_reason(n, os.path.isdir(os.path.join(folder, n))) is not None}


def _place_file(source: str | Path, target: str | Path) -> None:
    if str(source).lower().endswith(".ipynb"):
        strip_notebook(Path(source), Path(target))
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
