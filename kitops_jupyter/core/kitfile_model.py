"""The Kitfile's data model: dataclasses in kit's declaration order (docs/format.md §1.1).

Plain data with no behaviour, so that parsing (:mod:`.kitfile`), validation (:mod:`.kitfile_validate`)
and the codec (:mod:`.kitfile_codec`) can all use it without importing each other. Empty string means
"absent" for string fields; ``parameters is None`` means absent; ``layer`` holds ``digest``/``diffId``
and only ever appears in JSON. Each field's ``metadata`` is its spec for the codec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

__all__ = [
    "CodeEntry",
    "Dataset",
    "DocEntry",
    "Kitfile",
    "LayerEntry",
    "LayerInfo",
    "McpServer",
    "Model",
    "ModelPart",
    "Package",
    "Prompt",
]


def _m(key: str, kind: str = "str", cls: type | None = None, *, always: bool = False) -> dict[str, Any]:
    """Field spec read by :mod:`.kitfile_codec`: JSON/YAML key, kind, nested class, no ``omitempty``."""
    return {"key": key, "kind": kind, "cls": cls, "always": always}


@dataclass
class LayerInfo:
    """``digest`` (of the stored blob) and ``diffId`` (of the uncompressed tar) of an entry's layer."""

    digest: str = ""
    diff_id: str = ""


_LAYER = {"kind": "layer", "cls": LayerInfo}


@dataclass
class Package:
    name: str = field(default="", metadata=_m("name"))
    version: str = field(default="", metadata=_m("version"))
    description: str = field(default="", metadata=_m("description"))
    license: str = field(default="", metadata=_m("license"))
    authors: list[str] = field(default_factory=list, metadata=_m("authors", "strs"))


@dataclass
class ModelPart:
    name: str = field(default="", metadata=_m("name"))
    path: str = field(default="", metadata=_m("path"))
    license: str = field(default="", metadata=_m("license"))
    type: str = field(default="", metadata=_m("type"))
    layer: LayerInfo | None = field(default=None, metadata=_LAYER)


@dataclass
class Model:
    name: str = field(default="", metadata=_m("name"))
    path: str = field(default="", metadata=_m("path"))
    license: str = field(default="", metadata=_m("license"))
    framework: str = field(default="", metadata=_m("framework"))
    format: str = field(default="", metadata=_m("format"))
    version: str = field(default="", metadata=_m("version"))
    description: str = field(default="", metadata=_m("description"))
    parts: list[ModelPart] = field(default_factory=list, metadata=_m("parts", "list", ModelPart))
    parameters: Any = field(default=None, metadata=_m("parameters", "any"))
    layer: LayerInfo | None = field(default=None, metadata=_LAYER)


@dataclass
class CodeEntry:
    path: str = field(default="", metadata=_m("path"))
    description: str = field(default="", metadata=_m("description"))
    license: str = field(default="", metadata=_m("license"))
    layer: LayerInfo | None = field(default=None, metadata=_LAYER)


@dataclass
class Dataset:
    name: str = field(default="", metadata=_m("name"))
    path: str = field(default="", metadata=_m("path"))
    remote_path: str = field(default="", metadata=_m("remotePath"))
    remote_hash: str = field(default="", metadata=_m("remoteHash"))
    description: str = field(default="", metadata=_m("description"))
    license: str = field(default="", metadata=_m("license"))
    parameters: Any = field(default=None, metadata=_m("parameters", "any"))
    layer: LayerInfo | None = field(default=None, metadata=_LAYER)


@dataclass
class DocEntry:
    path: str = field(default="", metadata=_m("path", always=True))
    description: str = field(default="", metadata=_m("description"))
    layer: LayerInfo | None = field(default=None, metadata=_LAYER)


@dataclass
class Prompt:
    name: str = field(default="", metadata=_m("name"))
    path: str = field(default="", metadata=_m("path"))
    description: str = field(default="", metadata=_m("description"))
    layer: LayerInfo | None = field(default=None, metadata=_LAYER)


@dataclass
class McpServer:
    name: str = field(default="", metadata=_m("name"))
    path: str = field(default="", metadata=_m("path"))
    description: str = field(default="", metadata=_m("description"))
    layer: LayerInfo | None = field(default=None, metadata=_LAYER)


@dataclass
class Kitfile:
    manifest_version: str = field(default="", metadata=_m("manifestVersion", always=True))
    package: Package = field(default_factory=Package, metadata=_m("package", "struct", Package))
    model: Model | None = field(default=None, metadata=_m("model", "ptr", Model))
    code: list[CodeEntry] = field(default_factory=list, metadata=_m("code", "list", CodeEntry))
    datasets: list[Dataset] = field(default_factory=list, metadata=_m("datasets", "list", Dataset))
    docs: list[DocEntry] = field(default_factory=list, metadata=_m("docs", "list", DocEntry))
    prompts: list[Prompt] = field(default_factory=list, metadata=_m("prompts", "list", Prompt))
    mcp_servers: list[McpServer] = field(default_factory=list, metadata=_m("mcpServers", "list", McpServer))
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


# Every Kitfile entry that can become a layer: each has ``path`` and ``layer``.
LayerEntry: TypeAlias = "Model | ModelPart | CodeEntry | Dataset | DocEntry | Prompt | McpServer"
