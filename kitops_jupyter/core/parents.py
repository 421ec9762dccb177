"""Parent ModelKits: a Kitfile whose ``model.path`` is another ModelKit's reference (docs/format.md §1.3, §7).

Such a model has no layer of its own (docs/format.md §2.3); pull fetches the parent too and unpack extracts the
parent's model first (docs/format.md §4.2). This module follows the chain of references with kit's limits (at
most :data:`MAX_PARENTS` references, cycles rejected); loading each parent is the caller's job, so
pull, unpack and pack share the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..errors import InvalidReference, NotFound
from .kitfile import Kitfile, is_modelkit_reference
from .reference import Reference, display_name, parse_reference
from .unpackfilters import Filter

__all__ = ["MAX_PARENTS", "MODEL_ONLY", "missing_parent", "parent_chain", "parent_reference", "selects_model"]

MAX_PARENTS = 10
MODEL_ONLY = [Filter(("model",))]

T = TypeVar("T")


def parent_reference(kitfile: Kitfile) -> Reference | None:
    """The ModelKit that ``model.path`` references, or None for a local (or no) model path."""
    model = kitfile.model
    if model is None or not is_modelkit_reference(model.path):
        return None
    return parse_reference(model.path)[0]


def selects_model(filters: list[Filter]) -> bool:
    """Whether an unpack with ``filters`` wants the model (no filters means everything)."""
    return not filters or any("model" in f.types for f in filters)


def parent_chain(
    child: Reference, kitfile: Kitfile, load: Callable[[Reference], tuple[T, Kitfile]]
) -> list[T]:
    """``load`` every parent of ``child`` (whose Kitfile is ``kitfile``), nearest first.

    ``load`` returns anything plus the parent's Kitfile, which gives the next reference. A reference
    seen before, or more than :data:`MAX_PARENTS` of them, raises :class:`InvalidReference`.
    """
    chain = [str(child)]
    loaded: list[T] = []
    ref = parent_reference(kitfile)
    while ref is not None:
        _check_next(chain, str(ref))
        item, kitfile = load(ref)
        loaded.append(item)
        chain.append(str(ref))
        ref = parent_reference(kitfile)
    return loaded


def _check_next(chain: list[str], ref: str) -> None:
    """Refuse ``ref`` after ``chain`` with kit's wording (scripts match it), then ours: where and what to do."""
    shown = " -> ".join(display_name(r) or r for r in [*chain, ref])
    if ref in chain:
        raise InvalidReference(
            f"Found cycle in modelkit references: {shown} (through model.path); point one model.path at "
            "a ModelKit that does not lead back"
        )
    if len(chain) > MAX_PARENTS:
        raise InvalidReference(
            f"reached maximum number of model references: {shown}; a chain through model.path may not be "
            f"longer than {MAX_PARENTS}: re-pack a ModelKit in the chain with its model files instead of a "
            "reference"
        )


def missing_parent(ref: Reference) -> NotFound:
    """The error for a local-only parent that is not in the local store (no registry to pull it from)."""
    return NotFound(
        f"parent ModelKit {ref.display() or ref} (referenced by model.path) is not in local storage and "
        "its reference names no registry; pack or pull it first"
    )
