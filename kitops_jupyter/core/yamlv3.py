"""YAML scalar typing exactly as Go's ``gopkg.in/yaml.v3`` does it (docs/format.md §1.2).

kit decodes ``parameters`` into a Go ``interface{}``, so a plain scalar becomes whatever yaml.v3's
resolver says: int (decimal, ``0x``/``0o``/``0b``, legacy ``0777`` octal, underscores ignored),
float64, bool (``true``/``True``/``TRUE`` only), nil, a timestamp (``time.Time``) or a string.
``yes``/``no``/``on``/``off`` stay strings; quoted and block scalars are always strings; explicit
tags are honoured. The same resolver decides, on output, which strings must be quoted.

Timestamps are kept as :class:`Timestamp`, holding the RFC 3339 text Go prints for the ``time.Time``.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["Timestamp", "YamlTypeError", "format_float", "implicit_tag", "resolve_scalar", "short_tag"]

NULL, BOOL, STR, INT, FLOAT = "!!null", "!!bool", "!!str", "!!int", "!!float"
TIMESTAMP, BINARY, MERGE = "!!timestamp", "!!binary", "!!merge"
_LONG_PREFIX = "tag:yaml.org,2002:"
_RESOLVABLE = {"", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP}
_QUOTED_STYLES = {"'", '"', "|", ">"}

_MAP: dict[str, tuple[str, Any]] = {}
for _tag, _value, _spellings in (
    (BOOL, True, ("true", "True", "TRUE")),
    (BOOL, False, ("false", "False", "FALSE")),
    (NULL, None, ("", "~", "null", "Null", "NULL")),
    (FLOAT, float("nan"), (".nan", ".NaN", ".NAN")),
    (FLOAT, float("inf"), (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")),
    (FLOAT, float("-inf"), ("-.inf", "-.Inf", "-.INF")),
    (MERGE, "<<", ("<<",)),
):
    for _spelling in _spellings:
        _MAP[_spelling] = (_tag, _value)

_HINTS = {**dict.fromkeys("+-", "S"), **dict.fromkeys("0123456789", "D"), **dict.fromkeys("yYnNtTfFoO~", "M")}
_HINTS["."] = "."
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+(_[0-9]+)*([eE][-+]?[0-9]+(_[0-9]+)*)?")
_INT64 = (-(2**63), 2**63)


class YamlTypeError(ValueError):
    """A scalar whose explicit tag does not fit its text, e.g. ``!!int abc``."""


@dataclass(frozen=True)
class Timestamp:
    """A YAML timestamp as Go's ``time.Time``; ``text`` is ``Format(time.RFC3339Nano)`` of it."""

    text: str

    def __str__(self) -> str:
        return self.text


def short_tag(tag: str | None) -> str:
    """``tag:yaml.org,2002:int`` -> ``!!int``; ``None``/``!`` (non-specific) -> ``""``."""
    if not tag or tag == "!":
        return ""
    if tag.startswith(_LONG_PREFIX):
        return "!!" + tag[len(_LONG_PREFIX) :]
    return tag


def implicit_tag(value: str) -> str:
    """The tag yaml.v3 gives an untagged plain scalar (``resolve("", value)``)."""
    return _resolve("", value)[0]


def resolve_scalar(tag: str | None, value: str, style: str | None) -> Any:
    """Decode one scalar into what Go's ``interface{}`` would hold.

    ``tag`` is the explicit tag (``None`` or ``""`` when absent), ``style`` the PyYAML style
    (``None`` for plain). Raises :class:`YamlTypeError` when an explicit tag cannot hold the text.
    """
    stag = short_tag(tag)
    if stag == STR or (not stag and style in _QUOTED_STYLES):
        return value
    rtag, out = _resolve(stag, value)
    if rtag == BINARY:
        return _decode_binary(value)
    return out


def _decode_binary(value: str) -> str:
    try:
        data = base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
        return data.decode("utf-8")
    except (binascii.Error, ValueError):
        raise YamlTypeError("!!binary value is not valid base64 of UTF-8 text") from None


def _resolve(tag: str, text: str) -> tuple[str, Any]:
    if tag not in _RESOLVABLE:
        return tag, text
    rtag, out = _resolve_untagged(tag, text)
    if tag in ("", rtag, STR, BINARY):
        return rtag, out
    if tag == FLOAT and rtag == INT:
        return FLOAT, float(out)
    raise YamlTypeError(f"cannot decode {rtag} `{text}` as a {tag}")


