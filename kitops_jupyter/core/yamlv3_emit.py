"""YAML text exactly as Go's yaml.v3 ``Encoder`` (``SetIndent(2)``) writes it (docs/format.md §4.3).

kit re-serialises the Kitfile on unpack, so our output must match byte for byte. Rules reproduced:
block style with sequences indented under their key, no line wrapping, struct fields in declaration
order (:class:`Fields`), map keys in yaml.v3's natural order, strings quoted when they would read back
as another type (``"1.10"``, ``"true"``, ``""``), multi-line strings as literal blocks (``|``, ``|-``,
``|+``), and the emitter's own choice between plain, single- and double-quoted text. Floats print
as Go's ``strconv.FormatFloat(f, 'g', -1, 64)`` (``1e+06``).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from kitops_jupyter.core.yamlv3 import STR, Timestamp, format_float, implicit_tag

__all__ = ["Fields", "emit_document"]

_INDENT = 2
_BREAKS = "\r\n\x85\u2028\u2029"
# YAML 1.1 booleans, quoted on output for older parsers
_OLD_BOOLS = {
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "on",
    "On",
    "ON",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "off",
    "Off",
    "OFF",
}
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_ESCAPES = {
    "\0": "0",
    "\a": "a",
    "\b": "b",
    "\t": "t",
    "\n": "n",
    "\v": "v",
    "\f": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\xa0": "_",
    "\u2028": "L",
    "\u2029": "P",
}
PLAIN, SINGLE, DOUBLE, LITERAL = "plain", "single", "double", "literal"


@dataclass
class Fields:
    """A Go struct to emit: ``(key, value, flow)`` in declaration order (``flow`` = ``yaml:",flow"``)."""

    items: list[tuple[str, Any, bool]]


def emit_document(root: Fields | Any) -> str:
    """One YAML document for ``root`` (a struct, list, scalar or ``None``), as
    ``yaml.NewEncoder(w).SetIndent(2).Encode`` writes it."""
    emitter = _Emitter()
    emitter.node(root, seq_item=False)
    emitter.write_indent()
    return "".join(emitter.out)


def _printable(char: str) -> bool:
    code = ord(char)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


@dataclass
class _Analysis:
    multiline: bool = False
    flow_plain: bool = True
    block_plain: bool = True
    single: bool = True
    block: bool = True


def _indicators(value: str) -> tuple[bool, bool]:
    """(flow_indicators, block_indicators) of a non-empty scalar."""
    flow = block = value.startswith(("---", "..."))
    preceded = True
    for i, char in enumerate(value):
        followed = i + 1 >= len(value) or value[i + 1] in " \t"
        if i == 0 and char in "#,[]{}&*!|>'\"%@`":
            flow = block = True
        elif (i == 0 and char in "?:") or (i > 0 and char == ":"):
            flow, block = True, block or followed
        elif i == 0 and char == "-" and followed:
            flow = block = True
        elif i > 0 and char in ",?[]{}":
            flow = True
        elif i > 0 and char == "#" and preceded:
            flow = block = True
        preceded = char in " \t\0" or char in _BREAKS
    return flow, block


def _analyze(value: str) -> _Analysis:
    if not value:
        return _Analysis(flow_plain=False, block=False)
    flow_ind, block_ind = _indicators(value)
    tabs = "\t" in value
    special = any(not _printable(c) and c != "\t" for c in value)
    breaks = any(c in _BREAKS for c in value)
    space_break = any(a == " " and b in _BREAKS for a, b in itertools.pairwise(value))
    break_space = any(a in _BREAKS and b == " " for a, b in itertools.pairwise(value))
    edge = value[0] in " " + _BREAKS or value[-1] in " " + _BREAKS
    no_plain = edge or break_space or space_break or tabs or special or breaks
    return _Analysis(
        multiline=breaks,
        flow_plain=not (no_plain or flow_ind),
        block_plain=not (no_plain or block_ind),
        single=not (break_space or space_break or tabs or special),
        block=not (value[-1] == " " or space_break or special),
    )


def _string_style(value: str) -> str:
    """The style yaml.v3's ``stringv`` asks for; the emitter may still override it."""
    if "\n" in value:
        return LITERAL
    plain = implicit_tag(value) == STR and not _BASE60.fullmatch(value) and value not in _OLD_BOOLS
    return PLAIN if plain else DOUBLE


