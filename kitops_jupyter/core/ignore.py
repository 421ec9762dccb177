""".kitignore rules with the exact semantics of moby/patternmatcher as kit uses it (kitops-format §3.3).

kit reads ``<context>/.kitignore`` with ``ignorefile.ReadAll`` (dockerignore syntax), appends
``Kitfile``, ``kitfile``, ``.kitfile`` and ``.kitignore``, and asks
``PatternMatcher.MatchesOrParentMatches`` for every walked path: a path is ignored when it or one of
its parent directories matches, the last matching pattern wins and ``!`` patterns re-include.
Patterns are anchored at the context root.

Each pattern is turned into a matcher the way patternmatcher does it: exact, prefix (``foo/**``),
suffix (``**/foo``) or a regular expression. The regular expression is first built in Go's RE2
syntax, character for character as patternmatcher builds it, then parsed the way RE2 parses it and
re-emitted in Python ``re`` syntax, so odd patterns (``[*]``, escapes, ``**`` in the middle) behave
like kit and not like ``fnmatch``. Malformed patterns are rejected where Go rejects them (its
``filepath.Match(pattern, ".")`` check in ``patternmatcher.New``, or ``regexp.Compile`` at first use).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import PackError

__all__ = [
    "ALWAYS_IGNORED",
    "IGNORE_FILE",
    "IgnoreRules",
    "go_clean",
    "go_trim_space",
    "kit_clean",
    "read_ignore_lines",
]

IGNORE_FILE = ".kitignore"
ALWAYS_IGNORED = ("Kitfile", "kitfile", ".kitfile", IGNORE_FILE)
_ESCAPED = set(".+()|{}$")  # regexp metacharacters with no meaning in filepath.Match
_BOM = "\ufeff"


def kit_clean(path: str) -> str:
    """``filepath.Clean(strings.TrimSpace(path))``: how kit normalises paths before matching."""
    return go_clean(go_trim_space(path))


@dataclass(frozen=True)
class _Pattern:
    text: str
    exclusion: bool
    test: Callable[[str], bool]


class IgnoreRules:
    """The compiled ``.kitignore`` patterns plus kit's always-ignored Kitfile names."""

    def __init__(self, patterns: Iterable[str], source: str = IGNORE_FILE) -> None:
        self.source = source
        self._patterns = [_compile(p, source) for p in _normalise(patterns, source)]
        self.has_negation = any(p.exclusion for p in self._patterns)

    @classmethod
    def load(cls, context: Path) -> IgnoreRules:
        """Rules from ``<context>/.kitignore`` (absent file: only the always-ignored names)."""
        path = context / IGNORE_FILE
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls([], source=str(path))
        except OSError as exc:
            raise PackError(f"cannot read {path}: {exc.strerror}; fix its permissions or remove it") from exc
        return cls(read_ignore_lines(data), source=str(path))

    @property
    def patterns(self) -> list[str]:
        """The effective patterns in evaluation order (``!`` marks exclusions)."""
        return [("!" if p.exclusion else "") + p.text for p in self._patterns]

    def matches(self, rel: str) -> bool:
        """True if ``rel`` (context-relative, ``/``-separated) or one of its parents is ignored."""
        path = kit_clean(rel)
        parent = go_clean(path.rpartition("/")[0]) if "/" in path else "."
        parents = _prefixes(parent) if parent != "." else []
        matched = False
        for pattern in self._patterns:
            if pattern.exclusion != matched:
                continue
            if pattern.test(path) or any(pattern.test(p) for p in parents):
                matched = not pattern.exclusion
        return matched


def read_ignore_lines(data: bytes) -> list[str]:
    """``ignorefile.ReadAll``: the patterns of a .kitignore file, in order.

    Lines starting with ``#`` are comments (only in column 1); each other line is trimmed, its
    pattern cleaned like ``filepath.Clean`` and stripped of one leading ``/``.
    """
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out: list[str] = []
    for number, raw in enumerate(lines):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number == 0 and line.startswith(_BOM):
            line = line[1:]
        if line.startswith("#"):
            continue
        line = go_trim_space(line)
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = go_trim_space(line[1:])
        if line:
            line = go_clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        out.append("!" + line if invert else line)
    return out


