"""Raw layers: one file's bytes as the layer blob, as the newest kit stores ``mcpServers`` (``.mcpb``).

The media type is ``application/vnd.kitops.modelkit.mcpb.v1.raw`` (always uncompressed), so the
digest and the diffId are the same. Besides ``org.cncf.model.filepath`` the layer carries
``org.cncf.model.file.metadata+json`` (name, mode, uid/gid 0, size, mtime, typeflag ``'0'``), which
unpack uses to restore the file's mode (docs/format.md §2.3, §3.4).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from ..errors import PackError
from . import mediatypes
from .digest import CHUNK
from .ignore import kit_clean
from .manifest import Descriptor
from .progress import ByteProgress
from .store import LocalStore

MCPB = "mcpb"


def raw_media_type(base: str) -> str:
    return f"application/vnd.kitops.modelkit.{base}.v1.raw"


def _source(context: Path, raw_path: str, field: str) -> tuple[Path, str, os.stat_result]:
    cleaned = kit_clean(raw_path)
    if cleaned.startswith("../") or cleaned == ".." or Path(cleaned).is_absolute():
        raise PackError(f"{field}: {raw_path!r} is outside the context directory; give a path inside it")
    path = context / cleaned
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise PackError(f"{field}: {raw_path} does not exist in {context}") from None
    if not stat.S_ISREG(info.st_mode):
        raise PackError(f"{field}: {raw_path} must be a regular file (not a directory or a link)")
    return path, cleaned, info


def _metadata(name: str, info: os.stat_result) -> str:
    mtime = datetime.fromtimestamp(info.st_mtime_ns // 1_000_000_000, timezone.utc)
    nanos = info.st_mtime_ns % 1_000_000_000
    stamp = mtime.strftime("%Y-%m-%dT%H:%M:%S") + (f".{nanos:09d}".rstrip("0") if nanos else "") + "Z"
    doc = {
        "name": name,
        "mode": stat.S_IMODE(info.st_mode),
        "uid": 0,
        "gid": 0,
        "size": info.st_size,
        "mtime": stamp,
        "typeflag": 48,
    }
    return json.dumps(doc, separators=(",", ":"))


def write_raw_layer(
    context: Path,
    raw_path: str,
    base: str,
    store: LocalStore,
    counter: ByteProgress,
    field: str,
    pin: Callable[[list[str]], None] | None = None,
) -> Descriptor:
    """Copy one file of ``context`` into the store as a raw layer, hashing it on the way (streamed).

    ``pin`` (a :class:`~.store.BlobPins` ``add``) pins the blob before it enters the store."""
    path, cleaned, info = _source(context, raw_path, field)
    digest = hashlib.sha256()
    tmp = store.ingest_dir() / f"raw-{os.getpid()}-{id(digest)}"
    size = 0
    try:
        with path.open("rb") as source, tmp.open("xb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
                counter.add(len(chunk))
        if size != info.st_size:
            raise PackError(f"{field}: {raw_path} changed while it was packed; pack again")
        blob_digest = "sha256:" + digest.hexdigest()
        if pin is not None:
            pin([blob_digest])
        store.add_blob_file(tmp, blob_digest, verified=True)
    finally:
        tmp.unlink(missing_ok=True)
    annotations = {
        mediatypes.ANNOTATION_FILEPATH: cleaned,
        mediatypes.ANNOTATION_FILE_METADATA: _metadata(cleaned, info),
    }
    return Descriptor(raw_media_type(base), blob_digest, size, annotations)
