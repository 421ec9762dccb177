"""The ``KitMagics`` class: ``%kit`` / ``%%kit`` and ``%%kitfile``, registered by ``%load_ext kitops_jupyter``.

Errors cross into IPython once, here: a ``KitError`` or a bad command line becomes a ``UsageError``
(IPython prints its one-line message and no traceback); ``%config KitMagics.short_errors = False``
shows the full traceback instead. ``SystemExit`` can never leave a magic. ``KeyboardInterrupt`` (the
kernel's stop button) is re-raised untouched after the operation has cleaned up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    cell_magic,
    line_cell_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)

from ..errors import KitError
from .config import KitOptions
from .context import Context
from .dispatch import CommandError, command_lines, expand, parse_cell_line, run_line
from .verbs import CELL_MAGICS, overview

__all__ = ["KitMagics"]


@magics_class
class KitMagics(Magics, KitOptions):
    """``%kit VERB …`` runs kit's verbs in the kernel; see ``%kit`` alone for the list."""

    show_panel: Callable[..., Any] | None = None  # set by magics.load: the panel, from the package root

    def _context(self) -> Context:
        return Context(self.shell, self, show_panel=self.show_panel)

    def _namespace(self) -> dict[str, Any]:
        assert self.shell is not None
        return dict(self.shell.user_ns)

    @contextlib.contextmanager
    def _usage_errors(self) -> Iterator[None]:
        try:
            yield
        except (KitError, CommandError) as err:
            if not self.short_errors:
                raise
            raise UsageError(str(err)) from None
        except SystemExit as err:  # defensive: nothing below should exit, and a kernel must not
            raise UsageError(f"%kit: stopped (exit status {err.code})") from None

    @no_var_expand  # we expand ourselves, leaving Go templates ({{ .Repo }}) alone
    @needs_local_scope
    @line_cell_magic
    def kit(self, line: str, cell: str | None = None, local_ns: dict[str, Any] | None = None) -> Any:
        namespace = {**self._namespace(), **(local_ns or {})}
        with self._usage_errors():
            line = expand(line, namespace)
            if cell is None:
                return run_line(self._context(), line)
            result = run_line(self._context(), line) if line.strip() else None
            for command in command_lines(cell):
                result = run_line(self._context(), expand(command, self._namespace()))
            return result

    @cell_magic
    def kitfile(self, line: str, cell: str) -> Any:
        """``%%kitfile [DIRECTORY] [-t REF] [--pack]``: the cell is a Kitfile; validate, save, maybe pack."""
        from .kernel import kitfile_cell

        with self._usage_errors():
            args = parse_cell_line(CELL_MAGICS["kitfile"], line)
            if args is None:
                return None
            return kitfile_cell(self._context(), args, cell)


KitMagics.kit.__doc__ = overview()
