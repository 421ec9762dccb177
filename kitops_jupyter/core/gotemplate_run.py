"""Running a parsed Go template (:mod:`.gotemplate`) on one record, printing values as Go's ``fmt`` does.

A record is a ``dict`` of Go field names (``{"Repo": …, "Tags": [...]}``) standing for a Go struct: a
missing field is an error, as in Go. Values print like Go's ``%v``: lists as ``[a b]``, booleans as
``true``/``false``, nil as ``<no value>``. The functions are Go's builtins (``index``, ``len``,
``slice``, ``printf``, ``print``, ``println``, ``eq``/``ne``/``lt``/``le``/``gt``/``ge``, ``and``,
``or``, ``not``, ``html``, ``js``, ``urlquery``); kit adds none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

from .gotemplate import Block, Command, Node, Operand, Pipeline, Template, TemplateError

__all__ = ["go_sprint", "go_sprintf", "go_value", "render"]

_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


class _Record(dict[str, Any]):
    """The struct a template runs on; its type name appears in errors like Go's."""

    type_name = "struct"


def render(template: Template, record: Mapping[str, Any], type_name: str = "struct") -> str:
    """The text ``template`` produces for ``record`` (raises :class:`TemplateError`)."""
    root = _Record(record)
    root.type_name = type_name
    out: list[str] = []
    _Run(template.name, out).nodes(template.nodes, root, {"$": root})
    return "".join(out)


class _Run:
    def __init__(self, name: str, out: list[str]) -> None:
        self.name = name
        self.out = out

    def fail(self, pipe: Pipeline, message: str) -> TemplateError:
        return TemplateError(f"template {self.name}: executing {{{{{pipe.source}}}}}: {message}")

    def nodes(self, nodes: Sequence[Node], dot: Any, scope: dict[str, Any]) -> None:
        for node in nodes:
            if isinstance(node, str):
                self.out.append(node)
            elif isinstance(node, Block):
                self.block(node, dot, dict(scope))
            else:
                value = self.pipeline(node, dot, scope)
                if not node.declare:
                    self.out.append(go_value(value))

    def block(self, block: Block, dot: Any, scope: dict[str, Any]) -> None:
        value = self.pipeline(block.pipe, dot, scope, declare=block.kind != "range")
        if block.kind == "range":
            self.range(block, value, scope)
        elif not _truth(value):
            self.nodes(block.otherwise, dot, scope)
        else:
            self.nodes(block.body, value if block.kind == "with" else dot, scope)

    def range(self, block: Block, value: Any, scope: dict[str, Any]) -> None:
        if value is None or (isinstance(value, (list, tuple, dict, str)) and not value):
            self.nodes(block.otherwise, None, scope)
            return
        if isinstance(value, Mapping):
            items: list[tuple[Any, Any]] = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]
        else:
            raise self.fail(block.pipe, f"range can't iterate over {go_value(value)}")
        names = block.pipe.declare
        for key, element in items:
            inner = dict(scope)
            if len(names) == 2:
                inner[names[0]], inner[names[1]] = key, element
            elif names:
                inner[names[0]] = element
            self.nodes(block.body, element, inner)

    def pipeline(self, pipe: Pipeline, dot: Any, scope: dict[str, Any], declare: bool = True) -> Any:
        value: Any = None
        for index, command in enumerate(pipe.commands):
            value = self.command(pipe, command, dot, scope, [value] if index else [])
        if declare and pipe.declare:
            if pipe.assign and pipe.declare[0] not in scope:
                raise self.fail(pipe, f"undefined variable: {pipe.declare[0]}")
            scope[pipe.declare[0]] = value
        return value

    def command(
        self, pipe: Pipeline, command: Command, dot: Any, scope: dict[str, Any], piped: list[Any]
    ) -> Any:
        first, *rest = command.operands
        if first.kind != "func":
            if rest or piped:
                raise self.fail(pipe, f"can't give argument to non-function {_show(first)}")
            return self.operand(pipe, first, dot, scope)
        name = str(first.value)
        func = _FUNCS.get(name)
        if func is None:
            raise self.fail(pipe, f'function "{name}" not defined')
        args = [self.operand(pipe, op, dot, scope) for op in rest] + piped
        try:
            return func(*args)
        except TemplateError:
            raise
        except (TypeError, IndexError, KeyError, ValueError) as err:
            raise self.fail(pipe, f"error calling {name}: {err}") from None

    def operand(self, pipe: Pipeline, op: Operand, dot: Any, scope: dict[str, Any]) -> Any:
        if op.kind == "literal":
            return op.value
        if op.kind == "pipe":
            assert isinstance(op.value, Pipeline)
            return self.pipeline(op.value, dot, dict(scope))
        if op.kind == "field":
            assert isinstance(op.value, tuple)
            return self.fields(pipe, dot, op.value)
        assert isinstance(op.value, tuple)
        name, fields = op.value
        if name not in scope:
            raise self.fail(pipe, f"undefined variable: {name}")
        return self.fields(pipe, scope[name], fields)

    def fields(self, pipe: Pipeline, value: Any, names: tuple[str, ...]) -> Any:
        for name in names:
            if isinstance(value, _Record):
                if name not in value:
                    known = ", ".join(f".{k}" for k in value)
                    raise self.fail(
                        pipe, f"can't evaluate field {name} in type {value.type_name} (fields: {known})"
                    )
                value = value[name]
            elif isinstance(value, Mapping):
                value = value.get(name)
            else:
                raise self.fail(pipe, f"can't evaluate field {name} in type {_go_type(value)}")
        return value


def _show(op: Operand) -> str:
    if op.kind == "field":
        assert isinstance(op.value, tuple)
        return "." + ".".join(op.value)
    if op.kind == "var":
        assert isinstance(op.value, tuple)
        return ".".join([op.value[0], *op.value[1]])
    return go_value(op.value)


