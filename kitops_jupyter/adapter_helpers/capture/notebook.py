"""Which notebook a kernel is running, and a copy of it without outputs.

Where frontends put the notebook's path (checked in this order; the first that names an existing
``.ipynb`` file wins):

1. ``__vsc_ipynb_file__`` in the user namespace: VS Code sets it to the absolute path and keeps it
   current.
2. ``__session__`` in the user namespace: ipykernel copies ``JPY_SESSION_NAME`` there at start-up
   (``IPythonKernel.__init__`` in ``ipkernel.py``; checked in ipykernel 7.4).
3. ``JPY_SESSION_NAME`` in the environment: jupyter_server sets it for kernels it starts for a
   session (``SessionManager.get_kernel_env``: ``os.path.join(kernel cwd, name)``, the full path
   since jupyter_server 2.0.7, a server-relative path before). It is fixed at kernel start, so a
   renamed notebook makes it stale until the kernel restarts.
4. ``jupyter_session`` in the kernel's connection file, written by jupyter_client's local
   provisioner from the same variable.
5. The running servers' ``/api/sessions`` (from their ``jpserver-*.json`` runtime files), matched by
   the kernel id in the connection file name. This follows renames but needs the server's token.

nbclient/nbconvert/papermill set none of these; then the caller tells the user to pass a path.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ...errors import InvalidArgument, NotFound
from . import atomic_target

__all__ = [
    "NOT_FOUND_HINT",
    "find_notebook_path",
    "kernel_notebook",
    "notebook_path_candidates",
    "require_notebook_path",
    "running_servers",
    "strip_notebook",
]

NOT_FOUND_HINT = (
    "cannot tell which notebook this kernel runs (no Jupyter server session, VS Code or "
    "connection-file entry names it, e.g. under nbconvert/nbclient); pass --notebook PATH"
)
_KERNEL_ID = re.compile(r"kernel-([0-9a-fA-F-]{8,})\.json$")
FetchSessions = Callable[[Mapping[str, Any]], list[dict[str, Any]]]


def notebook_path_candidates(
    namespace: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    connection_file: str | None = None,
) -> list[tuple[str, str]]:
    """``(source, raw path)`` pairs from the cheap sources 1-4 above, in order of trust."""
    namespace = namespace or {}
    environ = os.environ if environ is None else environ
    found = [
        ("__vsc_ipynb_file__", namespace.get("__vsc_ipynb_file__")),
        ("__session__", namespace.get("__session__")),
        ("JPY_SESSION_NAME", environ.get("JPY_SESSION_NAME")),
        ("connection file", _connection_session(connection_file)),
    ]
    return [(source, value) for source, value in found if isinstance(value, str) and value]


def _connection_session(connection_file: str | None) -> str | None:
    if not connection_file:
        return None
    try:
        info = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = info.get("jupyter_session") if isinstance(info, dict) else None
    return value if isinstance(value, str) else None


def _existing_notebook(raw: str, roots: Iterable[Path]) -> Path | None:
    raw = raw.removeprefix("RTC:")  # jupyter-collaboration prefixes shared document paths
    path = Path(raw).expanduser()
    tries = [path] if path.is_absolute() else [root / path for root in roots]
    for candidate in tries:
        if candidate.suffix == ".ipynb" and candidate.is_file():
            return candidate.resolve()
    return None


def find_notebook_path(
    connection_file: str | None = None,
    servers_info: Iterable[Mapping[str, Any]] | None = None,
    *,
    namespace: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    fetch_sessions: FetchSessions | None = None,
) -> Path | None:
    """The running notebook's path, or None when nothing names an existing ``.ipynb`` file.

    ``servers_info`` are running servers' runtime records (see :func:`running_servers`); they are
    queried only when the cheap sources fail. ``fetch_sessions`` replaces the HTTP call in tests.
    """
    cwd = Path.cwd() if cwd is None else cwd
    for _, raw in notebook_path_candidates(namespace, environ, connection_file):
        found = _existing_notebook(raw, [cwd])
        if found is not None:
            return found
    kernel_id = _kernel_id(connection_file)
    if kernel_id is None or servers_info is None:
        return None
    return _from_servers(kernel_id, servers_info, fetch_sessions or _fetch_sessions)


def kernel_notebook(namespace: Mapping[str, object]) -> Path | None:
    """The notebook the current kernel runs, or None: one lookup for the ``%kit`` magics and the panel,
    so both include (and name the package after) the same notebook."""
    return find_notebook_path(_kernel_connection_file(), running_servers(), namespace=namespace)


def _kernel_connection_file() -> str | None:
    try:
        from ipykernel.connect import get_connection_file

        return str(get_connection_file())
    except Exception:  # not in an ipykernel (terminal IPython, tests): no connection file
        return None


def require_notebook_path(*args: Any, **kwargs: Any) -> Path:
    """:func:`find_notebook_path`, raising NotFound with :data:`NOT_FOUND_HINT` instead of None."""
    found = find_notebook_path(*args, **kwargs)
    if found is None:
        raise NotFound(NOT_FOUND_HINT)
    return found


def _kernel_id(connection_file: str | None) -> str | None:
    match = _KERNEL_ID.search(connection_file or "")
    return match.group(1) if match else None


def _from_servers(kernel_id: str, servers: Iterable[Mapping[str, Any]], fetch: FetchSessions) -> Path | None:
    for server in servers:
        try:
            sessions = fetch(server)
        except (OSError, ValueError):  # a stale runtime file or a server that went away
            continue
        root = Path(str(server.get("root_dir") or server.get("notebook_dir") or "."))
        for session in sessions:
            kernel = session.get("kernel") or {}
            if kernel.get("id") == kernel_id:
                found = _existing_notebook(str(session.get("path") or ""), [root])
                if found is not None:
                    return found
    return None


def _fetch_sessions(server: Mapping[str, Any]) -> list[dict[str, Any]]:
    """GET ``<url>api/sessions`` on a local server with its token (never logged or stored)."""
    url = str(server.get("url", "")).rstrip("/") + "/api/sessions"
    if not url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]", "https://")):
        return []
    request = urllib.request.Request(url, headers={"Authorization": f"token {server.get('token', '')}"})
    with urllib.request.urlopen(request, timeout=2) as response:  # only local http or https (above)
        data = json.load(response)
    return data if isinstance(data, list) else []


def running_servers(runtime_dir: Path | None = None) -> list[dict[str, Any]]:
    """Records of running Jupyter servers (``jpserver-*.json``, ``nbserver-*.json``) in the runtime dir."""
    if runtime_dir is None:
        try:
            from jupyter_core.paths import jupyter_runtime_dir  # present wherever a kernel runs
        except ImportError:
            return []
        runtime_dir = Path(jupyter_runtime_dir())
    records = []
    for path in sorted(runtime_dir.glob("*server-*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and "url" in record:
            records.append(record)
    return records


def strip_notebook(src: Path, dest: Path) -> Path:
    """Copy the notebook ``src`` to ``dest`` without outputs, execution counts or widget state.

    Cell sources, markdown attachments, cell ids and kernel metadata are kept, so the copy is a valid
    nbformat 4 notebook that reopens and re-runs. Written atomically; returns ``dest``.
    """
    nb = _read_notebook(Path(src))
    for cell in nb["cells"]:
        _strip_cell(cell)
    metadata = nb.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("widgets", None)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with atomic_target(Path(dest)) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(dest)


def _read_notebook(src: Path) -> dict[str, Any]:
    try:
        nb = json.loads(src.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise NotFound(f"notebook {src} does not exist; check the path given with --notebook") from err
    except (OSError, ValueError) as err:
        raise InvalidArgument(f"cannot read notebook {src}: {err}; is it a saved .ipynb file?") from err
    if isinstance(nb, dict) and nb.get("nbformat", 0) < 4 and "worksheets" in nb:
        nb = _upgrade_v3(src)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise InvalidArgument(
            f"{src} is not an nbformat 4 notebook (no 'cells' list); open and save it in Jupyter"
        )
    return nb


def _upgrade_v3(src: Path) -> dict[str, Any]:
    try:
        nbformat = importlib.import_module("nbformat")
    except ImportError as err:
        raise InvalidArgument(
            f"{src} is an nbformat 3 notebook; install nbformat to convert it, or re-save it in Jupyter"
        ) from err
    upgraded: dict[str, Any] = json.loads(nbformat.writes(nbformat.read(str(src), as_version=4)))
    return upgraded


_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def _strip_cell(cell: dict[str, Any]) -> None:
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        for key in _VOLATILE_CELL_METADATA:
            metadata.pop(key, None)
