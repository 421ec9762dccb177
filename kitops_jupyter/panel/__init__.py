"""The KitOps widget panel: pack, push, pull, unpack and load ModelKits with buttons.

    >>> from kitops_jupyter.panel import show_panel
    >>> panel = show_panel()          # the kernel's variables, the current working directory

Built from standard ipywidgets only, so it renders wherever widgets do (JupyterLab, Notebook 7,
VS Code); elsewhere the panel's text says to use the ``%kit`` magics instead.

    state       what can be picked, what was picked, the Kitfile preview (no widgets)
    staging     the temporary pack context (kernel capture + links to picked files)
    operations  one function per button over kitops_jupyter.api (no widgets)
    actions     worker threads, progress bars, result line, errors into the panel
    widgets     the KitPanel composition
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from .. import api
from .widgets import FALLBACK_TEXT, KitPanel

__all__ = ["FALLBACK_TEXT", "KitPanel", "show_panel"]


def show_panel(
    namespace: MutableMapping[str, Any] | None = None,
    kit: api.Kit | None = None,
    *,
    directory: Path | str | None = None,
    notebook: Path | str | None = None,
) -> KitPanel:
    """Display the panel and return it.

    ``namespace`` is where DataFrames and models are found and where Load puts its variable (default:
    the IPython user namespace); ``kit`` the :class:`~kitops_jupyter.api.Kit` to use (default: the
    shared one); ``directory`` the working directory whose files are listed (default: the current one);
    ``notebook`` the notebook to include (default: the one this kernel runs, found as ``%kit pack`` finds it).
    """
    from IPython.display import display

    panel = KitPanel(
        _user_namespace() if namespace is None else namespace, kit=kit, directory=directory, notebook=notebook
    )
    display(panel)  # type: ignore[no-untyped-call]
    return panel


def _user_namespace() -> MutableMapping[str, Any]:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        return shell.user_ns  # type: ignore[no-any-return]
    return vars(sys.modules["__main__"])
