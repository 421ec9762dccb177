"""Referrers of a ModelKit (signatures, attestations, SBOMs) through the OCI 1.1 referrers API on the
go-containerregistry registry (referrers API on), and through the referrers tag schema (``sha256-<hex>``) plus cosign's
``.sig`` tags on registries without the API (Debian's docker-registry 2.8, with and without token auth,
and distribution v3 with token auth)."""

from __future__ import annotations

import secrets
from pathlib import Path

from kitops_jupyter import api
from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.manifest import Descriptor
from kitops_jupyter.core.registry import RegistryClient, RegistryOptions, push
from kitops_jupyter.core.registry.referrers import referrers_tag
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.magics.results import ModelKitResult
from tests.matrix_fixtures import GoRegistry, TokenRegistry
from tests.referrer_artifacts import SBOM, SIGNATURE, push_artifact, write_fallback_index
from tests.registry_fixtures import RegistryServer, make_modelkit


def _pushed_modelkit(
    address: str, tmp_path: Path, options: RegistryOptions | None = None
) -> tuple[str, Descriptor]:
    store = LocalStore(tmp_path / "src")
    make_modelkit(store)
    repo = f"team/{secrets.token_hex(4)}"
    result = push(store, "test/model:v1", f"{address}/{repo}:v1", options=options)
    data = store.read_blob(result.digest)
    return repo, Descriptor(mediatypes.MANIFEST, result.digest, len(data))


def test_referrers_api_on_go_containerregistry(referrers_registry: GoRegistry, tmp_path: Path) -> None:
    repo, subject = _pushed_modelkit(referrers_registry.address, tmp_path)
    with RegistryClient(referrers_registry.address) as client:
        signature = push_artifact(client, repo, subject, SIGNATURE, tmp_path)
        sbom = push_artifact(client, repo, subject, SBOM, tmp_path)
        push_artifact(client, repo, None, SBOM, tmp_path, tag="unrelated")

    found = api.Kit().inspect(f"{referrers_registry.address}/{repo}:v1", remote=True)
    assert found.referrers is not None and found.referrers.api
    kinds = {r.digest: (r.kind, r.artifact_type, r.found_by) for r in found.referrers.items}
    assert kinds == {
        signature.digest: ("signature", SIGNATURE, "referrers API"),
        sbom.digest: ("sbom", SBOM, "referrers API"),
    }
    shown = ModelKitResult.from_info("Inspected", found, "{}\n")
    assert shown.text() == "{}\n"  # the text stays kit's JSON
    assert "Referrers: 2 (looked up through the referrers API)" in shown.html() and SIGNATURE in shown.html()
    assert "Referrers: 2" in ModelKitResult.from_info("Inspected", found).text()


def _tag_schema_case(address: str, tmp_path: Path, options: RegistryOptions | None) -> None:
    repo, subject = _pushed_modelkit(address, tmp_path, options)
    with RegistryClient(address, options) as client:
        sbom = push_artifact(client, repo, subject, SBOM, tmp_path)
        write_fallback_index(client, repo, subject, [(sbom, SBOM)])
        cosign = push_artifact(
            client, repo, None, SIGNATURE, tmp_path, tag=referrers_tag(subject.digest) + ".sig"
        )

    kit = api.Kit(network=options)
    found = kit.referrers(f"{address}/{repo}:v1")
    assert not found.api and found.subject.digest == subject.digest
    assert [(r.digest, r.kind, r.found_by) for r in found.items] == [
        (sbom.digest, "sbom", "referrers tag"),
        (cosign.digest, "signature", f"cosign tag {referrers_tag(subject.digest)}.sig"),
    ]
    inspected = kit.inspect(f"{address}/{repo}@{subject.digest}", remote=True)
    assert inspected.referrers == found
    plain_repo, _ = _pushed_modelkit(address, tmp_path / "plain", options)
    assert kit.referrers(f"{address}/{plain_repo}:v1").items == []


def test_referrers_tag_schema_on_docker_registry(registry: RegistryServer, tmp_path: Path) -> None:
    _tag_schema_case(registry.registry, tmp_path, None)


def test_referrers_tag_schema_with_token_auth(token_registry: TokenRegistry, tmp_path: Path) -> None:
    _tag_schema_case(token_registry.address, tmp_path, token_registry.options("writer"))
