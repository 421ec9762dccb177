"""The jupyter-server extension of kitops-jupyter: a REST API under ``/kitops/`` for the Lab sidebar.

Enabled on install by ``jupyter-config/server-config/kitops_jupyter.json``. Importing this package
imports no Jupyter module; the handlers are imported only when the server loads the extension.
"""

from __future__ import annotations

from typing import Any

from .._version import __version__

__all__ = ["__version__"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "kitops_jupyter.server"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from .routes import setup_routes

    setup_routes(server_app)