def _resolve_untagged(tag: str, text: str) -> tuple[str, Any]:
    hint = _HINTS.get(text[0], "") if text else "N"
    if not hint or tag == STR:
        return STR, text
    if text in _MAP:
        return _MAP[text]
    if hint == ".":
        value = _go_float(text) if _DOT_FLOAT.fullmatch(text) else None
        return (FLOAT, value) if value is not None else (STR, text)
    if hint in "DS":
        if tag in ("", TIMESTAMP):
            stamp = parse_timestamp(text)
            if stamp is not None:
                return TIMESTAMP, stamp
        number = _resolve_number(text.replace("_", ""))
        if number is not None:
            return number
    return STR, text


def _resolve_number(plain: str) -> tuple[str, Any] | None:
    value = go_parse_int(plain, 0)
    if value is not None and (_INT64[0] <= value < _INT64[1] or (plain[0] != "+" and 0 <= value < 2**64)):
        return INT, value
    if _YAML_FLOAT.fullmatch(plain):
        number = _go_float(plain)
        if number is not None:
            return FLOAT, number
    for prefix, base in (("0b", 2), ("0o", 8)):
        if plain.startswith(prefix):
            value = go_parse_int(plain[2:], base)
            unsigned = go_parse_int(plain[2:], base, signed=False)
            if value is not None and _INT64[0] <= value < _INT64[1]:
                return INT, value
            if unsigned is not None and unsigned < 2**64:
                return INT, unsigned
        elif plain.startswith("-" + prefix):
            value = go_parse_int("-" + plain[3:], base)
            if value is not None and _INT64[0] <= value < _INT64[1]:
                return INT, value
    return None


def _go_float(text: str) -> float | None:
    """``strconv.ParseFloat`` for already-validated decimal text; ``None`` when out of range."""
    value = float(text.replace("_", ""))
    return None if value in (float("inf"), float("-inf")) else value


def go_parse_int(text: str, base: int, *, signed: bool = True) -> int | None:
    """Go ``strconv.ParseInt``/``ParseUint`` syntax (no range check); ``None`` on a syntax error."""
    negative = False
    if signed and text[:1] in ("+", "-"):
        negative, text = text[0] == "-", text[1:]
    if not text:
        return None
    if base == 0:
        base, text = _base_prefix(text)
    value = 0
    for char in text:
        digit = (
            int(char)
            if "0" <= char <= "9"
            else (ord(char.lower()) - 87 if "a" <= char.lower() <= "z" else 99)
        )
        if digit >= base:
            return None
        value = value * base + digit
    return -value if negative else value


def _base_prefix(text: str) -> tuple[int, str]:
    if text[0] != "0":
        return 10, text
    if len(text) >= 3 and text[1].lower() in "box":
        return {"b": 2, "o": 8, "x": 16}[text[1].lower()], text[2:]
    return 8, text[1:]


_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_CLOCK = r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?"
_STAMP_FORMS = (
    re.compile(_DATE + "T" + _CLOCK + r"(Z|[+-][0-9]{2}:[0-9]{2})"),
    re.compile(_DATE + "t" + _CLOCK + r"(Z|[+-][0-9]{2}:[0-9]{2})"),
    re.compile(_DATE + " +" + _CLOCK),
    re.compile(_DATE),
)


def parse_timestamp(text: str) -> Timestamp | None:
    """yaml.v3's ``parseTimestamp``: the four ``time.Parse`` layouts it tries, or ``None``."""
    for form in _STAMP_FORMS:
        match = form.fullmatch(text)
        if match:
            groups = list(match.groups()) + [None] * (8 - len(match.groups()))
            stamp = _build_timestamp(groups)
            if stamp is not None:
                return stamp
    return None


def _build_timestamp(groups: list[str | None]) -> Timestamp | None:
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in groups[:6])
    fraction, zone = groups[6] or "", groups[7]
    # Go's proleptic year 0 is a leap year, like 2000 (calendar.monthrange cannot take year 0)
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year or 2000, month)[1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = _zone_offset(zone)
    if offset is None:
        return None
    digits = fraction[:9].ljust(9, "0").rstrip("0")
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    return Timestamp(text + (f".{digits}" if digits else "") + _format_offset(offset))


def _zone_offset(zone: str | None) -> int | None:
    if zone is None or zone == "Z":
        return 0
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours > 24 or minutes > 60:
        return None
    seconds = (hours * 60 + minutes) * 60
    return -seconds if zone[0] == "-" else seconds


def _format_offset(seconds: int) -> str:
    if seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_float(value: float) -> str:
    """Go ``strconv.FormatFloat(value, 'g', -1, 64)`` with yaml.v3's ``.inf``/``.nan`` spellings."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + int(exponent)  # decimal point position, as strconv's decimal.dp
    text = _format_e(digits, point) if not -4 <= point - 1 < 6 else _format_f(digits, point)
    return ("-" if sign else "") + text


def _format_e(digits: str, point: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = point - 1
    return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _format_f(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]
