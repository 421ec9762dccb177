"""Where the command line's text goes, as kit's ``output`` package does it.

Results and status lines (``Model saved: sha256:…``) go to stdout, warnings and errors to stderr
with kit's ``[WARN ]`` / ``[ERROR]`` prefixes. ``-v`` (or ``--log-level debug``) prefixes status
lines with ``[INFO ]`` and adds ``[DEBUG]`` lines, which go to stderr so stdout stays parseable.
Progress is drawn on stderr only when stderr is a terminal (never in pipes, logs or CI), and not
with ``--progress none`` or ``-vvv``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from ..adapter_helpers.progress_display import ProgressSink, make_progress

__all__ = ["LEVELS", "Console"]

LEVELS = {"trace": 0, "debug": 1, "info": 2, "warn": 3, "error": 4}
_PREFIX = {0: "[TRACE] ", 1: "[DEBUG] ", 2: "[INFO ] ", 3: "[WARN ] ", 4: "[ERROR] "}


class Console:
    """kit's log levels and prefixes over two streams."""

    def __init__(
        self,
        level: str = "info",
        verbosity: int = 0,
        progress: str = "plain",
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.configure(level, verbosity, progress)
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr

    def configure(self, level: str, verbosity: int, progress: str) -> None:
        """Apply ``--log-level``, ``-v`` (count) and ``--progress``: the more verbose setting wins."""
        self.level = LEVELS[level]
        if verbosity:
            self.level = min(self.level, LEVELS["info"] - min(verbosity, 2))
        self.progress_style = "none" if verbosity >= 3 else progress

    @property
    def verbose(self) -> bool:
        return self.level < LEVELS["info"]

    def _log(self, level: int, message: str, stream: TextIO) -> None:
        if level < self.level:
            return
        prefix = "" if level == LEVELS["info"] and not self.verbose else _PREFIX[level]
        stream.write(prefix + message.rstrip("\n") + "\n")
        stream.flush()

    def info(self, message: str) -> None:
        """A status line scripts may read (stdout)."""
        self._log(LEVELS["info"], message, self.out)

    def debug(self, message: str) -> None:
        self._log(LEVELS["debug"], message, self.err)

    def warn(self, message: str) -> None:
        self._log(LEVELS["warn"], message, self.err)

    def error(self, message: str) -> None:
        self._log(LEVELS["error"], message, self.err)

    def data(self, text: str) -> None:
        """A command's result (table, JSON, YAML) exactly as given, on stdout."""
        self.out.write(text)
        self.out.flush()

    @contextlib.contextmanager
    def progress(self, description: str) -> Iterator[ProgressSink | None]:
        """A ``(done, total)`` callback drawing on a terminal's stderr, else ``None``."""
        isatty = getattr(self.err, "isatty", None)
        if self.progress_style == "none" or not (callable(isatty) and isatty()):
            yield None
            return
        sink = make_progress(description, "text", stream=self.err)
        try:
            yield sink
        finally:
            sink.close()
