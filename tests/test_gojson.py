"""Go encoding/json byte compatibility (expected values produced by Go's json.Marshal)."""

from __future__ import annotations

import math

import pytest

from kitops_jupyter.core.gojson import dumps, dumps_indent, sort_maps


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (1.5, "1.5"),
        (1e-6, "0.000001"),
        (9.999999e-7, "9.999999e-7"),
        (1e-7, "1e-7"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (123456789012345678.0, "123456789012345680"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (0.1, "0.1"),
        (1 / 3, "0.3333333333333333"),
        (9007199254740993.0, "9007199254740992"),
        (1e15, "1000000000000000"),
        (1.5e-7, "1.5e-7"),
        (100.0, "100"),
        (12345.678, "12345.678"),
        (-2.5e-10, "-2.5e-10"),
        (2.5e25, "2.5e+25"),
    ],
)
def test_floats_like_go(value: float, text: str) -> None:
    assert dumps(value) == text.encode()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="JSON cannot hold"):
        dumps(value)


def test_ints_bools_null() -> None:
    assert (
        dumps([0, -1, 2**63, 2**64 - 1, True, False, None])
        == b"[0,-1,9223372036854775808,18446744073709551615,true,false,null]"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("<>&", r'"\u003c\u003e\u0026"'),
        ("\u2028\u2029", r'"\u2028\u2029"'),
        ("\x00\x1f\x7f", '"\\u0000\\u001f\x7f"'),
        ('\b\f\n\r\t"\\', r'"\b\f\n\r\t\"\\"'),
        ("é日本😀", '"é日本😀"'),
        ("\ud800", '"\ufffd"'),
    ],
)
def test_strings_like_go(value: str, text: str) -> None:
    assert dumps(value) == text.encode("utf-8")


def test_compact_and_order_preserving() -> None:
    assert dumps({"b": [1, {"z": 1, "a": 2}], "a": {}}) == b'{"b":[1,{"z":1,"a":2}],"a":{}}'


def test_non_string_keys_and_unknown_types_are_refused() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        dumps({1: "x"})
    with pytest.raises(TypeError, match="cannot encode set"):
        dumps({"x"})


def test_sort_maps_is_bytewise_and_recursive() -> None:
    value = {"é": 1, "b": [{"z": 1, "B": 2}], "a": 3, "Z": 4, "_": 5, "10": 6, "9": 7}
    assert dumps(sort_maps(value)) == '{"10":6,"9":7,"Z":4,"_":5,"a":3,"b":[{"B":2,"z":1}],"é":1}'.encode()


def test_dumps_indent_like_marshal_indent() -> None:
    value = {"a": [1.0, {}, [], {"b": 'x"y\\', "c": "<,:>"}], "e": None}
    assert dumps_indent(value) == (
        '{\n  "a": [\n    1,\n    {},\n    [],\n    {\n      "b": "x\\"y\\\\",\n'
        '      "c": "\\u003c,:\\u003e"\n    }\n  ],\n  "e": null\n}'
    )
    assert dumps_indent([]) == "[]"
    assert dumps_indent({"k": "\u2028"}, "\t") == '{\n\t"k": "\\u2028"\n}'
