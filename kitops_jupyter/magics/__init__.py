"""IPython magics for kitops-jupyter: ``%kit``, ``%%kit`` and ``%%kitfile``.

Loaded by ``%load_ext kitops_jupyter`` (or ``c.InteractiveShellApp.extensions = ["kitops_jupyter"]``
in an IPython profile); importing ``kitops_jupyter`` itself never imports IPython.

    verbs.py       THE verb table: parsers, help, completion and "did you mean" all come from it
    parser.py      argparse that raises instead of exiting the kernel
    dispatch.py    a line -> verb -> parsed args -> handler
    handlers.py    kit's own verbs (one api call each)
    kernel.py      notebook verbs: Kitfile from the kernel, %%kitfile, load
    login.py       login/logout with a hidden password prompt
    context.py     Kit, network options and progress for one command
    results.py     what verbs return: text and HTML reprs
    completion.py  tab completion
    config.py      %config KitMagics options and their environment variables
    magic.py       the KitMagics class
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["load", "unload"]

_STATE_KEY = "_kitops_jupyter_magics"


def load(shell: Any, show_panel: Callable[..., Any] | None = None) -> None:
    """Register the magics and the completer on ``shell`` (loading twice is harmless).

    ``show_panel`` is what ``%kit panel`` calls; the package root passes the widget panel's, so the
    magics never import another adapter."""
    from .completion import KitCompleter
    from .magic import KitMagics

    if getattr(shell, _STATE_KEY, None) is not None:
        return
    magics = KitMagics(shell)
    magics.show_panel = show_panel
    shell.register_magics(magics)
    completer = KitCompleter(shell, magics)
    completer.register()
    setattr(shell, _STATE_KEY, (magics, completer))


def unload(shell: Any) -> None:
    """Remove what :func:`load` registered."""
    state = getattr(shell, _STATE_KEY, None)
    if state is None:
        return
    magics, completer = state
    completer.unregister()
    registry = shell.magics_manager.magics
    for kind, names in (("line", ("kit",)), ("cell", ("kit", "kitfile"))):
        for name in names:
            registry[kind].pop(name, None)
    shell.magics_manager.registry.pop(type(magics).__name__, None)
    if magics in shell.configurables:
        shell.configurables.remove(magics)
    setattr(shell, _STATE_KEY, None)
