"""``push`` and ``pull``: move a ModelKit between the local store and a registry (docs/format.md §7).

Push uploads the config and layers (skipping what the registry has), several at once, then puts the
manifest under every requested tag. Pull resolves the manifest, refuses anything that is not a
ModelKit (or CNCF ModelPack), downloads the blobs the store lacks into ``storage/ingest`` with digest
checks, and only then records the manifest and tag, so an interrupted pull leaves no half-listed
ModelKit behind (its partial downloads stay in ``ingest`` to be resumed).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from ...errors import InvalidArgument, RegistryError, RegistryUnreachable, StoreError
from .. import mediatypes
from ..bloblocations import BlobLocations
from ..kitfile import Kitfile
from ..manifest import Descriptor, Manifest, unique_by_digest
from ..parents import missing_parent, parent_chain
from ..progress import ByteProgress, ProgressCallback
from ..reference import Reference
from ..store import LocalStore
from .client import RegistryClient, RegistryOptions
from .downloads import download_blob
from .lookup import as_reference, remote_manifest, remote_reference
from .mounts import cancel_session, mount_blob
from .parallel import Meter, run_parallel
from .retry import is_transient_status
from .uploads import upload_blob

__all__ = ["PullResult", "PushResult", "pull", "push"]


@dataclass(frozen=True)
class PushResult:
    reference: Reference
    digest: str
    tags: list[str]
    uploaded: list[str] = field(default_factory=list)  # blob digests sent
    skipped: list[str] = field(default_factory=list)  # blob digests the registry already had
    bytes_uploaded: int = 0
    mounted: list[str] = field(default_factory=list)  # of the skipped: linked from another repository


@dataclass(frozen=True)
class PullResult:
    reference: Reference
    digest: str
    kind: str  # "kit" or "modelpack"
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already in the local store
    bytes_downloaded: int = 0
    parents: list[Reference] = field(default_factory=list)  # parent ModelKits pulled (or found) too
    repaired: list[str] = field(default_factory=list)  # stored blobs found damaged (wrong size) and replaced
    descriptor: Descriptor | None = None  # the manifest as stored
    manifest: Manifest | None = None
    kitfile: Kitfile | None = None  # read while its blobs were pinned: another process may remove it now

    @property
    def notes(self) -> list[str]:
        """What the user should hear about besides the pull itself."""
        if not self.repaired:
            return []
        return [
            f"replaced {len(self.repaired)} damaged blob(s) in local storage with the registry's copy: "
            + ", ".join(d[:19] for d in self.repaired)
        ]


# -- push -------------------------------------------------------------------------------------------


def push(
    store: LocalStore,
    source: Reference | str,
    destination: Reference | str | None = None,
    *,
    tags: Sequence[str] = (),
    options: RegistryOptions | None = None,
    progress: ProgressCallback | None = None,
) -> PushResult:
    """Push the local ModelKit ``source`` to ``destination`` (default: ``source``) and extra ``tags``."""
    src, src_extra = as_reference(source)
    dst, dst_extra = remote_reference(destination if destination is not None else src, "push")
    desc = store.resolve(src)
    manifest_bytes = store.read_blob(desc.digest)
    manifest = Manifest.parse(manifest_bytes, f"manifest of {src.display() or src}")
    blobs = unique_by_digest(manifest.blob_descriptors())
    names = _push_names(dst, desc.digest, [*(src_extra if destination is None else []), *dst_extra, *tags])
    what = f"push {dst}"
    counter = ByteProgress(sum(b.size for b in blobs), progress)
    locations = BlobLocations(store.storage)
    with store.pinning([b.digest for b in blobs]):  # a removal elsewhere must not delete them midway
        missing = [b.digest for b in blobs if not store.has_blob(b.digest, b.size)]
        if missing:
            raise StoreError(
                f"push {src.display()}: local blobs {', '.join(missing)} are missing or damaged; pack or "
                "pull it again"
            )
        with RegistryClient(dst.registry, options) as client:
            tasks = [
                partial(
                    _upload,
                    client,
                    store,
                    dst,
                    b,
                    locations.sources(dst.registry, b.digest, exclude=dst.repository),
                    counter,
                    what,
                )
                for b in blobs
            ]
            outcome = run_parallel(tasks, client.options.concurrency)
            media_type = manifest.media_type or mediatypes.MANIFEST
            for name in names:
                client.put_manifest(
                    dst.repository, name, manifest_bytes, media_type, f"{what}: manifest {name}"
                )
    locations.record(dst.registry, dst.repository, [b.digest for b in blobs])
    uploaded = [b for b, how in zip(blobs, outcome, strict=True) if how == "sent"]
    return PushResult(
        reference=dst if dst.digest else dst.with_tag(names[0]),
        digest=desc.digest,
        tags=[n for n in names if not n.startswith("sha256:")],
        uploaded=[b.digest for b in uploaded],
        skipped=[b.digest for b in blobs if b not in uploaded],
        bytes_uploaded=sum(b.size for b in uploaded),
        mounted=[b.digest for b, how in zip(blobs, outcome, strict=True) if how == "mounted"],
    )


def _upload(
    client: RegistryClient,
    store: LocalStore,
    dst: Reference,
    blob: Descriptor,
    sources: list[str],
    counter: ByteProgress,
    what: str,
    cancel: threading.Event,
) -> str:
    """``"mounted"`` from another repository we know holds it, else ``"sent"`` or ``"skipped"``."""
    meter = Meter(counter, cancel)
    session = None
    if sources:
        tried = mount_blob(client, dst.repository, blob.digest, sources, what)
        if tried.mounted:
            meter.advance_to(blob.size)
            return "mounted"
        session = tried.session
    path = store.blob_path(blob.digest)
    sent = upload_blob(client, dst.repository, blob.digest, blob.size, path, meter, what, session)
    if session and not sent:
        cancel_session(client, dst.repository, session, what)  # the blob was there after all
    return "sent" if sent else "skipped"


def _push_names(dst: Reference, digest: str, extra: Sequence[str]) -> list[str]:
    """Tags (or the digest) to put the manifest under, de-duplicated, in order."""
    if dst.digest and dst.digest != digest:
        raise InvalidArgument(f"push: destination digest {dst.digest} is not the ModelKit's digest {digest}")
    names = [dst.digest or dst.tag or "latest", *extra]
    return list(dict.fromkeys(n for n in names if n))


def _download(
    client: RegistryClient,
    store: LocalStore,
    repository: str,
    blob: Descriptor,
    counter: ByteProgress,
    what: str,
    cancel: threading.Event,
) -> None:
    download_into_store(client, store, repository, blob, Meter(counter, cancel), what)


def download_into_store(
    client: RegistryClient, store: LocalStore, repository: str, blob: Descriptor, meter: Meter, what: str
) -> None:
    """Download ``blob`` to a file only this writer uses, then rename it into ``blobs/sha256``.

    An interrupted download stays in ``storage/ingest`` to be resumed; any other failure deletes it.
    """
    with store.claim_ingest(blob.digest) as path:
        try:
            download_blob(client, repository, blob, path, meter, what)
        except BaseException as exc:
            if not _interrupted(exc):
                path.unlink(missing_ok=True)
            raise
        store.add_blob_file(path, blob.digest, verified=True)


def _interrupted(exc: BaseException) -> bool:
    """A failure worth resuming later (network gone, registry overloaded, Ctrl-C) rather than a verdict."""
    if isinstance(exc, (RegistryUnreachable, KeyboardInterrupt)):
        return True
    return isinstance(exc, RegistryError) and exc.status is not None and is_transient_status(exc.status)


# -- pull -------------------------------------------------------------------------------------------


def pull(
    store: LocalStore,
    reference: Reference | str,
    *,
    options: RegistryOptions | None = None,
    progress: ProgressCallback | None = None,
) -> PullResult:
    """Pull the ModelKit at ``reference`` into the local store and tag it locally.

    A ModelKit whose ``model.path`` references another ModelKit pulls that one too, recursively
    (docs/format.md §7); a parent without a registry must already be in the local store.
    """
    ref, _ = remote_reference(reference, "pull")
    result = _pull_one(store, ref, options, progress)
    assert result.kitfile is not None
    load = partial(_pull_parent, store, options, progress)
    return replace(result, parents=parent_chain(ref, result.kitfile, load))


def _pull_parent(
    store: LocalStore, options: RegistryOptions | None, progress: ProgressCallback | None, ref: Reference
) -> tuple[Reference, Kitfile]:
    if not ref.is_local_only:
        pulled = _pull_one(store, ref, options, progress).kitfile
        assert pulled is not None
        return ref, pulled
    if (desc := store.find(ref)) is not None:
        digest = desc.digest
    else:
        raise missing_parent(ref)
    return ref, store.read_kitfile(store.read_manifest(digest))


def _pull_one(
    store: LocalStore, ref: Reference, options: RegistryOptions | None, progress: ProgressCallback | None
) -> PullResult:
    what = f"pull {ref}"
    with RegistryClient(ref.registry, options) as client:
        manifest, data, desc = remote_manifest(client, ref, what)
        blobs = unique_by_digest(manifest.blob_descriptors())
        with store.pinning([b.digest for b in blobs]):  # pinned first, so a removal elsewhere keeps them
            needed = [b for b in blobs if not store.has_blob(b.digest, b.size)]
            damaged = [b.digest for b in needed if store.has_blob(b.digest)]
            counter = ByteProgress(sum(b.size for b in blobs), progress)
            counter.add(sum(b.size for b in blobs if b not in needed))
            tasks = [partial(_download, client, store, ref.repository, b, counter, what) for b in needed]
            run_parallel(tasks, client.options.concurrency)
            tags = [ref.tag] if ref.tag and not ref.digest else []
            store.put_manifest(ref.repo_key, data, tags)
            kitfile = store.read_kitfile(manifest)
    BlobLocations(store.storage).record(ref.registry, ref.repository, [b.digest for b in blobs])
    return PullResult(
        reference=ref,
        digest=desc.digest,
        kind=str(manifest.kind),
        downloaded=[b.digest for b in needed],
        skipped=[b.digest for b in blobs if b not in needed],
        bytes_downloaded=sum(b.size for b in needed),
        repaired=damaged,
        descriptor=desc,
        manifest=manifest,
        kitfile=kitfile,
    )
