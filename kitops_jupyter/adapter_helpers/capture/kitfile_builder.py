"""A Kitfile and its files from the live kernel: DataFrames, fitted models, the notebook, requirements.

Layout under ``workdir`` (stable, so re-running a cell rewrites the same files and a re-pack of the
same state gives the same layers)::

    data/<dataset>.parquet        one per DataFrame (or .csv)
    model/<variable>.<ext>        one per model; the first is the Kitfile model, the rest its parts
    notebooks/<notebook>.ipynb    the notebook with outputs stripped
    requirements.txt              the distributions the kernel imported

Nothing is packed here: the caller shows :attr:`KernelCapture.kitfile_text` for review first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from ...core import kitfile as kf
from ...core.requirements import requirements_txt, unpackaged_modules
from ...errors import InvalidArgument
from . import atomic_target, file_stem
from .dataframes import DatasetFile, find_dataframes, is_dataframe, plan_dataframe, write_dataframe
from .models import ModelFile, find_models, framework_of, plan_model, save_model
from .notebook import strip_notebook

__all__ = [
    "NOTEBOOK_DESCRIPTION",
    "REQUIREMENTS_DESCRIPTION",
    "KernelCapture",
    "build_kitfile_from_kernel",
    "notebook_entry_path",
]

NOTEBOOK_DESCRIPTION = "the notebook, outputs stripped"
REQUIREMENTS_DESCRIPTION = "Python distributions imported"


@dataclass
class KernelCapture:
    """What :func:`build_kitfile_from_kernel` produced; ``kitfile_text`` is ready for review."""

    kitfile_text: str
    files_written: list[Path]
    warnings: list[str] = field(default_factory=list)
    kitfile: kf.Kitfile | None = None  # what the text was dumped from


def build_kitfile_from_kernel(
    namespace: Mapping[str, object],
    workdir: Path,
    *,
    datasets: Mapping[str, str] | None = None,
    models: list[str] | None = None,
    notebook: Path | None = None,
    include_requirements: bool = True,
    package: Mapping[str, Any] | None = None,
    dataset_format: str = "parquet",
    modules: Mapping[str, ModuleType | None] | None = None,
    write: bool = True,
) -> KernelCapture:
    """Write the kernel's data, models, notebook and requirements under ``workdir``; return a Kitfile.

    ``datasets`` maps Kitfile dataset names to variable names and ``models`` lists variable names;
    ``None`` takes every DataFrame / every fitted model in ``namespace``, an empty one takes none.
    ``package`` holds Kitfile package fields (name, version, description, license, authors).
    ``write=False`` writes nothing and gives the same Kitfile (the panel's live preview is this
    function); ``files_written`` then lists where the files would go, and warnings that only saving
    reveals are missing.
    """
    workdir = Path(workdir)
    warnings: list[str] = []
    written: list[Path] = []
    package_entry = _package(package, notebook, workdir)  # checked before anything is written
    frames = _select_datasets(namespace, datasets)
    chosen = _select_models(namespace, models)
    dataset_entries = [
        _dataset_entry(workdir, n, df, dataset_format, written, write) for n, df in frames.items()
    ]
    model = _model_entry(workdir, chosen, written, warnings, write)
    code = _code_entries(workdir, notebook, include_requirements, modules, written, warnings, write)
    kitfile = kf.Kitfile(
        manifest_version="1.0.0",
        package=package_entry,
        model=model,
        code=code,
        datasets=dataset_entries,
        docs=[],
        prompts=[],
        mcp_servers=[],
    )
    if model is None and not dataset_entries and not code:
        warnings.append("nothing to capture: no DataFrames, fitted models, notebook or requirements")
    warnings.extend(kf.validate_kitfile(kitfile, source="Kitfile from the kernel"))
    return KernelCapture(kf.dump_kitfile(kitfile), written, warnings, kitfile)


# -- selection ---------------------------------------------------------------------------------


def _lookup(namespace: Mapping[str, object], variable: str, what: str) -> object:
    if variable not in namespace:
        raise InvalidArgument(f"no variable named {variable!r} in the kernel; check the {what} you named")
    return namespace[variable]


def _select_datasets(namespace: Mapping[str, object], chosen: Mapping[str, str] | None) -> dict[str, object]:
    if chosen is None:
        return find_dataframes(namespace)
    frames = {}
    for name, variable in chosen.items():
        value = _lookup(namespace, variable, f"dataset {name!r}")
        if not is_dataframe(value):
            kind = type(value).__qualname__
            raise InvalidArgument(f"dataset {name!r}: variable {variable!r} is a {kind}, not a DataFrame")
        frames[name] = value
    return frames


def _select_models(namespace: Mapping[str, object], chosen: list[str] | None) -> dict[str, object]:
    if chosen is None:
        return find_models(namespace)
    return {variable: _lookup(namespace, variable, "model") for variable in chosen}


# -- entries -----------------------------------------------------------------------------------


def _rel(workdir: Path, path: Path) -> str:
    return path.relative_to(workdir).as_posix()


def _dataset_entry(
    workdir: Path, name: str, df: object, fmt: str, written: list[Path], write: bool
) -> kf.Dataset:
    _claim(workdir / "data" / f"{file_stem(name, 'dataset')}.{fmt}", written, f"dataset {name!r}")
    info: DatasetFile = (write_dataframe if write else plan_dataframe)(df, workdir / "data", name, fmt)
    return kf.Dataset(
        name=name,
        path=_rel(workdir, info.path),
        remote_path="",
        remote_hash="",
        description=info.description,
        license="",
        parameters=info.parameters,
        layer=None,
    )


def _claim(path: Path, written: list[Path], what: str) -> None:
    """Record ``path`` as written, refusing a second entry that maps to the same file."""
    if path in written:
        raise InvalidArgument(
            f"{what} would overwrite {path.name}, written for another entry; rename one of them"
        )
    written.append(path)


def _model_entry(
    workdir: Path, chosen: dict[str, object], written: list[Path], warnings: list[str], write: bool
) -> kf.Model | None:
    saved: list[tuple[str, ModelFile]] = []
    for variable, obj in chosen.items():
        if framework_of(obj) is None:
            warnings.append(f"{variable}: not a recognised model type ({type(obj).__qualname__}); pickled")
        info = (save_model if write else plan_model)(obj, workdir / "model", variable)
        _claim(info.path, written, f"model {variable!r}")
        warnings.extend(info.warnings)
        saved.append((variable, info))
    if not saved:
        return None
    (name, main), rest = saved[0], saved[1:]
    parts = [_part(workdir, n, info) for n, info in rest]
    if rest:
        extra = ", ".join(f"{n} ({info.framework or 'pickle'})" for n, info in rest)
        warnings.append(f"several models: {name} is the Kitfile model; {extra} became model parts")
    # model.version is the model's own version, which the kernel does not know; the library's version
    # goes into the description so nobody mistakes it for the model's
    saved_with = f"saved with {main.framework} {main.version}".strip() if main.framework else ""
    return kf.Model(
        name=name,
        path=_rel(workdir, main.path),
        license="",
        framework=main.framework,
        format=main.format,
        version="",
        description=saved_with,
        parts=parts,
        parameters=None,
        layer=None,
    )


def _part(workdir: Path, name: str, info: ModelFile) -> kf.ModelPart:
    return kf.ModelPart(name=name, path=_rel(workdir, info.path), license="", type="", layer=None)


def _code_entries(
    workdir: Path,
    notebook: Path | None,
    include_requirements: bool,
    modules: Mapping[str, ModuleType | None] | None,
    written: list[Path],
    warnings: list[str],
    write: bool,
) -> list[kf.CodeEntry]:
    entries = []
    if notebook is not None:
        dest = workdir / notebook_entry_path(notebook)
        if dest.resolve() == Path(notebook).resolve():
            raise InvalidArgument(
                f"the notebook {notebook} is where its stripped copy would go; "
                "capture into another directory (for example a 'modelkit' subfolder)"
            )
        if write:
            strip_notebook(Path(notebook), dest)
        written.append(dest)
        entries.append(_code(_rel(workdir, dest), NOTEBOOK_DESCRIPTION))
    if include_requirements:
        dest = workdir / "requirements.txt"
        if write:
            with atomic_target(dest) as tmp:
                tmp.write_text(requirements_txt(modules), encoding="utf-8")
        written.append(dest)
        entries.append(_code(_rel(workdir, dest), REQUIREMENTS_DESCRIPTION))
        local = unpackaged_modules(modules) if write else {}
        if local:
            listed = ", ".join(f"{name} ({path})" for name, path in local.items())
            warnings.append(
                f"imported modules not from any installed distribution: {listed}; add them as code"
            )
    return entries


def notebook_entry_path(notebook: Path | str) -> str:
    """Where the stripped copy of ``notebook`` goes, relative to the capture directory."""
    return f"notebooks/{file_stem(Path(notebook).stem, 'notebook')}.ipynb"


def _code(path: str, description: str) -> kf.CodeEntry:
    return kf.CodeEntry(path=path, description=description, license="", layer=None)


def _package(package: Mapping[str, Any] | None, notebook: Path | None, workdir: Path) -> kf.Package:
    fields = dict(package or {})
    unknown = set(fields) - {"name", "version", "description", "license", "authors"}
    if unknown:
        raise InvalidArgument(
            f"unknown package field(s) {', '.join(sorted(unknown))}; "
            "use name, version, description, license, authors"
        )
    default_name = Path(notebook).stem if notebook is not None else Path(workdir).resolve().name
    authors = fields.get("authors") or []
    return kf.Package(
        name=str(fields.get("name") or default_name),
        version=str(fields.get("version") or ""),
        description=str(fields.get("description") or ""),
        license=str(fields.get("license") or ""),
        authors=[authors] if isinstance(authors, str) else [str(a) for a in authors],
    )
