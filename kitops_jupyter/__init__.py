"""kitops-jupyter: pack, push, pull and load KitOps ModelKits from Jupyter, in pure Python."""

from __future__ import annotations

from ._version import __version__

__all__ = ["__version__", "load_dataset", "show_panel"]


def load_dataset(reference: str, name: str | None = None, *, allow_pickle: bool = False) -> object:
    """A dataset of a ModelKit as a pandas DataFrame, fetching only its layer (see ``api.load_dataset``)."""
    from .api import load_dataset as load

    return load(reference, name, allow_pickle=allow_pickle)


def show_panel(namespace: object = None, kit: object = None, **options: object) -> object:
    """Display the ModelKit widget panel (``%kit panel``); see :func:`kitops_jupyter.panel.show_panel`."""
    from .panel import show_panel as show

    return show(namespace, kit, **options)  # type: ignore[arg-type]


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext kitops_jupyter``: register ``%kit``, ``%%kit`` and ``%%kitfile`` (IPython imported lazily)."""
    from .magics import load

    load(ipython, show_panel=show_panel)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext kitops_jupyter``: remove the magics and their tab completion."""
    from .magics import unload

    unload(ipython)
