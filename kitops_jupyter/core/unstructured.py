"""Unstructured datasets: a folder of images, audio, video or text files as a DataFrame.

Columns: ``path`` (relative to the dataset folder), ``label`` (the parent folder's name, as
image-folder layouts use; ``""`` at the top level), ``size`` (bytes), ``suffix`` and ``data`` — a
:class:`LazyBytes` per file that reads nothing until asked (``row.data.read()``). In a notebook the
HTML repr of the first rows shows thumbnails of images. Works on an unpacked folder and over
``kit://`` (files are then read with ranged requests only when asked).
"""

from __future__ import annotations

import base64
import html
import io
import posixpath
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

IMAGE = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}
AUDIO = {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".opus"}
VIDEO = {".mp4", ".mov", ".avi", ".mkv", ".webm"}
TEXT = {".txt", ".md", ".text"}
MEDIA = IMAGE | AUDIO | VIDEO | TEXT
THUMBNAIL_ROWS = 20
THUMBNAIL_PX = 64
_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".webp": "image/webp",
}


class LazyBytes:
    """The bytes of one file, read only when :meth:`read` is called (not cached: files may be big)."""

    def __init__(self, path: str, size: int, reader: Callable[[str], bytes]) -> None:
        self.path, self.size, self._reader = path, size, reader

    def read(self) -> bytes:
        return self._reader(self.path)

    def __bytes__(self) -> bytes:
        return self.read()

    def __repr__(self) -> str:
        return f"<{self.size} bytes, not read>"


def is_hidden(rel: str) -> bool:
    """Hidden (``.``) or ``_``-prefixed components (``.ipynb_checkpoints``, ``_SUCCESS``) are skipped."""
    return any(p.startswith((".", "_")) for p in rel.split("/"))


def is_media(name: str) -> bool:
    return posixpath.splitext(name)[1].lower() in MEDIA


def media_frame(files: Iterable[tuple[str, int]], reader: Callable[[str], bytes]) -> MediaFrame:
    """A frame of ``(relative path, size)`` entries whose bytes ``reader(relative path)`` returns.

    Hidden (``.``) and ``_``-prefixed entries are skipped, as for tabular datasets.
    """
    rows = []
    for path, size in sorted(files):
        parts = path.split("/")
        if is_hidden(path) or not is_media(path):
            continue
        label = parts[-2] if len(parts) > 1 else ""
        rows.append((path, label, size, posixpath.splitext(path)[1].lower(), LazyBytes(path, size, reader)))
    return MediaFrame(rows, columns=["path", "label", "size", "suffix", "data"])


class MediaFrame(pd.DataFrame):  # type: ignore[misc]
    """A DataFrame whose HTML repr shows image thumbnails in the ``data`` column."""

    @property
    def _constructor(self) -> type[MediaFrame]:
        return MediaFrame

    def _repr_html_(self) -> str | None:
        if "data" not in self.columns:
            return super()._repr_html_()  # type: ignore[no-any-return]
        head = self.head(THUMBNAIL_ROWS)
        table: str = pd.DataFrame(head).to_html(
            formatters={"data": _thumbnail}, escape=False, index=False, classes="kitops-media"
        )
        more = f"<div>{len(self)} files, first {len(head)} shown</div>" if len(self) > len(head) else ""
        return table + more


def _thumbnail(value: Any) -> str:
    if not isinstance(value, LazyBytes):
        return html.escape(str(value))
    suffix = posixpath.splitext(value.path)[1].lower()
    if suffix not in IMAGE:
        return html.escape(repr(value))
    data, mime = thumbnail_png(value.read(), suffix)
    if mime is None:
        return html.escape(repr(value))
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:{mime};base64,{encoded}" style="max-height:{THUMBNAIL_PX}px;max-width:{THUMBNAIL_PX}px" alt="{html.escape(value.path)}">'


def thumbnail_png(data: bytes, suffix: str) -> tuple[bytes, str | None]:
    """A PNG thumbnail when Pillow is there; else the image itself if a browser shows it and it is small."""
    try:
        from PIL import Image  # type: ignore[import-not-found]
    except ImportError:
        small = len(data) <= 256 << 10
        return data, _MIME.get(suffix) if small else None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue(), "image/png"
    except (OSError, ValueError):
        return data, None
