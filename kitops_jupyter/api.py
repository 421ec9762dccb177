"""The public Python API of kitops-jupyter: every verb of the ``kit`` CLI as a function.

Magics, the widget panel and the Jupyter server extension call only this module. It imports no
Jupyter package. Each verb exists twice: as a method of :class:`Kit` (which holds the store
location and network options) and as a module-level function using a default ``Kit``.

    >>> from kitops_jupyter import api
    >>> result = api.pack("my-project", tag="myorg/model:v1")
    >>> api.unpack("myorg/model:v1", "out", filters=["datasets:train"])
"""

from __future__ import annotations

import builtins
import functools
import importlib
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from inspect import signature as _signature
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, TypeVar, overload

from .core import listing
from .core import registry as reg
from .core.kitfile import Kitfile, dump_kitfile, parse_config_json, parse_kitfile, validate_kitfile
from .core.manifest import Descriptor, Manifest
from .core.modelkitinfo import ModelKitInfo as ModelKitInfo  # one record for local and remote ModelKits
from .core.oserrors import file_system_error
from .core.progress import ProgressCallback as ProgressCallback  # the one (done, total) callback type
from .core.reference import Reference, display_name, parse_reference
from .core.registry.auth import stored_logins
from .core.store import LocalStore, RemoveResult, kitops_home
from .errors import InvalidArgument, NotAModelKit, NotFound, SecretsFound

# Packing, signing, secret scanning and Kitfile generation are imported by the verbs that use them
# (and by __getattr__ below for their types): a fresh kernel's first push, pull or list then imports
# only the registry client and the store (issue 10: the first remote call's imports stay small).
if TYPE_CHECKING:
    import pandas

    from .core import packer, signing
    from .core.generate import GeneratedKitfile
    from .core.layerrows import LayerRow, layer_row, layer_rows
    from .core.secrets import SecretFinding, excluded_reason, format_finding
    from .core.secretscan import SecretScan, UnscannedFile, scan_for_secrets
    from .core.unpack import UnpackHow
    from .core.unpackfilters import Filter

    PackResult = packer.PackResult
    SignResult = signing.SignResult
    SignatureSettings = signing.SignatureSettings
    Verification = signing.Verification
    describe_verification = signing.describe

    from .core.datadiff import DataDiff
    from .core.kitfs.filesystem import KitFileSystem

    PushResult = reg.PushResult
    Referrers = reg.Referrers
    Referrer = reg.Referrer

NetworkOptions = reg.RegistryOptions
RegistrySettings = reg.RegistrySettings

ModelInfo = listing.ModelInfo
ManifestDiff = listing.ManifestDiff
Warn = Callable[[str], None]
AskPassword = Callable[[], str]


@dataclass(frozen=True)
class RegistryStatus:
    """A registry's saved options and who is logged in to it (``None``: nobody; never a secret)."""

    settings: RegistrySettings
    username: str | None

    @property
    def registry(self) -> str:
        return self.settings.registry


def _file_system_errors_as_kit_errors(cls: type[Kit]) -> type[Kit]:
    """Every public method raises :class:`KitError` for file-system failures too (see ``oserrors``)."""
    for name, method in builtins.list(vars(cls).items()):
        if callable(method) and not name.startswith("_"):
            setattr(cls, name, _translated(method))
    return cls


