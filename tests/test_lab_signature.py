"""The sidebar shows whether a ModelKit is signed, by which key, and its verified provenance; the key
and "Require signatures" are set in its Registries view (real jupyter lab, real registry, Chromium)."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.sync_api import Page, expect

from kitops_jupyter.api import SignatureSettings
from tests.browser_fixtures import LabServer, write_project
from tests.registry_fixtures import RegistryServer
from tests.signing_fixtures import write_pem_pair
from tests.test_lab_sidebar import open_sidebar, widen_sidebar
from tests.ui_checks import dismiss_toasts, toast


def test_details_show_signed_by_which_key_and_provenance(
    lab_page: Page,
    lab_server: LabServer,
    registry: RegistryServer,
    repo_name: str,
    reset_policy: None,
    screenshot: Any,
) -> None:
    # Given a signed (with provenance) and an unsigned ModelKit, pushed, and a PEM key pair in the root
    keys = lab_server.root / f"ui-keys-{secrets.token_hex(3)}"
    private, _ = write_pem_pair(keys)
    signed, unsigned = f"{registry.registry}/{repo_name}:signed", f"{registry.registry}/{repo_name}:unsigned"
    for reference, name in ((signed, "signed-demo"), (unsigned, "unsigned-demo")):
        project = write_project(lab_server.root / f"ui-{name}-{secrets.token_hex(3)}", name=name)
        lab_server.kit.pack(project, tag=reference)
        lab_server.kit.push(reference)
    fingerprint = lab_server.kit.sign(signed, key=private, provenance=True).key_fingerprint
    key = f"{keys.name}/ec.pub"
    sidebar = open_sidebar(lab_page)
    # When no public key is set, the details say where to set one
    sidebar.locator(f'.kitops-modelkit[data-reference="{signed}"]').click()
    expect(sidebar.locator('.kitops-signature[data-state="no-key"]')).to_contain_text("⚙ Registries")
    # When the public key is saved (with Require signatures) in the Registries view
    sidebar.locator('button[data-action="view-registries"]').click()
    sidebar.locator(".kitops-verify-key").fill(key)
    sidebar.locator(".kitops-require-signature").check()
    sidebar.locator('button[data-action="save-signature-settings"]').click()
    toast(lab_page, "success", f"Pull and unpack now require a signature by {key}")
    assert lab_server.kit.signature_settings() == SignatureSettings(require_signature=True, verify_key=key)
    dismiss_toasts(lab_page)
    sidebar.locator('button[data-action="view-modelkits"]').click()
    # Then the signed one shows "Signed" by that key, and its provenance
    sidebar.locator(f'.kitops-modelkit[data-reference="{signed}"]').click()
    status = sidebar.locator(".kitops-signature")
    expect(status).to_have_attribute("data-state", "signed")
    expect(status.locator(".kitops-signature-state")).to_have_text("Signed")
    expect(status).to_contain_text(key)
    expect(status).to_contain_text(fingerprint)
    provenance = sidebar.locator(".kitops-provenance")
    expect(provenance).to_contain_text("pkg:pypi/kitops-jupyter@")
    expect(provenance.locator(".kitops-material").first).to_contain_text(
        f"{registry.registry}/{repo_name}@sha256:"
    )
    widen_sidebar(lab_page)
    screenshot(lab_page, "lab-sidebar-signature")
    # And the unsigned one shows "Not signed" with the reason, and no provenance
    sidebar.locator(f'.kitops-modelkit[data-reference="{unsigned}"]').click()
    expect(status).to_have_attribute("data-state", "unsigned")
    expect(status.locator(".kitops-signature-state")).to_have_text("Not signed")
    expect(status).to_contain_text("is not signed")
    expect(provenance).to_have_count(0)
    # And the saved settings show again when the Registries view is reopened
    lab_page.reload()
    sidebar = open_sidebar(lab_page)
    sidebar.locator('button[data-action="view-registries"]').click()
    expect(sidebar.locator(".kitops-verify-key")).to_have_value(key)
    expect(sidebar.locator(".kitops-require-signature")).to_be_checked()
    sidebar.locator('button[data-action="view-modelkits"]').click()
