"""Kernel-side capture: turn live notebook state into files and a Kitfile.

Every function here takes plain objects (a namespace dict, paths, ``sys.modules``) and imports no
IPython, so the ``%kit`` magics and the panel can call them and tests can drive them without a shell.
Heavy frameworks (pandas, polars, scikit-learn, torch, …) are only imported when an object in the
namespace already belongs to them.

    dataframes       find DataFrames in a namespace, write them as Parquet/CSV with a summary
    models           find fitted models, save each in its framework's own safe format
    notebook         find the running notebook's path; copy it with outputs stripped
    kitfile_builder  all of the above into a workdir layout plus a Kitfile

The ``requirements.txt`` pins come from :mod:`kitops_jupyter.core.requirements`, which signing's
provenance uses too.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from ...core.atomicfile import replacing_path
from ...errors import InvalidArgument

__all__ = [
    "DatasetFile",
    "KernelCapture",
    "ModelFile",
    "atomic_target",
    "build_kitfile_from_kernel",
    "file_stem",
    "find_dataframes",
    "find_models",
    "find_notebook_path",
    "imported_distributions",
    "requirements_txt",
    "save_model",
    "strip_notebook",
    "user_variables",
    "write_dataframe",
]

# Public names re-exported lazily, so importing one submodule does not load the others.
_LAZY = {
    "DatasetFile": ".dataframes",
    "find_dataframes": ".dataframes",
    "write_dataframe": ".dataframes",
    "ModelFile": ".models",
    "find_models": ".models",
    "save_model": ".models",
    "imported_distributions": "...core.requirements",
    "requirements_txt": "...core.requirements",
    "find_notebook_path": ".notebook",
    "strip_notebook": ".notebook",
    "KernelCapture": ".kitfile_builder",
    "build_kitfile_from_kernel": ".kitfile_builder",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name], __name__), name)


# IPython's own entries in the user namespace: history caches, prompts and helpers.
_SHELL_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def user_variables(namespace: Mapping[str, object]) -> Iterator[tuple[str, object]]:
    """``(name, value)`` of the user's own variables, sorted by name, each object once.

    Skips names starting with ``_`` (IPython's ``_``, ``__``, ``_5``, ``_i3`` output and input
    caches and private helpers) and the shell's ``In``/``Out``/``exit``/``quit``/``get_ipython``.
    An object bound to several names is reported under the first name in sorted order.
    """
    seen: set[int] = set()
    for name in sorted(namespace):
        if name.startswith("_") or name in _SHELL_NAMES:
            continue
        value = namespace[name]
        if id(value) in seen:
            continue
        seen.add(id(value))
        yield name, value


def file_stem(name: str, what: str) -> str:
    """A file-name-safe stem for a Kitfile entry name (``train set`` -> ``train_set``)."""
    stem = _UNSAFE.sub("_", name).strip("._")
    if not stem:
        raise InvalidArgument(
            f"{what} name {name!r} has no usable characters for a file name; "
            "use letters, digits, '.', '_' or '-'"
        )
    return stem


@contextlib.contextmanager
def atomic_target(final: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it onto ``final`` only if the block succeeds.

    A failed or interrupted write leaves ``final`` as it was (absent or the previous version) and
    removes the temporary file.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    # Keep the real suffix last: several writers (keras, xgboost) choose the format from it.
    with replacing_path(final, suffix=f".tmp{final.suffix}") as tmp:
        yield tmp
