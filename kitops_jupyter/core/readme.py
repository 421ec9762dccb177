"""The README (model card) of a stored ModelKit, read from its layer without unpacking anything.

A README is a docs (or code) entry whose path is ``README*`` / ``MODEL_CARD*`` / ``MODEL-CARD*``, or a
file with such a name at the top of a docs/code layer. Only that one tar member is read, at most
``limit`` bytes (the sidebar shows a card, not a book); nothing is written to disk.
"""

from __future__ import annotations

import gzip
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, BinaryIO, cast

import zstandard

from .mediatypes import ANNOTATION_FILEPATH, parse_layer_media_type
from .tarread import TarReader

if TYPE_CHECKING:
    from .manifest import Manifest
    from .store import LocalStore

LIMIT = 64 * 1024
_NAMES = ("readme", "model_card", "model-card", "modelcard")
_KINDS = ("docs", "code")


def is_readme(path: str) -> bool:
    return PurePosixPath(path).name.lower().split(".")[0] in _NAMES


def read_readme(store: LocalStore, manifest: Manifest, limit: int = LIMIT) -> str:
    """The first README found in the ModelKit's docs/code layers as text, or ``""``."""
    for layer in manifest.layers:
        parsed = parse_layer_media_type(layer.media_type)
        if parsed is None or parsed[0] not in _KINDS or parsed[1] != "tar":
            continue
        path = (layer.annotations or {}).get(ANNOTATION_FILEPATH, "")
        with store.open_blob(layer.digest) as blob, _decompressed(blob, parsed[2]) as stream:
            for member in TarReader(stream, f"layer {layer.digest}"):
                if member.is_dir:
                    continue
                top_level = "/" not in member.name.strip("/")
                if is_readme(member.name) and (top_level or member.name == path):
                    return member.read(limit).decode("utf-8", errors="replace")
    return ""


def _decompressed(blob: BinaryIO, compression: str) -> BinaryIO:
    if not compression:
        return blob
    if compression == "gzip":
        return cast(BinaryIO, gzip.GzipFile(fileobj=blob, mode="rb"))
    return cast(BinaryIO, zstandard.ZstdDecompressor().stream_reader(blob, read_across_frames=True))
