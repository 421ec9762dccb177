"""``pack --use-model-pack``: a CNCF model-spec ModelKit as the newest kit writes it (docs/format.md §2.5).

The layers are the same tar blobs a Kit-format pack makes, under ModelPack media types (model ->
``weight``, model parts -> ``weight.config``, datasets -> ``dataset``, code and prompts -> ``code``,
docs -> ``doc``). The config is a model-spec ``Model`` (descriptor, modelfs with the diffIds in
layer order, config), and because it is not a Kitfile the Kitfile JSON (with digests) goes into the
``ml.kitops.modelkit.kitfile`` manifest annotation, which is how kit and we read it back.
"""

from __future__ import annotations

from typing import Any

from ..errors import PackError
from . import mediatypes
from .gojson import dumps
from .kitfile import Kitfile
from .manifest import Descriptor, Manifest, build_manifest

_BASES = {
    mediatypes.MODEL: "weight",
    mediatypes.MODELPART: "weight.config",
    mediatypes.DATASET: "dataset",
    mediatypes.CODE: "code",
    mediatypes.DOCS: "doc",
}


def check_kitfile(kitfile: Kitfile) -> None:
    """Refuse, before any layer is written, what a ModelPack cannot hold (as kit does)."""
    if kitfile.mcp_servers:
        raise PackError(
            "--use-model-pack cannot hold mcpServers (the model-spec has no MCP server layer); remove "
            "them from the Kitfile or pack without --use-model-pack"
        )


def modelpack_layer_type(kit_media_type: str) -> str:
    """The ModelPack media type of a Kit layer media type; MCP servers have none (refused like kit)."""
    parsed = mediatypes.parse_layer_media_type(kit_media_type)
    if parsed is None or parsed[0] not in _BASES:
        base = parsed[0] if parsed else kit_media_type
        raise PackError(
            f"--use-model-pack cannot hold {base!r} layers (the model-spec has no such type); "
            "remove mcpServers from the Kitfile or pack without --use-model-pack"
        )
    base, fmt, compression = parsed
    if fmt == "raw" and compression:
        raise PackError("--use-model-pack refuses compressed raw layers; use --compression none")
    return f"application/vnd.cncf.model.{_BASES[base]}.v1.{fmt}" + (f"+{compression}" if compression else "")


def _licenses(kitfile: Kitfile) -> list[str]:
    found = {kitfile.package.license}
    if kitfile.model is not None:
        found.add(kitfile.model.license)
        found.update(part.license for part in kitfile.model.parts)
    found.update(dataset.license for dataset in kitfile.datasets)
    found.update(code.license for code in kitfile.code)
    return sorted(found - {""})


def modelpack_config(kitfile: Kitfile, diff_ids: list[str], created_at: str) -> bytes:
    """The model-spec config JSON (Go key order, empty fields left out as ``omitempty`` does)."""
    package = kitfile.package
    descriptor: dict[str, Any] = {
        "createdAt": created_at,
        "authors": list(package.authors),
        "name": package.name,
        "version": package.version,
        "licenses": _licenses(kitfile),
        "title": package.name,
        "description": package.description,
    }
    model_format = kitfile.model.format if kitfile.model is not None else ""
    doc = {
        "descriptor": {key: value for key, value in descriptor.items() if value},
        "modelfs": {"type": "layers", "diffIds": diff_ids},
        "config": {"format": model_format} if model_format else {},
    }
    return dumps(doc)


def modelpack_manifest(
    config: Descriptor, layers: list[Descriptor], kitfile_json: bytes, cli_version: str, created: str
) -> Manifest:
    """The ModelPack manifest: ModelPack artifact type and layer types, the Kitfile annotation."""
    mapped = [
        Descriptor(modelpack_layer_type(layer.media_type), layer.digest, layer.size, layer.annotations)
        for layer in layers
    ]
    manifest = build_manifest(
        config, mapped, cli_version, created, artifact_type=mediatypes.MODELPACK_ARTIFACT
    )
    annotations = {
        **(manifest.annotations or {}),
        mediatypes.ANNOTATION_KITFILE: kitfile_json.decode("utf-8"),
    }
    return Manifest(
        config=manifest.config,
        layers=manifest.layers,
        annotations=annotations,
        media_type=manifest.media_type,
        artifact_type=manifest.artifact_type,
    )
