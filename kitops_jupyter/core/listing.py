"""Data and text for ``kit list``, ``kit inspect``, ``kit info`` and ``kit diff`` (docs/format.md §5.3, §5.4).

Everything here takes plain manifests and Kitfiles, so the registry side can format remote listings
with the same functions; only :func:`list_local` reads the local store. Text matches kit's output:
the table is laid out like Go's ``tabwriter`` (padding 3), JSON like ``json.MarshalIndent``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument, KitError, NotFound
from . import mediatypes
from .gojson import dumps
from .manifest import Descriptor, Manifest

if TYPE_CHECKING:
    from .kitfile import Kitfile
    from .store import LocalStore

__all__ = [
    "ListRow",
    "ManifestDiff",
    "ModelInfo",
    "diff_manifests",
    "format_diff",
    "format_list",
    "format_size",
    "go_indent",
    "info_filter",
    "info_yaml",
    "inspect_json",
    "list_json",
    "list_local",
    "list_table",
    "list_template",
    "local_rows",
    "model_info",
]

NONE = "<none>"
HEADER = ("REPOSITORY", "TAG", "MAINTAINER", "NAME", "SIZE", "DIGEST")
PADDING = 3
_UNITS = ("KiB", "MiB", "GiB", "TiB")
_RULE = "---------------------------------------"


@dataclass(frozen=True)
class ModelInfo:
    """One ModelKit as ``kit list`` reports it; ``size`` is already formatted."""

    repo: str
    digest: str
    tags: list[str]
    model_name: str
    size: str
    author: str
    problem: str = ""  # why this ModelKit cannot be read (a damaged or missing manifest or config)

    def rows(self) -> list[tuple[str, ...]]:
        """One table row per tag, or one ``<none>`` row when untagged."""
        return [
            (self.repo, tag, self.author, self.model_name, self.size, self.digest)
            for tag in self.tags or [NONE]
        ]

    def template_fields(self) -> dict[str, Any]:
        """The Go struct fields ``kit list --format '{{ .Repo }}'`` templates see, in kit's order."""
        return {
            "Repo": self.repo,
            "Digest": self.digest,
            "Tags": list(self.tags),  # a nil []string in Go: prints [], len 0, index out of range
            "ModelName": self.model_name,
            "Size": self.size,
            "Author": self.author,
        }

    def to_json_obj(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "digest": self.digest,
            "tags": self.tags or None,
            "modelName": self.model_name,
            "size": self.size,
            "author": self.author,
        }


def format_size(size: float) -> str:
    """kit's ``FormatBytes``: ``N B`` below 1 KiB, else one decimal rounded down (``1.9 KiB``).

    The one size formatter: listings, results, progress bars and rates (a float) all use it.
    """
    if size < 1024:
        return f"{int(size)} B"
    value = size / 1024
    for unit in _UNITS:
        if value < 1024:
            return f"{math.floor(value * 10) / 10:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"


def model_info(
    repo: str, digest: str, tags: list[str], manifest: Manifest | None, kitfile: Kitfile | None
) -> ModelInfo:
    """Build a row; ``repo`` is shown as given (local: display name, remote: repository only)."""
    size = sum(layer.size for layer in manifest.layers) if manifest is not None else 0
    authors = kitfile.package.authors if kitfile is not None else []
    name = kitfile.package.name if kitfile is not None else ""
    return ModelInfo(
        repo, digest, list(tags), name or NONE, format_size(size), authors[0] if authors else NONE
    )


BROKEN = "<damaged>"


def list_local(store: LocalStore) -> list[ModelInfo]:
    """Every stored ModelKit in ``kit list`` order; non-ModelKit manifests show ``<none>`` fields.

    A ModelKit whose manifest or config cannot be read (damaged, missing) is listed too, named
    ``<damaged>`` with the reason in ``problem``; it does not hide the others.
    """
    infos = []
    for entry in store.entries():
        digest = entry.descriptor.digest
        try:
            manifest = store.read_manifest(digest)
            kitfile = _kitfile_or_none(store, manifest)
        except KitError as exc:
            name = f"{entry.display_repo}{':' + entry.tags[0] if entry.tags else '@' + digest}"
            broken = model_info(entry.display_repo, digest, entry.tags, None, None)
            infos.append(replace(broken, model_name=BROKEN, problem=f"{name}: {exc}"))
            continue
        infos.append(model_info(entry.display_repo, digest, entry.tags, manifest, kitfile))
    return infos


