"""Read YAML into a node tree with raw scalars, then decode nodes the way yaml.v3 does.

PyYAML's composer gives nodes with line marks; our resolver leaves every untagged scalar's tag empty
so the raw text survives (``version: 1.10`` stays ``"1.10"``). The helpers here apply yaml.v3's
decoding rules that hold for any target: duplicate keys are errors, ``<<`` merges, aliases may not
contain themselves, and ``interface{}`` values are typed by :func:`~.yamlv3.resolve_scalar`.
Errors are :class:`KitfileError` naming the file, line and field path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from kitops_jupyter.core.yamlv3 import MERGE, STR, YamlTypeError, implicit_tag, resolve_scalar, short_tag
from kitops_jupyter.errors import KitfileError

__all__ = ["Decoder", "compose_document", "describe", "line_of"]

# yaml.v3 refuses "excessive aliasing"; this bounds alias expansion likewise. A Kitfile is at most
# 1 MiB (kitfile.MAX_KITFILE_BYTES), fewer than half a million nodes, so only aliases get past it.
_MAX_NODES = 1_000_000


class _RawResolver(BaseResolver):
    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            return ""
        return self.DEFAULT_SEQUENCE_TAG if kind is SequenceNode else self.DEFAULT_MAPPING_TAG


class _RawLoader(Reader, Scanner, Parser, Composer, _RawResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _RawResolver.__init__(self)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, NodeEvent) and not isinstance(event, AliasEvent) and event.anchor is not None:
            self.anchors.pop(event.anchor, None)  # yaml.v3 lets a later anchor of the same name win
        node: Node | None = super().compose_node(parent, index)
        assert node is not None
        return node


def compose_document(text: str, source: str) -> Node | None:
    """The first YAML document of ``text`` as a node tree, or ``None`` when there is none."""
    loader: _RawLoader | None = None
    try:
        loader = _RawLoader(text)
        if not loader.check_node():
            return None
        node: Node | None = loader.get_node()
        return node
    except ReaderError as err:
        bad_line = text.count("\n", 0, err.position) + 1
        what = (
            f"character U+{err.character:04X} is not allowed in YAML"
            if isinstance(err.character, int)
            else err.reason
        )
        raise KitfileError(f"invalid YAML: {what}; remove it", source=source, line=bad_line) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        if err.context_mark is not None and mark is not None and mark.index >= len(text):
            mark = err.context_mark  # "found end of stream": point at what was left open instead
        line = int(mark.line) + 1 if mark else None
        what = " ".join(part for part in (err.context, err.problem) if part)
        raise KitfileError(f"invalid YAML: {what}; fix the syntax there", source=source, line=line) from None
    finally:
        if loader is not None:
            loader.dispose()


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def describe(node: Node) -> str:
    """How a node reads to a user: ``a mapping``, ``a list``, ``the scalar `abc```."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = str(node.value)
    return f"the value `{value[:40]}{'...' if len(value) > 40 else ''}`"


def is_null(node: Node) -> bool:
    """A plain scalar that yaml.v3 decodes as nil (``~``, ``null``, empty) or an explicit ``!!null``."""
    if not isinstance(node, ScalarNode):
        return False
    tag = short_tag(node.tag)
    if tag == "!!null":
        return True
    return not tag and node.style is None and implicit_tag(node.value) == "!!null"


def scalar_short_tag(node: ScalarNode) -> str:
    """yaml.v3's ``Node.ShortTag()`` for a scalar."""
    tag = short_tag(node.tag)
    if tag == STR or (not tag and node.style is not None):
        return STR
    return tag or implicit_tag(node.value)


def _is_merge_key(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode)
        and node.value == "<<"
        and node.style is None
        and short_tag(node.tag) in ("", MERGE)
    )


@dataclass
class Decoder:
    """Decoding state for one document: where errors point, alias bookkeeping, field lines seen."""

    source: str
    lines: dict[str, int] = field(default_factory=dict)
    _active: set[int] = field(default_factory=set)
    _count: int = 0

    def fail(self, message: str, node: Node | None, path: str) -> KitfileError:
        line = line_of(node) if node is not None else None
        return KitfileError(message, source=self.source, line=line, field=path or None)

    def mapping_pairs(self, node: MappingNode, path: str) -> list[tuple[Node, Node]]:
        """Key/value pairs after the duplicate check, with ``<<`` merges applied (own keys win)."""
        self._check_duplicates(node, path)
        pairs: list[tuple[Node, Node]] = []
        merges: list[Node] = []
        for key, value in node.value:
            if _is_merge_key(key):
                merges.append(value)
            else:
                pairs.append((key, value))
        seen = {key.value for key, _ in pairs if isinstance(key, ScalarNode)}
        for source in self._merge_sources(merges, path):
            for key, value in self.mapping_pairs(source, path):
                if isinstance(key, ScalarNode) and key.value in seen:
                    continue
                pairs.append((key, value))
                if isinstance(key, ScalarNode):
                    seen.add(key.value)
        return pairs

    def _merge_sources(self, merges: list[Node], path: str) -> list[MappingNode]:
        sources: list[MappingNode] = []
        for merge in merges:
            items = merge.value if isinstance(merge, SequenceNode) else [merge]
            for item in items:
                if not isinstance(item, MappingNode):
                    raise self.fail(
                        "a `<<` merge needs a mapping or a list of mappings as its value", item, path
                    )
                sources.append(item)
        return sources

    def _check_duplicates(self, node: MappingNode, path: str) -> None:
        first: dict[str, Node] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode):
                continue
            if key.value in first:
                where = f"{path}." if path else ""
                raise self.fail(
                    f"{where}{key.value} is defined twice (first at line {line_of(first[key.value])}); keep only one",
                    key,
                    f"{where}{key.value}",
                )
            first[key.value] = key

    def enter(self, node: Node, path: str) -> None:
        """Guard against self-containing anchors and alias bombs before decoding ``node``."""
        if id(node) in self._active:
            raise self.fail(
                "an anchor's value contains an alias to itself; YAML cannot hold that here", node, path
            )
        self._count += 1
        if self._count > _MAX_NODES:
            raise self.fail(
                f"the document expands to more than {_MAX_NODES} values through its aliases (*name); "
                "write the repeated parts out or simplify it",
                node,
                path,
            )

    def scalar_any(self, node: ScalarNode, path: str) -> Any:
        try:
            return resolve_scalar(node.tag, node.value, node.style)
        except YamlTypeError as err:
            raise self.fail(f"{path}: {err}; remove the tag or fix the value", node, path) from None

    def any(self, node: Node, path: str) -> Any:
        """Decode ``node`` into a Python value as yaml.v3 decodes into ``interface{}``."""
        self.enter(node, path)
        if isinstance(node, ScalarNode):
            return self.scalar_any(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.any(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self._any_mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _any_mapping(self, node: MappingNode, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.mapping_pairs(node, path):
            if not isinstance(key, ScalarNode) or scalar_short_tag(key) != STR:
                shown = key.value if isinstance(key, ScalarNode) else describe(key)
                raise self.fail(
                    f"{path}: key {shown} is not a string, and the config JSON can only hold string keys; "
                    f'quote it ("{shown}")',
                    key,
                    path,
                )
            out[key.value] = self.any(value, f"{path}.{key.value}")
        return out
