"""The panel's state without widgets: what can be picked, what was picked, and the Kitfile it gives.

:func:`scan` lists the candidates (the kernel's DataFrames and fitted models, the working
directory's top-level entries). :class:`PanelState` holds the selections and text fields.
:func:`preview_document` turns a state into the Kitfile the Pack button will build *without writing
anything*, so it can be recomputed on every checkbox or keystroke. Preview and Pack both call the
magic's kernel capture (``build_kitfile_from_kernel``, with ``write=False`` for the preview) with the
same :func:`capture_options`, then :func:`final_document` adds the picked working-directory files, so
the preview is the Kitfile that gets packed.

Working-directory files go into the Kitfile by kind: data files become datasets, weight files model
parts (or the model when no model object is picked), documents docs, anything else (directories,
scripts, notebooks) code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..adapter_helpers.capture.dataframes import find_dataframes
from ..adapter_helpers.capture.kitfile_builder import build_kitfile_from_kernel
from ..adapter_helpers.capture.models import find_models, framework_of
from ..api import dump_kitfile, excluded_reason, parse_config_json
from ..errors import InvalidArgument, KitError

__all__ = [
    "Candidates",
    "Choice",
    "PanelState",
    "capture_options",
    "dump_document",
    "file_entries",
    "final_document",
    "preview_document",
    "preview_text",
    "scan",
]

MAX_FILES = 200
KITFILE_NAMES = frozenset({"Kitfile", "kitfile", ".kitfile"})
_DATA = frozenset(
    {
        ".csv",
        ".tsv",
        ".parquet",
        ".pq",
        ".json",
        ".jsonl",
        ".ndjson",
        ".feather",
        ".arrow",
        ".xlsx",
        ".tar",
        ".zip",
    }
)
_WEIGHTS = frozenset(
    {
        ".safetensors",
        ".pkl",
        ".joblib",
        ".skops",
        ".pt",
        ".pth",
        ".onnx",
        ".gguf",
        ".h5",
        ".keras",
        ".ubj",
        ".npz",
    }
)
_DOCS = frozenset({".md", ".rst", ".adoc", ".html", ".pdf"})


@dataclass(frozen=True)
class Choice:
    """One pickable item: ``key`` is a variable name or a relative path, ``label`` what is shown."""

    key: str
    label: str


@dataclass
class Candidates:
    dataframes: list[Choice] = field(default_factory=list)
    models: list[Choice] = field(default_factory=list)
    files: list[Choice] = field(default_factory=list)
    truncated: bool = False  # more working-directory entries than MAX_FILES


@dataclass
class PanelState:
    """Everything the user picked or typed, except secrets (the password never lives here)."""

    dataframes: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    requirements: bool = True
    notebook: str = ""  # the running notebook's path when it is included (as the magic includes it)
    name: str = ""
    version: str = ""
    description: str = ""
    authors: str = ""  # comma-separated
    license: str = ""
    reference: str = ""

    def package(self, directory: Path) -> dict[str, Any]:
        """Kitfile package fields; the name defaults as the magic's does: the included notebook's name,
        else the working directory's."""
        authors = [a.strip() for a in self.authors.split(",") if a.strip()]
        fields: dict[str, Any] = {
            "name": self.name.strip() or default_name(self.notebook, directory),
            "version": self.version.strip(),
            "description": self.description.strip(),
            "authors": authors,
            "license": self.license.strip(),
        }
        return {key: value for key, value in fields.items() if value}


def default_name(notebook: str | Path | None, directory: Path) -> str:
    """The package name used when none is typed: the notebook's name, else the directory's."""
    return Path(notebook).stem if notebook else Path(directory).resolve().name


# -- candidates ----------------------------------------------------------------------------------


def scan(namespace: Mapping[str, object], directory: Path) -> Candidates:
    """What the panel offers: DataFrames and fitted models in ``namespace``, entries of ``directory``."""
    frames = [
        Choice(name, f"{name} ({_frame_summary(df)})") for name, df in find_dataframes(namespace).items()
    ]
    models = [Choice(name, f"{name} ({_model_summary(obj)})") for name, obj in find_models(namespace).items()]
    files, truncated = _directory_choices(Path(directory))
    return Candidates(frames, models, files, truncated)


def _frame_summary(df: Any) -> str:
    rows, columns = int(df.shape[0]), int(df.shape[1])
    return f"{rows:,} × {columns:,}"


def _model_summary(obj: object) -> str:
    found = framework_of(obj)
    kind = type(obj).__name__
    return f"{found[0]} {kind}" if found else kind


def _directory_choices(directory: Path) -> tuple[list[Choice], bool]:
    if not directory.is_dir():
        return [], False
    choices = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name.lower()):
        if _hidden(entry):
            continue
        is_dir = entry.is_dir()
        choices.append(Choice(entry.name, entry.name + ("/" if is_dir else "")))
    return choices[:MAX_FILES], len(choices) > MAX_FILES