def _kitfile_or_none(store: LocalStore, manifest: Manifest) -> Kitfile | None:
    """A manifest that carries no Kitfile (not a ModelKit) still gets a row, with ``<none>`` fields."""
    if manifest.kind is None:
        return None
    return store.read_kitfile(manifest)


ListRow = ModelInfo  # alias used by api.py
local_rows = list_local


def list_table(infos: list[ModelInfo]) -> str:
    """The ``kit list`` table (header included), each line ending in a newline."""
    rows = [HEADER, *(row for info in infos for row in info.rows())]
    widths = [max(len(row[col]) for row in rows) + PADDING for col in range(len(HEADER) - 1)]
    lines = ["".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + row[-1] for row in rows]
    return "".join(line + "\n" for line in lines)


def list_json(infos: list[ModelInfo]) -> str:
    """``kit list --format json``: an indented array (``[]`` when empty) and a newline."""
    return go_indent(dumps([info.to_json_obj() for info in infos]).decode("utf-8")) + "\n"


def list_template(infos: list[ModelInfo], template: str) -> str:
    """``kit list --format TEMPLATE``: the Go template once per ModelKit, each ending in a newline."""
    from .gotemplate import parse_template
    from .gotemplate_run import render

    parsed = parse_template(template, "list")
    end = "" if template.endswith("\n") else "\n"
    return "".join(render(parsed, info.template_fields(), "list.modelInfo") + end for info in infos)


def format_list(infos: list[ModelInfo], format: str = "table") -> str:
    """``kit list --format``: ``table`` (or empty), ``json``, or anything else as a Go template."""
    if format in ("", "table"):
        return list_table(infos)
    if format == "json":
        return list_json(infos)
    return list_template(infos, format)


def inspect_json(digest: str, manifest: Manifest, kitfile: Kitfile | None) -> str:
    """``kit inspect``: ``{"digest","cliVersion","kitfile","manifest"}`` indented, plus a newline."""
    from .kitfile import config_json

    parts = [b'{"digest":', dumps(digest), b',"cliVersion":', dumps(manifest.cli_version)]
    if kitfile is not None:
        parts += [b',"kitfile":', config_json(kitfile)]
    parts += [b',"manifest":', manifest.encode(), b"}"]
    return go_indent(b"".join(parts).decode("utf-8")) + "\n"


def info_yaml(kitfile: Kitfile) -> str:
    """``kit info``: the Kitfile as YAML, without layer digests."""
    from .kitfile import dump_kitfile

    return dump_kitfile(kitfile)


_SELECTOR = re.compile(r"^\.?[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$")


def info_filter(kitfile: Kitfile, selector: str) -> str:
    """``kit info --filter .model.path``: one node of the Kitfile as YAML (a field, a section, a list).

    Field names are the Kitfile's keys, matched without regard to case; list indexes are not supported,
    as in kit.
    """
    import dataclasses

    from .kitfile_codec import struct_to_fields
    from .yamlv3_emit import emit_document

    if "[" in selector:
        raise InvalidArgument(
            f"invalid filter {selector!r}: array access using '[]' is not currently supported"
        )
    if not _SELECTOR.match(selector):
        raise InvalidArgument(
            f"invalid filter {selector!r}: use dot-separated Kitfile keys such as .model.path"
        )
    value: Any = kitfile
    kind = "ptr"
    for part in selector.removeprefix(".").split("."):
        found = [
            f
            for f in (dataclasses.fields(value) if dataclasses.is_dataclass(value) else ())
            if "kind" in f.metadata and f.metadata.get("key", "").lower() == part.lower()
        ]
        if not found:
            raise NotFound(
                f"error filtering output: cannot find required node {part!r} of filter {selector!r}"
            )
        value, kind = getattr(value, found[0].name), found[0].metadata["kind"]
    if kind in ("struct", "ptr") and value is not None:
        value = struct_to_fields(value)
    elif kind == "list":
        value = [struct_to_fields(item) for item in value]
    return emit_document(value)