def _normalise(patterns: Iterable[str], source: str) -> list[tuple[str, bool]]:
    """``patternmatcher.New`` over the file's patterns plus kit's always-ignored names."""
    out: list[tuple[str, bool]] = []
    for raw in [*patterns, *ALWAYS_IGNORED]:
        text = go_trim_space(raw)
        if not text:
            continue
        text = go_clean(text)
        exclusion = text.startswith("!")
        if exclusion:
            if len(text) == 1:
                raise PackError(f'{source}: illegal exclusion pattern "!"; write a path after the "!"')
            text = text[1:]
        out.append((text, exclusion))
    return out


def _prefixes(parent: str) -> list[str]:
    parts = parent.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _compile(item: tuple[str, bool], source: str) -> _Pattern:
    text, exclusion = item
    try:
        _go_match(text, ".")
    except _BadPattern:
        raise PackError(f"{source}: syntax error in pattern {text!r}; fix or remove that line") from None
    return _Pattern(text, exclusion, _matcher(text, source))


def _matcher(text: str, source: str) -> Callable[[str], bool]:
    kind, go_re = _translate(text)
    if kind == "exact":
        return lambda path: path == text
    if kind == "prefix":
        head = text[:-2]
        return lambda path: path.startswith(head)
    if kind == "suffix":
        tail = text[2:]
        return lambda path: path.endswith(tail) or (tail.startswith("/") and path == tail[1:])
    try:
        regex = re.compile(_go_regex_to_python(go_re), re.ASCII)
    except _GoRegexError as exc:
        raise PackError(f"{source}: pattern {text!r} is invalid ({exc}); fix or remove that line") from None
    except _UnsupportedRegex as exc:
        raise PackError(
            f"{source}: pattern {text!r} uses {exc}, which kitops-jupyter does not support; "
            "rewrite it with *, ?, ** and [...] only"
        ) from None
    return lambda path: regex.search(path) is not None


def _translate(pattern: str) -> tuple[str, str]:
    """patternmatcher's ``compile``: the match kind and the Go regular expression it would build."""
    out = ["^"]
    kind = "exact"
    chars = list(pattern)
    pos = 0
    index = 0
    while pos < len(chars):
        ch = chars[pos]
        pos += 1
        if ch == "*":
            if pos < len(chars) and chars[pos] == "*":
                pos += 1
                if pos < len(chars) and chars[pos] == "/":
                    pos += 1
                if pos >= len(chars):
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        out.append(".*")
                        kind = "regexp"
                else:
                    out.append("(.*/)?")
                    kind = "regexp"
                if index == 0:
                    kind = "suffix"
            else:
                out.append("[^/]*")
                kind = "regexp"
        elif ch == "?":
            out.append("[^/]")
            kind = "regexp"
        elif ch in _ESCAPED:
            out.append("\\" + ch)
        elif ch == "\\":
            if pos < len(chars):
                out.append("\\" + chars[pos])
                pos += 1
                kind = "regexp"
            else:
                out.append("\\")
        elif ch in "[]":
            out.append(ch)
            kind = "regexp"
        else:
            out.append(ch)
        index += 1
    return kind, "".join(out) + "$"


# --- Go path helpers -----------------------------------------------------------------------------

_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)


def go_trim_space(text: str) -> str:
    """``strings.TrimSpace``: strip Unicode white space as Go defines it (not Python's set)."""
    return text.strip(_GO_SPACE)


def go_clean(path: str) -> str:
    """``filepath.Clean`` on ``/``-separated paths (``./data/`` -> ``data``, ``""`` -> ``.``)."""
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part != "..":
            parts.append(part)
        elif parts and parts[-1] != "..":
            parts.pop()
        elif not rooted:
            parts.append("..")
    joined = "/".join(parts)
    if rooted:
        return "/" + joined
    return joined or "."


# --- filepath.Match, used by patternmatcher only to reject malformed patterns --------------------


