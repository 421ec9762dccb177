"""yaml.v3 scalar typing and emitter output.

Expected values were checked against Go's gopkg.in/yaml.v3 v3.0.1 (the version kit v1.7 vendors).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from kitops_jupyter.core.yamlv3 import (
    Timestamp,
    YamlTypeError,
    format_float,
    implicit_tag,
    resolve_scalar,
    short_tag,
)
from kitops_jupyter.core.yamlv3_emit import Fields, emit_document

INT_CASES = [
    ("0", 0),
    ("-0", 0),
    ("+12", 12),
    ("-7", -7),
    ("42", 42),
    ("0x1F", 31),
    ("0X1f", 31),
    ("-0x1F", -31),
    ("0o17", 15),
    ("0O17", 15),
    ("017", 15),  # YAML 1.1 octal, still decoded by yaml.v3
    ("00", 0),
    ("0b101", 5),
    ("-0b101", -5),
    ("0b-101", -5),  # yaml.v3's explicit 0b branch re-parses the rest with a sign
    ("0o-17", -15),
    ("1_000", 1000),
    ("1__0", 10),
    ("0x_1F", 31),
    ("9223372036854775807", 2**63 - 1),
    ("-9223372036854775808", -(2**63)),
    ("9223372036854775808", 2**63),  # uint64
    ("18446744073709551615", 2**64 - 1),
    ("0xFFFFFFFFFFFFFFFF", 2**64 - 1),
]

FLOAT_CASES = [
    ("1.5", 1.5),
    ("1.", 1.0),
    (".5", 0.5),
    ("-.5", -0.5),
    ("+.5", 0.5),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1.2e+3", 1200.0),
    ("1.0", 1.0),
    ("-0.0", -0.0),
    ("08", 8.0),  # not octal: falls through to the float rule
    ("09.5", 9.5),
    (".5_5", 0.55),
    ("1_0.5", 10.5),
    ("1e-400", 0.0),
    ("18446744073709551616", 1.8446744073709552e19),  # beyond uint64
    ("+18446744073709551615", 1.8446744073709552e19),  # ParseUint refuses the sign
    ("-9223372036854775809", -9.223372036854775808e18),
    (".inf", math.inf),
    (".Inf", math.inf),
    (".INF", math.inf),
    ("+.inf", math.inf),
    ("-.inf", -math.inf),
]

SCALAR_CASES: list[tuple[str, Any]] = [
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("False", False),
    ("FALSE", False),
    ("~", None),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("", None),
    # strings: YAML 1.1 booleans, odd spellings, things that are not numbers
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("Off", "Off"),
    ("y", "y"),
    ("tRue", "tRue"),
    ("nan", "nan"),
    ("inf", "inf"),
    ("-.nan", "-.nan"),
    ("1e400", "1e400"),
    (".1e400", ".1e400"),
    ("0x10000000000000000", "0x10000000000000000"),
    ("_1", "_1"),
    ("-", "-"),
    (".", "."),
    ("1.2.3", "1.2.3"),
    ("12:30:45", "12:30:45"),
    ("1:30", "1:30"),
    ("2015-02-30", "2015-02-30"),
    ("2015-01-01T00:00:00", "2015-01-01T00:00:00"),
    ("2015-01-01 00:00:00Z", "2015-01-01 00:00:00Z"),
    ("<<", "<<"),
    ("hello world", "hello world"),
]

TIMESTAMP_CASES = [
    ("2015-01-01", "2015-01-01T00:00:00Z"),
    ("2015-1-2", "2015-01-02T00:00:00Z"),
    ("2016-02-29", "2016-02-29T00:00:00Z"),
    ("0000-02-29", "0000-02-29T00:00:00Z"),
    ("2015-01-01T00:00:00Z", "2015-01-01T00:00:00Z"),
    ("2015-01-01t00:00:00Z", "2015-01-01T00:00:00Z"),
    ("2015-2-3T3:4:5Z", "2015-02-03T03:04:05Z"),
    ("2015-01-01 1:2:3.5", "2015-01-01T01:02:03.5Z"),
    ("2015-01-01  1:2:3", "2015-01-01T01:02:03Z"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.1-05:00"),
    ("2015-01-01T1:2:3.123456789123+05:30", "2015-01-01T01:02:03.123456789+05:30"),
    ("2015-01-01T00:00:00-00:00", "2015-01-01T00:00:00Z"),
    ("2015-01-01T00:00:00,5Z", "2015-01-01T00:00:00.5Z"),
    ("2015-01-01T00:00:00+01:60", "2015-01-01T00:00:00+02:00"),
]


@pytest.mark.parametrize(("text", "expected"), INT_CASES)
def test_plain_ints(text: str, expected: int) -> None:
    value = resolve_scalar(None, text, None)
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize(("text", "expected"), FLOAT_CASES)
def test_plain_floats(text: str, expected: float) -> None:
    value = resolve_scalar(None, text, None)
    assert type(value) is float
    assert value == expected
    assert math.copysign(1, value) == math.copysign(1, expected)


def test_nan() -> None:
    for text in (".nan", ".NaN", ".NAN"):
        assert math.isnan(resolve_scalar(None, text, None))


@pytest.mark.parametrize(("text", "expected"), SCALAR_CASES)
def test_plain_bools_nulls_and_strings(text: str, expected: Any) -> None:
    value = resolve_scalar(None, text, None)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(("text", "expected"), TIMESTAMP_CASES)
def test_timestamps_become_go_time_text(text: str, expected: str) -> None:
    # yaml.v3 decodes timestamp-looking plain scalars into time.Time even for interface{} targets;
    # JSON then prints time.Time as RFC 3339 with nanoseconds (trailing zeros trimmed).
    assert resolve_scalar(None, text, None) == Timestamp(expected)


@pytest.mark.parametrize("style", ["'", '"', "|", ">"])
def test_quoted_and_block_scalars_are_strings(style: str) -> None:
    for text in ("1.10", "true", "", "~", "2015-01-01", "0x1F"):
        assert resolve_scalar(None, text, style) == text


@pytest.mark.parametrize(
    ("tag", "text", "expected"),
    [
        ("tag:yaml.org,2002:str", "1", "1"),
        ("tag:yaml.org,2002:str", "~", "~"),
        ("tag:yaml.org,2002:int", "0x10", 16),
        ("tag:yaml.org,2002:float", "1", 1.0),
        ("tag:yaml.org,2002:bool", "TRUE", True),
        ("tag:yaml.org,2002:null", "", None),
        ("tag:yaml.org,2002:timestamp", "2015-01-01", Timestamp("2015-01-01T00:00:00Z")),
        ("tag:yaml.org,2002:binary", "aGVsbG8=", "hello"),
        ("!custom", "42", "42"),
        ("!", "42", 42),  # the non-specific tag is no tag at all for yaml.v3
    ],
)
def test_explicit_tags(tag: str, text: str, expected: Any) -> None:
    value = resolve_scalar(tag, text, None)
    assert value == expected
    assert type(value) is type(expected)


def test_quoted_with_int_tag_is_an_int() -> None:
    assert resolve_scalar("tag:yaml.org,2002:int", "7", '"') == 7


@pytest.mark.parametrize(
    ("tag", "text", "message"),
    [
        ("tag:yaml.org,2002:int", "abc", "cannot decode !!str `abc` as a !!int"),
        ("tag:yaml.org,2002:int", "1.5", "cannot decode !!float `1.5` as a !!int"),
        ("tag:yaml.org,2002:bool", "yes", "cannot decode !!str `yes` as a !!bool"),
        ("tag:yaml.org,2002:null", "x", "cannot decode !!str `x` as a !!null"),
        ("tag:yaml.org,2002:timestamp", "abc", "cannot decode !!str `abc` as a !!timestamp"),
        ("tag:yaml.org,2002:binary", "@@", "!!binary value is not valid base64"),
    ],
)
def test_explicit_tag_mismatch(tag: str, text: str, message: str) -> None:
    with pytest.raises(YamlTypeError, match=re.escape(message)):
        resolve_scalar(tag, text, None)


def test_short_tag_and_implicit_tag() -> None:
    assert short_tag("tag:yaml.org,2002:int") == "!!int"
    assert short_tag("!") == ""
    assert short_tag(None) == ""
    assert short_tag("!local") == "!local"
    assert [implicit_tag(t) for t in ("1", "1.5", "true", "", "2015-01-01", "x", "<<")] == [
        "!!int",
        "!!float",
        "!!bool",
        "!!null",
        "!!timestamp",
        "!!str",
        "!!str",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (100.0, "100"),
        (1.5, "1.5"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (1e6, "1e+06"),
        (0.0001, "0.0001"),
        (1e-5, "1e-05"),
        (1e-7, "1e-07"),
        (1e21, "1e+21"),
        (1e20, "1e+20"),
        (1.2345678901234567e19, "1.2345678901234567e+19"),
        (0.1, "0.1"),
        (-2.5e-300, "-2.5e-300"),
        (5e-324, "5e-324"),
        (math.inf, ".inf"),
        (-math.inf, "-.inf"),
        (math.nan, ".nan"),
    ],
)
def test_format_float_is_go_g_shortest(value: float, text: str) -> None:
    assert format_float(value) == text


STRING_STYLES = {
    "plain": ("hello world", "hello world"),
    "version": ("1.10", '"1.10"'),
    "bool_word": ("true", '"true"'),
    "old_bool": ("yes", '"yes"'),
    "null_word": ("null", '"null"'),
    "empty": ("", '""'),
    "hex": ("0x1F", '"0x1F"'),
    "date": ("2024-01-02", '"2024-01-02"'),
    "base60": ("1:30", '"1:30"'),
    "tilde": ("~", '"~"'),
    "merge": ("<<", "<<"),
    "colon_space": ("a: b", "'a: b'"),
    "dash": ("- item", "'- item'"),
    "hash": ("a #b", "'a #b'"),
    "indicator": ("@x", "'@x'"),
    "backtick": ("`x", "'`x'"),
    "star": ("*x", "'*x'"),
    "lead": (" x", "' x'"),
    "trail": ("x ", "'x '"),
    "quote": ("it's", "it's"),
    "dq": ('say "hi"', 'say "hi"'),
    "nbsp": ("a\u00a0b", "a\u00a0b"),
    "ls": ("a\u2028b", "'a\u2028  b'"),  # a Unicode line break inside single quotes, then re-indented
    "tab": ("a\tb", '"a\\tb"'),
    "cr": ("a\rb", '"a\\rb"'),
    "emoji": ("\U0001f600", '"\\U0001F600"'),
    "bom": ("\ufeffx", '"\\uFEFF\\x78"'),  # yaml.v3 escapes every character of a BOM-led string
    "trail_space_multi": ("a \nb", '"a \\nb"'),
}


@pytest.mark.parametrize("name", sorted(STRING_STYLES))
def test_string_styles(name: str) -> None:
    value, shown = STRING_STYLES[name]
    assert emit_document(Fields([("k", value, False)])) == f"k: {shown}\n"


def test_literal_blocks_and_chomping() -> None:
    doc = Fields(
        [
            ("clip", "a\nb\n", False),
            ("strip", "a\nb", False),
            ("keep", "a\n\n", False),
            ("lead", "\nx", False),
            ("last", "z", False),
        ]
    )
    assert (
        emit_document(doc)
        == "clip: |\n  a\n  b\nstrip: |-\n  a\n  b\nkeep: |+\n  a\n\nlead: |2-\n  x\nlast: z\n"
    )


def test_nested_collections_and_numbers() -> None:
    value = [1, 1.5, 1e6, True, None, [], {}, [[1, 2], {"a": 1}], {"k": [1]}]
    expected = (
        "root:\n"
        '  "n":\n'
        "    - 1\n    - 1.5\n    - 1e+06\n    - true\n    - null\n    - []\n    - {}\n"
        "    - - - 1\n        - 2\n      - a: 1\n"
        "    - k:\n        - 1\n"
    )
    assert emit_document(Fields([("root", {"n": value}, False)])) == expected


def test_map_keys_in_yaml_v3_natural_order() -> None:
    keys = ["a10", "a2", "a1", "B", "b", "_x", "10", "9", "a01", "a001", "ab", "a", "x1y", "xay", "é", "Z"]
    text = emit_document(Fields([("p", dict.fromkeys(keys, 1), False)]))
    order = [line.split(":")[0].strip().strip('"') for line in text.splitlines()[1:]]
    assert order == [
        "_x",
        "9",
        "10",
        "B",
        "Z",
        "a",
        "a1",
        "a01",
        "a001",
        "a2",
        "a10",
        "ab",
        "b",
        "x1y",
        "xay",
        "é",
    ]


def test_flow_sequence_quoting() -> None:
    authors = ["a, b", "", "true", "x\ny", "it's", "plain", 'q"\nr']
    text = emit_document(Fields([("authors", authors, True)]))
    assert text == 'authors: [\'a, b\', "", "true", "x\\ny", it\'s, plain, "q\\"\\nr"]\n'


def test_flow_mapping_separates_its_pairs() -> None:
    value = Fields([("a", 1, False), ("b", "x y", False), ("c", "", False)])
    assert emit_document(Fields([("m", value, True)])) == 'm: {a: 1, b: x y, c: ""}\n'


def test_empty_struct_is_flow_braces() -> None:
    assert emit_document(Fields([("a", "", False), ("model", Fields([]), False)])) == 'a: ""\nmodel: {}\n'


def test_long_strings_are_not_wrapped() -> None:
    value = " ".join(["word"] * 60)
    assert emit_document(Fields([("d", value, False)])) == f"d: {value}\n"