def go_indent(compact: str, indent: str = "  ") -> str:
    """Go's ``json.Indent`` of compact JSON: empty ``{}``/``[]`` stay closed, ``": "`` after keys."""
    out: list[str] = []
    depth, in_string, escaped, pending = 0, False, False, False
    for ch in compact:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if pending and ch not in "]}":
            pending, depth = False, depth + 1
            out.append("\n" + indent * depth)
        if ch in "]}" and not pending:
            depth -= 1
            out.append("\n" + indent * depth)
        pending = ch in "{["
        in_string = ch == '"'
        out.append({",": ",\n" + indent * depth, ":": ": "}.get(ch, ch))
    return "".join(out)


@dataclass(frozen=True)
class ManifestDiff:
    """What ``kit diff`` compares: config digest, annotations, and layer sets by digest."""

    identical: bool
    same_config: bool
    config_a: str
    config_b: str
    annotation_changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    shared: list[Descriptor] = field(default_factory=list)
    only_a: list[Descriptor] = field(default_factory=list)
    only_b: list[Descriptor] = field(default_factory=list)

    @property
    def annotations_match(self) -> bool:
        return not self.annotation_changes


def diff_manifests(a: Manifest, b: Manifest) -> ManifestDiff:
    """Compare two manifests; layer lists are sorted by media type (stable) like kit's."""
    notes_a, notes_b = a.annotations or {}, b.annotations or {}
    changes = {
        key: (notes_a.get(key), notes_b.get(key))
        for key in sorted(set(notes_a) | set(notes_b))
        if notes_a.get(key) != notes_b.get(key)
    }
    remaining = {layer.digest: layer for layer in a.layers}
    shared, only_b = [], []
    for layer in b.layers:
        if remaining.pop(layer.digest, None) is not None:
            shared.append(layer)
        else:
            only_b.append(layer)
    return ManifestDiff(
        identical=a.encode() == b.encode(),
        same_config=a.config.digest == b.config.digest,
        config_a=a.config.digest,
        config_b=b.config.digest,
        annotation_changes=changes,
        shared=_by_type(shared),
        only_a=_by_type(list(remaining.values())),
        only_b=_by_type(only_b),
    )


def format_diff(diff: ManifestDiff, name_a: str, name_b: str) -> str:
    """The text ``kit diff`` prints for ModelKit1 ``name_a`` and ModelKit2 ``name_b``."""
    if diff.identical:
        return "ModelKits are identical\n"
    lines = ["Comparing:", f"  ModelKit1: {name_a}", f"  ModelKit2: {name_b}", "", "Configurations:", _RULE]
    if diff.same_config:
        lines += [f"  Configs are identical (Digest: {diff.config_a[:17]})", ""]
    else:
        lines += ["Configs differ:", f"  ModelKit1 Config Digest: {diff.config_a[:17]}"]
        lines += [f"  ModelKit2 Config Digest: {diff.config_b[:17]}", ""]
    lines += ["Annotations:", _RULE]
    lines += [
        "  Annotations are identical " if diff.annotations_match else "  Annotations does not match",
        "",
    ]
    lines += _layer_block("Shared Layers", diff.shared)
    lines += _layer_block(f"Unique Layers to ModelKit1 ({name_a})", diff.only_a)
    lines += _layer_block(f"Unique Layers to ModelKit2 ({name_b})", diff.only_b)
    return "".join(line + "\n" for line in lines)


def _layer_block(title: str, layers: list[Descriptor]) -> list[str]:
    lines = [title, _RULE]
    if not layers:
        return [*lines, NONE, ""]
    lines.append("Type    | Digest             | Size")
    for layer in layers:
        row = f"{_layer_type(layer.media_type):<7} | {layer.digest[:17]:<18} | {format_size(layer.size)}"
        lines.append(row[:1].upper() + row[1:])
    return [*lines, ""]


def _layer_type(media_type: str) -> str:
    if media_type == mediatypes.MANIFEST:
        return "manifest"
    parsed = mediatypes.parse_layer_media_type(media_type)
    return parsed[0] if parsed else ""


def _by_type(layers: list[Descriptor]) -> list[Descriptor]:
    return sorted(layers, key=lambda layer: layer.media_type.encode())
