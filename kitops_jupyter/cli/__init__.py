"""``kitj``: kit's command line over the same ``api`` the ``%kit`` magics use (``python -m kitops_jupyter``).

Named ``kitj`` so it never shadows a real ``kit`` on PATH. Verbs, flags, output lines and exit codes
are kit's (0 on success, 1 on any error, 130 when interrupted); the differences are listed in
``docs/cli-conformance.md``. This adapter imports only ``api``, ``errors`` and
``adapter_helpers.progress_display``.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from ..errors import KitError
from .commands import HANDLERS, Session
from .console import Console
from .verbs import (
    UsageError,
    build_parser,
    global_value_flags,
    normalize_booleans,
    overview,
    unknown_verb,
    verbs,
)

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line; returns the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    console = Console()
    try:
        return _run(words, console)
    except UsageError as err:
        console.error(str(err))
        return EXIT_ERROR
    except KitError as err:
        console.error(str(err))
        return EXIT_ERROR
    except KeyboardInterrupt:
        console.error("Interrupted; nothing half-written was left behind")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as err:  # a bug: say so, show where with -v
        console.error(
            f"internal error: {type(err).__name__}: {err} (please report it; -v shows the traceback)"
        )
        if console.verbose:
            traceback.print_exc()
        return EXIT_ERROR


def _run(words: list[str], console: Console) -> int:
    index = _verb_index(words)
    if index is None:
        if any(w in ("-h", "--help") for w in words) or not words or words == ["help"]:
            console.data(overview())
            return EXIT_OK
        raise UsageError(f"give a command.\n\n{overview()}")
    name = words[index]
    if name == "help":
        topic = words[index + 1 : index + 2]
        if topic and topic[0] in verbs():
            build_parser(verbs()[topic[0]]).print_help()
        else:
            console.data(overview())
        return EXIT_OK
    if name not in verbs():
        raise unknown_verb(name)
    parser = build_parser(verbs()[name])
    try:
        args = parser.parse_args(normalize_booleans(words[:index] + words[index + 1 :]))
    except SystemExit as done:  # --help was printed
        return int(done.code or 0)
    console.configure(args.log_level, args.verbose, args.progress)
    HANDLERS[name](Session(console, args), args)
    return EXIT_OK


def _verb_index(words: list[str]) -> int | None:
    """Where the verb is: the first word that is not a global flag or a global flag's value."""
    takes_value = global_value_flags()
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
        elif word in takes_value:
            skip = True
        elif not word.startswith("-"):
            return index
    return None
