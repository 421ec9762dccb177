"""JSON bytes exactly as Go's ``encoding/json.Marshal`` writes them.

Digests of the config and manifest are sha256 of these bytes, so they must match kit's to the byte
(docs/format.md §2.2): compact, HTML-sensitive characters escaped, non-ASCII raw, Go float formatting.
Dict order is kept as given: callers pass struct-like dicts in declaration order and use
:func:`sort_maps` for values that Go holds as maps (which it sorts by key).
"""

from __future__ import annotations

import math
from typing import Any

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",  # Go >= 1.22 uses the short escapes for backspace and form feed
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _string(text: str) -> str:
    out = []
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\ufffd")  # Go replaces invalid UTF-8 (lone surrogates) with U+FFFD
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _float(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"JSON cannot hold {value}; Go's encoder refuses it too")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    magnitude = abs(value)
    if 1e-6 <= magnitude < 1e21:
        text = repr(value)
        if "e" in text or "E" in text:
            text = _expand_exponent(text)
        if text.endswith(".0"):
            text = text[:-2]
        return text
    # Go: strconv 'e' shortest, then "e-07" -> "e-7"; Python repr gives e.g. "1e-07" / "1e+21".
    mantissa, _, exponent = f"{value!r}".partition("e")
    if not exponent:  # repr chose positional notation; redo in exponent form
        mantissa, _, exponent = f"{value:.17e}".partition("e")
        mantissa = repr(float(mantissa))
    if mantissa.endswith(".0"):
        mantissa = mantissa[:-2]
    sign = exponent[0] if exponent[0] in "+-" else "+"
    digits = exponent.lstrip("+-").lstrip("0") or "0"
    return f"{mantissa}e{sign}{digits}"


def _expand_exponent(text: str) -> str:
    """Positional notation for a repr such as ``1e-05`` or ``1.5e+16`` (shortest digits kept)."""
    from decimal import Decimal

    return format(Decimal(text), "f")


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {key!r}")
            out.append(_string(key))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, byte-identical to Go's ``json.Marshal`` of the same data."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode("utf-8", "surrogatepass")


def dumps_indent(value: Any, indent: str = "  ") -> str:
    """``json.MarshalIndent(value, "", indent)`` text: :func:`dumps` re-laid out like Go's ``json.Indent``."""
    compact = dumps(value).decode("utf-8", "surrogatepass")
    out: list[str] = []
    depth = 0
    in_string = escaped = False
    for i, char in enumerate(compact):
        if in_string:
            out.append(char)
            in_string, escaped = (not (char == '"' and not escaped)), (char == "\\" and not escaped)
        elif char == '"':
            out.append(char)
            in_string = True
        elif char in "[{":
            depth += 1
            out.append(char if compact[i + 1] in "]}" else char + "\n" + indent * depth)
        elif char in "]}":
            depth -= 1
            out.append(char if compact[i - 1] in "[{" else "\n" + indent * depth + char)
        elif char == ",":
            out.append(",\n" + indent * depth)
        elif char == ":":
            out.append(": ")
        else:
            out.append(char)
    return "".join(out)


def sort_maps(value: Any) -> Any:
    """Recursively sort dict keys bytewise (UTF-8), as Go does when marshalling ``map[string]any``."""
    if isinstance(value, dict):
        return {k: sort_maps(value[k]) for k in sorted(value, key=lambda k: str(k).encode("utf-8"))}
    if isinstance(value, list):
        return [sort_maps(v) for v in value]
    return value
