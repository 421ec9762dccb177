"""Notebook-only verbs: a Kitfile from the live kernel, the ``%%kitfile`` cell, and ``load``.

Review before packing (the one choice we made): ``%kit init --from-kernel`` and ``%kit pack`` with
``--model``/``--dataset`` write the data, models, stripped notebook and ``requirements.txt`` into a
directory (``modelkit`` unless given), save the generated ``Kitfile`` there, and insert an editable
``%%kitfile DIR`` cell below the current one holding that Kitfile (``shell.set_next_input``). Running
that cell validates the edited YAML (errors name the line), saves it, and with ``-t TAG`` packs it.
Nothing is packed before that, unless ``--yes`` is given (for scripts and scheduled runs, where no
one reviews a cell). Frontends without cell insertion (nbclient, papermill) still get the Kitfile on
disk and in the cell's output.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..adapter_helpers.capture import atomic_target
from ..api import parse_kitfile, validate_kitfile
from ..errors import InvalidArgument
from .context import Context
from .handlers import pack_directory, prefer_local
from .parser import CommandError
from .results import KitfileDraft, KitfileResult, ModelKitResult

if TYPE_CHECKING:  # the capture code (pandas probes, pickling, pins) loads when a verb captures
    from ..adapter_helpers.capture.kitfile_builder import KernelCapture

__all__ = [
    "init_from_kernel",
    "kitfile_cell",
    "load",
    "pack_from_kernel",
    "refuse_kernel_only",
    "wants_kernel",
]

DEFAULT_DIRECTORY = "modelkit"


def wants_kernel(args: argparse.Namespace) -> bool:
    """True when the command takes its content from kernel variables."""
    return bool(args.from_kernel or args.dataset or args.model)


_KERNEL_ONLY = ("notebook", "no_notebook", "no_requirements", "name", "desc", "author", "version", "license")


def refuse_kernel_only(verb: str, args: argparse.Namespace, used: tuple[str, ...] = ()) -> None:
    """A flag that only shapes a Kitfile from the kernel must not be dropped silently without one."""
    given = [name for name in _KERNEL_ONLY if name not in used and getattr(args, name)]
    given += ["dataset_format"] if args.dataset_format != "parquet" else []
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise CommandError(
            f"%kit {verb}: {flags} only shape{'s' if len(given) == 1 else ''} a Kitfile from the kernel's "
            f"variables; add --from-kernel (or --model/--dataset), or leave {'it' if len(given) == 1 else 'them'} "
            f"out (see %kit {verb} --help)"
        )


def _dataset_map(specs: list[str] | None) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for spec in specs or []:
        name, sep, variable = spec.partition("=")
        name, variable = (name, variable) if sep else (spec, spec)
        if not name.strip() or not variable.strip():
            raise InvalidArgument(f"--dataset {spec!r}: use NAME=VARIABLE (or just VARIABLE)")
        chosen[name.strip()] = variable.strip()
    return chosen


def _selection(args: argparse.Namespace) -> tuple[dict[str, str] | None, list[str] | None]:
    """Named variables only; with neither --dataset nor --model, every DataFrame and fitted model."""
    if not args.dataset and not args.model:
        return None, None
    return _dataset_map(args.dataset), list(args.model or [])


def notebook_for(ctx: Context, args: argparse.Namespace, warnings: list[str]) -> Path | None:
    if args.no_notebook:
        return None
    if args.notebook:
        path = Path(args.notebook)
        if not path.is_file():
            raise InvalidArgument(f"--notebook {args.notebook}: no such notebook file")
        return path
    from ..adapter_helpers.capture.notebook import NOT_FOUND_HINT, kernel_notebook

    found = kernel_notebook(ctx.namespace)
    if found is None:
        warnings.append("the notebook itself is not included: " + NOT_FOUND_HINT + " (or --no-notebook)")
    return found


def _package(args: argparse.Namespace) -> Mapping[str, Any]:
    fields = {"name": args.name, "description": args.desc, "version": args.version, "license": args.license}
    package: dict[str, Any] = {k: v for k, v in fields.items() if v}
    if args.author:
        package["authors"] = list(args.author)
    return package


def capture_kernel(ctx: Context, args: argparse.Namespace) -> tuple[Path, KernelCapture, list[str]]:
    """Write the kernel's selected objects and the Kitfile under the target directory."""
    from ..adapter_helpers.capture.kitfile_builder import build_kitfile_from_kernel

    directory = Path(args.directory or DEFAULT_DIRECTORY)
    warnings: list[str] = []
    datasets, models = _selection(args)
    result = build_kitfile_from_kernel(
        ctx.namespace,
        directory,
        datasets=datasets,
        models=models,
        notebook=notebook_for(ctx, args, warnings),
        include_requirements=not args.no_requirements,
        package=_package(args),
        dataset_format=args.dataset_format,
    )
    with atomic_target(directory / "Kitfile") as tmp:
        tmp.write_text(result.kitfile_text, encoding="utf-8")
    return directory, result, warnings + list(result.warnings)


