"""The single route table of the REST API, all under ``<base_url>/kitops/``.

``openapi.yaml`` documents exactly these routes and methods; ``tests/test_openapi.py`` checks both
directions. Path parameters use named groups, written ``{name}`` in the OpenAPI file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_server.utils import url_path_join

from ..api import Kit
from . import handlers
from .context import ServerContext
from .jobs import JobManager

NAMESPACE = "kitops"

ROUTES: list[tuple[str, type[handlers.KitopsHandler]]] = [
    ("version", handlers.VersionHandler),
    ("modelkits", handlers.ModelKitsHandler),
    ("fingerprint", handlers.FingerprintHandler),
    ("modelkit", handlers.ModelKitHandler),
    ("tags", handlers.TagsHandler),
    ("preview", handlers.PreviewHandler),
    ("diff", handlers.DiffHandler),
    ("signature", handlers.SignatureHandler),
    ("signature-settings", handlers.SignatureSettingsHandler),
    ("registries", handlers.RegistriesHandler),
    ("login", handlers.LoginHandler),
    ("pack", handlers.PackHandler),
    ("push", handlers.PushHandler),
    ("pull", handlers.PullHandler),
    ("unpack", handlers.UnpackHandler),
    ("jobs", handlers.JobsHandler),
    (r"jobs/(?P<job_id>[0-9a-f]+)", handlers.JobHandler),
]


def setup_routes(server_app: Any) -> ServerContext:
    """Build the shared context and register every route on the server's web app."""
    web_app = server_app.web_app
    root = Path(getattr(server_app.contents_manager, "root_dir", None) or server_app.root_dir).resolve()
    context = ServerContext(kit=Kit(), jobs=JobManager(), root=root)
    web_app.settings["kitops"] = context
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base_url, NAMESPACE, path), cls) for path, cls in ROUTES])
    server_app.log.info(
        "kitops_jupyter: REST API at %s (store %s)", url_path_join(base_url, NAMESPACE), context.kit.home
    )
    return context
