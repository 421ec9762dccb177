"""The Kitfile of a manifest: Kit format (the config), or CNCF ModelPack (docs/format.md §2.5).

A ModelPack that kit packed carries the Kitfile in its ``ml.kitops.modelkit.kitfile`` annotation; one
made by other tools gets a minimal Kitfile synthesised from the layers' ``org.cncf.model.filepath``
annotations, with the layer digests, so it unpacks and lists like any ModelKit.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from ..errors import NotAModelKit
from . import mediatypes
from .kitfile import Kitfile, parse_config_json
from .manifest import Manifest

__all__ = ["modelkit_kitfile"]


def modelkit_kitfile(manifest: Manifest, config: bytes, source: str) -> Kitfile:
    """The Kitfile of a Kit or ModelPack manifest (config, annotation, or synthesised)."""
    if manifest.kind == "kit":
        return parse_config_json(config, f"config of {source}")
    annotation = (manifest.annotations or {}).get(mediatypes.ANNOTATION_KITFILE)
    if annotation:
        return parse_config_json(annotation.encode("utf-8"), f"Kitfile annotation of {source}")
    return parse_config_json(
        json.dumps(_synthesised(manifest, config, source)).encode(), f"layers of {source}"
    )


def _synthesised(manifest: Manifest, config: bytes, source: str) -> dict[str, Any]:
    """A minimal Kitfile (as config JSON) from ModelPack layer annotations, with layer digests."""
    diff_ids = _modelpack_diff_ids(config, len(manifest.layers))
    doc: dict[str, Any] = {"manifestVersion": "1.0.0"}
    for layer, diff_id in zip(manifest.layers, diff_ids, strict=True):
        parsed = mediatypes.parse_layer_media_type(layer.media_type)
        path = (layer.annotations or {}).get(mediatypes.ANNOTATION_FILEPATH)
        if parsed is None or not path:
            raise NotAModelKit(
                f"{source}: ModelPack layer {layer.digest} has no {mediatypes.ANNOTATION_FILEPATH} annotation "
                "and the manifest carries no Kitfile; it cannot be mapped to files"
            )
        entry = {"path": path, "digest": layer.digest, "diffId": diff_id or layer.digest}
        _place(doc, parsed[0], entry)
    return doc


def _place(doc: dict[str, Any], base: str, entry: dict[str, Any]) -> None:
    if base == mediatypes.MODEL and "model" not in doc:
        doc["model"] = {"name": posixpath.basename(entry["path"]), **entry}
    elif base in (mediatypes.MODEL, mediatypes.MODELPART):
        doc.setdefault("model", {"path": ""}).setdefault("parts", []).append(entry)
    elif base == mediatypes.DATASET:
        doc.setdefault("datasets", []).append({"name": posixpath.basename(entry["path"]), **entry})
    else:
        doc.setdefault("docs" if base == mediatypes.DOCS else "code", []).append(entry)


def _modelpack_diff_ids(config: bytes, count: int) -> list[str]:
    try:
        ids = json.loads(config).get("modelfs", {}).get("diffIds") or []
    except (ValueError, AttributeError):
        ids = []
    ids = [str(i) for i in ids]
    return ids if len(ids) == count else [""] * count
