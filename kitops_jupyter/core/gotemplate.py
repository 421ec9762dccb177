"""Go ``text/template`` syntax: lexing and parsing into a small tree (``kit list --format '{{ .Repo }}'``).

kit runs the ``--format`` value of ``kit list`` through Go's ``text/template`` once per ModelKit. This
module parses the subset a format string needs: text, ``{{ pipeline }}`` actions with ``{{-``/``-}}``
trim markers and ``{{/* comments */}}``, fields (``.Repo``, ``.A.B``, ``.``), variables (``$``,
``$x := …``), string/number/bool/nil literals, function calls with arguments, ``|`` pipes, ``( … )``,
and ``if``/``else if``/``else``, ``range`` and ``with`` blocks. ``define``/``template``/``block`` are
refused with a clear error. Execution lives in :mod:`.gotemplate_run`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ..errors import TemplateError

__all__ = [
    "Block",
    "Command",
    "Node",
    "Operand",
    "Pipeline",
    "Template",
    "TemplateError",
    "parse_template",
]


@dataclass(frozen=True)
class Operand:
    """One argument: ``kind`` is field, var, func, literal or pipe (parenthesised)."""

    kind: str
    value: object  # field: tuple of names; var: (name, fields); func: name; literal: value; pipe: Pipeline


@dataclass(frozen=True)
class Command:
    operands: tuple[Operand, ...]


@dataclass(frozen=True)
class Pipeline:
    commands: tuple[Command, ...]
    declare: tuple[str, ...] = ()  # variables assigned by ``$x := …`` (or ``$i, $v :=`` in range)
    assign: bool = False  # ``=`` instead of ``:=``
    source: str = ""  # the action text, for error messages


@dataclass
class Block:
    """``if``/``range``/``with``: ``body`` when the pipeline's value is non-empty, else ``otherwise``."""

    kind: str
    pipe: Pipeline
    body: list[Node] = field(default_factory=list)
    otherwise: list[Node] = field(default_factory=list)


Node = str | Pipeline | Block


@dataclass
class _Open:
    """A block waiting for its ``{{end}}``: the list it lives in, where it started, whether else was seen."""

    block: Block
    parent: list[Node]
    offset: int
    in_else: bool = False