def _scalar(value: Any) -> tuple[str, str]:
    if value is None:
        return "null", PLAIN
    if value is True or value is False:
        return ("true" if value else "false"), PLAIN
    if isinstance(value, int):
        return str(value), PLAIN
    if isinstance(value, float):
        return format_float(value), PLAIN
    if isinstance(value, Timestamp):
        return value.text, PLAIN
    if isinstance(value, str):
        return value, _string_style(value)
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


def _key_less(a: str, b: str) -> bool:
    """yaml.v3 ``keyList.Less`` for two string keys: letters before digits, numbers by value."""
    digits = False
    for i, (ca, cb) in enumerate(zip(a, b, strict=False)):
        if ca == cb:
            digits = unicodedata.category(ca) == "Nd"
            continue
        la, lb = unicodedata.category(ca).startswith("L"), unicodedata.category(cb).startswith("L")
        if la and lb:
            return ca < cb
        if la or lb:
            return la if digits else lb
        return _number_less(a, b, i, ca < cb)
    return len(a) < len(b)


def _number_less(a: str, b: str, i: int, fallback: bool) -> bool:
    an = bn = 0
    if a[i] == "0" or b[i] == "0":
        j = i - 1
        while j >= 0 and unicodedata.category(a[j]) == "Nd":
            if a[j] != "0":
                an = bn = 1
                break
            j -= 1
    ai, an = _read_number(a, i, an)
    bi, bn = _read_number(b, i, bn)
    if an != bn:
        return an < bn
    if ai != bi:
        return ai < bi
    return fallback


def _read_number(text: str, i: int, value: int) -> tuple[int, int]:
    while i < len(text) and unicodedata.category(text[i]) == "Nd":
        value = value * 10 + ord(text[i]) - 48
        i += 1
    return i, value


def _sorted_keys(mapping: dict[str, Any]) -> list[str]:
    def compare(a: str, b: str) -> int:
        return -1 if _key_less(a, b) else (1 if _key_less(b, a) else 0)

    return sorted(mapping, key=functools.cmp_to_key(compare))


