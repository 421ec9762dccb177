"""Sign, attest and verify ModelKits in a registry the way cosign does (``cosign sign/verify --key``).

Signatures go under ``sha256-<hex>.sig`` (appended to the layers already there, as cosign does);
provenance attestations under ``sha256-<hex>.att``. When the registry answers the OCI 1.1 referrers
API, the signature is also pushed in the referrers form (``subject`` + sig artifact type).
Verification only trusts a payload whose signature verifies with the given key AND whose claimed
manifest digest is the digest the reference resolves to now.
"""

from __future__ import annotations

import base64
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import KitError, NotFound, RegistryError, SignatureError
from .. import mediatypes
from ..digest import digest_bytes
from ..manifest import Descriptor, Manifest
from ..reference import Reference
from ..registry.client import RegistryClient, RegistryOptions, pull_scope
from ..registry.downloads import fetch_blob_bytes
from ..registry.lookup import remote_reference
from ..registry.parallel import Meter
from ..registry.remote import fetch_modelkit
from ..registry.uploads import upload_blob
from . import cosignformat as cf
from .dsse import envelope, open_envelope, statement, subject_digests
from .keys import SigningKey, VerifyingKey
from .provenance import SLSA_PROVENANCE_V02, Provenance

MAX_SIGNATURE_BYTES = 1 << 20


@dataclass(frozen=True)
class SignResult:
    reference: Reference
    digest: str
    signature_tag: str
    key_fingerprint: str
    attestation_tag: str = ""
    referrer_digest: str = ""  # the OCI 1.1 referrer manifest, when the registry supports referrers


@dataclass(frozen=True)
class Verification:
    """A signature that verified: by which key, for which digest, and any verified provenance."""

    reference: Reference
    digest: str
    key_fingerprint: str
    signed_reference: str
    provenance: list[dict[str, Any]] = field(default_factory=list)


def repository_name(ref: Reference) -> str:
    """What cosign writes as ``docker-reference`` and the in-toto subject name: registry/repository."""
    return f"{ref.registry}/{ref.repository}"


# -- signing ------------------------------------------------------------------------------------------


def sign_modelkit(
    reference: Reference | str,
    key: SigningKey,
    *,
    options: RegistryOptions | None = None,
    provenance: Provenance | None = None,
    referrers: bool = True,
) -> SignResult:
    """Sign the remote ModelKit at ``reference`` (by its current digest); attach ``provenance`` too."""
    ref, _ = remote_reference(reference, "sign")
    what = f"sign {ref}"
    with RegistryClient(ref.registry, options) as client:
        kit = fetch_modelkit(ref, client=client)
        digest = kit.digest
        payload = cf.simple_signing_payload(repository_name(ref), digest)
        signature = base64.b64encode(key.sign(payload)).decode()
        layer = cf.signature_layer(payload, cf.SIMPLE_SIGNING, {cf.SIGNATURE_ANNOTATION: signature})
        sig_tag = cf.signature_tag(digest)
        _append_layer(client, ref, sig_tag, layer, payload, what)
        att_tag = ""
        if provenance is not None:
            predicate = provenance.predicate(str(ref.with_digest(digest)), kit.kitfile)
            body = statement(repository_name(ref), digest, SLSA_PROVENANCE_V02, predicate)
            signed = envelope(body, key.sign)
            annotations = {cf.SIGNATURE_ANNOTATION: "", cf.PREDICATE_ANNOTATION: SLSA_PROVENANCE_V02}
            att_layer = cf.signature_layer(signed, cf.DSSE_ENVELOPE, annotations)
            att_tag = cf.signature_tag(digest, "att")
            _append_layer(client, ref, att_tag, att_layer, signed, what)
        referrer = ""
        if referrers and supports_referrers(client, ref.repository, digest, what):
            referrer = _put_referrer(client, ref, kit.descriptor, layer, payload, what)
    return SignResult(ref, digest, sig_tag, key.public.fingerprint, att_tag, referrer)


