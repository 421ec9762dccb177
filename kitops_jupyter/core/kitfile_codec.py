"""Field-spec driven conversion of Kitfile dataclasses from YAML nodes and to JSON and YAML output.

Each dataclass field carries ``metadata``: ``key`` (the camelCase YAML/JSON key), ``kind`` (``str``,
``strs``, ``any``, ``struct``, ``ptr``, ``list``, ``layer``), ``cls`` for nested records and
``always`` for keys Go writes without ``omitempty``. The functions here read that spec, so they need
no knowledge of the concrete classes (which live in :mod:`.kitfile`).

YAML decoding follows yaml.v3 with ``KnownFields(true)``: unknown keys, wrong node kinds and bad tags
are errors; string fields keep the raw scalar text; nulls leave fields empty and vanish from lists.
Reading a config blob (JSON) back is :mod:`.kitfile_json`, which imports no YAML.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kitops_jupyter.core import gojson
from kitops_jupyter.core.kitfile_json import field_specs, join_path
from kitops_jupyter.core.yamlv3 import BINARY, STR, Timestamp, short_tag
from kitops_jupyter.core.yamlv3_emit import Fields
from kitops_jupyter.core.yamlv3_nodes import Decoder, describe, is_null, line_of, scalar_short_tag
from kitops_jupyter.errors import KitfileError

__all__ = ["decode_struct", "struct_to_fields", "struct_to_json"]


# ---- YAML nodes -> dataclasses ------------------------------------------------------------------


def decode_struct(cls: type, node: Node, dec: Decoder, path: str) -> Any:
    """Decode a mapping node into a new ``cls``, rejecting keys ``cls`` does not declare."""
    if not isinstance(node, MappingNode):
        what = path or "a Kitfile"
        raise dec.fail(f"{what} must be a mapping of fields, not {describe(node)}", node, path)
    known = {key: spec for spec, key, kind in field_specs(cls) if kind != "layer"}
    obj = cls()
    for key, value in dec.mapping_pairs(node, path):
        if is_null(key):
            continue  # yaml.v3 silently skips a null key when decoding into a struct
        if not isinstance(key, ScalarNode):
            raise dec.fail(
                f"{path or 'a Kitfile'} has {describe(key)} as a key; keys must be field names", key, path
            )
        fpath = join_path(path, key.value)
        spec = known.get(key.value)
        if spec is None:
            raise dec.fail(_unknown_message(fpath, key.value, list(known)), key, fpath)
        dec.lines[fpath] = line_of(key)
        setattr(obj, spec.name, _decode_field(spec, value, dec, fpath, getattr(obj, spec.name)))
    return obj


def _unknown_message(fpath: str, name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not match:
        match = [k for k in known if k.lower() == name.lower()]
    hint = f"did you mean {match[0]}?" if match else f"the fields allowed here are {', '.join(known)}"
    return f"{fpath} is not a Kitfile field; {hint}"


def _decode_field(spec: dataclasses.Field[Any], node: Node, dec: Decoder, path: str, current: Any) -> Any:
    kind = spec.metadata["kind"]
    cls: type = spec.metadata.get("cls", type(None))
    dec.enter(node, path)
    if kind == "str":
        return decode_string(node, dec, path)
    if kind == "strs":
        return _decode_strings(node, dec, path)
    if kind == "any":
        return dec.any(node, path)
    if kind in ("struct", "ptr"):
        if is_null(node):
            return current if kind == "struct" else None
        return decode_struct(cls, node, dec, path)
    return _decode_list(cls, node, dec, path)


def decode_string(node: Node, dec: Decoder, path: str) -> str:
    """A Go ``string`` field: the raw scalar text (``1.10`` stays ``"1.10"``); null gives ``""``."""
    if not isinstance(node, ScalarNode):
        raise dec.fail(f"{path} must be a string, not {describe(node)}", node, path)
    if scalar_short_tag(node) == STR:
        return str(node.value)
    value = dec.scalar_any(node, path)
    if value is None:
        return ""
    return str(value) if short_tag(node.tag) == BINARY else str(node.value)


def _decode_strings(node: Node, dec: Decoder, path: str) -> list[str]:
    if is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        raise dec.fail(f"{path} must be a list of strings, not {describe(node)}; write [a, b]", node, path)
    return [
        decode_string(item, dec, f"{path}[{i}]") for i, item in enumerate(node.value) if not is_null(item)
    ]


def _decode_list(cls: type, node: Node, dec: Decoder, path: str) -> list[Any]:
    if is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        raise dec.fail(f"{path} must be a list (entries start with '- '), not {describe(node)}", node, path)
    items: list[Any] = []
    for item in node.value:
        if is_null(item):
            continue  # yaml.v3 drops null entries from a typed list
        ipath = f"{path}[{len(items)}]"
        dec.lines[ipath] = line_of(item)
        items.append(decode_struct(cls, item, dec, ipath))
    return items


# ---- dataclasses -> JSON / YAML -----------------------------------------------------------------


def struct_to_json(obj: Any, path: str = "") -> dict[str, Any]:
    """The dict Go's ``json.Marshal`` would write for ``obj``, keys in declaration order."""
    out: dict[str, Any] = {}
    for spec, key, kind in field_specs(obj):
        value = getattr(obj, spec.name)
        fpath = join_path(path, key)
        if kind == "str" and (value or spec.metadata.get("always")):
            out[key] = value
        elif kind == "strs" and value:
            out[key] = list(value)
        elif kind == "any" and value is not None:
            out[key] = gojson.sort_maps(_json_value(value, fpath))
        elif kind == "struct" or (kind == "ptr" and value is not None):
            out[key] = struct_to_json(value, fpath)
        elif kind == "list" and value:
            out[key] = [struct_to_json(item, f"{fpath}[{i}]") for i, item in enumerate(value)]
        elif kind == "layer" and value is not None:
            out.update({k: v for k, v in (("digest", value.digest), ("diffId", value.diff_id)) if v})
    return out


def _json_value(value: Any, path: str) -> Any:
    if isinstance(value, Timestamp):
        if value.text[-6] in "+-" and int(value.text[-5:-3]) >= 24:
            raise KitfileError(
                f"{path} is a timestamp whose zone offset JSON cannot hold; quote it", field=path
            )
        return value.text
    if isinstance(value, float) and not math.isfinite(value):
        raise KitfileError(
            f"{path} holds {value}, which JSON cannot represent; use a string instead", field=path
        )
    if isinstance(value, dict):
        return {k: _json_value(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def struct_to_fields(obj: Any) -> Fields:
    """The struct as yaml.v3 marshals it: ``omitempty`` fields dropped, digests never written."""
    items: list[tuple[str, Any, bool]] = []
    for spec, key, kind in field_specs(obj):
        value = getattr(obj, spec.name)
        if kind == "str" and (value or spec.metadata.get("always")):
            items.append((key, value, False))
        elif kind == "strs" and value:
            items.append((key, list(value), True))
        elif kind == "any" and value is not None:
            items.append((key, value, False))
        elif kind in ("struct", "ptr") and value is not None:
            nested = struct_to_fields(value)
            if nested.items or kind == "ptr":
                items.append((key, nested, False))
        elif kind == "list" and value:
            items.append((key, [struct_to_fields(item) for item in value], False))
    return Fields(items)