class _BadPattern(Exception):
    pass


def _go_match(pattern: str, name: str) -> bool:
    """``filepath.Match`` (Unix). Raises _BadPattern exactly where Go returns ErrBadPattern."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and not chunk:
            return "/" not in name
        rest, ok = _match_chunk(chunk, name)
        if ok and (not rest or pattern):
            name = rest
            continue
        if star:
            advanced = False
            for i in range(len(name)):
                if name[i] == "/":
                    break
                rest, ok = _match_chunk(chunk, name[i + 1 :])
                if ok and (pattern or not rest):
                    name, advanced = rest, True
                    break
            if advanced:
                continue
        return False
    return not name


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    stripped = pattern.lstrip("*")
    star = len(stripped) != len(pattern)
    in_range = False
    i = 0
    while i < len(stripped):
        ch = stripped[i]
        if ch == "\\" and i + 1 < len(stripped):
            i += 1
        elif ch in "[]":
            in_range = ch == "["
        elif ch == "*" and not in_range:
            return star, stripped[:i], stripped[i:]
        i += 1
    return star, stripped, ""


def _match_chunk(chunk: str, s: str) -> tuple[str, bool]:
    failed = False
    while chunk:
        failed = failed or not s
        ch = chunk[0]
        if ch == "[":
            r = ""
            if not failed:
                r, s = s[0], s[1:]
            chunk = chunk[1:]
            negated = chunk.startswith("^")
            if negated:
                chunk = chunk[1:]
            matched, count = False, 0
            while not (chunk.startswith("]") and count > 0):
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _get_esc(chunk[1:])
                matched = matched or (r != "" and lo <= r <= hi)
                count += 1
            chunk = chunk[1:]
            failed = failed or matched == negated
        elif ch == "?":
            if not failed:
                failed, s = s[0] == "/", s[1:]
            chunk = chunk[1:]
        else:
            if ch == "\\":
                chunk = chunk[1:]
                if not chunk:
                    raise _BadPattern
            if not failed:
                failed, s = chunk[0] != s[0], s[1:]
            chunk = chunk[1:]
    return ("", False) if failed else (s, True)


def _get_esc(chunk: str) -> tuple[str, str]:
    if not chunk or chunk[0] in "-]":
        raise _BadPattern
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise _BadPattern
    ch = chunk[0]
    if 0xDC80 <= ord(ch) <= 0xDCFF or len(chunk) == 1:  # invalid UTF-8 byte, or nothing follows
        raise _BadPattern
    return ch, chunk[1:]


# --- Go RE2 syntax (as patternmatcher generates it) -> Python re ---------------------------------


class _GoRegexError(Exception):
    """Go's regexp.Compile would reject the expression."""


class _UnsupportedRegex(Exception):
    """Valid in Go but not translated here (octal/hex escapes, \\p classes, \\Q...\\E, \\C)."""


_Ranges = list[tuple[int, int]]
_MAX_RUNE = 0x10FFFF


def _spec(text: str) -> _Ranges:
    """``"a-z_"`` -> [(97, 122), (95, 95)]."""
    out, i = [], 0
    while i < len(text):
        if i + 2 < len(text) and text[i + 1] == "-":
            out.append((ord(text[i]), ord(text[i + 2])))
            i += 3
        else:
            out.append((ord(text[i]), ord(text[i])))
            i += 1
    return out


_PERL = {"d": _spec("0-9"), "s": _spec("\t\n\f\r "), "w": _spec("0-9A-Za-z_")}
_POSIX = {
    name: _spec(spec)
    for name, spec in {
        "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\x00-\x7f", "blank": "\t ",
        "cntrl": "\x00-\x1f\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
        "punct": "!-/:-@[-`{-~", "space": "\t\n\v\f\r ", "upper": "A-Z", "word": "0-9A-Za-z_",
        "xdigit": "0-9A-Fa-f",
    }.items()
}  # fmt: skip
_CONTROL = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}