def _append_layer(
    client: RegistryClient, ref: Reference, tag: str, layer: Descriptor, content: bytes, what: str
) -> str:
    existing = _signature_manifest(client, ref.repository, tag, what)
    layers = cf.merge_layers(existing.layers if existing else [], layer)
    _upload_bytes(client, ref.repository, content, what)
    config = cf.image_config([each.digest for each in layers])
    _upload_bytes(client, ref.repository, config, what)
    manifest = cf.signature_manifest(layers, config)
    return client.put_manifest(ref.repository, tag, manifest.encode(), mediatypes.MANIFEST, what)


def _put_referrer(
    client: RegistryClient, ref: Reference, subject: Descriptor, layer: Descriptor, payload: bytes, what: str
) -> str:
    config = cf.image_config([layer.digest])
    _upload_bytes(client, ref.repository, config, what)
    plain_subject = Descriptor(subject.media_type or mediatypes.MANIFEST, subject.digest, subject.size)
    manifest = cf.signature_manifest([layer], config, subject=plain_subject).encode()
    digest = digest_bytes(manifest)
    client.put_manifest(ref.repository, digest, manifest, mediatypes.MANIFEST, what)
    return digest


def _upload_bytes(client: RegistryClient, repository: str, data: bytes, what: str) -> None:
    with tempfile.TemporaryDirectory(prefix="kitops-sign-") as tmp:
        path = Path(tmp) / "blob"
        path.write_bytes(data)
        upload_blob(client, repository, digest_bytes(data), len(data), path, Meter(None), what)


def supports_referrers(client: RegistryClient, repository: str, digest: str, what: str) -> bool:
    """True when ``GET /v2/<repo>/referrers/<digest>`` answers with an image index (OCI 1.1)."""
    url = client.url(repository, "referrers", digest)
    try:
        response = client.request("GET", url, scope=pull_scope(repository), what=what, ok=(200, 404))
    except RegistryError:
        return False
    with response:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        return response.status_code == 200 and kind == mediatypes.INDEX


# -- verification -------------------------------------------------------------------------------------


def _signature_manifest(client: RegistryClient, repository: str, tag: str, what: str) -> Manifest | None:
    try:
        data, _, _ = client.get_manifest(repository, tag, what)
    except NotFound:
        return None
    try:
        return Manifest.parse(data, f"{repository}:{tag}")
    except KitError:
        raise SignatureError(f"{what}: {repository}:{tag} is not a cosign signature manifest") from None


def fetch_signature_manifest(reference: Reference, *, options: RegistryOptions | None = None) -> Manifest:
    """The manifest under a cosign tag (``sha256-<hex>.sig``/``.att``), e.g. for ``diff``."""
    what = f"inspect {reference}"
    with RegistryClient(reference.registry, options) as client:
        manifest = _signature_manifest(client, reference.repository, reference.ref, what)
    if manifest is None:
        raise NotFound(f"{what}: no such signature tag in {reference.registry}/{reference.repository}")
    return manifest


def _referrer_layers(client: RegistryClient, repository: str, digest: str, what: str) -> list[Descriptor]:
    """Signature layers of OCI 1.1 referrers of ``digest`` (none when the registry lacks the API)."""
    if not supports_referrers(client, repository, digest, what):
        return []
    url = client.url(repository, "referrers", digest)
    with client.request("GET", url, scope=pull_scope(repository), what=what) as response:
        index = response.json()
    layers: list[Descriptor] = []
    for entry in index.get("manifests") or []:
        if entry.get("artifactType") == cf.SIG_ARTIFACT:
            manifest = _signature_manifest(client, repository, entry["digest"], what)
            layers.extend(manifest.layers if manifest else [])
    return layers