def _translated(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Kit, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except OSError as exc:
            raise file_system_error(exc, method.__name__, self.home) from exc

    return call


@_file_system_errors_as_kit_errors
class Kit:
    """Entry point holding where the local store lives; all verbs are methods."""

    def __init__(
        self,
        home: Path | str | None = None,
        network: NetworkOptions | None = None,
        *,
        require_signature: bool = False,
        verify_key: Path | str | None = None,
    ) -> None:
        self.home = Path(home) if home is not None else kitops_home()
        self.store = LocalStore(self.home)
        self.network = replace(network or NetworkOptions(), home=self.home)
        # pull, unpack and load_dataset refuse ModelKits without a signature by ``verify_key``.
        self.require_signature = require_signature
        self.verify_key = verify_key

    # -- local verbs -------------------------------------------------------------------------

    def init(
        self,
        directory: Path | str = ".",
        *,
        name: str = "",
        description: str = "",
        author: str | Sequence[str] = "",
        force: bool = False,
    ) -> GeneratedKitfile:
        """Write a Kitfile for ``directory`` from its contents (``kit init``); secrets are left out.

        ``author`` is one name or a list of names (``package.authors``)."""
        from .core.generate import generate_kitfile, write_init

        generated = generate_kitfile(Path(directory), name=name, description=description, author=author)
        write_init(Path(directory), generated, force=force)
        return generated

    def pack(
        self,
        directory: Path | str = ".",
        *,
        tag: str | None = None,
        kitfile: Path | str | None = None,
        kitfile_text: str | None = None,
        compression: str = "none",
        progress: ProgressCallback | None = None,
        warn: Warn | None = None,
        cache: bool = True,
        push: bool = False,
        use_model_pack: bool = False,
        allow_secrets: bool = False,
    ) -> PackResult:
        """Pack ``directory`` into the local store (``kit pack DIR -t TAG -f KITFILE``).

        Layers whose files did not change since an earlier pack reuse their stored blob (the layer
        cache, ``PackResult.cached_layers``); ``cache=False`` reads every file again. With ``push``
        the tag must name a registry: each layer streams there while it is packed, then the ModelKit
        is pushed (``PackResult.pushed``); the local store holds it as after a plain pack.
        ``use_model_pack`` writes a CNCF ModelPack (model-spec) ModelKit (``--use-model-pack``).

        What would be packed is scanned for secrets first: a finding raises ``SecretsFound`` (its
        ``findings`` list them, redacted) and nothing is written nor sent, unless ``allow_secrets=True``.
        Files the scan could not read are listed in the result's ``unscanned``.
        """
        from .core import packer

        pack = functools.partial(
            packer.pack,
            Path(directory),
            self.store,
            tag=tag,
            kitfile_path=Path(kitfile) if kitfile else None,
            kitfile_text=kitfile_text,
            compression=compression,
            progress=progress,
            warn=warn,
            cache=cache,
            use_model_pack=use_model_pack,
            allow_secrets=allow_secrets,
        )
        if not push:
            return pack()
        ref = _push_target(tag)
        with reg.RegistryClient(ref.registry, self.network) as client:
            streaming = reg.StreamingPush(client, ref.repository, f"pack --push {ref}")
            result = pack(layer_sink=streaming.open)
        assert tag is not None
        result.pushed = reg.push(self.store, tag, options=self.network, progress=progress)
        return result

    def list_modelkits(self, repository: str | None = None) -> builtins.list[listing.ModelInfo]:
        """Local ModelKits sorted like ``kit list``, or the tagged ModelKits of a remote repository.

        Render with ``listing.list_table`` / ``listing.list_json``.
        """
        if repository is None:
            return listing.list_local(self.store)
        found = reg.remote_list(repository, options=self.network)
        return [
            listing.model_info(
                k.reference.repo_key,
                k.digest,
                [k.reference.tag] if k.reference.tag else [],
                k.manifest,
                k.kitfile,
            )
            for k in found
        ]

    def fingerprint(self) -> str:
        """A short string that changes whenever any process (kit too) changes the local listing."""
        from .core.storewatch import store_fingerprint

        return store_fingerprint(self.store.storage)

    def get(self, reference: str | Reference) -> ModelKitInfo:
        """Resolve a local reference to its manifest and Kitfile (raises NotFound)."""
        ref = _parse(reference)
        descriptor = self.store.resolve(ref)
        manifest = self.store.read_manifest(descriptor.digest)
        return ModelKitInfo(ref, descriptor, manifest, self.store.read_kitfile(manifest))

    def inspect(self, reference: str | Reference, *, remote: bool = False) -> ModelKitInfo:
        """Manifest and Kitfile of a ModelKit, local or (``remote=True``) without downloading layers.

        Remote inspection also lists the ModelKit's referrers (``.referrers``).
        """
        if not remote:
            return self.get(reference)
        found = self._remote(reference)
        found.referrers = self.referrers(found.reference.with_digest(found.digest))
        return found

    def _remote(self, reference: str | Reference) -> ModelKitInfo:
        return reg.fetch_modelkit(reference, options=self.network)

    def readme(self, reference: str | Reference) -> str:
        """The README / model card text of a local ModelKit (``""`` when it has none)."""
        from .core.readme import read_readme  # zstandard: loaded when first needed

        return read_readme(self.store, self.get(reference).manifest)

    def referrers(self, reference: str | Reference) -> Referrers:
        """What refers to a ModelKit in its registry: signatures, attestations, SBOMs.

        The OCI 1.1 referrers API where the registry has it, else the ``sha256-<hex>`` referrers tag;
        cosign's ``.sig``/``.att``/``.sbom`` tags are listed too.
        """
        return reg.fetch_referrers(reference, options=self.network)

    def info(self, reference: str, *, remote: bool = False) -> Kitfile:
        """The Kitfile of a ModelKit (``kit info``)."""
        return (self._remote(reference) if remote else self.get(reference)).kitfile

    @overload
    def diff(self, first: str, second: str, *, data: Literal[False] = False) -> listing.ManifestDiff: ...

    @overload
    def diff(self, first: str, second: str, *, data: Literal[True]) -> DataDiff: ...

    @overload
    def diff(self, first: str, second: str, *, data: bool) -> listing.ManifestDiff | DataDiff: ...

    def diff(self, first: str, second: str, *, data: bool = False) -> listing.ManifestDiff | DataDiff:
        """Compare two ModelKits by layers and annotations; ``local://`` / ``remote://`` pick the side.

        With ``data=True`` a :class:`DataDiff`: the layer diff plus, for every tabular file of every
        dataset, schema, row count and per-column summary changes (read through kit://, not pulled).
        """
        if not data:
            return listing.diff_manifests(self._manifest_any(first), self._manifest_any(second))
        a, b = self._resolve_any(first), self._resolve_any(second)
        layers = listing.diff_manifests(a.manifest, b.manifest)
        fs = self.filesystem()
        sides = [
            fs.resolver.modelkit(info.reference, remote=_side(text))
            for info, text in ((a, first), (b, second))
        ]
        from .core.datadiff import diff_data

        return diff_data(fs, sides[0], sides[1], layers, (first, second))

    def filesystem(self, *, verify: bool = False) -> KitFileSystem:
        """The ``kit://`` fsspec filesystem over this Kit's store and network options.

        ``fsspec.filesystem("kit")`` gives the same with the default store; pass this one to
        pyarrow / DuckDB when the Kit has its own home or TLS settings.
        """
        from .core.kitfs.filesystem import KitFileSystem  # fsspec: loaded when first asked for

        net = self.network
        ca = str(net.ca_bundle) if net.ca_bundle is not None else None
        return KitFileSystem(
            home=self.home, verify=verify, plain_http=net.plain_http, tls_verify=net.tls_verify, ca_bundle=ca
        )

    def preview(
        self, reference: str, dataset: str | None = None, *, rows: int = 10, remote: bool | None = None
    ) -> dict[str, Any]:
        """The first ``rows`` of a dataset (or thumbnails of a media folder) as JSON-ready data, read
        through kit:// without pulling: from the store if it holds the ModelKit, else its registry."""
        fs = self.filesystem()
        from .core.preview import preview_dataset  # pandas: loaded when first needed

        return preview_dataset(fs, fs.resolver.modelkit(_parse(reference), remote=remote), dataset, rows)

    def _manifest_any(self, reference: str) -> Manifest:
        """A ModelKit's manifest, or the manifest under a cosign signature/attestation tag."""
        try:
            return self._resolve_any(reference).manifest
        except NotAModelKit:
            from .core import signing

            ref = _parse(reference.removeprefix("remote://"))
            if not signing.is_cosign_tag(ref.tag):
                raise
            return signing.fetch_signature_manifest(ref, options=self.network)

    def _resolve_any(self, reference: str) -> ModelKitInfo:
        for prefix, remote in (("local://", False), ("remote://", True)):
            if reference.startswith(prefix):
                rest = reference[len(prefix) :]
                return self._remote(rest) if remote else self.get(rest)
        ref = _parse(reference)
        if self.store.find(ref) is not None or ref.is_local_only:
            return self.get(reference)
        return self._remote(reference)

    def unpack(
        self,
        reference: str | Reference,
        directory: Path | str = ".",
        *,
        filters: Sequence[str] = (),
        overwrite: bool = False,
        ignore_existing: bool = False,
        progress: ProgressCallback | None = None,
        require_signature: bool | None = None,
        key: Path | str | None = None,
    ) -> ModelKitInfo:
        """Unpack a ModelKit into ``directory`` (``kit unpack REF -d DIR --filter ...``).

        From the local store when it is there; otherwise straight from the registry, fetching only
        the layers the filters select and storing nothing. When the model is selected, the model of
        a parent ModelKit that ``model.path`` references is unpacked first (recursively).
        ``require_signature`` (default: the Kit's) refuses it unless signed by ``key``.
        """
        from .core.unpack import UnpackHow, parse_filters

        ref = _parse(reference)
        how = UnpackHow(overwrite, ignore_existing, progress)  # refuses overwrite with ignore_existing
        local = self.store.find(ref)
        self._check_signature(ref, local.digest if local else None, require_signature, key)
        if local is not None or ref.is_local_only:
            return self._unpack_local(ref, Path(directory), parse_filters(list(filters)), how)
        found = self._remote(ref)  # the manifest is fetched once: what is unpacked is what is returned
        reg.remote_unpack(
            ref,
            Path(directory),
            filters=filters,
            options=self.network,
            overwrite=overwrite,
            ignore_existing=ignore_existing,
            progress=progress,
            store=self.store,
            fetched=found,
        )
        return found

    def _unpack_local(
        self, ref: Reference, directory: Path, filters: builtins.list[Filter], how: UnpackHow
    ) -> ModelKitInfo:
        """Unpack a stored ModelKit (after the models of its parents), pinning its blobs meanwhile."""
        from .core.unpack import unpack_modelkit, unpack_transaction

        with self.store.pinning() as pins:  # a removal in another process must not delete blobs midway
            pins.add([self.store.resolve(ref).digest])
            found = self.get(ref)
            pins.add(d.digest for d in found.manifest.blob_descriptors())
            with unpack_transaction(
                directory, overwrite=how.overwrite, ignore_existing=how.ignore_existing
            ) as txn:
                joined = replace(how, transaction=txn)
                reg.unpack_parents(
                    found.reference,
                    found.kitfile,
                    directory,
                    filters,
                    joined,
                    store=self.store,
                    options=self.network,
                )
                unpack_modelkit(
                    found.manifest,
                    found.kitfile,
                    lambda d: self.store.open_blob(d.digest),
                    directory,
                    filters=filters,
                    overwrite=how.overwrite,
                    ignore_existing=how.ignore_existing,
                    progress=how.progress,
                    transaction=txn,
                )
        return found

    def tag(self, source: str, target: str) -> Reference:
        """Give a stored ModelKit another reference (``kit tag SRC DST``)."""
        src, dst = _parse(source), _parse(target)
        if dst.digest:
            raise InvalidArgument(f"cannot tag with a digest ({target}); give a tag such as repo:v2")
        self.store.tag(src, dst)
        return dst

    def remove(
        self, reference: str | None = None, *, all: bool = False, force: bool = False
    ) -> builtins.list[RemoveResult]:
        """Remove a reference (several with ``repo:a,b``), or with ``all`` every untagged ModelKit."""
        if all and reference:
            raise InvalidArgument(
                f"give the reference to remove ({reference}) or all=True (--all, every untagged ModelKit), "
                "not both"
            )
        if all:
            return self.store.remove_untagged(force=force)
        if not reference:
            raise InvalidArgument(
                "give a reference to remove, or all=True (--all) to remove untagged ModelKits"
            )
        ref, extra = parse_reference(reference)
        return [self.store.remove(each, force=force) for each in [ref] + [ref.with_tag(t) for t in extra]]

    def remove_remote(self, reference: str, *, force: bool = False) -> str:
        """Delete a ModelKit (by digest) or a tag from its registry (``kit remove --remote``)."""
        return reg.remote_remove(reference, options=self.network, force=force)

    # -- registry verbs ----------------------------------------------------------------------

    def push(
        self, source: str, destination: str | None = None, *, progress: ProgressCallback | None = None
    ) -> PushResult:
        """Upload a stored ModelKit to a registry (``kit push SRC [DST]``); blobs already there are skipped."""
        return reg.push(self.store, source, destination, options=self.network, progress=progress)

    def pull(
        self,
        reference: str,
        *,
        progress: ProgressCallback | None = None,
        require_signature: bool | None = None,
        key: Path | str | None = None,
    ) -> ModelKitInfo:
        """Download a ModelKit into the local store (``kit pull``); blobs already stored are skipped.

        With ``require_signature`` (default: the Kit's) it is refused before any layer is fetched
        unless the registry holds a cosign signature of it by ``key`` (default: the Kit's).
        """
        self._check_signature(_parse(reference), None, require_signature, key)
        result = reg.pull(self.store, reference, options=self.network, progress=progress)
        assert result.descriptor is not None and result.manifest is not None and result.kitfile is not None
        # not looked up again: another process may already have removed the reference
        return ModelKitInfo(
            result.reference, result.descriptor, result.manifest, result.kitfile, notes=result.notes
        )

    def login(self, registry: str, username: str, password: str) -> str:
        """Check credentials against ``registry`` and store them where kit does; returns a message."""
        return reg.login(registry, username, password, options=self.network, home=self.home)

    def logout(self, registry: str) -> str:
        """Forget the stored credentials for ``registry``."""
        return reg.logout(registry, home=self.home)

    # -- registry settings (one place for the magics, the panel and the sidebar) ----------------

    def registry_settings(self) -> builtins.list[RegistryStatus]:
        """Every registry with saved settings or a stored login, with its options and login state."""
        saved = reg.load_settings(self.home)
        hosts = sorted(set(saved) | set(stored_logins(self.home)))
        return [self._status(saved.get(host) or RegistrySettings(host)) for host in hosts]

    def save_registry_settings(
        self,
        registry: str,
        *,
        plain_http: bool | None = None,
        tls_verify: bool = True,
        ca_bundle: str | None = None,
    ) -> RegistryStatus:
        """Save how to reach ``registry``; every later remote verb uses it unless told otherwise."""
        saved = reg.save_settings(self.home, RegistrySettings(registry, plain_http, tls_verify, ca_bundle))
        return self._status(saved)

    def forget_registry_settings(self, registry: str) -> bool:
        """Drop the saved settings of ``registry`` (its login stays; ``logout`` removes that)."""
        return reg.forget_settings(self.home, registry)

    def signature_settings(self) -> SignatureSettings:
        """Whether the sidebar's pulls and unpacks require a signature, and by which public key."""
        from .core import signing

        return signing.load_signature_settings(self.home)

    def save_signature_settings(self, *, require_signature: bool, verify_key: str = "") -> SignatureSettings:
        """Save the sidebar's signature policy (``$KITOPS_HOME/signature-settings.json``)."""
        from .core import signing

        return signing.save_signature_settings(
            self.home, signing.SignatureSettings(require_signature, verify_key)
        )

    def _status(self, settings: RegistrySettings) -> RegistryStatus:
        creds = reg.find_credentials(settings.registry, home=self.home)
        return RegistryStatus(settings, creds.username if creds else None)

    # -- notebook verbs ----------------------------------------------------------------------

    def dataset_path(
        self,
        reference: str,
        name: str | None = None,
        *,
        progress: ProgressCallback | None = None,
        require_signature: bool | None = None,
        key: Path | str | None = None,
    ) -> Path:
        """Local directory holding one dataset of a ModelKit, fetching only that layer (cached)."""
        ref = _parse(reference)
        local = self.store.find(ref)
        self._check_signature(ref, local.digest if local else None, require_signature, key)
        from .core.datasetcache import cached_dataset_dir

        return cached_dataset_dir(self.store, _parse(reference), name, self.network, progress)

    def load_dataset(
        self,
        reference: str,
        name: str | None = None,
        *,
        allow_pickle: bool = False,
        progress: ProgressCallback | None = None,
        require_signature: bool | None = None,
        key: Path | str | None = None,
    ) -> pandas.DataFrame | dict[str, pandas.DataFrame]:
        """A dataset of a ModelKit as a pandas DataFrame (a dict when its files' schemas differ).

        ``reference`` may also be a ``kit://REGISTRY/REPO:TAG/PATH`` URL: the file or folder is then
        read through kit:// without unpacking (or, for uncompressed layers, downloading) the layer.
        A folder of images/audio/video/text gives one row per file with lazily read bytes.
        """
        from .core.datasetreaders import read_dataset_dir, read_dataset_url

        if reference.startswith("kit://"):
            return read_dataset_url(self.filesystem(), reference)

        path = self.dataset_path(
            reference, name, progress=progress, require_signature=require_signature, key=key
        )
        return read_dataset_dir(path, allow_pickle=allow_pickle)

    # -- signing (cosign-compatible) ---------------------------------------------------------

    def generate_key_pair(
        self, directory: Path | str = ".", *, password: AskPassword | None = None
    ) -> tuple[Path, Path]:
        """Write ``cosign.key`` (encrypted) and ``cosign.pub`` like ``cosign generate-key-pair``.

        The password comes from ``$COSIGN_PASSWORD`` when set, else from ``password()`` (a prompt).
        """
        from .core import signing

        return signing.generate_key_pair(directory, _password(password, "the new key"))

    def sign(
        self,
        reference: str,
        *,
        key: Path | str,
        password: AskPassword | None = None,
        provenance: bool | signing.Provenance = False,
        notebook: Path | str | None = None,
    ) -> SignResult:
        """Sign a ModelKit in its registry so that ``cosign verify --key cosign.pub`` accepts it.

        ``key`` is a cosign private key (encrypted: its password from ``$COSIGN_PASSWORD`` or
        ``password()``) or a PEM ECDSA P-256 key. ``provenance=True`` also attaches a SLSA
        provenance attestation (this package, ``notebook``'s digest, the datasets, the imported
        Python packages) that ``cosign verify-attestation --type slsaprovenance`` accepts.
        """
        from .core import signing

        secret = _password(password, str(key)) if signing.needs_password(key) else None
        signing_key = signing.load_private_key(key, secret)
        return signing.sign_modelkit(
            _parse(reference),
            signing_key,
            options=self.network,
            provenance=_provenance(provenance, notebook),
        )

    def verify(
        self,
        reference: str,
        *,
        key: Path | str | None = None,
        provenance: bool = False,
        stored: bool = False,
    ) -> Verification:
        """Check the cosign signature of a remote ModelKit with a public key (``cosign verify --key``).

        ``stored=True`` checks the content the local store holds under ``reference`` (its digest)
        instead of what the tag points to in the registry now. Raises
        :class:`~kitops_jupyter.errors.SignatureError` when it is unsigned, signed by another key, or
        the signature does not match the content.
        """
        public = key if key is not None else self.verify_key
        if public is None:
            raise InvalidArgument("give the signer's public key: key='cosign.pub'")
        from .core import signing

        ref = _parse(reference)
        digest = self.store.resolve(ref).digest if stored else None
        return signing.verify_modelkit(
            ref, signing.load_public_key(public), options=self.network, provenance=provenance, digest=digest
        )

    def _check_signature(
        self, ref: Reference, digest: str | None, required: bool | None, key: Path | str | None
    ) -> None:
        if not (self.require_signature if required is None else required):
            return
        public = key if key is not None else self.verify_key
        if public is None:
            raise InvalidArgument(
                f"{ref.display()}: a signature is required but no public key is set; give key='cosign.pub' "
                "(%config KitMagics.verify_key)"
            )
        from .core import signing

        if ref.is_local_only:
            raise signing.SignatureError(
                f"{ref.display()} is only in the local store, so its signature cannot be checked; pull it "
                "from the registry it was signed in"
            )
        signing.verify_modelkit(ref, signing.load_public_key(public), options=self.network, digest=digest)

    def list(self, repository: str | None = None) -> builtins.list[listing.ModelInfo]:
        """Deprecated name of :meth:`list_modelkits` (it shadowed the builtin ``list``)."""
        warnings.warn("Kit.list is deprecated; use Kit.list_modelkits", DeprecationWarning, stacklevel=3)
        return self.list_modelkits(repository)


def _password(ask: AskPassword | None, what: str) -> bytes:
    """``$COSIGN_PASSWORD`` when set (even empty, as cosign reads it), else ``ask()``."""
    from .core import signing

    if signing.PASSWORD_ENV in os.environ:
        return os.environ[signing.PASSWORD_ENV].encode()
    if ask is None:
        raise InvalidArgument(
            f"{what} needs a password: set ${signing.PASSWORD_ENV} or give password=<a function that asks>"
        )
    return ask().encode()


def _provenance(wanted: bool | signing.Provenance, notebook: Path | str | None) -> signing.Provenance | None:
    from .core import signing

    if isinstance(wanted, signing.Provenance) or not wanted:
        return wanted or None
    from ._version import __version__
    from .core.requirements import imported_distributions

    return signing.Provenance(
        builder_version=__version__,
        notebook=Path(notebook) if notebook else None,
        packages=imported_distributions(),
    )


def _side(reference: str) -> bool | None:
    """True for ``remote://``, False for ``local://``, None (local store first) otherwise."""
    return True if reference.startswith("remote://") else False if reference.startswith("local://") else None


def _push_target(tag: str | None) -> Reference:
    """The registry reference ``pack --push`` streams to."""
    ref = parse_reference(tag)[0] if tag else None
    if ref is None or ref.is_local_only:
        raise InvalidArgument(
            "pack --push needs a tag with a registry, e.g. registry.example.com/myorg/model:v1 "
            f"({f'got {tag!r}' if tag else 'no tag given'})"
        )
    return ref


def push_detail(result: PushResult) -> str:
    """How a push went, in the one wording the magic, the panel and the sidebar share."""
    sent = len(result.uploaded)
    return (
        f"{sent} blob{'' if sent == 1 else 's'} uploaded ({listing.format_size(result.bytes_uploaded)}), "
        f"{len(result.skipped)} already in the registry"
    )


def _parse(reference: str | Reference) -> Reference:
    if isinstance(reference, Reference):
        return reference
    ref, extra = parse_reference(reference)
    if extra:
        raise InvalidArgument(f"{reference!r} names several tags; give exactly one reference here")
    return ref


# -- the text kit prints (shared by every adapter, so `%kit` and the command line print the same) ----


def format_list(infos: Sequence[listing.ModelInfo], format: str = "table") -> str:
    """``kit list --format``: ``table`` (default), ``json``, or a Go template such as ``{{ .Repo }}``
    run once per ModelKit (fields ``.Repo .Digest .Tags .ModelName .Size .Author``)."""
    return listing.format_list(builtins.list(infos), format)


def inspect_text(found: ModelKitInfo) -> str:
    """``kit inspect``'s JSON: digest, cliVersion, Kitfile (with layer digests) and manifest."""
    return listing.inspect_json(found.digest, found.manifest, found.kitfile)


def kitfile_text(kitfile: Kitfile, selector: str | None = None) -> str:
    """A Kitfile as YAML, as ``kit info`` and ``kit init`` print it (no layer digests); with
    ``selector`` (``kit info --filter .model.path``) only that node."""
    return listing.info_filter(kitfile, selector) if selector else dump_kitfile(kitfile)


def diff_text(diff: listing.ManifestDiff, first: str, second: str) -> str:
    """``kit diff``'s report for ModelKit1 ``first`` and ModelKit2 ``second``."""
    return listing.format_diff(diff, first, second)


def format_size(size: float) -> str:
    """Bytes as kit prints them (``512 B``, ``1.9 KiB``)."""
    return listing.format_size(size)


def display_reference(reference: str | Reference) -> str:
    """A reference or repository as kit shows it: without ``localhost/`` (kit's local registry)."""
    return display_name(str(reference))


_default: Kit | None = None


def default_kit() -> Kit:
    """The shared Kit for module-level calls; rebuilt if $KITOPS_HOME changed."""
    global _default
    if _default is None or _default.home != kitops_home():
        _default = Kit()
    return _default


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _delegate(method: Callable[Concatenate[Kit, _P], _R]) -> Callable[_P, _R]:
    """``method`` as a module-level function on :func:`default_kit`, with the method's signature."""

    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return method(default_kit(), *args, **kwargs)

    call.__name__ = call.__qualname__ = method.__name__
    call.__doc__ = method.__doc__
    signature = _signature(method)  # for help() and completion: the method's, without ``self``
    call.__signature__ = signature.replace(parameters=builtins.list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
    return call


init = _delegate(Kit.init)
pack = _delegate(Kit.pack)
list_modelkits = _delegate(Kit.list_modelkits)
inspect = _delegate(Kit.inspect)
referrers = _delegate(Kit.referrers)
info = _delegate(Kit.info)
diff = _delegate(Kit.diff)
unpack = _delegate(Kit.unpack)
tag = _delegate(Kit.tag)
remove = _delegate(Kit.remove)
push = _delegate(Kit.push)
pull = _delegate(Kit.pull)
login = _delegate(Kit.login)
logout = _delegate(Kit.logout)
load_dataset = _delegate(Kit.load_dataset)
registry_settings = _delegate(Kit.registry_settings)
save_registry_settings = _delegate(Kit.save_registry_settings)
forget_registry_settings = _delegate(Kit.forget_registry_settings)
sign = _delegate(Kit.sign)
verify = _delegate(Kit.verify)
generate_key_pair = _delegate(Kit.generate_key_pair)

# name -> (core module, its attribute): imported on first use, like the verbs that need them
_LAZY = {
    "DataDiff": ("datadiff", "DataDiff"),  # fsspec and pandas cost a fresh kernel ~0.1 s
    "KitFileSystem": ("kitfs.filesystem", "KitFileSystem"),
    "PackResult": ("packer", "PackResult"),
    "PushResult": ("registry.transfer", "PushResult"),  # push/pull and referrers load with their verbs
    "Referrer": ("registry.referrers", "Referrer"),
    "Referrers": ("registry.referrers", "Referrers"),
    "SignResult": ("signing", "SignResult"),
    "SignatureSettings": ("signing", "SignatureSettings"),
    "Verification": ("signing", "Verification"),
    "describe_verification": ("signing", "describe"),
    "LayerRow": ("layerrows", "LayerRow"),
    "layer_row": ("layerrows", "layer_row"),
    "layer_rows": ("layerrows", "layer_rows"),
    "SecretFinding": ("secrets", "SecretFinding"),
    "excluded_reason": ("secrets", "excluded_reason"),
    "format_finding": ("secrets", "format_finding"),
    "SecretScan": ("secretscan", "SecretScan"),
    "UnscannedFile": ("secretscan", "UnscannedFile"),
    "scan_for_secrets": ("secretscan", "scan_for_secrets"),
}


def __getattr__(name: str) -> Any:
    """The types and helpers in ``_LAZY``, imported when first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(f"{__package__}.core.{module}"), attribute)
    globals()[name] = value
    return value


# Besides the verbs: the value types and display helpers the adapters (magics, panel, server) need;
# they reach the core only through this module (tests/test_architecture.py).
__all__ = [
    "DataDiff",
    "Descriptor",
    "Kit",
    "KitFileSystem",
    "Kitfile",
    "LayerRow",
    "Manifest",
    "ManifestDiff",
    "ModelInfo",
    "ModelKitInfo",
    "NetworkOptions",
    "NotFound",
    "PackResult",
    "PushResult",
    "Reference",
    "Referrer",
    "Referrers",
    "RegistrySettings",
    "RegistryStatus",
    "RemoveResult",
    "SecretFinding",
    "SecretScan",
    "SecretsFound",
    "SignResult",
    "SignatureSettings",
    "UnscannedFile",
    "Verification",
    "default_kit",
    "describe_verification",
    "diff",
    "diff_text",
    "display_name",
    "display_reference",
    "dump_kitfile",
    "excluded_reason",
    "forget_registry_settings",
    "format_finding",
    "format_list",
    "format_size",
    "generate_key_pair",
    "info",
    "init",
    "inspect",
    "inspect_text",
    "kitfile_text",
    "layer_row",
    "layer_rows",
    "list_modelkits",
    "load_dataset",
    "login",
    "logout",
    "pack",
    "parse_config_json",
    "parse_kitfile",
    "parse_reference",
    "pull",
    "push",
    "push_detail",
    "referrers",
    "registry_settings",
    "remove",
    "save_registry_settings",
    "scan_for_secrets",
    "sign",
    "tag",
    "unpack",
    "validate_kitfile",
    "verify",
]
