"""The panel's state without widgets: what can be picked, what was picked, and the Kitfile it gives.

:func:`scan` lists the candidates (the kernel's DataFrames and fitted models, the working
directory's top-level entries). :class:`PanelState` holds the selections and text fields.
:func:`preview_document` turns a state into the Kitfile the Pack button will build *without writing
anything*, so it can be recomputed on every checkbox or keystroke; model files are saved (and their
library versions pinned) only when packing, when :func:`final_document` merges the real kernel capture
with the picked working-directory files.

Working-directory files go into the Kitfile by kind: data files become datasets, weight files model
parts (or the model when no model object is picked), documents docs, anything else (directories,
scripts, notebooks) code.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..api import dump_kitfile, excluded_reason, parse_config_json
from ..capture import file_stem
from ..capture.dataframes import describe_frame, find_dataframes
from ..capture.kitfile_builder import NOTEBOOK_DESCRIPTION, REQUIREMENTS_DESCRIPTION, notebook_entry_path
from ..capture.models import distribution_version, find_models, framework_of
from ..errors import InvalidArgument, KitError

__all__ = [
    "Candidates",
    "Choice",
    "PanelState",
    "dump_document",
    "file_entries",
    "final_document",
    "preview_document",
    "preview_text",
    "scan",
]

MAX_FILES = 200
KITFILE_NAMES = frozenset({"Kitfile", "kitfile", ".kitfile"})
# fmt: off
_DATA = frozenset({".csv", ".tsv", ".parquet", ".pq", ".json", ".jsonl", ".ndjson", ".feather", ".arrow", ".xlsx",
                   ".tar", ".zip"})
_WEIGHTS = frozenset({".safetensors", ".pkl", ".joblib", ".skops", ".pt", ".pth", ".onnx", ".gguf", ".h5", ".keras",
                      ".ubj", ".npz"})
# fmt: on
_DOCS = frozenset({".md", ".rst", ".adoc", ".html", ".pdf"})
# framework -> (file suffix, format) the kernel capture saves it with; the first found module wins
_MODEL_FILES: dict[str, list[tuple[str | None, str, str]]] = {
    "scikit-learn": [("skops", "skops", "skops"), (None, "joblib", "joblib")],
    "pytorch": [("safetensors", "safetensors", "safetensors"), (None, "pt", "pytorch-state-dict")],
    "xgboost": [(None, "ubj", "ubj")],
    "lightgbm": [(None, "txt", "lightgbm-text")],
    "keras": [(None, "keras", "keras")],
}


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


def _frame_shape(df: Any) -> tuple[int, int, dict[str, str]]:
    dtypes = {str(name): str(dtype) for name, dtype in zip(df.columns, df.dtypes, strict=True)}
    return int(df.shape[0]), int(df.shape[1]), dtypes


def _frame_summary(df: Any) -> str:
    rows, columns, _ = _frame_shape(df)
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


def preview_document(state: PanelState, namespace: Mapping[str, object], directory: Path) -> dict[str, Any]:
    """The Kitfile ``state`` will pack, as a dict, computed without writing any file."""
    check_collisions(state)
    doc: dict[str, Any] = {"manifestVersion": "1.0.0", "package": state.package(directory)}
    models = [_lookup(namespace, name, "model") for name in state.models]
    if models:
        doc["model"] = _planned_model(state.models, models)
    code = [{"path": notebook_entry_path(state.notebook), "description": NOTEBOOK_DESCRIPTION}] if state.notebook else []
    if state.requirements:
        code.append({"path": "requirements.txt", "description": REQUIREMENTS_DESCRIPTION})
    if code:
        doc["code"] = code
    if state.dataframes:
        doc["datasets"] = [_planned_dataset(n, _lookup(namespace, n, "DataFrame")) for n in state.dataframes]
    return file_entries(doc, state.files, directory)


def _lookup(namespace: Mapping[str, object], name: str, what: str) -> object:
    if name not in namespace:
        raise InvalidArgument(f"the {what} {name!r} is no longer in the kernel; press Refresh")
    return namespace[name]


def _planned_dataset(name: str, df: object) -> dict[str, Any]:
    rows, columns, dtypes = _frame_shape(df)
    return {
        "name": name,
        "path": f"data/{file_stem(name, 'dataset')}.parquet",
        "description": describe_frame(rows, columns, dtypes),
        "parameters": {"columns": columns, "dtypes": dtypes, "rows": rows},
    }


def _planned_model(names: list[str], objects: list[object]) -> dict[str, Any]:
    entries = [_planned_model_file(n, obj) for n, obj in zip(names, objects, strict=True)]
    model = dict(entries[0])
    if len(entries) > 1:
        model["parts"] = [{"name": e["name"], "path": e["path"]} for e in entries[1:]]
    return model


def _planned_model_file(name: str, obj: object) -> dict[str, Any]:
    found = framework_of(obj)
    framework = found[0] if found else ""
    # the same description the kernel capture writes (the library's version, not model.version)
    saved_with = f"saved with {framework} {distribution_version(found[1])[1]}".strip() if found else ""
    suffix, fmt = "pkl", "pickle"
    for module, ext, format_name in _MODEL_FILES.get(framework, []):
        if module is None or importlib.util.find_spec(module) is not None:
            suffix, fmt = ext, format_name
            break
    entry = {"name": name, "path": f"model/{file_stem(name, 'model')}.{suffix}", "framework": framework,
             "format": fmt, "description": saved_with}  # fmt: skip
    return {key: value for key, value in entry.items() if value}


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
