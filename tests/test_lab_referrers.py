"""The sidebar's details of a remote ModelKit list what refers to it (signatures, attestations, SBOMs),
on a registry with the OCI 1.1 referrers API (go-containerregistry's, tests/goregistry) and on one
without it (Debian's docker-registry 2.8: the sha256-<hex> referrers tag and cosign's tags).
Real jupyter lab, real registries, Chromium."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.manifest import Descriptor
from kitops_jupyter.core.registry import RegistryClient
from kitops_jupyter.core.signing.cosignformat import signature_tag
from tests.browser_fixtures import LabServer, write_project
from tests.matrix_fixtures import GoRegistry
from tests.referrer_artifacts import SBOM, SIGNATURE, push_artifact, write_fallback_index
from tests.registry_fixtures import RegistryServer
from tests.signing_fixtures import write_pem_pair
from tests.test_lab_sidebar import action, open_sidebar, widen_sidebar
from tests.ui_checks import clipped, low_contrast


def _referrer(sidebar: Locator, digest: str) -> Locator:
    return sidebar.locator(f'.kitops-referrer[data-digest="{digest}"]')


@pytest.mark.parametrize("with_api", [True, False], ids=["referrers-api", "tag-schema"])
def test_remote_details_list_the_referrers(
    lab_page: Page,
    lab_server: LabServer,
    registry: RegistryServer,
    referrers_registry: GoRegistry,
    reset_policy: None,
    screenshot: Any,
    tmp_path: Path,
    with_api: bool,
) -> None:
    # Given a ModelKit pushed, signed with provenance by our signing API, and an SBOM referring to it
    # (on the registry without the API, listed in the sha256-<hex> index as such clients do)
    address = referrers_registry.address if with_api else registry.registry
    repo = f"team/referred-{secrets.token_hex(4)}"
    reference = f"{address}/{repo}:v1"
    project = write_project(
        lab_server.root / f"ref-{secrets.token_hex(3)}", name="referred-demo", model=secrets.token_bytes(700)
    )
    # blobs of their own: the lab's store records where it pushed blobs, and other sidebar tests
    # count what their pushes upload
    (project / "data" / "train.csv").write_text(f"a,b\n{secrets.token_hex(8)},1\n")
    kit = lab_server.kit
    kit.pack(project, tag=reference)
    pushed = kit.push(reference)
    keys = lab_server.root / f"ref-keys-{secrets.token_hex(3)}"
    private, _ = write_pem_pair(keys)
    signed = kit.sign(reference, key=private, provenance=True)
    key = f"{keys.name}/ec.pub"
    kit.save_signature_settings(require_signature=False, verify_key=key)
    with RegistryClient(address) as client:
        data, media_type, digest = client.get_manifest(repo, "v1", "test")
        subject = Descriptor(media_type or mediatypes.MANIFEST, digest, len(data))
        sbom = push_artifact(client, repo, subject, SBOM, tmp_path)
        if not with_api:
            write_fallback_index(client, repo, subject, [(sbom, SBOM)])
        sig_tag_digest = client.get_manifest(repo, signature_tag(digest), "test")[2]
        att_tag_digest = client.get_manifest(repo, signature_tag(digest, "att"), "test")[2]
    assert digest == pushed.digest and bool(signed.referrer_digest) is with_api

    # When the repository's remote tags are listed and v1's Details clicked
    sidebar = open_sidebar(lab_page)
    sidebar.locator(".kitops-reference").fill(reference)
    action(sidebar, "tags")
    row = sidebar.locator(f'.kitops-tag-row[data-reference="{reference}"]')
    row.locator('button[data-action="tag-details"]').click()

    # Then the details list every referrer: kind, artifact type, digest and where it was found
    detail = sidebar.locator(".kitops-detail")
    expect(detail.locator(".kitops-referrers-how")).to_have_attribute("data-api", str(with_api).lower())
    expected = {
        sbom.digest: ("sbom", SBOM, "referrers API" if with_api else "referrers tag"),
        sig_tag_digest: ("signature", "", f"cosign tag {signature_tag(digest)}"),
        att_tag_digest: ("attestation", "", f"cosign tag {signature_tag(digest, 'att')}"),
    }
    if with_api:
        expected[signed.referrer_digest] = ("signature", SIGNATURE, "referrers API")
    expect(detail.locator(".kitops-referrer")).to_have_count(len(expected))
    expect(detail.locator("h4", has_text="Referrers")).to_have_text(f"Referrers ({len(expected)})")
    for each, (kind, artifact_type, found_by) in expected.items():
        item = _referrer(detail, each)
        expect(item).to_have_attribute("data-kind", kind)
        expect(item.locator(".kitops-digest code")).to_have_attribute("title", each)
        found = item.locator(".kitops-referrer-found")
        expect(found).to_have_attribute("title", found_by)
        expect(found).to_have_text(
            "found by " + re.sub(r"(sha256-[0-9a-f]{12})[0-9a-f]{52}", r"\1…", found_by)
        )
        if artifact_type:
            expect(item.locator(".kitops-referrer-type")).to_have_text(artifact_type)
    # And the cosign signatures say they verify with the key of the settings (checked in the registry)
    for each, (kind, _, _) in expected.items():
        if kind == "signature":
            expect(_referrer(detail, each).locator(".kitops-referrer-check")).to_have_text(
                f"Verifies with {key}"
            )
    expect(_referrer(detail, sbom.digest).locator(".kitops-referrer-check")).to_have_count(0)
    expect(detail.locator(".kitops-signature")).to_have_attribute("data-state", "signed")
    # The list of local ModelKits does not mark a remote detail as its selected row
    expect(sidebar.locator(".kitops-modelkit.kitops-mod-selected")).to_have_count(0)
    # And the referrers read well at the default sidebar width (theme colours, nothing cut off)
    referrers = detail.locator(".kitops-referrers")
    assert low_contrast(referrers) == [] and clipped(sidebar) == []
    if with_api:
        widen_sidebar(lab_page)
        _referrer(detail, sbom.digest).scroll_into_view_if_needed()
        screenshot(lab_page, "lab-sidebar-referrers")
