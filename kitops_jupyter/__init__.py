"""kitops-jupyter: pack, push, pull and load KitOps ModelKits from Jupyter, in pure Python."""

from __future__ import annotations

__version__ = "0.1.0"


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext kitops_jupyter``: register ``%kit``, ``%%kit`` and ``%%kitfile`` (IPython imported lazily)."""
    from .magics import load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext kitops_jupyter``: remove the magics and their tab completion."""
    from .magics import unload

    unload(ipython)
