"""JSON shapes of the REST API, built from ``api`` results (the schemas in ``openapi.yaml``).

Field names are camelCase as the browser reads them. Sizes come as bytes and, in ``sizeText``, as kit
prints them (``format_size``), so the sidebar shows the same text as ``kit list`` and the magics without a
formatter of its own. No Jupyter imports here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..api import (
    Kit,
    LayerRow,
    ModelInfo,
    ModelKitInfo,
    PackResult,
    PushResult,
    RegistryStatus,
    RemoveResult,
    SignatureSettings,
    describe_verification,
    format_size,
    kitfile_text,
    layer_rows,
    parse_reference,
    push_detail,
)
from ..errors import KitError, SignatureError

NONE = "<none>"


def modelkit_rows(kit: Kit) -> list[dict[str, Any]]:
    """One row per local tag (one row for an untagged ModelKit), in ``kit list`` order."""
    rows = []
    for info in kit.list_modelkits():
        created = _created_of(kit, info.digest)
        rows += [_row(info, tag, created) for tag in info.tags or [""]]
    return rows


def remote_rows(infos: Iterable[ModelInfo]) -> list[dict[str, Any]]:
    """The tags of a remote repository, one row each (``created`` is unknown without a fetch)."""
    return [_row(info, tag, "") for info in infos for tag in info.tags or [""]]


def _row(info: ModelInfo, tag: str, created: str) -> dict[str, Any]:
    return {
        "reference": _reference(info.repo, tag, info.digest),
        "repository": info.repo,
        "tag": tag,
        "name": "" if info.model_name == NONE else info.model_name,
        "author": "" if info.author == NONE else info.author,
        "size": info.size,
        "digest": info.digest,
        "created": created,
    }


def _reference(repo: str, tag: str, digest: str) -> str:
    if repo == NONE:
        return digest
    return f"{repo}:{tag}" if tag else f"{repo}@{digest}"


def _created_of(kit: Kit, digest: str) -> str:
    try:
        return kit.store.read_manifest(digest).created
    except (KitError, OSError):  # a damaged or unreadable entry still gets its row, as in `kit list`
        return ""


def detail(found: ModelKitInfo, readme: str = "") -> dict[str, Any]:
    """Reference, digest, package, Kitfile YAML, layers, dataset names and README of one ModelKit."""
    package = found.kitfile.package
    size = sum(layer.size for layer in found.manifest.layers)
    return {
        "reference": found.reference.display(),
        "canonical": str(found.reference),
        "digest": found.digest,
        "created": found.manifest.created,
        "cliVersion": found.manifest.cli_version,
        "package": {
            "name": package.name,
            "version": package.version,
            "description": package.description,
            "license": package.license,
            "authors": list(package.authors),
        },
        "kitfile": kitfile_text(found.kitfile),
        "layers": [layer_json(row) for row in layer_rows(found.manifest, found.kitfile)],
        "size": size,
        "sizeText": format_size(size),
        "datasets": [dataset.name for dataset in found.kitfile.datasets if dataset.name],
        "readme": readme,
        # remote inspection only: what refers to it (signatures, attestations, SBOMs)
        "referrers": found.referrers.to_json_obj() if found.referrers is not None else None,
    }


def layer_json(row: LayerRow) -> dict[str, Any]:
    """One layer: ``kind`` is kit's name (``model``, ``dataset``, ``code``, ``prompt``, …, else ``other``)."""
    return {
        "kind": row.type,
        "mediaType": row.media_type,
        "digest": row.digest,
        "size": row.size,
        "sizeText": format_size(row.size),
        "path": row.path,
    }


def pack_result(result: PackResult, folder: str) -> dict[str, Any]:
    return {
        "folder": folder,
        "digest": result.digest,
        "references": [ref.display() for ref in result.references],
        "name": result.kitfile.package.name,
        "warnings": list(result.warnings),
    }


def push_result(result: PushResult) -> dict[str, Any]:
    return {
        "reference": str(result.reference),
        "digest": result.digest,
        "tags": list(result.tags),
        "uploaded": len(result.uploaded),
        "skipped": len(result.skipped),
        "bytesUploaded": result.bytes_uploaded,
        "detail": push_detail(result),
    }


def located(found: ModelKitInfo, **extra: Any) -> dict[str, Any]:
    """A short summary of a pulled or unpacked ModelKit."""
    return {"reference": found.reference.display(), "digest": found.digest, **extra}


def removed(results: Iterable[RemoveResult]) -> dict[str, Any]:
    return {
        "removed": [
            {
                "repository": each.repo_key,
                "digest": each.digest,
                "untagged": list(each.untagged),
                "deleted": each.manifest_deleted,
                "freed": each.freed,
            }
            for each in results
        ]
    }


def diff(first: str, second: str, a: ModelKitInfo, b: ModelKitInfo) -> dict[str, Any]:
    """Layers of ``b`` against ``a``: added, removed, changed (same kind and path) or the same."""
    before = {(row.type, row.path): row for row in layer_rows(a.manifest, a.kitfile)}
    rows = []
    for row in layer_rows(b.manifest, b.kitfile):
        old = before.pop((row.type, row.path), None)
        change = "added" if old is None else "same" if old.digest == row.digest else "changed"
        rows.append(_diff_row(row, change, old.digest if old else ""))
    rows += [_diff_row(row, "removed", "") for row in before.values()]
    return {
        "first": first,
        "second": second,
        "identical": a.digest == b.digest,
        "layers": rows,
    }


def _diff_row(row: LayerRow, change: str, other: str) -> dict[str, Any]:
    return {
        "kind": row.type,
        "path": row.path,
        "size": row.size,
        "sizeText": format_size(row.size),
        "digest": row.digest,
        "other": other,
        "change": change,
    }


def registry(status: RegistryStatus) -> dict[str, Any]:
    """One registry's settings and login state (the username, never a secret)."""
    settings = status.settings
    return {
        "registry": settings.registry,
        "plainHttp": settings.plain_http,
        "tlsVerify": settings.tls_verify,
        "caBundle": settings.ca_bundle or "",
        "loggedIn": status.username is not None,
        "username": status.username or "",
    }


def signature(kit: Kit, reference: str, key: Path, stored: bool) -> dict[str, Any]:
    """``signed`` with who signed and the verified SLSA provenance, or ``signed: false`` and why.

    An unsigned or badly signed ModelKit is an answer here, not an error; an unreachable registry or
    an unreadable key file still is.
    """
    if parse_reference(reference)[
        0
    ].is_local_only:  # an answer, not an error: the sidebar asks on every click
        message = f"{reference} is only in the local store: signatures live in a registry, so there is none to check"
        return {"reference": reference, "signed": False, "message": message}
    try:
        found = kit.verify(reference, key=key, provenance=True, stored=stored)
    except SignatureError as exc:
        return {"reference": reference, "signed": False, "message": exc.message}
    return {
        "reference": reference,
        "signed": True,
        "digest": found.digest,
        "key": found.key_fingerprint,
        "signedAs": found.signed_reference,
        "provenance": found.provenance,
        "message": describe_verification(found),
    }


def signature_settings(saved: SignatureSettings) -> dict[str, Any]:
    return {"requireSignature": saved.require_signature, "verifyKey": saved.verify_key}