def verify_modelkit(
    reference: Reference | str,
    key: VerifyingKey,
    *,
    options: RegistryOptions | None = None,
    digest: str | None = None,
    provenance: bool = False,
) -> Verification:
    """Check that the ModelKit at ``reference`` carries a signature by ``key`` for its current digest.

    ``digest`` pins the content to check (a locally stored ModelKit); else the registry's digest of
    ``reference`` is used. With ``provenance`` the SLSA attestations signed by ``key`` are returned.
    Raises :class:`SignatureError` saying what is wrong (unsigned, moved tag, other key, tampered).
    """
    ref, _ = remote_reference(reference, "verify")
    what = f"verify {ref}"
    with RegistryClient(ref.registry, options) as client:
        if digest is None:
            _, _, digest = client.get_manifest(ref.repository, ref.ref or "latest", what)
        sig_tag = cf.signature_tag(digest)
        manifest = _signature_manifest(client, ref.repository, sig_tag, what)
        layers = (manifest.layers if manifest else []) + _referrer_layers(
            client, ref.repository, digest, what
        )
        if not layers:
            raise SignatureError(
                f"{ref} ({digest}) is not signed: {ref.repository} has no {sig_tag} signature. If it "
                "was signed before, the tag now points at other content; sign it with "
                "`%kit sign REF --key cosign.key` or `cosign sign --key cosign.key`"
            )
        claim = _verified_claim(client, ref, layers, key, digest, what)
        found = Verification(ref, digest, key.fingerprint, claim.docker_reference)
        if provenance:
            found = Verification(
                ref,
                digest,
                key.fingerprint,
                claim.docker_reference,
                _verified_attestations(client, ref, key, digest, what),
            )
    return found


def _verified_claim(
    client: RegistryClient,
    ref: Reference,
    layers: list[Descriptor],
    key: VerifyingKey,
    digest: str,
    what: str,
) -> cf.SignedClaim:
    other_digests: list[str] = []
    for layer in layers:
        if layer.media_type != cf.SIMPLE_SIGNING:
            continue
        signature = _signature_bytes(layer)
        payload = fetch_blob_bytes(client, ref.repository, layer, what, limit=MAX_SIGNATURE_BYTES)
        if signature is None or not key.verify(signature, payload):
            continue
        claim = cf.parse_payload(payload)
        if claim is not None and claim.digest == digest:
            return claim
        if claim is not None:
            other_digests.append(claim.digest)
    if other_digests:
        raise SignatureError(
            f"{ref}: the signature by {key.source} is for {other_digests[0]}, but {ref} is {digest}: the "
            "signature was copied onto other content (or the ModelKit was re-tagged); do not trust it"
        )
    raise SignatureError(
        f"{ref} ({digest}): none of its {len(layers)} signature(s) verifies with {key.source} "
        f"({key.fingerprint}): it was signed with another key, or the signature or its payload was "
        "altered; check that you have the signer's public key"
    )


def _signature_bytes(layer: Descriptor) -> bytes | None:
    value = (layer.annotations or {}).get(cf.SIGNATURE_ANNOTATION, "")
    try:
        return base64.b64decode(value, validate=True) if value else None
    except ValueError:
        return None


def _verified_attestations(
    client: RegistryClient, ref: Reference, key: VerifyingKey, digest: str, what: str
) -> list[dict[str, Any]]:
    """Predicates of the SLSA provenance attestations signed by ``key`` about ``digest``."""
    manifest = _signature_manifest(client, ref.repository, cf.signature_tag(digest, "att"), what)
    found: list[dict[str, Any]] = []
    for layer in manifest.layers if manifest else []:
        if layer.media_type != cf.DSSE_ENVELOPE:
            continue
        opened = open_envelope(fetch_blob_bytes(client, ref.repository, layer, what, MAX_SIGNATURE_BYTES))
        if opened is None or not any(key.verify(sig, opened.signed_bytes) for sig in opened.signatures):
            continue
        doc = opened.statement
        if doc.get("predicateType") == SLSA_PROVENANCE_V02 and digest in subject_digests(doc):
            predicate = doc.get("predicate")
            found.append(predicate if isinstance(predicate, dict) else {})
    return found


def describe(verification: Verification) -> str:
    """One line for users: what verified, by which key."""
    extra = f", {len(verification.provenance)} provenance attestation(s)" if verification.provenance else ""
    return (
        f"Verified {verification.reference} ({verification.digest}): signed by key "
        f"{verification.key_fingerprint} as {verification.signed_reference}{extra}"
    )


def dumps_provenance(verification: Verification) -> str:
    return json.dumps(verification.provenance, indent=2)
