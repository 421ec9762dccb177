"""The Kitfile config blob (JSON) read back into the Kitfile dataclasses, like Go's ``json.Unmarshal``.

Unknown keys are ignored, keys match case-insensitively, numbers in ``parameters`` become floats and
nulls in lists become empty values. Kept apart from the YAML codec (:mod:`.kitfile_codec`) because
listing, pulling and pushing read only config blobs: a fresh process then never imports PyYAML
(issue 10: the first remote call's imports stay small).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

from kitops_jupyter.errors import KitfileError

__all__ = ["JsonDecoder", "field_specs", "join_path"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def field_specs(obj_or_cls: Any) -> list[tuple[dataclasses.Field[Any], str, str]]:
    """``(field, key, kind)`` of every field that carries a spec (see :mod:`.kitfile_model`)."""
    return [
        (f, f.metadata.get("key", ""), f.metadata["kind"])
        for f in dataclasses.fields(obj_or_cls)
        if "kind" in f.metadata
    ]


def join_path(path: str, key: str) -> str:
    """The field path of ``key`` inside ``path`` (``model`` + ``parts`` -> ``model.parts``)."""
    return f"{path}.{key}" if path else key


class _Object(list):  # type: ignore[type-arg]
    """A JSON object as its ``(key, value)`` pairs, in document order (duplicates kept)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class JsonDecoder:
    """Go ``json.Unmarshal`` of a config blob into the Kitfile dataclasses."""

    def __init__(self, source: str) -> None:
        self.source = source

    def load(self, data: bytes) -> Any:
        text = data.decode("utf-8", errors="replace")
        try:
            return json.loads(text, object_pairs_hook=_Object, parse_int=float, parse_constant=_no_constant)
        except ValueError as err:
            raise KitfileError(
                f"invalid config JSON ({err}); the ModelKit config is damaged", source=self.source
            ) from None

    def fail(self, path: str, what: str) -> KitfileError:
        return KitfileError(f"{path or 'the config'} must be {what}", source=self.source, field=path or None)

    def struct(self, cls: type, obj: Any, path: str) -> Any:
        if not isinstance(obj, _Object):
            raise self.fail(path, "a JSON object")
        specs = {key.lower(): (spec, kind) for spec, key, kind in field_specs(cls) if kind != "layer"}
        layer = next((spec for spec, _, kind in field_specs(cls) if kind == "layer"), None)
        inst = cls()
        for key, value in obj:
            lowered = key.lower()
            if layer is not None and lowered in ("digest", "diffid"):
                self._set_layer(inst, layer, lowered, value, join_path(path, key))
            elif lowered in specs:
                spec, kind = specs[lowered]
                fpath = join_path(path, key)
                setattr(
                    inst,
                    spec.name,
                    self._field(kind, spec.metadata.get("cls"), value, fpath, getattr(inst, spec.name)),
                )
        return inst

    def _set_layer(self, inst: Any, spec: dataclasses.Field[Any], key: str, value: Any, path: str) -> None:
        info = getattr(inst, spec.name) or spec.metadata["cls"]()
        setattr(inst, spec.name, info)
        if value is not None:
            setattr(info, "digest" if key == "digest" else "diff_id", self._string(value, path))

    def _field(self, kind: str, cls: Any, value: Any, path: str, current: Any) -> Any:
        if kind == "str":
            return current if value is None else self._string(value, path)
        if kind == "strs":
            return [
                self._string(v, f"{path}[{i}]") if v is not None else ""
                for i, v in enumerate(self._list(value, path))
            ]
        if kind == "any":
            return self.any(value, path)
        if kind in ("struct", "ptr"):
            if value is None:
                return current if kind == "struct" else None
            return self.struct(cls, value, path)
        items = self._list(value, path)
        return [cls() if v is None else self.struct(cls, v, f"{path}[{i}]") for i, v in enumerate(items)]

    def _string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "a string")
        return _SURROGATE.sub("\ufffd", value)

    def _list(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, _Object) or not isinstance(value, list):
            raise self.fail(path, "a JSON array")
        return value

    def any(self, value: Any, path: str) -> Any:
        """A JSON value as Go's ``interface{}``: objects become dicts (last key wins), numbers floats."""
        if isinstance(value, _Object):
            return {_SURROGATE.sub("\ufffd", k): self.any(v, f"{path}.{k}") for k, v in value}
        if isinstance(value, list):
            return [self.any(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(path, "a number that fits a float64")
        return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value
