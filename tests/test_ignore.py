""".kitignore semantics must equal moby/patternmatcher + ignorefile as kit uses them (docs/format.md §3.3).

``TABLE`` was produced by running Go (patternmatcher v0.6.0, the version kit v1.7 pins) over ``PATHS``
with ``ignorefile.ReadAll`` + kit's four always-ignored names + ``MatchesOrParentMatches``. Each key is
the whole .kitignore text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kitops_jupyter.core.ignore import IgnoreRules, go_clean, go_trim_space, kit_clean, read_ignore_lines
from kitops_jupyter.errors import PackError

PATHS: list[str] = [
    "a",
    "a/b",
    "a/b/c",
    "a/b/c.txt",
    "data",
    "data/x.csv",
    "data2/x.csv",
    "data-v2/y",
    "foo",
    "foo.txt",
    "x/foo.txt",
    "x/y/foo.txt",
    "Kitfile",
    "sub/Kitfile",
    ".kitignore",
    "model.pt",
    "models/model.pt",
    "a.b",
    "axb",
    "a+b",
    "a(b)",
    "[x]",
    "x",
    "dir/sub/file",
    "dir/file",
    "__pycache__/m.pyc",
    "pkg/__pycache__/m.pyc",
    "é/ü.txt",
    "é",
    "weird name",
    "a\\b",
    "a*b",
    "a?b",
    "q/a/b/c/d",
    "b/c",
    "c",
    "foo/bar/baz",
    "foo/baz",
    "abc",
    "ab",
    "a/bc",
    ".git/config",
    ".hidden",
    "x/.hidden",
    "tmp",
    "tmp/a.log",
    "logs/2024/a.log",
    "a.log",
    "$x",
    "a{1,2}",
    "a|b",
    "^a",
    "a^",
    "caret^",
    "d/e/f/g/h",
    "1",
    "a1",
    "-",
]
# pattern file -> (has_negation, paths ignored besides the root Kitfile and .kitignore); from Go.
# One row per pattern, as the Go table they come from (`# fmt: off` keeps the rows).
# fmt: off
TABLE: dict[str, tuple[bool, list[str] | str]] = {
    "*.txt": (False, ["foo.txt"]),
    "**/*.txt": (False, ["a/b/c.txt", "foo.txt", "x/foo.txt", "x/y/foo.txt", "é/ü.txt"]),
    "**/foo.txt": (False, ["foo.txt", "x/foo.txt", "x/y/foo.txt"]),
    "foo*": (False, ["foo", "foo.txt", "foo/bar/baz", "foo/baz"]),
    "data": (False, ["data", "data/x.csv"]),
    "data/": (False, ["data", "data/x.csv"]),
    "/data": (False, ["data", "data/x.csv"]),
    "./data": (False, ["data", "data/x.csv"]),
    "data/**": (False, ["data/x.csv"]),
    "**": (False, "ALL"),
    "*": (False, "ALL"),
    "a/**/c": (False, ["a/b/c"]),
    "a/**": (False, ["a/b", "a/b/c", "a/b/c.txt", "a/bc"]),
    "**/__pycache__": (False, ["__pycache__/m.pyc", "pkg/__pycache__/m.pyc"]),
    "*/__pycache__": (False, ["pkg/__pycache__/m.pyc"]),
    "a?b": (False, ["a.b", "axb", "a+b", "a\\b", "a*b", "a?b", "a|b"]),
    "a[bx]b": (False, ["axb"]),
    "a[^x]b": (False, ["a/b", "a/b/c", "a/b/c.txt", "a.b", "a+b", "a\\b", "a*b", "a?b", "a|b"]),
    "a[!x]b": (False, ["axb"]),
    "[a-c]": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "b/c", "c", "a/bc"]),
    "[x]": (False, ["x/foo.txt", "x/y/foo.txt", "x", "x/.hidden"]),
    "\\[x\\]": (False, ["[x]"]),
    "a\\*b": (False, ["a*b"]),
    "a\\?b": (False, ["a?b"]),
    "a\\\\b": (False, ["a\\b"]),
    "a\\b": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "a/bc"]),
    "a+b": (False, ["a+b"]),
    "a(b)": (False, ["a(b)"]),
    "$x": (False, ["$x"]),
    "a{1,2}": (False, ["a{1,2}"]),
    "a|b": (False, ["a|b"]),
    "^a": (False, ["^a"]),
    "a^": (False, ["a^"]),
    "*.log\n!important.log": (True, ["a.log"]),
    "tmp\n!tmp/a.log": (True, ["tmp"]),
    "**/*.log\n!logs/**": (True, ["tmp/a.log", "a.log"]),
    "#comment\n*.pt": (False, ["model.pt"]),
    " #x\nfoo": (False, ["foo", "foo/bar/baz", "foo/baz"]),
    "  foo.txt  ": (False, ["foo.txt"]),
    "!foo": (True, []),
    "a/b\n!a/b/c": (True, ["a/b", "a/b/c.txt"]),
    "a\n!a/b/c.txt": (True, ["a", "a/b", "a/b/c", "a/bc"]),
    "*\n!data": (True, ["a", "a/b", "a/b/c", "a/b/c.txt", "data2/x.csv", "data-v2/y", "foo", "foo.txt", "x/foo.txt", "x/y/foo.txt", "sub/Kitfile", "model.pt", "models/model.pt", "a.b", "axb", "a+b", "a(b)", "[x]", "x", "dir/sub/file", "dir/file", "__pycache__/m.pyc", "pkg/__pycache__/m.pyc", "é/ü.txt", "é", "weird name", "a\\b", "a*b", "a?b", "q/a/b/c/d", "b/c", "c", "foo/bar/baz", "foo/baz", "abc", "ab", "a/bc", ".git/config", ".hidden", "x/.hidden", "tmp", "tmp/a.log", "logs/2024/a.log", "a.log", "$x", "a{1,2}", "a|b", "^a", "a^", "caret^", "d/e/f/g/h", "1", "a1", "-"]),
    "*\n!data/**": (True, ["a", "a/b", "a/b/c", "a/b/c.txt", "data", "data2/x.csv", "data-v2/y", "foo", "foo.txt", "x/foo.txt", "x/y/foo.txt", "sub/Kitfile", "model.pt", "models/model.pt", "a.b", "axb", "a+b", "a(b)", "[x]", "x", "dir/sub/file", "dir/file", "__pycache__/m.pyc", "pkg/__pycache__/m.pyc", "é/ü.txt", "é", "weird name", "a\\b", "a*b", "a?b", "q/a/b/c/d", "b/c", "c", "foo/bar/baz", "foo/baz", "abc", "ab", "a/bc", ".git/config", ".hidden", "x/.hidden", "tmp", "tmp/a.log", "logs/2024/a.log", "a.log", "$x", "a{1,2}", "a|b", "^a", "a^", "caret^", "d/e/f/g/h", "1", "a1", "-"]),
    "**/.hidden": (False, [".hidden", "x/.hidden"]),
    ".*": (False, [".git/config", ".hidden"]),
    "d/**/h": (False, ["d/e/f/g/h"]),
    "d/**/e/**": (False, ["d/e/f/g/h"]),
    "**/e/**": (False, ["d/e/f/g/h"]),
    "**foo": (False, ["foo", "foo/bar/baz", "foo/baz"]),
    "foo**": (False, ["foo", "foo.txt", "foo/bar/baz", "foo/baz"]),
    "a**": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "a.b", "axb", "a+b", "a(b)", "a\\b", "a*b", "a?b", "abc", "ab", "a/bc", "a.log", "a{1,2}", "a|b", "a^", "a1"]),
    "**a": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "data", "data/x.csv", "q/a/b/c/d", "a/bc", "^a"]),
    "***": (False, "ALL"),
    "**/**": (False, "ALL"),
    "a/**/**/c": (False, ["a/b/c"]),
    "x*[-a]": (False, []),
    "[[:digit:]]": (False, ["1"]),
    "a[[:digit:]]": (False, ["a1"]),
    "[[:alpha:]]*": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "data", "data/x.csv", "data2/x.csv", "data-v2/y", "foo", "foo.txt", "x/foo.txt", "x/y/foo.txt", "sub/Kitfile", "model.pt", "models/model.pt", "a.b", "axb", "a+b", "a(b)", "x", "dir/sub/file", "dir/file", "pkg/__pycache__/m.pyc", "weird name", "a\\b", "a*b", "a?b", "q/a/b/c/d", "b/c", "c", "foo/bar/baz", "foo/baz", "abc", "ab", "a/bc", "x/.hidden", "tmp", "tmp/a.log", "logs/2024/a.log", "a.log", "a{1,2}", "a|b", "a^", "caret^", "d/e/f/g/h", "a1"]),
    "a*b\\": (False, []),
    "a/../b": (False, ["b/c"]),
    "../a": (False, []),
    "/": (False, []),
    ".": (False, []),
    "..": (False, []),
    "é": (False, ["é/ü.txt", "é"]),
    "é/*": (False, ["é/ü.txt"]),
    "?": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "x/foo.txt", "x/y/foo.txt", "x", "é/ü.txt", "é", "q/a/b/c/d", "b/c", "c", "a/bc", "x/.hidden", "d/e/f/g/h", "1", "-"]),
    "??": (False, ["ab", "$x", "^a", "a^", "a1"]),
    "*/*": (False, ["a/b", "a/b/c", "a/b/c.txt", "data/x.csv", "data2/x.csv", "data-v2/y", "x/foo.txt", "x/y/foo.txt", "sub/Kitfile", "models/model.pt", "dir/sub/file", "dir/file", "__pycache__/m.pyc", "pkg/__pycache__/m.pyc", "é/ü.txt", "q/a/b/c/d", "b/c", "foo/bar/baz", "foo/baz", "a/bc", ".git/config", "x/.hidden", "tmp/a.log", "logs/2024/a.log", "d/e/f/g/h"]),
    "*/*/*": (False, ["a/b/c", "a/b/c.txt", "x/y/foo.txt", "dir/sub/file", "pkg/__pycache__/m.pyc", "q/a/b/c/d", "foo/bar/baz", "logs/2024/a.log", "d/e/f/g/h"]),
    "a/b/": (False, ["a/b", "a/b/c", "a/b/c.txt"]),
    "a//b": (False, ["a/b", "a/b/c", "a/b/c.txt"]),
    "﻿*.txt": (False, ["foo.txt"]),
    "*.txt\r\n*.log\r\n": (False, ["foo.txt", "a.log"]),
    "\\a": (False, []),
    "\\d": (False, ["1"]),
    "a\\.b": (False, ["a.b"]),
    "[\\d]": (False, ["1"]),
    "[a\\]]b": (False, ["ab"]),
    "[^/]": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "x/foo.txt", "x/y/foo.txt", "x", "é/ü.txt", "é", "q/a/b/c/d", "b/c", "c", "a/bc", "x/.hidden", "d/e/f/g/h", "1", "-"]),
    "a[*]": (False, []),
    "a[?]b": (False, []),
    "[*]": (False, []),
    "weird name": (False, ["weird name"]),
    "weird*": (False, ["weird name"]),
    "\\-": (False, ["-"]),
    "1": (False, ["1"]),
    "[0-9]": (False, ["1"]),
    "[^0-9]": (False, ["a", "a/b", "a/b/c", "a/b/c.txt", "x/foo.txt", "x/y/foo.txt", "x", "é/ü.txt", "é", "q/a/b/c/d", "b/c", "c", "a/bc", "x/.hidden", "d/e/f/g/h", "-"]),
}
ERRORS: list[str] = ["!", "[", "a[", "a[]", "a[]]", "a[-]", "[-a]", "a*[", "a\\", "[z-a]", "a\\1"]
# fmt: on


def _rules(text: str) -> IgnoreRules:
    return IgnoreRules(read_ignore_lines(text.encode()))


@pytest.mark.parametrize("text", sorted(TABLE))
def test_matches_like_go_patternmatcher(text: str) -> None:
    negation, expected = TABLE[text]
    rules = _rules(text)
    want = set(PATHS) if expected == "ALL" else {*expected, "Kitfile", ".kitignore"}
    assert {p for p in PATHS if rules.matches(p)} == want
    assert rules.has_negation is negation


def test_negated_perl_classes_take_the_characters_next_to_their_ranges() -> None:
    assert _rules("[\\D]").matches(":") and not _rules("[\\D]").matches("5")  # ':' follows '9'
    assert _rules("[\\W]").matches("[") and not _rules("[\\W]").matches("_")  # '[' follows 'Z'


@pytest.mark.parametrize("text", ERRORS)
def test_patterns_go_rejects_raise_pack_error(text: str) -> None:
    with pytest.raises(PackError, match=r"\.kitignore"):
        _rules(text)


def test_unsupported_regex_escape_is_reported_not_guessed() -> None:
    with pytest.raises(PackError, match="does not support"):
        _rules("x\\x41")  # valid for Go (hex escape) but not translated


def test_always_ignored_names_are_root_only_and_cannot_be_reincluded() -> None:
    rules = _rules("!Kitfile\n!.kitignore\n")
    for name in ("Kitfile", "kitfile", ".kitfile", ".kitignore"):
        assert rules.matches(name)
    assert not rules.matches("src/Kitfile") and not rules.matches("src/.kitignore")
    assert rules.has_negation


def test_read_ignore_lines_like_ignorefile() -> None:
    data = "\ufeff# c\n  # not a comment  \n\n /abs/./x/../y \r\n!  ./neg/ \n!\n//\nlast".encode()
    assert read_ignore_lines(data) == ["# not a comment", "abs/y", "!neg", "!", "/", "last"]


def test_load_reads_context_file_and_missing_file_means_defaults(tmp_path: Path) -> None:
    assert IgnoreRules.load(tmp_path).patterns == ["Kitfile", "kitfile", ".kitfile", ".kitignore"]
    (tmp_path / ".kitignore").write_text("*.tmp\n!keep.tmp\n")
    rules = IgnoreRules.load(tmp_path)
    assert rules.patterns[:2] == ["*.tmp", "!keep.tmp"]
    assert rules.matches("a.tmp") and not rules.matches("keep.tmp") and rules.has_negation
    assert rules.source == str(tmp_path / ".kitignore")


def test_parent_directory_match_ignores_children() -> None:
    rules = _rules("build\n")
    assert rules.matches("build/x/y.o") and not rules.matches("src/build/x")


def test_last_matching_pattern_wins() -> None:
    rules = _rules("*.log\n!keep.log\nkeep.log\n")
    assert rules.matches("keep.log")


@pytest.mark.parametrize(
    ("path", "clean"),
    [
        ("", "."),
        ("./data/", "data"),
        ("a//b/./c/..", "a/b"),
        ("../x", "../x"),
        ("/../a", "/a"),
        ("a/../..", ".."),
    ],
)
def test_go_clean(path: str, clean: str) -> None:
    assert go_clean(path) == clean


def test_kit_clean_trims_go_white_space_only() -> None:
    assert kit_clean("\u3000 ./data/ \t") == "data"
    assert go_trim_space("\x1cx\x1c") == "\x1cx\x1c"  # Python's str.strip() would remove these
