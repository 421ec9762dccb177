"""Remote verbs that never touch the local store: inspect/info, list, remove, unpack, diff input.

Only manifests and configs are fetched, except by :func:`remote_unpack`, which streams just the
layers its filters select through the unpacker (docs/format.md §4.3). The Kitfile of a CNCF
ModelPack comes from its ``ml.kitops.modelkit.kitfile`` annotation, or is synthesised from the
layers' ``org.cncf.model.filepath`` annotations as kit does (docs/format.md §2.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InvalidArgument, NotAModelKit, RegistryError
from .. import mediatypes
from ..manifest import Descriptor
from ..modelkitinfo import ModelKitInfo
from ..modelpack import modelkit_kitfile
from ..parents import MODEL_ONLY, missing_parent, parent_chain, selects_model
from ..progress import ProgressCallback
from ..reference import Reference
from .client import RegistryClient, RegistryOptions
from .downloads import RemoteBlob, fetch_blob_bytes
from .lookup import remote_manifest, remote_reference
from .parallel import run_parallel

if TYPE_CHECKING:
    from ..kitfile import Kitfile
    from ..store import LocalStore
    from ..unpack import Filter, PlannedLayer, UnpackHow, UnpackTransaction

__all__ = [
    "fetch_modelkit",
    "modelkit_kitfile",
    "remote_list",
    "remote_remove",
    "remote_unpack",
    "unpack_parents",
]


def fetch_modelkit(
    reference: Reference | str,
    *,
    options: RegistryOptions | None = None,
    client: RegistryClient | None = None,
) -> ModelKitInfo:
    """Manifest, config and Kitfile of a remote ModelKit (``kit inspect/info --remote``, diff input)."""
    ref, _ = remote_reference(reference, "inspect")
    if client is None:
        with RegistryClient(ref.registry, options) as own:
            return _fetch(own, ref)
    return _fetch(client, ref)


def _fetch(client: RegistryClient, ref: Reference) -> ModelKitInfo:
    what = f"inspect {ref}"
    manifest, _, desc = remote_manifest(client, ref, what)
    config = fetch_blob_bytes(client, ref.repository, manifest.config, what)
    return ModelKitInfo(ref, desc, manifest, modelkit_kitfile(manifest, config, str(ref)))


# -- list / remove ------------------------------------------------------------------------------------


def remote_list(reference: Reference | str, *, options: RegistryOptions | None = None) -> list[ModelKitInfo]:
    """ModelKits in a remote repository, one per tag (only the given tag if the reference has one).

    Tags that point at something other than a ModelKit are skipped, as ``kit list`` does; cosign's
    signature and attestation tags (``sha256-<hex>.sig``) are not even fetched.
    """
    ref, _ = remote_reference(reference, "list", default_tag=None)
    with RegistryClient(ref.registry, options) as client:
        names = [ref.ref] if ref.ref else _modelkit_tags(client, ref)
        tasks = [partial(_try_fetch, client, _with_ref(ref, name)) for name in names]
        found = run_parallel(tasks, client.options.concurrency)
    return [kit for kit in found if kit is not None]


def _modelkit_tags(client: RegistryClient, ref: Reference) -> list[str]:
    tags = client.list_tags(ref.repository, f"list {ref}")
    return sorted(tag for tag in tags if not mediatypes.is_cosign_tag(tag))


def _with_ref(ref: Reference, name: str) -> Reference:
    return ref.with_digest(name) if name.startswith("sha256:") else ref.with_tag(name)


def _try_fetch(client: RegistryClient, ref: Reference, _cancel: object) -> ModelKitInfo | None:
    try:
        return _fetch(client, ref)
    except NotAModelKit:
        return None


def remote_remove(
    reference: Reference | str, *, options: RegistryOptions | None = None, force: bool = False
) -> str:
    """Delete a remote manifest by digest, or untag a tag (``DELETE /manifests/<tag>``).

    Registries that cannot delete tags answer "unsupported"; with ``force`` the manifest the tag
    points to is then deleted by digest, which removes every tag pointing to it.
    """
    ref, _ = remote_reference(reference, "remove")
    what = f"remove {ref}"
    with RegistryClient(ref.registry, options) as client:
        if ref.digest:
            client.delete_manifest(ref.repository, ref.digest, what)
            return f"Removed {ref}"
        try:
            client.delete_manifest(ref.repository, ref.tag, what)
            return f"Removed tag {ref}"
        except RegistryError as exc:
            if exc.status not in (400, 405):
                raise
            if not force:
                raise RegistryError(
                    f"{what}: {ref.registry} cannot delete a tag alone (it answered HTTP {exc.status}); pass "
                    "force=True to delete the manifest the tag points to, which removes every tag of it",
                    status=exc.status,
                ) from None
        _, _, digest = client.get_manifest(ref.repository, ref.tag, what)
        client.delete_manifest(ref.repository, digest, what)
        return f"Removed {ref.with_digest(digest)} (and every tag pointing to it)"


# -- unpack -------------------------------------------------------------------------------------------


def remote_unpack(
    reference: Reference | str,
    target: Path | str,
    *,
    filters: Sequence[str] = (),
    options: RegistryOptions | None = None,
    overwrite: bool = False,
    ignore_existing: bool = False,
    progress: ProgressCallback | None = None,
    store: LocalStore | None = None,
    parents: bool = True,
    transaction: UnpackTransaction | None = None,
    fetched: ModelKitInfo | None = None,
) -> list[PlannedLayer]:
    """Unpack a remote ModelKit into ``target`` streaming only the layers ``filters`` select.

    Nothing is written to the local store. When the model is selected, the models of parent
    ModelKits (``model.path`` references) are unpacked first, from ``store`` when it holds them.
    All or nothing (within ``transaction`` if given). Returns the layers of this ModelKit unpacked.
    ``fetched`` is the ModelKit as :func:`fetch_modelkit` returned it: its manifest is not asked for
    again, and what is unpacked is exactly what the caller reports.
    """
    from ..unpack import UnpackHow, parse_filters, plan_unpack, unpack_transaction, write_unpacked_kitfile

    if overwrite and ignore_existing:
        raise InvalidArgument("overwrite and ignore_existing contradict each other; choose one")
    ref = fetched.reference if fetched else remote_reference(reference, "unpack")[0]
    parsed = parse_filters(list(filters))
    with RegistryClient(ref.registry, options) as client:
        kit = fetched or _fetch(client, ref)
        plan = plan_unpack(kit.manifest, kit.kitfile, parsed)
        what = f"unpack {ref}"

        def open_blob(desc: Descriptor) -> Any:
            return RemoteBlob(client, ref.repository, desc, what)

        with unpack_transaction(
            Path(target), overwrite=overwrite, ignore_existing=ignore_existing, outer=transaction
        ) as txn:
            if parents:
                how = UnpackHow(overwrite, ignore_existing, progress, txn)
                unpack_parents(ref, kit.kitfile, Path(target), parsed, how, store=store, options=options)
            txn.extract(plan, open_blob, progress)
            write_unpacked_kitfile(kit.kitfile, Path(target), parsed, overwrite=overwrite, transaction=txn)
    return plan


def unpack_parents(
    child: Reference,
    kitfile: Kitfile,
    target: Path,
    filters: list[Filter],
    how: UnpackHow,
    *,
    store: LocalStore | None = None,
    options: RegistryOptions | None = None,
) -> list[Reference]:
    """Unpack the model of every parent ModelKit of ``child``, farthest first (docs/format.md §4.2, #840).

    Only when ``filters`` select the model. Each parent comes from ``store`` if it is there, else
    straight from its registry (model layers only), as ``how`` says; ``how.transaction`` is the caller's
    :class:`~..unpack.UnpackTransaction`, so a failure undoes the parents too.
    """
    if not selects_model(filters):
        return []
    chain = parent_chain(child, kitfile, partial(_parent_kitfile, store, options))
    for ref in reversed(chain):
        _unpack_parent_model(ref, target, store, options, how)
    return chain


def _parent_kitfile(
    store: LocalStore | None, options: RegistryOptions | None, ref: Reference
) -> tuple[Reference, Kitfile]:
    if store is not None and (desc := store.find(ref)) is not None:
        return ref, store.read_kitfile(store.read_manifest(desc.digest))
    if ref.is_local_only:
        raise missing_parent(ref)
    return ref, fetch_modelkit(ref, options=options).kitfile


def _unpack_parent_model(
    ref: Reference,
    target: Path,
    store: LocalStore | None,
    options: RegistryOptions | None,
    how: UnpackHow,
) -> None:
    from ..unpack import unpack_modelkit

    if store is not None and (desc := store.find(ref)) is not None:
        with store.pinning([desc.digest]) as pins:  # a removal elsewhere must not delete it midway
            manifest, local = store.read_manifest(desc.digest), store
            pins.add(d.digest for d in manifest.blob_descriptors())
            kitfile = local.read_kitfile(manifest)
            unpack_modelkit(
                manifest,
                kitfile,
                lambda d: local.open_blob(d.digest),
                target,
                filters=MODEL_ONLY,
                overwrite=how.overwrite,
                ignore_existing=how.ignore_existing,
                progress=how.progress,
                transaction=how.transaction,
            )
    else:
        remote_unpack(
            ref,
            target,
            filters=["model"],
            options=options,
            parents=False,
            overwrite=how.overwrite,
            ignore_existing=how.ignore_existing,
            progress=how.progress,
            transaction=how.transaction,
        )
