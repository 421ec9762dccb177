"""One display row per layer of a ModelKit: kind, path, size, digest (what every front end shows).

The kind comes from the Kitfile entry the layer belongs to when the Kitfile is known (so a prompt
shows as ``prompt`` although its media type says ``code``), else from the layer's media type; the
path from the layer's ``filepath`` annotation, else from the Kitfile entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import mediatypes
from .kitfile import Kitfile, Prompt, layer_entries
from .manifest import Descriptor, Manifest

__all__ = ["LayerRow", "layer_row", "layer_rows"]

UNKNOWN_KIND = "other"


@dataclass(frozen=True)
class LayerRow:
    """A layer as shown in tables: ``type`` is kit's kind name (``model``, ``dataset``, ``prompt``…)."""

    type: str
    path: str
    size: int
    digest: str
    media_type: str = ""


def _kitfile_kinds(kitfile: Kitfile | None) -> dict[str, tuple[str, str]]:
    """Layer digest -> (kind, Kitfile path) for every entry that records its layer."""
    known: dict[str, tuple[str, str]] = {}
    for base, entry in layer_entries(kitfile) if kitfile is not None else []:
        layer = getattr(entry, "layer", None)
        if layer is not None and layer.digest:
            known[layer.digest] = (
                "prompt" if isinstance(entry, Prompt) else base,
                getattr(entry, "path", ""),
            )
    return known


def layer_row(layer: Descriptor, known: dict[str, tuple[str, str]] | None = None) -> LayerRow:
    """The row for one layer; ``known`` maps digests to Kitfile kinds and paths (see layer_rows)."""
    notes = layer.annotations or {}
    parsed = mediatypes.parse_layer_media_type(layer.media_type)
    kind, path = (known or {}).get(layer.digest, (parsed[0] if parsed else UNKNOWN_KIND, ""))
    if notes.get(mediatypes.ANNOTATION_SUBTYPE) == "prompt":
        kind = "prompt"
    path = notes.get(mediatypes.ANNOTATION_FILEPATH, path)
    return LayerRow(kind, path, layer.size, layer.digest, layer.media_type)


def layer_rows(manifest: Manifest, kitfile: Kitfile | None = None) -> list[LayerRow]:
    """One row per layer of ``manifest``, in manifest order."""
    known = _kitfile_kinds(kitfile)
    return [layer_row(layer, known) for layer in manifest.layers]
