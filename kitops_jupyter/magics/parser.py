"""An argparse parser that never exits the kernel, and "did you mean" suggestions.

Plain ``argparse`` calls ``sys.exit`` on ``--help`` and on every error, which inside a kernel would
at best print a confusing ``SystemExit`` and at worst stop a script. :class:`KitArgumentParser`
raises :class:`ArgumentsError` (a bad line, message ready for the user) or :class:`HelpShown`
(help was printed) instead, and prints help to ``sys.stdout`` so it lands in the cell's output.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

__all__ = ["ArgumentsError", "HelpShown", "KitArgumentParser", "did_you_mean", "suggest"]


class CommandError(Exception):
    """A ``%kit`` line that cannot run as written; ``str()`` says why and what to type instead."""


class ArgumentsError(Exception):
    """The command line is wrong; ``str()`` is the whole message, usage line included."""


class HelpShown(Exception):
    """``--help`` was given and the help text has been printed."""


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The closest ``candidates`` to a mistyped ``word`` (best first)."""
    pool = sorted(set(candidates))
    found = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    if not found and len(word) >= 2:
        found = [c for c in pool if c.startswith(word)][:n]
    return found


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` Did you mean pack?`` (leading space), or an empty string when nothing is close."""
    found = suggest(word, candidates)
    if not found:
        return ""
    return " Did you mean " + " or ".join(found) + "?"


class KitArgumentParser(argparse.ArgumentParser):
    """``ArgumentParser`` for one ``%kit`` verb: raises instead of exiting, suggests flags."""

    def __init__(self, *args: Any, hide_values: bool = False, **kwargs: Any) -> None:
        """``hide_values``: error messages never repeat a value from the line (login, where a stray
        word may be a password)."""
        self.hide_values = hide_values
        kwargs.setdefault("allow_abbrev", False)  # kit's flags are never abbreviated either
        kwargs.setdefault("add_help", True)
        super().__init__(*args, **kwargs)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            raise ArgumentsError(message.strip())
        raise HelpShown()

    def error(self, message: str) -> NoReturn:
        if self.hide_values:  # argparse quotes the values it complains about
            message = re.sub(r"(?<![A-Za-z])'[^']*'(?![A-Za-z])", "(value not shown)", message)
        raise ArgumentsError(f"{self.prog}: {message} (see {self.prog} --help)")

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            sys.stdout.write(message)

    def option_strings(self) -> list[str]:
        """Every flag this parser knows (``-t``, ``--tag``, ``--help``, …)."""
        return [flag for action in self._actions for flag in action.option_strings]

    def parse_line(self, argv: Sequence[str]) -> argparse.Namespace:
        """Parse ``argv``; unknown flags get "did you mean", stray words a clear message."""
        args, extras = self.parse_known_args(list(argv))
        if extras:
            self.error(self._extras_message(extras))
        return args

    def _extras_message(self, extras: list[str]) -> str:
        first = extras[0]
        if first.startswith("-") and first != "-":
            flag = first.split("=", 1)[0]
            return f"unknown option {flag}.{did_you_mean(flag, self.option_strings())}"
        if self.hide_values:
            return (
                f"{len(extras)} unexpected argument(s), not shown: a stray word here may be a password, and a "
                "password is never taken from the cell (if you typed a real one, change it)"
            )
        return f"unexpected argument {first!r}" + (
            f" (and {len(extras) - 1} more)" if len(extras) > 1 else ""
        )
