"""Handlers for the ``kit`` CLI's own verbs: parse result in, one ``api`` call, a result object out.

Each handler takes the :class:`~.context.Context` and the parsed ``argparse.Namespace`` built from
the verb table (``verbs.py``), and returns what the cell shows (or ``None``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import api
from ..api import (
    Kit,
    display_name,
    dump_kitfile,
    format_size,
    inspect_text,
    kitfile_text,
    push_detail,
)
from ..errors import InvalidArgument, NotFound
from .context import Context
from .results import (
    DataDiffResult,
    DiffResult,
    KitfileResult,
    ModelKitList,
    ModelKitResult,
    PushedResult,
    short_digest,
)

__all__ = [
    "diff",
    "info",
    "init",
    "inspect",
    "list_",
    "pack",
    "pack_directory",
    "prefer_local",
    "pull",
    "push",
    "remove",
    "tag",
    "unpack",
]


def prefer_local(ctx: Context, kit: Kit, reference: str) -> str:
    """``reference`` if the local store has it, else the reference with the default registry."""
    qualified = ctx.qualify(reference)
    if qualified == reference:
        return reference
    try:
        kit.get(reference)
    except (NotFound, ValueError):
        return qualified
    return reference


# -- local verbs ---------------------------------------------------------------------------------


def init(ctx: Context, args: argparse.Namespace) -> KitfileResult:
    """``kit init DIR``: a Kitfile from the directory's files (secrets and junk left out)."""
    directory = args.directory or "."
    generated = ctx.kit(args).init(
        directory,
        name=args.name or "",
        description=args.desc or "",
        author=args.author or [],
        force=args.force,
    )
    notes = [f"left out {item.path}: {item.reason}" for item in generated.left_out]
    ctx.say(f"Saved {Path(directory) / 'Kitfile'}")
    return KitfileResult(dump_kitfile(generated.kitfile), f"{Path(directory) / 'Kitfile'}", notes)


def pack(ctx: Context, args: argparse.Namespace) -> object:
    """``kit pack DIR -t TAG`` (the verb table sends kernel options, ``--model``/``--dataset``, to ``kernel.py``)."""
    directory = Path(args.directory or ".")
    return pack_directory(
        ctx,
        directory,
        args.tag,
        args.file,
        args.compression,
        cache=not args.no_cache,
        push=args.push,
        args=args,
        use_model_pack=args.use_model_pack,
        allow_secrets=args.allow_secrets,
    )


def pack_directory(
    ctx: Context,
    directory: Path,
    tag: str | None,
    kitfile: str | None,
    compression: str | None,
    *,
    cache: bool = True,
    push: bool = False,
    args: argparse.Namespace | None = None,
    use_model_pack: bool = False,
    allow_secrets: bool = False,
) -> ModelKitResult:
    """Pack with one progress display and a summary line; warnings are printed as they come.

    ``push`` streams the layers to the tag's registry (the default registry if it names none).
    The api's secret policy applies: a finding stops the pack (``SecretsFound`` lists them) unless
    ``--allow-secrets`` was given."""
    if push and tag:
        tag = ctx.qualify(tag)
    with ctx.operation(f"Packing {tag or directory}{' and pushing' if push else ''}") as op:
        result = ctx.kit(args).pack(
            directory,
            tag=tag,
            kitfile=kitfile,
            compression=compression or ctx.options.compression,
            progress=op.progress,
            warn=lambda message: ctx.say(f"warning: {message}"),
            cache=cache,
            push=push,
            use_model_pack=use_model_pack,
            allow_secrets=allow_secrets,
        )
        shown = ModelKitResult.from_pack(result)
        op.finish("Packed", shown.names(), result.digest, shown.size)
    return shown


def list_(ctx: Context, args: argparse.Namespace) -> ModelKitList:
    """``kit list [REPOSITORY]``: local ModelKits, or the tags of a remote repository."""
    repository = ctx.qualify(args.repository) if args.repository else None
    result = ModelKitList(ctx.kit(args).list_modelkits(repository), args.format)
    result.text()  # a bad --format template fails here, as one line, not later when the cell displays it
    return result


def inspect(ctx: Context, args: argparse.Namespace) -> ModelKitResult:
    """``kit inspect REF [--remote]``: text is kit's JSON, HTML the layers table."""
    reference = ctx.qualify(args.reference) if args.remote else args.reference
    found = ctx.kit(args).inspect(reference, remote=args.remote)
    kit_json = inspect_text(found)
    return ModelKitResult.from_info("Inspected", found, kit_json)