def _draft(
    ctx: Context, args: argparse.Namespace, directory: Path, text: str, warnings: list[str]
) -> KitfileDraft:
    header = ["%%kitfile", shlex.quote(str(directory))]
    if getattr(args, "tag", None):
        header += ["-t", shlex.quote(args.tag)]
    ctx.shell.set_next_input(" ".join(header) + "\n" + text, replace=False)
    action = f"and pack it as {args.tag}" if getattr(args, "tag", None) else "(add -t REF to pack it too)"
    step = (
        f"Review the Kitfile in the %%kitfile cell inserted below, then run that cell to save it {action}; "
        f"or pack what is on disk with: %kit pack {shlex.quote(str(directory))} -t REF"
    )
    files = [(p.relative_to(directory).as_posix(), p.stat().st_size) for p in _files(directory)]
    return KitfileDraft(str(directory), text, files, warnings, step)


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))


def init_from_kernel(ctx: Context, args: argparse.Namespace) -> KitfileDraft:
    """``%kit init [DIR] --from-kernel``: write files and Kitfile, insert the review cell."""
    directory, result, warnings = capture_kernel(ctx, args)
    return _draft(ctx, args, directory, result.kitfile_text, warnings)


def pack_from_kernel(ctx: Context, args: argparse.Namespace) -> KitfileDraft | ModelKitResult:
    """``%kit pack --model m --dataset d=df -t TAG``: review first, or pack at once with ``--yes``."""
    directory, result, warnings = capture_kernel(ctx, args)
    if not args.yes:
        return _draft(ctx, args, directory, result.kitfile_text, warnings)
    for warning in warnings:
        ctx.say(f"warning: {warning}")
    return pack_directory(
        ctx,
        directory,
        args.tag,
        None,
        args.compression,
        cache=not args.no_cache,
        push=args.push,
        args=args,
        allow_secrets=args.allow_secrets,
    )


def kitfile_cell(ctx: Context, args: argparse.Namespace, cell: str) -> KitfileResult | ModelKitResult:
    """``%%kitfile [DIR] [-t TAG]``: validate the cell as a Kitfile, save it, optionally pack."""
    directory = Path(args.directory or ".")
    packing_only = [
        f for f, on in (("--compression", args.compression), ("--allow-secrets", args.allow_secrets)) if on
    ]
    if packing_only and not (args.tag or args.pack):
        raise CommandError(
            f"%%kitfile: {', '.join(packing_only)} {'applies' if len(packing_only) == 1 else 'apply'} only when "
            "the cell packs: add -t REFERENCE or --pack (nothing was saved)"
        )
    source = "%%kitfile cell"
    warnings = validate_kitfile(parse_kitfile(cell, source=source), source=source)
    with atomic_target(directory / "Kitfile") as tmp:
        tmp.write_text(cell if cell.endswith("\n") else cell + "\n", encoding="utf-8")
    if not (args.tag or args.pack):
        for warning in warnings:
            ctx.say(f"warning: {warning}")
        return KitfileResult(cell, f"Saved {directory / 'Kitfile'}", warnings)
    return pack_directory(ctx, directory, args.tag, None, args.compression, allow_secrets=args.allow_secrets)


def load(ctx: Context, args: argparse.Namespace) -> Any:
    """``df = %kit load REF --dataset NAME``: a DataFrame (a dict of them when schemas differ)."""
    kit = ctx.kit(args)
    reference = prefer_local(ctx, kit, args.reference)
    what = f"dataset {args.dataset}" if args.dataset else "the dataset"
    with ctx.operation(f"Loading {what} of {reference}") as op:
        frame = kit.load_dataset(
            reference, args.dataset, allow_pickle=args.allow_pickle, progress=op.progress
        )
        op.summary = (
            f"Loaded {what} of {reference}: {_describe(frame)} in {time.monotonic() - op.started:.1f} s"
        )
    return frame


def _describe(frame: Any) -> str:
    if isinstance(frame, dict):
        return f"{len(frame)} tables with different columns (a dict keyed by file)"
    with contextlib.suppress(AttributeError, TypeError, ValueError):
        rows, columns = frame.shape
        return f"{rows} rows × {columns} columns"
    return type(frame).__name__
