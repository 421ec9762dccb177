"""Layering rules, checked on the source: the core imports no adapter and no Jupyter package; the three
adapters (magics, panel, server) never import each other (the package root composes them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kitops_jupyter"
ADAPTERS = ("magics", "panel", "server")
JUPYTER = ("IPython", "ipywidgets", "traitlets", "tornado", "jupyter_server", "ipykernel", "comm")


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by ``path`` (relative imports resolved against the package)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
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


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_core_imports_no_adapter_and_no_jupyter_package(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in JUPYTER, f"{path.name} imports {name}"
        assert not any(name.startswith(f"kitops_jupyter.{a}") for a in ADAPTERS), f"{path.name} imports {name}"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_never_import_each_other(adapter: str) -> None:
    others = [a for a in ADAPTERS if a != adapter]
    for path in _modules(adapter):
        for name in _imports(path):
            assert not any(
                name == f"kitops_jupyter.{o}" or name.startswith(f"kitops_jupyter.{o}.") for o in others
            ), f"{adapter}/{path.name} imports {name}"
