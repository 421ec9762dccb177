"""``kit://``: read files inside ModelKits without unpacking (or, for uncompressed layers, downloading) them.

Modules: :mod:`.url` (URL grammar), :mod:`.sources` (local / HTTP Range byte sources),
:mod:`.tarindex` (member index from tar headers, cached per layer digest), :mod:`.layers` (a
ModelKit's layers as one tree), :mod:`.filesystem` (the fsspec filesystem).
"""

from __future__ import annotations

from .url import PROTOCOL, KitPath, parse_kit_path

__all__ = ["PROTOCOL", "KitPath", "parse_kit_path"]
