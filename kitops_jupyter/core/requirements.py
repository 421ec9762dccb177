"""``requirements.txt`` pinning the distributions whose modules the kernel actually imported.

Only what was imported counts (not everything installed): each top-level module in ``sys.modules``
is mapped to its distribution with ``importlib.metadata.packages_distributions()`` and pinned as
``name==version``. Left out: the standard library, private (``_``) modules, kitops-jupyter itself,
the kernel machinery (IPython, ipykernel, jupyter_client, traitlets, tornado, pyzmq, widgets, …)
together with the distributions it requires, since a kernel loads those before any user code runs,
and notebook tools (nbformat, nbclient, jupyter_server, tqdm, …) by name. A top-level name shared by several distributions (namespace packages such as
``google``) is resolved through the files of the submodules that were really imported.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

__all__ = [
    "KERNEL_MACHINERY",
    "NOTEBOOK_TOOLS",
    "imported_distributions",
    "requirements_txt",
    "unpackaged_modules",
]

# What a kernel loads before any user code runs (distribution names). Their requirements, which the
# kernel also imports at start-up (dateutil, packaging, psutil, pygments, …), are left out as well.
KERNEL_MACHINERY = frozenset(
    {
        "ipython",
        "ipykernel",
        "jupyter-client",
        "jupyter-core",
        "traitlets",
        "tornado",
        "pyzmq",
        "comm",
        "debugpy",
        "ipywidgets",
        "widgetsnbextension",
        "jupyterlab-widgets",
        "matplotlib-inline",
        "nest-asyncio",
        "nest-asyncio2",
        "pip",
        "setuptools",
        "wheel",
    }
)
# Notebook tools that may be imported in a kernel but are not the work, and the transport libraries
# only kitops-jupyter itself uses; left out by name only, since their requirements (requests, jinja2,
# pyyaml, …) are often the user's own imports too. An extra pin is harmless; a missing one is not.
NOTEBOOK_TOOLS = frozenset(
    {
        "kitops-jupyter",
        "nbformat",
        "nbclient",
        "nbconvert",
        "jupyter-server",
        "jupyterlab",
        "jupyterlab-server",
        "notebook",
        "jupyter-console",
        "qtconsole",
        "jupyter-events",
        "jupyter-lsp",
        "ipyparallel",
        "papermill",
        "oras",
        "isal",
        "zstandard",
    }
)
_OWN_PACKAGE = __name__.split(".")[0]
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _applies(marker: str) -> bool:
    """Whether a requirement's environment marker holds here (extras never do)."""
    if not marker.strip():
        return True
    if "extra" in marker:
        return False
    try:
        from packaging.markers import Marker  # a requirement of ipykernel; optional here
    except ImportError:
        return True
    try:
        return bool(Marker(marker).evaluate())
    except Exception:  # an unparsable marker: keep the requirement, excluding too much is safer here
        return True


def _requirement_names(dist: str) -> list[str]:
    """Names of the requirements of ``dist`` that apply to this interpreter (no extras)."""
    try:
        requires = md.requires(dist) or []
    except md.PackageNotFoundError:
        return []
    names = []
    for line in requires:
        match = _NAME.match(line)
        if match and _applies(line.partition(";")[2]):
            names.append(_normalise(match.group(1)))
    return names


def _machinery_closure(roots: Iterable[str] = KERNEL_MACHINERY) -> set[str]:
    """``roots`` plus everything they require, transitively (normalised names)."""
    closed: set[str] = set()
    todo = [_normalise(r) for r in roots]
    while todo:
        name = todo.pop()
        if name not in closed:
            closed.add(name)
            todo.extend(_requirement_names(name))
    return closed


def _top_levels(modules: Mapping[str, ModuleType | None]) -> set[str]:
    stdlib = sys.stdlib_module_names
    tops = {name.partition(".")[0] for name in modules}
    skip = {_OWN_PACKAGE, "sitecustomize", "usercustomize"}
    return {t for t in tops if t and not t.startswith("_") and t not in stdlib and t not in skip}


def _dist_owning(files_of: dict[str, set[Path]], module: ModuleType | None) -> str | None:
    origin = getattr(module, "__file__", None)
    if not origin:
        return None
    path = Path(origin).resolve()
    return next((dist for dist, files in files_of.items() if path in files), None)


def _dist_files(dist: str) -> set[Path]:
    try:
        files = md.distribution(dist).files or []
    except md.PackageNotFoundError:
        return set()
    return {Path(str(f.locate())).resolve() for f in files if str(f).endswith(".py")}


def _resolve_shared(top: str, dists: list[str], modules: Mapping[str, ModuleType | None]) -> set[str]:
    """Which of several distributions sharing ``top`` provided the imported submodules."""
    files_of = {d: _dist_files(d) for d in dists}
    owners = set()
    for name, module in modules.items():
        if name == top or name.startswith(top + "."):
            owner = _dist_owning(files_of, module)
            if owner:
                owners.add(owner)
    return owners


def _pins(dists: Iterable[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    excluded = _machinery_closure() | {_normalise(n) for n in NOTEBOOK_TOOLS}
    for dist in dists:
        key = _normalise(dist)
        if key in excluded or key in pins:
            continue
        try:
            meta = md.metadata(dist)
            pins[key] = f"{meta['Name']}=={meta['Version']}"
        except md.PackageNotFoundError:
            continue
    return pins


def imported_distributions(modules: Mapping[str, ModuleType | None] | None = None) -> list[str]:
    """``name==version`` for each distribution that provides an imported module, sorted by name."""
    modules = sys.modules if modules is None else modules
    owners = md.packages_distributions()
    found: list[str] = []
    for top in sorted(_top_levels(modules)):
        dists = owners.get(top, [])
        found.extend(dists if len(dists) <= 1 else sorted(_resolve_shared(top, dists, modules)))
    return [pin for _, pin in sorted(_pins(found).items())]


def unpackaged_modules(modules: Mapping[str, ModuleType | None] | None = None) -> dict[str, str]:
    """Imported top-level modules that no installed distribution provides: ``{name: file}``.

    These are usually the user's own helper modules next to the notebook; a requirements file
    cannot bring them back, so they belong in the ModelKit as code.
    """
    modules = sys.modules if modules is None else modules
    owners = md.packages_distributions()
    found = {}
    for top in sorted(_top_levels(modules)):
        origin = getattr(modules.get(top), "__file__", None)
        installed = {"site-packages", "dist-packages"} & set(Path(origin or "").parts)
        if top not in owners and origin and not installed:
            found[top] = str(origin)
    return found


def requirements_txt(modules: Mapping[str, ModuleType | None] | None = None) -> str:
    """The text of a ``requirements.txt`` for ``modules`` (default ``sys.modules``)."""
    header = "# Distributions imported by the notebook's kernel (written by kitops-jupyter)\n"
    return header + "".join(f"{pin}\n" for pin in imported_distributions(modules))
