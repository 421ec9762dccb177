"""One dataset of a ModelKit on local disk, fetching only its layer (the notebook ``load`` verb).

The layer blob goes into the local store (digest-verified), and is unpacked once into
``$KITOPS_HOME/cache/datasets/<layer hex>/``; the directory appears by an atomic rename, so its
existence means it is complete and a second load reads it without any download.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
import threading
from pathlib import Path

from ..errors import InvalidArgument, NotFound
from .digest import hex_of
from .kitfile import Dataset, Kitfile
from .manifest import Descriptor, Manifest
from .progress import ByteProgress, ProgressCallback
from .reference import Reference
from .registry import RegistryClient, RegistryOptions, fetch_modelkit
from .registry.parallel import Meter
from .registry.transfer import download_into_store
from .store import LocalStore
from .unpack import PlannedLayer, parse_filters, plan_unpack, unpack_layers


def cached_dataset_dir(
    store: LocalStore,
    ref: Reference,
    name: str | None,
    options: RegistryOptions,
    progress: ProgressCallback | None = None,
) -> Path:
    """Path of the dataset's file or directory, unpacked from its layer (downloaded if needed)."""
    manifest, kitfile = _modelkit(store, ref, options)
    dataset = pick_dataset(kitfile, name, str(ref))
    selector = dataset.name or dataset.path
    plan = plan_unpack(manifest, kitfile, parse_filters([f"datasets:{selector}"]))
    if len(plan) != 1:
        raise NotFound(f"dataset {selector!r} of {ref} has no layer to load (it may be a remote dataset)")
    layer = plan[0]
    final = store.home / "cache" / "datasets" / hex_of(layer.descriptor.digest)
    if not final.is_dir():
        with store.pinning([layer.descriptor.digest]):  # a removal elsewhere must not delete it midway
            _ensure_blob(store, ref, layer.descriptor, options, progress)
            _unpack_into(store, layer, final)
    return final / posixpath.normpath(dataset.path)


def pick_dataset(kitfile: Kitfile, name: str | None, where: str) -> Dataset:
    """The dataset called ``name`` (by name or path); with no name, the only one there is."""
    local = [d for d in kitfile.datasets if not d.remote_path]
    names = ", ".join(repr(d.name or d.path) for d in local) or "none"
    if name is None:
        if len(local) == 1:
            return local[0]
        raise InvalidArgument(f"{where} has several datasets ({names}); say which one to load")
    for dataset in local:
        if name in (dataset.name, dataset.path):
            return dataset
    raise NotFound(f"{where} has no dataset {name!r}; its datasets are {names}")


def _modelkit(store: LocalStore, ref: Reference, options: RegistryOptions) -> tuple[Manifest, Kitfile]:
    found = store.find(ref)
    if found is not None:
        manifest = store.read_manifest(found.digest)
        return manifest, store.read_kitfile(manifest)
    if ref.is_local_only:
        raise NotFound(
            f"{ref.display()} is not in the local store; pack or pull it first, or give a registry"
        )
    remote = fetch_modelkit(ref, options=options)
    return remote.manifest, remote.kitfile


def _ensure_blob(
    store: LocalStore,
    ref: Reference,
    desc: Descriptor,
    options: RegistryOptions,
    progress: ProgressCallback | None,
) -> None:
    if store.has_blob(desc.digest, desc.size):
        return
    what = f"load dataset from {ref}"
    meter = Meter(ByteProgress(desc.size, progress), threading.Event())
    with RegistryClient(ref.registry, options) as client:
        download_into_store(client, store, ref.repository, desc, meter, what)


def _unpack_into(store: LocalStore, layer: PlannedLayer, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
    try:
        unpack_layers([layer], lambda d: store.open_blob(d.digest), staging)
        try:
            staging.rename(final)
        except OSError:
            if not final.is_dir():  # another process may have finished the same dataset first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
