"""Go's path and pattern primitives as moby/patternmatcher uses them (docs/format.md §3.3).

- ``go_trim_space`` / ``go_clean``: ``strings.TrimSpace`` and ``filepath.Clean`` on ``/`` paths;
- ``go_match``: ``filepath.Match`` (Unix), which patternmatcher calls only to reject malformed
  patterns, raising :class:`BadPattern` exactly where Go returns ``ErrBadPattern``;
- ``go_regex_to_python``: the RE2 expressions patternmatcher builds, parsed the way RE2 parses them
  and re-emitted in Python ``re`` syntax; :class:`GoRegexError` where ``regexp.Compile`` would fail,
  :class:`UnsupportedRegex` for valid RE2 that is not translated.

No .kitignore semantics live here; see :mod:`.ignore`.
"""

from __future__ import annotations

__all__ = [
    "BadPattern",
    "GoRegexError",
    "UnsupportedRegex",
    "go_clean",
    "go_match",
    "go_regex_to_python",
    "go_trim_space",
]

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


class BadPattern(Exception):
    """``filepath.ErrBadPattern``: the pattern is malformed."""


def go_match(pattern: str, name: str) -> bool:
    """``filepath.Match`` (Unix). Raises BadPattern exactly where Go returns ErrBadPattern."""
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
                    raise BadPattern
            if not failed:
                failed, s = chunk[0] != s[0], s[1:]
            chunk = chunk[1:]
    return ("", False) if failed else (s, True)


def _get_esc(chunk: str) -> tuple[str, str]:
    if not chunk or chunk[0] in "-]":
        raise BadPattern
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise BadPattern
    ch = chunk[0]
    if 0xDC80 <= ord(ch) <= 0xDCFF or len(chunk) == 1:  # invalid UTF-8 byte, or nothing follows
        raise BadPattern
    return ch, chunk[1:]


# --- Go RE2 syntax (as patternmatcher generates it) -> Python re ---------------------------------


class GoRegexError(Exception):
    """Go's regexp.Compile would reject the expression."""


class UnsupportedRegex(Exception):
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
        "alnum": "0-9A-Za-z",
        "alpha": "A-Za-z",
        "ascii": "\x00-\x7f",
        "blank": "\t ",
        "cntrl": "\x00-\x1f\x7f",
        "digit": "0-9",
        "graph": "!-~",
        "lower": "a-z",
        "print": " -~",
        "punct": "!-/:-@[-`{-~",
        "space": "\t\n\v\f\r ",
        "upper": "A-Z",
        "word": "0-9A-Za-z_",
        "xdigit": "0-9A-Fa-f",
    }.items()
}
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
        raise UnsupportedRegex("an octal or hex escape")
    raise GoRegexError(f"invalid escape sequence \\{ch}")


def go_regex_to_python(go: str) -> str:
    """Re-emit a Go RE2 expression (as patternmatcher builds them) in Python ``re`` syntax."""
    out: list[str] = []
    i = 0
    while i < len(go):
        ch = go[i]
        if ch == "\\":
            if i + 1 >= len(go):
                raise GoRegexError("trailing backslash")
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
        raise UnsupportedRegex(f"the regex escape \\{ch}")
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
            raise GoRegexError("missing closing ]")
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
                raise GoRegexError("invalid character class range")
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
        raise GoRegexError(f"invalid character class [:{name}:]")
    return (_complement(ranges) if name.startswith("^") else ranges), end + 2


def _class_char(go: str, i: int) -> tuple[int, int]:
    if go[i] != "\\":
        return ord(go[i]), i + 1
    if i + 1 >= len(go):
        raise GoRegexError("trailing backslash")
    if go[i + 1] in "pP":
        raise UnsupportedRegex(f"the regex escape \\{go[i + 1]}")
    return _escaped_code(go[i + 1]), i + 2
