"""From a ``%kit`` line to a result: split, find the verb (or suggest one), parse, run.

Errors leave here as :class:`CommandError` (a bad line) or a ``KitError`` from the api; the magics
class turns both into IPython's ``UsageError`` (one line, no traceback).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from .context import Context
from .parser import ArgumentsError, CommandError, HelpShown
from .verbs import Verb, build_parser, find_verb, overview

__all__ = ["CommandError", "command_lines", "expand", "find_verb", "run_line", "split_line"]


def split_line(line: str) -> list[str]:
    """Shell-like words: quotes group, an unquoted ``#`` starts a comment."""
    try:
        return shlex.split(line, comments=True, posix=True)
    except ValueError as err:
        raise CommandError(f"%kit: cannot split the line: {err} (check the quotes)") from None


def run_line(ctx: Context, line: str) -> Any:
    """Run one ``%kit`` line; ``None`` after help."""
    argv = split_line(line)
    if not argv or argv[0] in ("-h", "--help"):
        print(overview(ctx))
        return None
    verb = find_verb(argv[0])
    try:
        args = build_parser(verb).parse_line(argv[1:])
    except HelpShown:
        return None
    except ArgumentsError as err:
        raise CommandError(str(err)) from None
    assert verb.run is not None
    ctx.verb = verb.name
    return verb.run(ctx, args)


def parse_cell_line(verb: Verb, line: str) -> Any:
    """Parse a cell magic's first line against its table row (``None`` after help)."""
    try:
        return build_parser(verb).parse_line(split_line(line))
    except HelpShown:
        return None
    except ArgumentsError as err:
        raise CommandError(str(err)) from None


def command_lines(cell: str) -> list[str]:
    """The commands of a ``%%kit`` cell: non-blank lines not starting with ``#``; a ``%kit `` prefix is optional."""
    commands = []
    for raw in cell.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for prefix in ("%kit ", "kit "):
            if line.startswith(prefix):
                line = line[len(prefix) :]
        commands.append(line)
    return commands


_GO_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{\{|\}\}", re.S)  # an action, or a stray double brace
_LITERAL = {"\\{": "{{", "\\}": "}}", "\\$": "$$"}


def expand(line: str, namespace: Mapping[str, Any]) -> str:
    """``{expr}`` and ``$name`` from the namespace, as IPython does for a line magic's arguments, except
    that ``{{ … }}`` (a Go template, as in ``list --format '{{ .Repo }}'``) is left exactly as written.

    ``\\{``, ``\\}`` and ``$$`` keep a brace or dollar literal. A part that does not format (an
    unknown name) is left alone, as IPython leaves such a line.
    """
    parts, pos = [], 0
    for match in _GO_TEMPLATE.finditer(line):
        parts += [_expand_plain(line[pos : match.start()], namespace), match.group(0)]
        pos = match.end()
    parts.append(_expand_plain(line[pos:], namespace))
    return "".join(parts)


def _expand_plain(text: str, namespace: Mapping[str, Any]) -> str:
    from IPython.utils.text import DollarFormatter

    escaped = re.sub(r"\\[{}$]", lambda m: _LITERAL[m.group(0)], text)
    try:
        return DollarFormatter().vformat(escaped, args=[], kwargs=dict(namespace))
    except Exception:  # same as IPython's var_expand: leave the text alone when it does not format
        return text