class _Emitter:
    """The subset of libyaml's emitter state yaml.v3 exercises for comment-free, tag-free documents."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.indents: list[int] = []
        self.whitespace = True
        self.indention = True
        self.flow_level = 0

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self, char: str = "\n") -> None:
        self.out.append(char)
        self.column = 0
        self.indention = True

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = True

    def indicator(self, text: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    def push_indent(self, flow: bool, seq_item: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = _INDENT if flow else 0
        elif seq_item:
            self.indent += 2
        else:
            self.indent = _INDENT * ((self.indent + _INDENT) // _INDENT)

    def pop_indent(self) -> None:
        self.indent = self.indents.pop()

    def node(self, value: Any, *, seq_item: bool, simple_key: bool = False, flow: bool = False) -> None:
        if isinstance(value, (Fields, dict)):
            items = (
                value.items
                if isinstance(value, Fields)
                else [(k, value[k], False) for k in _sorted_keys(value)]
            )
            if self.flow_level or flow or not items:
                self.flow_mapping(items, seq_item)
            else:
                self.block_mapping(items, seq_item)
        elif isinstance(value, (list, tuple)):
            if self.flow_level or flow or not value:
                self.flow_sequence(list(value), seq_item)
            else:
                self.block_sequence(list(value), seq_item)
        else:
            self.scalar(*_scalar(value), seq_item=seq_item, simple_key=simple_key)

    def block_mapping(self, items: list[tuple[str, Any, bool]], seq_item: bool) -> None:
        self.push_indent(flow=False, seq_item=seq_item)
        for key, value, flow in items:
            self.write_indent()
            if self._simple_key(key):
                self.node(key, seq_item=False, simple_key=True)
                self.indicator(":", False, False, False)
            else:
                self.indicator("?", True, False, True)
                self.node(key, seq_item=False)
                self.write_indent()
                self.indicator(":", True, False, True)
            self.node(value, seq_item=False, flow=flow)
        self.pop_indent()

    def flow_mapping(self, items: list[tuple[str, Any, bool]], seq_item: bool) -> None:
        self.indicator("{", True, True, False)
        self.push_indent(flow=True, seq_item=seq_item)
        self.flow_level += 1
        for i, (key, value, _) in enumerate(items):
            if i:
                self.indicator(",", False, False, False)
            if self._simple_key(key):
                self.node(key, seq_item=False, simple_key=True)
                self.indicator(":", False, False, False)
            else:
                self.indicator("?", True, False, False)
                self.node(key, seq_item=False)
                self.indicator(":", True, False, False)
            self.node(value, seq_item=False)
        self.flow_level -= 1
        self.pop_indent()
        self.indicator("}", False, False, False)

    def block_sequence(self, items: list[Any], seq_item: bool) -> None:
        self.push_indent(flow=False, seq_item=seq_item)
        for item in items:
            self.write_indent()
            self.indicator("-", True, False, True)
            self.node(item, seq_item=True)
        self.pop_indent()

    def flow_sequence(self, items: list[Any], seq_item: bool) -> None:
        self.indicator("[", True, True, False)
        self.push_indent(flow=True, seq_item=seq_item)
        self.flow_level += 1
        for i, item in enumerate(items):
            if i:
                self.indicator(",", False, False, False)
            self.node(item, seq_item=False)
        self.flow_level -= 1
        self.pop_indent()
        self.indicator("]", False, False, False)

    @staticmethod
    def _simple_key(key: str) -> bool:
        return len(key.encode("utf-8")) <= 128 and not any(c in _BREAKS for c in key)

    def scalar(self, text: str, style: str, *, seq_item: bool, simple_key: bool) -> None:
        style = self._select_style(text, style, simple_key)
        self.push_indent(flow=True, seq_item=seq_item)
        writer = {PLAIN: self.write_plain, SINGLE: self.write_single, DOUBLE: self.write_double}.get(style)
        (writer or self.write_literal)(text)
        self.pop_indent()

    def _select_style(self, text: str, style: str, simple_key: bool) -> str:
        info = _analyze(text)
        if simple_key and info.multiline:
            style = DOUBLE
        if style == PLAIN:
            if not (info.flow_plain if self.flow_level else info.block_plain):
                style = SINGLE
            if not text and (self.flow_level or simple_key):
                style = SINGLE
        if style == SINGLE and not info.single:
            style = DOUBLE
        if style == LITERAL and (not info.block or self.flow_level or simple_key):
            style = DOUBLE
        return style

    def write_plain(self, text: str) -> None:
        if text and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = self.whitespace and not text
        self.indention = False

    def write_single(self, text: str) -> None:
        self.indicator("'", True, False, False)
        breaks = False
        for char in text:
            if char in _BREAKS:
                if not breaks and char == "\n":
                    self.put_break()
                self.put_break(char)
                breaks = True
                continue
            if breaks:
                self.write_indent()
            self.put("''" if char == "'" else char)
            self.indention = breaks = False
        self.indicator("'", False, False, False)
        self.whitespace = self.indention = False

    def write_double(self, text: str) -> None:
        self.indicator('"', True, False, False)
        escape_all = text.startswith("\ufeff")
        for char in text:
            if escape_all or not _printable(char) or char in _BREAKS or char in '"\\':
                self.put("\\" + (_ESCAPES.get(char) or _hex_escape(ord(char))))
            else:
                self.put(char)
        self.indicator('"', False, False, False)
        self.whitespace = self.indention = False

    def write_literal(self, text: str) -> None:
        self.indicator("|", True, False, False)
        if text[:1] in " " + _BREAKS and text:
            self.indicator(str(_INDENT), False, False, False)
        chomp = _chomp(text)
        if chomp:
            self.indicator(chomp, False, False, False)
        self.whitespace = True
        breaks = True
        for char in text:
            if char in _BREAKS:
                self.put_break(char)
                breaks = True
                continue
            if breaks:
                self.write_indent()
            self.put(char)
            self.indention = breaks = False


def _chomp(text: str) -> str:
    if not text or text[-1] not in _BREAKS:
        return "-"
    if len(text) == 1 or text[-2] in _BREAKS:
        return "+"
    return ""


def _hex_escape(code: int) -> str:
    if code <= 0xFF:
        return f"x{code:02X}"
    if code <= 0xFFFF:
        return f"u{code:04X}"
    return f"U{code:08X}"