def _truth(value: Any) -> bool:
    """Go templates' notion of a non-empty value."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float, str, list, tuple, dict)):
        return bool(value)
    return True


def _go_type(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "[]" + (_go_type(value[0]) if value else "interface {}")
    if isinstance(value, _Record):
        return value.type_name
    return "map[string]interface {}"


def go_value(value: Any) -> str:
    """``value`` as Go's ``fmt.Sprint`` prints it (``%v``)."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e21 else str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, _Record):
        return "{" + " ".join(go_value(v) for v in value.values()) + "}"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def go_sprint(*args: Any, newline: bool = False) -> str:
    """``fmt.Sprint`` (spaces between operands when neither is a string) or ``fmt.Sprintln``."""
    parts: list[str] = []
    for index, arg in enumerate(args):
        if index and (newline or not (isinstance(arg, str) or isinstance(args[index - 1], str))):
            parts.append(" ")
        parts.append(go_value(arg))
    return "".join(parts) + ("\n" if newline else "")


def go_sprintf(fmt: str, *args: Any) -> str:
    """``fmt.Sprintf`` for the common verbs (``%v %s %q %d %t %x %X %f %e %g %c %%``), flags and widths."""
    remaining = list(args)
    used = 0

    def one(match: re.Match[str]) -> str:
        nonlocal used
        flags, width, precision, verb = match.groups()
        if verb == "%":
            return "%"
        if used >= len(remaining):
            return f"%!{verb}(MISSING)"
        arg = remaining[used]
        used += 1
        return _format_one(arg, flags, width, precision, verb)

    text = _VERB.sub(one, fmt)
    if used < len(remaining):
        extra = ", ".join(f"{_go_type(a)}={go_value(a)}" for a in remaining[used:])
        text += f"%!(EXTRA {extra})"
    return text


def _format_one(arg: Any, flags: str, width: str | None, precision: str | None, verb: str) -> str:
    spec = flags + (width or "") + (f".{precision}" if precision is not None else "")
    number = isinstance(arg, (int, float)) and not isinstance(arg, bool)
    if verb in "vs":
        return _pad(go_value(arg), flags, width, precision)
    if verb == "q":
        quoted = json.dumps(arg, ensure_ascii=False) if isinstance(arg, str) else go_value(arg)
        return _pad(quoted, flags, width, None)
    if verb == "t" and isinstance(arg, bool):
        return _pad(go_value(arg), flags, width, None)
    if verb in "dxXoc" and isinstance(arg, int) and not isinstance(arg, bool):
        return str(("%" + spec + ("i" if verb == "d" else verb)) % arg)
    if verb in "xX" and isinstance(arg, str):
        return _pad(
            arg.encode("utf-8").hex() if verb == "x" else arg.encode().hex().upper(), flags, width, None
        )
    if verb in "feEgG" and number:
        return str(("%" + spec + verb) % arg)
    return f"%!{verb}({_go_type(arg)}={go_value(arg)})"


def _pad(text: str, flags: str, width: str | None, precision: str | None) -> str:
    if precision is not None:
        text = text[: int(precision)]
    if width:
        text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width))
    return text


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if item is None:
            raise IndexError("index of untyped nil")
        if isinstance(item, Mapping):
            item = item.get(key)
            continue
        if not isinstance(key, int) or isinstance(key, bool):
            raise TypeError(f"cannot index slice/array with type {_go_type(key)}")
        if not 0 <= key < len(item):
            raise IndexError(f"index out of range: {key}")
        item = item[key]
    return item


def _slice(item: Any, *bounds: int) -> Any:
    if len(bounds) > 2:
        raise ValueError("too many slice indexes")
    start = bounds[0] if bounds else 0
    end = bounds[1] if len(bounds) > 1 else len(item)
    if not 0 <= start <= end <= len(item):
        raise IndexError(f"slice bounds out of range [{start}:{end}]")
    return item[start:end]


def _length(item: Any) -> int:
    if not isinstance(item, (str, list, tuple, dict)):
        raise TypeError(f"len of type {_go_type(item)}")
    return len(item)


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if isinstance(a, str) != isinstance(b, str) or isinstance(a, bool) or isinstance(b, bool):
            raise TypeError("incompatible types for comparison")
        return op(a, b)

    return compare


def _and(*args: Any) -> Any:
    for arg in args:
        if not _truth(arg):
            return arg
    return args[-1]


def _or(*args: Any) -> Any:
    for arg in args:
        if _truth(arg):
            return arg
    return args[-1]


def _html(*args: Any) -> str:
    text = go_sprint(*args)
    for char, entity in (("&", "&amp;"), ("'", "&#39;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;")):
        text = text.replace(char, entity)
    return text.replace("\0", "\ufffd")


def _js(*args: Any) -> str:
    escapes = {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "<": "\\u003C",
        ">": "\\u003E",
        "&": "\\u0026",
        "=": "\\u003D",
    }
    return "".join(escapes.get(c, c if c.isprintable() else f"\\u{ord(c):04X}") for c in go_sprint(*args))


_FUNCS: dict[str, Callable[..., Any]] = {
    "and": _and,
    "or": _or,
    "not": lambda value: not _truth(value),
    "len": _length,
    "index": _index,
    "slice": _slice,
    "print": go_sprint,
    "println": lambda *args: go_sprint(*args, newline=True),
    "printf": go_sprintf,
    "eq": lambda a, *others: any(a == b for b in others),
    "ne": lambda a, b: a != b,
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "html": _html,
    "js": _js,
    "urlquery": lambda *args: quote_plus(go_sprint(*args)),
}
