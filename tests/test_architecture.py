"""Layering rules, checked on the source.

core/             imports no Jupyter package and nothing above it (api, adapter_helpers, adapters)
api.py            imports the core and errors, never adapter_helpers or an adapter
adapter_helpers/  imports api, core and errors, never an adapter
adapters          (magics, panel, server, cli) never import each other (the package root composes
                  them) and reach the core only through ``api`` (plus ``errors`` and
                  ``adapter_helpers``); the command line imports nothing but ``api``, ``errors``
                  and ``adapter_helpers.progress_display``
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kitops_jupyter"
ADAPTERS = ("magics", "panel", "server", "cli")
HELPERS = "adapter_helpers"
# What an adapter may import from this package besides itself: the public API, the error family, the
# helpers shared by the front ends, and the package root (version, show_panel).
ADAPTER_MAY_IMPORT = ("api", "errors", HELPERS, "_version")
JUPYTER = ("IPython", "ipywidgets", "traitlets", "tornado", "jupyter_server", "ipykernel", "comm")


def _imports(path: Path, module: str = "") -> set[str]:
    """Absolute module names imported by ``path`` (relative imports resolved against the package);
    ``module`` is the file's dotted name, derived from its place in the package when not given."""
    module = module or ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


def _modules(subpackage: str) -> list[Path]:
    return sorted((PACKAGE / subpackage).rglob("*.py"))


def _within(name: str, *subpackages: str) -> bool:
    """Whether the absolute module ``name`` is one of ``kitops_jupyter.<subpackage>`` or inside it."""
    return any(name == f"kitops_jupyter.{s}" or name.startswith(f"kitops_jupyter.{s}.") for s in subpackages)


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_core_imports_no_jupyter_package_and_nothing_above_it(path: Path) -> None:
    for name in _imports(path):
        assert name.split(".")[0] not in JUPYTER, f"{path.name} imports {name}"
        assert not _within(name, "api", HELPERS, *ADAPTERS), f"core/{path.name} imports {name}"


def test_the_api_imports_no_adapter_and_no_adapter_helper() -> None:
    for name in _imports(PACKAGE / "api.py"):
        assert not _within(name, HELPERS, *ADAPTERS), f"api.py imports {name}"


@pytest.mark.parametrize("path", _modules(HELPERS), ids=lambda p: p.name)
def test_adapter_helpers_import_only_api_core_and_errors(path: Path) -> None:
    for name in _imports(path):
        if name.startswith("kitops_jupyter"):
            allowed = _within(name, "api", "core", "errors", "_version", HELPERS)
            assert allowed, f"{HELPERS}/{path.name} imports {name}"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_never_import_each_other(adapter: str) -> None:
    others = [a for a in ADAPTERS if a != adapter]
    for path in _modules(adapter):
        for name in _imports(path):
            assert not _within(name, *others), f"{adapter}/{path.name} imports {name}"


@pytest.mark.parametrize("path", _modules("cli"), ids=lambda p: p.name)
def test_cli_uses_only_the_public_api(path: Path) -> None:
    allowed = tuple(f"kitops_jupyter.{m}" for m in ("api", "errors", f"{HELPERS}.progress_display", "cli"))
    for name in _imports(path):
        if name.startswith("kitops_jupyter"):
            assert (
                name == "kitops_jupyter" or name.startswith(allowed) or name == "kitops_jupyter.__version__"
            ), f"cli/{path.name} imports {name}"
        assert name.split(".")[0] not in JUPYTER, f"cli/{path.name} imports {name}"


# -- no import cycles -------------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _internal_imports(path: Path, known: set[str]) -> set[str]:
    """Package modules ``path`` imports anywhere in it (top level, in functions, under TYPE_CHECKING).

    ``from . import x`` names module ``x`` when it is one, otherwise the package it comes from."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found.add(target if target in known else source)
    return (found & known) - {name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def test_the_package_has_no_import_cycles() -> None:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    graph = {name: _internal_imports(path, known) for name, path in paths.items()}
    assert _cycles(graph) == [], (
        "modules that import each other: move what they share into a module of its own"
    )


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _package_imports(path: Path) -> set[str]:
    """This package's modules imported by ``path``, without the ``kitops_jupyter.`` prefix."""
    return {n.removeprefix("kitops_jupyter.") for n in _imports(path) if n.startswith("kitops_jupyter.")}


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_reach_the_core_only_through_the_api(adapter: str) -> None:
    for path in _modules(adapter):
        for name in _package_imports(path):
            top = name.split(".")[0]
            allowed = top in (adapter, *ADAPTER_MAY_IMPORT) or name in ("__version__", "show_panel")
            assert allowed, (
                f"{adapter}/{path.name} imports kitops_jupyter.{name}; import it from kitops_jupyter.api"
            )


def test_the_adapter_rule_sees_a_direct_core_import(tmp_path: Path) -> None:
    """The rule's parser resolves relative imports, so ``from ..core.x import y`` is caught."""
    probe = tmp_path / "probe.py"
    probe.write_text("from ..core.listing import format_size\n", encoding="utf-8")
    assert "kitops_jupyter.core.listing" in _imports(probe, "kitops_jupyter.magics.probe")


# -- one error family, declared in one place ----------------------------------------------------------


def _error_classes_outside_errors_py() -> list[str]:
    """Classes outside ``errors.py`` whose bases name a class of the ``KitError`` family."""
    from kitops_jupyter import errors

    family = {name for name in errors.__all__ if isinstance(getattr(errors, name), type)}
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                if bases & family:
                    found.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    return found


def test_every_kit_error_is_declared_in_errors_py() -> None:
    assert _error_classes_outside_errors_py() == [], "declare error types in kitops_jupyter/errors.py"
