""".kitignore rules with the exact semantics of moby/patternmatcher as kit uses it (docs/format.md §3.3).

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
Those Go primitives (path cleaning, ``filepath.Match``, RE2 -> ``re``) live in :mod:`.gopattern`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import PackError
from .gopattern import (
    BadPattern,
    GoRegexError,
    UnsupportedRegex,
    go_clean,
    go_match,
    go_regex_to_python,
    go_trim_space,
)

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
        go_match(text, ".")
    except BadPattern:
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
        regex = re.compile(go_regex_to_python(go_re), re.ASCII)
    except GoRegexError as exc:
        raise PackError(f"{source}: pattern {text!r} is invalid ({exc}); fix or remove that line") from None
    except UnsupportedRegex as exc:
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
