"""The mutator of scripts/mutation: each kind of mutant changes exactly what it says, and the code that
must not be mutated (docstrings, annotations, ``__all__``, f-strings, ``TYPE_CHECKING``) is left alone."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from mutation_ops import Mutant, Unapplicable, apply, enumerate_mutants

SOURCE = '''"""Module docstring."""
from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    LIMIT = 99

__all__ = ["f"]
T = TypeVar("T")


def f(a: int, b: "str" = "x") -> int:
    """Docstring."""
    if a < 3 and not b:
        print(f"value {a + 1}")
        return a + 2
    while a:
        break
    raise ValueError("bad")
'''


def mutants() -> list[Mutant]:
    return enumerate_mutants("m.py", SOURCE)


def changed_line(mutant: Mutant) -> str:
    new = apply(mutant, SOURCE)
    diff = [line for old, line in zip(SOURCE.splitlines(), new.splitlines(), strict=True) if old != line]
    assert len(diff) == 1, diff
    return diff[0].strip()


def test_each_kind_is_found_once_per_place() -> None:
    kinds = Counter(m.kind for m in mutants())
    # const: "x" default, 3, 2, "bad"; stmt: print(...) and raise; cond: the `if` (not a bare comparison)
    # and `while a`
    assert kinds == {
        "cmp": 1,
        "bool": 1,
        "not": 1,
        "arith": 1,
        "const": 4,
        "return": 1,
        "stmt": 2,
        "loop": 1,
        "cond": 2,
    }


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("cmp", "if a <= 3 and not b:"),
        ("bool", "if a < 3 or not b:"),
        ("not", "if a < 3 and (b):"),
        ("arith", "return a - 2"),
        ("return", "return None"),
        ("loop", "continue"),
        ("cond", "if (not (a < 3 and not b)):"),
        ("cond", "while (not (a)):"),
    ],
)
def test_the_mutant_changes_one_thing(kind: str, expected: str) -> None:
    assert expected in [changed_line(m) for m in mutants() if m.kind == kind]


def test_constants_and_statements() -> None:
    lines = sorted(changed_line(m) for m in mutants() if m.kind in ("const", "stmt"))
    assert lines == [
        "def f(a: int, b: \"str\" = ('XXxXX')) -> int:",
        "if a < (4) and not b:",
        "pass",
        "pass",
        "raise ValueError(('XXbadXX'))",
        "return a + (3)",
    ]


def test_docstrings_annotations_all_fstrings_and_type_checking_are_never_mutated() -> None:
    lines = {m.line for m in mutants()}
    assert lines == {13, 15, 16, 17, 18, 19, 20}  # the def line only for its default value
    assert [m.kind for m in mutants() if m.line == 16] == ["stmt"]  # nothing inside the f-string


def test_an_operator_that_cannot_be_located_exactly_is_refused() -> None:
    source = "x = (1 <  # < is compared\n     2)\n"
    (mutant,) = [m for m in enumerate_mutants("m.py", source) if m.kind == "cmp"]
    with pytest.raises(Unapplicable):
        apply(mutant, source)