def info(ctx: Context, args: argparse.Namespace) -> KitfileResult:
    """``kit info REF [--remote]``: the Kitfile."""
    reference = ctx.qualify(args.reference) if args.remote else args.reference
    return KitfileResult(kitfile_text(ctx.kit(args).info(reference, remote=args.remote)))


def _diff_side(ctx: Context, kit: Kit, reference: str) -> str:
    if reference.startswith("local://"):
        return reference
    if reference.startswith("remote://"):
        return ctx.qualify(reference)
    return prefer_local(ctx, kit, reference)


def diff(ctx: Context, args: argparse.Namespace) -> DiffResult:
    """``kit diff A B`` (``local://`` and ``remote://`` prefixes pick the side)."""
    kit = ctx.kit(args)
    first, second = _diff_side(ctx, kit, args.first), _diff_side(ctx, kit, args.second)
    if getattr(args, "data", False):
        found = kit.diff(first, second, data=True)
        assert isinstance(found, api.DataDiff)
        return DataDiffResult(found.layers, first, second, found)
    return DiffResult(kit.diff(first, second), first, second)


def tag(ctx: Context, args: argparse.Namespace) -> None:
    """``kit tag SOURCE TARGET``."""
    target = ctx.kit(args).tag(args.source, args.target)
    ctx.say(f"Tagged {args.source} as {target.display()}")


def remove(ctx: Context, args: argparse.Namespace) -> None:
    """``kit remove REF`` / ``--all`` / ``--remote``."""
    kit = ctx.kit(args)
    if args.remote:
        if args.all:
            raise InvalidArgument(
                "--all removes untagged ModelKits from the local store; it cannot be used with --remote"
            )
        if not args.reference:
            raise InvalidArgument(
                "give the reference to remove from its registry: %kit remove REGISTRY/REPO:TAG --remote"
            )
        ctx.say(kit.remove_remote(ctx.qualify(args.reference), force=args.force))
        return
    results = kit.remove(args.reference, all=args.all, force=args.force)
    for result in results:
        repo = display_name(result.repo_key)
        names = [f"{repo}:{tag}" for tag in result.untagged] or [f"{repo}@{short_digest(result.digest)}"]
        freed = f", freed {format_size(result.freed)}" if result.freed else ""
        ctx.say(f"Removed {', '.join(names)} ({short_digest(result.digest)}){freed}")
    if not results:
        ctx.say("Nothing to remove")


def unpack(ctx: Context, args: argparse.Namespace) -> ModelKitResult:
    """``kit unpack REF -d DIR --filter …``: only the layers the filters select are fetched."""
    kit = ctx.kit(args)
    reference = prefer_local(ctx, kit, args.reference)
    directory = args.dir or "."
    with ctx.operation(f"Unpacking {reference}") as op:
        found = kit.unpack(
            reference,
            directory,
            filters=args.filter or (),
            overwrite=args.overwrite,
            ignore_existing=args.ignore_existing,
            progress=op.progress,
        )
        shown = ModelKitResult.from_info(f"Unpacked into {directory}:", found)
        op.finish("Unpacked", reference, found.digest, op.seen[1] or shown.size, f" into {directory}")
    return shown


# -- registry verbs ------------------------------------------------------------------------------


def push(ctx: Context, args: argparse.Namespace) -> PushedResult:
    """``kit push SOURCE [DESTINATION]``; a source without registry goes to the default registry."""
    kit = ctx.kit(args)
    destination = ctx.qualify(args.destination) if args.destination else None
    if destination is None and ctx.qualify(args.source) != args.source:
        destination = ctx.qualify(args.source)
    size = sum(layer.size for layer in kit.get(args.source).manifest.layers)
    with ctx.operation(f"Pushing {destination or args.source}") as op:
        result = kit.push(args.source, destination, progress=op.progress)
        shown = PushedResult(result, size)
        extra = f" ({push_detail(result)})"
        op.finish("Pushed", str(result.reference), result.digest, size, extra)
    return shown


def pull(ctx: Context, args: argparse.Namespace) -> ModelKitResult:
    """``kit pull REF``: into the local store; blobs already there are not downloaded again."""
    reference = ctx.qualify(args.reference)
    with ctx.operation(f"Pulling {reference}") as op:
        found = ctx.kit(args).pull(reference, progress=op.progress)
        shown = ModelKitResult.from_info("Pulled", found)
        op.finish("Pulled", reference, found.digest, shown.size)
    for note in found.notes:  # e.g. damaged local blobs the pull replaced
        ctx.say(note)
    return shown