def _complement(ranges: _Ranges) -> _Ranges:
    out, low = [], 0
    for lo, hi in sorted(ranges):
        if lo > low:
            out.append((low, lo - 1))
        low = max(low, hi + 1)
    if low <= _MAX_RUNE:
        out.append((low, _MAX_RUNE))
    return out


def _py_char(code: int) -> str:
    if chr(code).isascii() and chr(code).isalnum():
        return chr(code)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _py_class(ranges: _Ranges, negate: bool = False) -> str:
    if not ranges:
        return "(?s:.)" if negate else "(?!)"
    body = "".join(_py_char(lo) if lo == hi else f"{_py_char(lo)}-{_py_char(hi)}" for lo, hi in ranges)
    return f"[{'^' if negate else ''}{body}]"


def _escaped_code(ch: str) -> int:
    """Go's ``parseEscape`` for a single escaped character."""
    if ch in _CONTROL:
        return _CONTROL[ch]
    if ch.isascii() and not ch.isalnum():
        return ord(ch)
    if ch in "01234567x":
        raise _UnsupportedRegex("an octal or hex escape")
    raise _GoRegexError(f"invalid escape sequence \\{ch}")


def _go_regex_to_python(go: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(go):
        ch = go[i]
        if ch == "\\":
            if i + 1 >= len(go):
                raise _GoRegexError("trailing backslash")
            out.append(_outer_escape(go[i + 1]))
            i += 2
        elif ch == "[":
            ranges, negate, i = _parse_class(go, i)
            out.append(_py_class(ranges, negate))
        elif ch == "$" and i == len(go) - 1:
            out.append(r"\Z")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _outer_escape(ch: str) -> str:
    if ch.lower() in _PERL:
        ranges = _PERL[ch.lower()]
        return _py_class(ranges, negate=ch.isupper())
    if ch in "bBA":
        return "\\" + ch
    if ch == "z":
        return r"\Z"
    if ch in "pPQC":
        raise _UnsupportedRegex(f"the regex escape \\{ch}")
    return _py_class([(_escaped_code(ch),) * 2])


def _parse_class(go: str, start: int) -> tuple[_Ranges, bool, int]:
    """RE2's ``parseClass`` from ``go[start] == '['``: (ranges, negated, index after ``]``)."""
    i = start + 1
    negate = go.startswith("^", i)
    i += negate
    ranges: _Ranges = []
    first = True
    while i >= len(go) or go[i] != "]" or first:
        if i >= len(go):
            raise _GoRegexError("missing closing ]")
        first = False
        named = _named_class(go, i)
        if named is not None:
            more, i = named
            ranges += more
            continue
        if go[i] == "\\" and i + 1 < len(go) and go[i + 1].lower() in _PERL:
            more = _PERL[go[i + 1].lower()]
            ranges += _complement(more) if go[i + 1].isupper() else more
            i += 2
            continue
        lo, i = _class_char(go, i)
        hi = lo
        if len(go) - i >= 2 and go[i] == "-" and go[i + 1] != "]":
            hi, i = _class_char(go, i + 1)
            if hi < lo:
                raise _GoRegexError("invalid character class range")
        ranges.append((lo, hi))
    return ranges, negate, i + 1


def _named_class(go: str, i: int) -> tuple[_Ranges, int] | None:
    if not (len(go) - i > 2 and go.startswith("[:", i)):
        return None
    end = go.find(":]", i + 2)
    if end < 0:
        return None
    name = go[i + 2 : end]
    ranges = _POSIX.get(name.lstrip("^")) if name.count("^") <= 1 else None
    if ranges is None:
        raise _GoRegexError(f"invalid character class [:{name}:]")
    return (_complement(ranges) if name.startswith("^") else ranges), end + 2


def _class_char(go: str, i: int) -> tuple[int, int]:
    if go[i] != "\\":
        return ord(go[i]), i + 1
    if i + 1 >= len(go):
        raise _GoRegexError("trailing backslash")
    if go[i + 1] in "pP":
        raise _UnsupportedRegex(f"the regex escape \\{go[i + 1]}")
    return _escaped_code(go[i + 1]), i + 2
