"""One layer of an unpack plan: what the planner (:mod:`.unpack`) hands the extractor (:mod:`.extract`).

In a module of its own so that planning and extraction both use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnpackError
from . import mediatypes
from .manifest import Descriptor

__all__ = ["PlannedLayer", "layer_media"]


@dataclass(frozen=True)
class PlannedLayer:
    """A layer to extract: its descriptor, the Kitfile entry it belongs to and what to verify."""

    descriptor: Descriptor
    kind: str
    name: str
    path: str
    diff_id: str = ""  # sha256 of the uncompressed tar; checked for compressed layers when known
    subdir: str = ""  # pre-v0.5 layers without layer info: entries are relative to this directory

    @property
    def format(self) -> str:
        return layer_media(self.descriptor)[1]

    @property
    def compression(self) -> str:
        return layer_media(self.descriptor)[2]

    @property
    def label(self) -> str:
        """How errors name the layer: kind, media type and short digest."""
        return f"{self.kind} layer {self.descriptor.media_type} {self.descriptor.digest[:19]}"

    @property
    def message(self) -> str:
        """kit's progress line, e.g. ``Unpacking dataset train to data/train.csv``."""
        named = f" {self.name}" if self.name else ""
        return f"Unpacking {self.kind}{named} to {self.path}"


def layer_media(desc: Descriptor) -> tuple[str, str, str]:
    """``(kind, format, compression)`` of a layer's media type; an unknown one cannot be unpacked."""
    parsed = mediatypes.parse_layer_media_type(desc.media_type)
    if parsed is None:
        raise UnpackError(f"layer {desc.digest[:19]} has an unknown media type {desc.media_type!r}")
    return parsed
