"""A cheap fingerprint of the local store's listing, so a UI can notice changes made by any process.

kit and kitops-jupyter both record every change to the store's listing (pack, pull, tag, remove) by
rewriting one of the index files in ``storage/``: ``index.json`` and the per-repository
``*-index.json`` / ``*-tags.json``. Their names, sizes and modification times (nanoseconds) change
whenever the listing does, so hashing those few ``stat`` results is enough; no file is read.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def store_fingerprint(storage: Path) -> str:
    """A short hex string that changes whenever an index file under ``storage`` is written."""
    digest = hashlib.sha256()
    try:
        entries = sorted(os.scandir(storage), key=lambda entry: entry.name)
    except FileNotFoundError:
        return "empty"
    for entry in entries:
        if not entry.name.endswith(".json") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            stat = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # replaced between scandir and stat: the next poll sees the new one
            continue
        digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
