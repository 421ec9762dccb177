"""``kit unpack --filter``: which layers to extract (docs/format.md §4).

Apart from the unpacker so that pulling a ModelKit with a parent (which only asks whether the model
is selected) does not import the extraction code.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument

__all__ = ["FILTER_TYPES", "Filter", "parse_filters", "wants_kitfile"]

FILTER_TYPES = ("kitfile", "model", "datasets", "code", "prompts", "docs", "mcpservers")


@dataclass(frozen=True)
class Filter:
    """One ``--filter`` value: layer types, optionally narrowed to entries with these names/paths."""

    types: tuple[str, ...]
    ids: tuple[str, ...] = ()

    def matches(self, filter_type: str, field: str) -> bool:
        return filter_type in self.types and (not self.ids or field in self.ids)


def parse_filters(filters: list[str]) -> list[Filter]:
    """Parse kit's ``type1,type2[:id1,id2]`` syntax; ids match names or paths by exact string."""
    return [_parse_filter(text) for text in filters]


def _parse_filter(text: str) -> Filter:
    parts = text.split(":")
    if len(parts) > 2:
        raise InvalidArgument(f"invalid filter {text!r}: use <type1>,<type2>[:<id1>,<id2>]")
    types = tuple(parts[0].split(","))
    for each in types:
        if each not in FILTER_TYPES:
            raise InvalidArgument(
                f"invalid filter type {each!r} in {text!r}: must be one of {', '.join(FILTER_TYPES)}"
            )
    return Filter(types, tuple(parts[1].split(",")) if len(parts) == 2 else ())


def wants_kitfile(filters: list[Filter]) -> bool:
    """No filters means everything; otherwise the Kitfile only if a filter names ``kitfile``."""
    return not filters or any("kitfile" in f.types for f in filters)
