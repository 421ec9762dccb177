"""The mutants of scripts/mutation: small, realistic bugs made from a module's syntax tree.

Each mutant changes one piece of source text (an operator, a constant, a condition, a statement) and
is kept only if the changed file parses to exactly the syntax tree the mutation means (so a text
edit can never produce something else). Kinds, in the spirit of mutmut:

- ``cmp``: ``==``/``!=``, ``<``/``<=``, ``>``/``>=``, ``in``/``not in``, ``is``/``is not`` swapped;
- ``bool``: ``and``/``or`` swapped; ``not``: a ``not`` removed; ``cond``: an ``if``/``while``/
  ``assert``/conditional-expression test negated (when it is not already a comparison or a ``not``);
- ``arith``: ``+``/``-``, ``*``/``/``, ``//``/``/``, ``%``, ``**``, shifts and bit operators swapped,
  also in augmented assignments;
- ``const``: a number ``n`` -> ``n + 1``, ``True``/``False`` swapped, a string or bytes wrapped in ``XX``;
- ``return``: ``return value`` -> ``return None``; ``stmt``: a call statement or a ``raise`` removed
  (replaced by ``pass``); ``loop``: ``break``/``continue`` swapped.

Never mutated: docstrings, annotations, ``if TYPE_CHECKING:`` blocks, ``__all__``, the insides of
f-strings, the names given to ``TypeVar``/``cast``/``NewType``, and lines marked ``# pragma: no mutate``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
    ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
ARITH_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Mod: ast.Mult, ast.Pow: ast.Mult, ast.LShift: ast.RShift, ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.BitXor: ast.BitOr, ast.MatMult: ast.Mult,
}  # fmt: skip
TOKENS: dict[type, str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-",
    ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.MatMult: "@",
    ast.And: "and", ast.Or: "or",
}  # fmt: skip
NAMING_CALLS = {"TypeVar", "cast", "NewType", "ParamSpec"}


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the tree root, e.g. kitops_jupyter/core/store.py
    index: int  # position of the node in the module's ast.walk order
    kind: str
    detail: str  # what changes, e.g. "< -> <="
    line: int
    end_line: int

    @property
    def ident(self) -> str:
        return f"{self.path}:{self.line}:{self.kind}:{self.index}:{self.detail}"


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes (with everything under them) that are never mutated."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip(first)  # docstring
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            skip(node.returns)
            for arg in [*node.args.args, *node.args.posonlyargs, *node.args.kwonlyargs,
                        node.args.vararg, node.args.kwarg]:  # fmt: skip
                if arg is not None:
                    skip(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            skip(node.annotation)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip(node)
        elif isinstance(node, ast.JoinedStr):
            skip(node)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in NAMING_CALLS:
                skip(node)
    return skipped


def _const_variants(value: object) -> list[tuple[str, object]]:
    if isinstance(value, bool):
        return [(f"{value} -> {not value}", not value)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [(f"{value!r} -> {value + 1!r}", value + 1)]
    if isinstance(value, str):
        return [(f"{_short(value)} -> XX..XX", f"XX{value}XX")]
    if isinstance(value, bytes):
        return [(f"{_short(value)} -> XX..XX", b"XX" + value + b"XX")]
    return []


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def enumerate_mutants(path: str, source: str) -> list[Mutant]:
    """Every candidate mutant of one module, in a fixed order (file order, then ``ast.walk`` order)."""
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    lines = source.splitlines()
    out: list[Mutant] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped or not hasattr(node, "lineno"):
            continue
        if "pragma: no mutate" in lines[node.lineno - 1]:
            continue

        def add(kind: str, detail: str, span: ast.AST = node, at: int = index) -> None:
            first, last = span.lineno, span.end_lineno or span.lineno  # type: ignore[attr-defined]
            out.append(Mutant(path, at, kind, detail, first, last))

        if isinstance(node, ast.Compare):
            for pos, op in enumerate(node.ops):
                add("cmp", f"{pos}:{TOKENS[type(op)]} -> {TOKENS[CMP_SWAP[type(op)]]}")
        elif isinstance(node, ast.BoolOp):
            new = "or" if isinstance(node.op, ast.And) else "and"
            add("bool", f"{TOKENS[type(node.op)]} -> {new}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add("not", "not x -> x")
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITH_SWAP:
            add("arith", f"{TOKENS[type(node.op)]} -> {TOKENS[ARITH_SWAP[type(node.op)]]}")
        elif isinstance(node, ast.Constant):
            for detail, _ in _const_variants(node.value):
                add("const", detail)
        elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            add("return", "return x -> return None")
        elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
            add("stmt", "call removed")
        elif isinstance(node, ast.Raise):
            add("stmt", "raise removed")
        elif isinstance(node, (ast.Break, ast.Continue)):
            add("loop", "break -> continue" if isinstance(node, ast.Break) else "continue -> break")
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            test = node.test
            plain = not isinstance(test, ast.Compare) and not (
                isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
            )
            if plain and id(test) not in skipped:
                add("cond", "condition negated", span=test)
    return out


class Unapplicable(Exception):
    """The text edit did not give the intended syntax tree (the mutant is dropped, not scored)."""


def _offsets(source: bytes) -> list[int]:
    starts = [0]
    for match in re.finditer(rb"\n", source):
        starts.append(match.end())
    return starts


def _span(starts: list[int], node: ast.AST) -> tuple[int, int]:
    return (starts[node.lineno - 1] + node.col_offset,  # type: ignore[attr-defined]
            starts[node.end_lineno - 1] + node.end_col_offset)  # type: ignore[attr-defined]  # fmt: skip


def _swap_token(gap: bytes, old: str, new: str) -> bytes:
    """Replace the operator token ``old`` in the text between two operands (outside comments)."""
    code = gap  # between two operands: only brackets, blanks, the operator (and comments, if it spans lines)
    words = old.replace(" ", r"\s+")
    if old[0].isalpha():
        pattern = rf"(?<![\w]){words}(?![\w])"
    else:
        pattern = r"(?<![=<>!*/])" + re.escape(old) + r"(?![=<>*/])"
    matches = list(re.finditer(pattern.encode(), code))
    if len(matches) != 1:
        raise Unapplicable(f"operator {old!r} not found once in {gap!r}")
    m = matches[0]
    return gap[: m.start()] + new.encode() + gap[m.end():]


def apply(mutant: Mutant, source: str) -> str:
    """The module's source with the mutant applied; raises :class:`Unapplicable` if it cannot be."""
    raw = source.encode()
    tree = ast.parse(source)
    expected = ast.parse(source)
    node = list(ast.walk(tree))[mutant.index]
    twin = list(ast.walk(expected))[mutant.index]
    starts = _offsets(raw)
    start, end = _span(starts, node)
    kind = mutant.kind

    def segment(child: ast.AST) -> tuple[int, int]:
        return _span(starts, child)

    if kind == "cmp":
        assert isinstance(node, ast.Compare) and isinstance(twin, ast.Compare)
        pos = int(mutant.detail.split(":", 1)[0])
        op = type(node.ops[pos])
        twin.ops[pos] = CMP_SWAP[op]()
        left = node.left if pos == 0 else node.comparators[pos - 1]
        gap_start, gap_end = segment(left)[1], segment(node.comparators[pos])[0]
        gap = _swap_token(raw[gap_start:gap_end], TOKENS[op], TOKENS[CMP_SWAP[op]])
        new = raw[:gap_start] + gap + raw[gap_end:]
    elif kind == "bool":
        assert isinstance(node, ast.BoolOp) and isinstance(twin, ast.BoolOp)
        old, swapped = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        twin.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        pieces = [raw[:start]]
        cursor = start
        for a, b in zip(node.values, node.values[1:], strict=False):
            gap_start, gap_end = segment(a)[1], segment(b)[0]
            pieces += [raw[cursor:gap_start], _swap_token(raw[gap_start:gap_end], old, swapped)]
            cursor = gap_end
        pieces.append(raw[cursor:])
        new = b"".join(pieces)
    elif kind == "not":
        assert isinstance(node, ast.UnaryOp) and isinstance(twin, ast.UnaryOp)
        _replace(expected, twin, twin.operand)
        o_start, o_end = segment(node.operand)
        new = raw[:start] + b"(" + raw[o_start:o_end] + b")" + raw[end:]
    elif kind == "arith":
        assert isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(twin, (ast.BinOp, ast.AugAssign))
        op = type(node.op)
        twin.op = ARITH_SWAP[op]()
        left = node.left if isinstance(node, ast.BinOp) else node.target
        right = node.right if isinstance(node, ast.BinOp) else node.value
        gap_start, gap_end = segment(left)[1], segment(right)[0]
        old_tok, new_tok = TOKENS[op], TOKENS[ARITH_SWAP[op]]
        if isinstance(node, ast.AugAssign):
            old_tok, new_tok = old_tok + "=", new_tok + "="
        new = raw[:gap_start] + _swap_token(raw[gap_start:gap_end], old_tok, new_tok) + raw[gap_end:]
    elif kind == "const":
        assert isinstance(node, ast.Constant) and isinstance(twin, ast.Constant)
        value = _const_variants(node.value)[0][1]
        twin.value = value
        new = raw[:start] + f"({value!r})".encode() + raw[end:]
    elif kind == "return":
        assert isinstance(node, ast.Return) and isinstance(twin, ast.Return) and node.value is not None
        twin.value = ast.Constant(value=None)
        v_start, v_end = segment(node.value)
        new = raw[:v_start] + b"None" + raw[v_end:]
    elif kind == "stmt":
        _replace(expected, twin, ast.Pass())
        new = raw[:start] + b"pass" + raw[end:]
    elif kind == "loop":
        replacement: ast.stmt = ast.Continue() if isinstance(node, ast.Break) else ast.Break()
        _replace(expected, twin, replacement)
        new = raw[:start] + (b"continue" if isinstance(node, ast.Break) else b"break") + raw[end:]
    elif kind == "cond":
        assert isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert))
        assert isinstance(twin, (ast.If, ast.While, ast.IfExp, ast.Assert))
        twin.test = ast.UnaryOp(op=ast.Not(), operand=twin.test)
        t_start, t_end = segment(node.test)
        new = raw[:t_start] + b"(not (" + raw[t_start:t_end] + b"))" + raw[t_end:]
    else:
        raise Unapplicable(f"unknown kind {kind}")
    mutated = new.decode()
    try:
        got = ast.parse(mutated)
    except SyntaxError as exc:
        raise Unapplicable(f"does not parse: {exc}") from exc
    if ast.dump(got) != ast.dump(expected):
        raise Unapplicable("the edit gives another syntax tree than the mutation means")
    if ast.dump(got) == ast.dump(ast.parse(source)):
        raise Unapplicable("no change")
    return mutated


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``old`` is in ``tree`` (old is found by identity)."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return
    raise Unapplicable("node not found")


def enclosing_function_body(tree: ast.Module, line: int) -> tuple[int, int] | None:
    """The line range of the body of the innermost function whose *body* holds ``line``, if any."""
    best: tuple[int, int] | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            first, last = body[0].lineno, node.end_lineno or body[-1].lineno
            if first <= line <= last and (best is None or first >= best[0]):
                best = (first, last)
    return best


def iter_mutants(files: dict[str, str]) -> Iterator[Mutant]:
    for path in sorted(files):
        yield from enumerate_mutants(path, files[path])