@dataclass
class Template:
    name: str
    nodes: list[Node]


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>"(?:[^"\\\n]|\\.)*")
    | (?P<raw>`[^`]*`)
    | (?P<char>'(?:[^'\\\n]|\\.)+')
    | (?P<num>[-+]?(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))
    | (?P<var>\$\w*(?:\.\w+)*)
    | (?P<field>(?:\.\w+)+|\.)
    | (?P<ident>[A-Za-z_]\w*(?:\.\w+)*)
    | (?P<op>:=|=|\||\(|\)|,)
    )""",
    re.X,
)
_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}


def _declaration(
    tokens: list[tuple[str, str]], in_range: bool
) -> tuple[tuple[str, ...], bool, list[tuple[str, str]]]:
    """Split ``$x :=`` / ``$x =`` (and in ``range`` also ``$i, $v :=``) off the front of ``tokens``."""
    kinds = [t[0] for t in tokens[:4]]
    values = [t[1] for t in tokens[:4]]
    if (
        in_range
        and kinds[:1] == kinds[2:3] == ["var"]
        and values[1:2] == [","]
        and values[3:] in ([":="], ["="])
    ):
        return (tokens[0][1], tokens[2][1]), values[3] == "=", tokens[4:]
    if kinds[:1] == ["var"] and values[1:2] in ([":="], ["="]):
        return (tokens[0][1],), values[1] == "=", tokens[2:]
    return (), False, tokens


def parse_template(text: str, name: str = "format") -> Template:
    """Parse ``text`` as a Go template; raises :class:`TemplateError` naming line and column."""
    return _Parser(text, name).parse()


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name

    def error(self, offset: int, message: str) -> TemplateError:
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return TemplateError(f"template {self.name}:{line}:{column}: {message}")

    def parse(self) -> Template:
        root: list[Node] = []
        stack: list[_Open] = []
        current = root
        pos = 0
        for match in _ACTION.finditer(self.text):
            literal = self.text[pos : match.start()]
            if match.group(1):
                literal = literal.rstrip(" \t\r\n")
            if literal:
                current.append(literal)
            pos = match.end()
            if match.group(3):
                rest = self.text[pos:]
                pos += len(rest) - len(rest.lstrip(" \t\r\n"))
            body = match.group(2)
            if body.strip().startswith("/*"):
                if not body.strip().endswith("*/"):
                    raise self.error(match.start(), "unclosed comment")
                continue
            current = self._action(body, match.start(), current, stack)
        tail = self.text[pos:]
        if "{{" in tail:
            raise self.error(pos + tail.index("{{"), "unclosed action (missing }})")
        if tail:
            current.append(tail)
        if stack:
            raise self.error(
                stack[-1].offset, f"unexpected EOF: {{{{{stack[-1].block.kind}}}}} has no {{{{end}}}}"
            )
        return Template(self.name, root)

    def _action(self, body: str, offset: int, current: list[Node], stack: list[_Open]) -> list[Node]:
        tokens = self._tokens(body, offset)
        if not tokens:
            raise self.error(offset, "missing value for command")
        head = tokens[0]
        keyword = head[1] if head[0] == "ident" and head[1] in _KEYWORDS else ""
        if keyword in ("if", "range", "with"):
            block = Block(keyword, self._pipeline(tokens[1:], offset, body, keyword))
            current.append(block)
            stack.append(_Open(block, current, offset))
            return block.body
        if keyword == "else":
            if not stack or stack[-1].in_else:
                raise self.error(offset, "unexpected {{else}}")
            top = stack[-1]
            top.in_else = True
            if tokens[1:2] == [("ident", "if")] and top.block.kind == "if":
                nested = Block("if", self._pipeline(tokens[2:], offset, body, "if"))
                top.block.otherwise.append(nested)
                stack[-1] = _Open(nested, top.parent, offset)  # one {{end}} closes both
                return nested.body
            if len(tokens) > 1:
                raise self.error(offset, f"unexpected {tokens[1][1]!r} after else")
            return top.block.otherwise
        if keyword == "end":
            if not stack:
                raise self.error(offset, "unexpected {{end}}")
            return stack.pop().parent
        if keyword:
            raise self.error(offset, f"{{{{{keyword}}}}} is not supported in a --format template")
        current.append(self._pipeline(tokens, offset, body, "command"))
        return current

    def _tokens(self, body: str, offset: int) -> list[tuple[str, str]]:
        tokens, pos, body = [], 0, body.rstrip()
        while pos < len(body):
            match = _TOKEN.match(body, pos)
            if match is None or match.end() == pos:
                raise self.error(offset, f"unexpected {body[pos:].strip()[:20]!r} in action")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            pos = match.end()
        return tokens

    def _pipeline(self, tokens: list[tuple[str, str]], offset: int, source: str, context: str) -> Pipeline:
        """``context`` is Go's word for where the pipeline stands: ``command``, ``if``, ``range``, ``with``."""
        declare, assign, tokens = _declaration(tokens, context == "range")
        if len(tokens) > 1 and tokens[0][0] == "var" and tokens[1][1] == ",":  # what Go says of `$a, $b`
            if context == "range" and tokens[2:3] and tokens[2][0] != "var":
                raise self.error(offset, "range can only initialize variables")
            raise self.error(offset, f"too many declarations in {context}")
        return Pipeline(tuple(self._commands(tokens, offset)), declare, assign, source.strip())

    def _commands(self, tokens: list[tuple[str, str]], offset: int) -> list[Command]:
        commands: list[Command] = []
        operands: list[Operand] = []
        i = 0
        while i < len(tokens):
            kind, value = tokens[i]
            if value == "|":
                if not operands:
                    raise self.error(offset, "missing command before |")
                commands.append(Command(tuple(operands)))
                operands = []
            elif value == "(":
                depth, j = 1, i + 1
                while j < len(tokens) and depth:
                    depth += {"(": 1, ")": -1}.get(tokens[j][1], 0) if tokens[j][0] == "op" else 0
                    j += 1
                if depth:
                    raise self.error(offset, "unclosed left paren")
                inner = tokens[i + 1 : j - 1]
                operands.append(Operand("pipe", Pipeline(tuple(self._commands(inner, offset)))))
                i = j - 1
            elif kind == "op":
                raise self.error(offset, f"unexpected {value!r} in command")
            else:
                operands.append(self._operand(kind, value, offset))
            i += 1
        if not operands:
            raise self.error(offset, "missing value for command")
        commands.append(Command(tuple(operands)))
        return commands

    def _operand(self, kind: str, value: str, offset: int) -> Operand:
        if kind == "field":
            return Operand("field", tuple(value.split(".")[1:]) if value != "." else ())
        if kind == "var":
            name, *fields = value.split(".")
            return Operand("var", (name, tuple(fields)))
        if kind in ("str", "char"):
            try:
                decoded = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                raise self.error(offset, f"bad string {value}") from None
            return Operand("literal", decoded if kind == "str" else ord(decoded))
        if kind == "raw":
            return Operand("literal", value[1:-1])
        if kind == "num":
            text = value.replace("_", "")
            try:
                number: object = int(text, 0)
            except ValueError:
                number = float(text)
            return Operand("literal", number)
        literals = {"true": True, "false": False, "nil": None}
        if value in literals:
            return Operand("literal", literals[value])
        if value in _KEYWORDS:
            raise self.error(offset, f"unexpected {value!r} in command")
        if "." in value:
            raise self.error(offset, f"function {value!r} not defined")
        return Operand("func", value)