def _hidden(entry: Path) -> bool:
    """Dotfiles, Kitfiles, symbolic links and what kit-safe packaging never takes (secrets, caches)."""
    if entry.name.startswith(".") or entry.name in KITFILE_NAMES or entry.is_symlink():
        return True
    return excluded_reason(entry.name, entry.is_dir()) is not None


# -- the Kitfile -----------------------------------------------------------------------------------


def capture_paths(state: PanelState) -> dict[str, str]:
    """Top-level names the kernel capture writes for ``state``, mapped to what writes them."""
    paths = {}
    if state.dataframes:
        paths["data"] = "the picked DataFrames (data/)"
    if state.models:
        paths["model"] = "the picked models (model/)"
    if state.notebook:
        paths["notebooks"] = "the notebook's stripped copy (notebooks/)"
    if state.requirements:
        paths["requirements.txt"] = "the requirements.txt capture"
    return paths


def check_collisions(state: PanelState) -> None:
    """Refuse working-directory entries whose path the kernel capture writes too."""
    taken = capture_paths(state)
    for rel in state.files:
        top = PurePosixPath(rel).parts[0]
        if top in taken:
            raise InvalidArgument(
                f"the working-directory entry {rel!r} has the same path as {taken[top]}; "
                "uncheck one of them (or rename the file)"
            )


PREVIEW_DIR = ".kitops-panel-preview"  # never created: the preview writes nothing


def capture_options(state: PanelState, directory: Path) -> dict[str, Any]:
    """The kernel capture's arguments for ``state``: the same for the preview and for Pack."""
    return {
        "datasets": {name: name for name in state.dataframes},
        "models": list(state.models),
        "notebook": Path(state.notebook) if state.notebook else None,
        "include_requirements": state.requirements,
        "package": state.package(directory),
    }


def preview_document(state: PanelState, namespace: Mapping[str, object], directory: Path) -> dict[str, Any]:
    """The Kitfile ``state`` will pack, as a dict: the magic's kernel capture, run without writing."""
    check_collisions(state)
    for name in state.dataframes:
        _lookup(namespace, name, "DataFrame")
    for name in state.models:
        _lookup(namespace, name, "model")
    options = capture_options(state, directory)
    capture = build_kitfile_from_kernel(namespace, Path(directory) / PREVIEW_DIR, write=False, **options)
    return final_document(capture.kitfile_text, state.files, directory)


def _lookup(namespace: Mapping[str, object], name: str, what: str) -> None:
    if name not in namespace:
        raise InvalidArgument(f"the {what} {name!r} is no longer in the kernel; press Refresh")


def file_entries(doc: dict[str, Any], files: list[str], directory: Path) -> dict[str, Any]:
    """Add the picked working-directory entries to a Kitfile document (in place; returned)."""
    for rel in files:
        path = Path(directory) / rel
        suffix = path.suffix.lower()
        if path.is_dir():
            doc.setdefault("code", []).append({"path": rel})
        elif suffix in _DATA:
            doc.setdefault("datasets", []).append({"name": rel, "path": rel})
        elif suffix in _WEIGHTS and "model" in doc:
            doc["model"].setdefault("parts", []).append({"name": rel, "path": rel})
        elif suffix in _WEIGHTS:
            doc["model"] = {"name": path.stem, "path": rel}
        elif suffix in _DOCS or path.stem.upper() in ("README", "LICENSE"):
            doc.setdefault("docs", []).append({"path": rel})
        else:
            doc.setdefault("code", []).append({"path": rel})
    return _ordered(doc)


_ORDER = ("manifestVersion", "package", "model", "code", "datasets", "docs", "prompts", "mcpServers")


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    """Kit's section order, whatever order entries were added in."""
    ordered = {key: doc[key] for key in _ORDER if key in doc}
    ordered.update({key: value for key, value in doc.items() if key not in ordered})
    return ordered


def final_document(capture_text: str, files: list[str], directory: Path) -> dict[str, Any]:
    """The kernel capture's Kitfile with the picked working-directory entries added."""
    doc = yaml.safe_load(capture_text)
    if not isinstance(doc, dict):
        raise RuntimeError(f"the kernel capture produced no Kitfile mapping: {capture_text!r}")
    return file_entries(doc, files, directory)


def dump_document(doc: Mapping[str, Any]) -> str:
    """Kitfile text of a document, through the Kitfile model so it reads exactly as kit writes it."""
    kitfile = parse_config_json(json.dumps(dict(doc)).encode("utf-8"), "the panel's Kitfile")
    return dump_kitfile(kitfile)


def preview_text(state: PanelState, namespace: Mapping[str, object], directory: Path) -> str:
    """The live Kitfile preview, or the reason there is none, as text for the panel."""
    header = "# Preview: model files are saved and library versions pinned when you press Pack.\n"
    try:
        return header + dump_document(preview_document(state, namespace, directory))
    except KitError as err:
        return f"# Cannot build a Kitfile yet: {err}\n"
