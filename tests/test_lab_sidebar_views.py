"""The sidebar as a user sees it at its default width, in the light and the dark theme.

Real JupyterLab in Chromium, the real registry: readable text (contrast >= 4.5:1 computed from the
rendered styles), nothing cut off, references wrapping between their parts, the list following a pack
made by another process, registry settings with a CA bundle and a login, and Cancel on a transfer.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser_fixtures import LabServer, write_project
from tests.registry_fixtures import FaultProxy, RegistryServer
from tests.test_lab_sidebar import action, open_sidebar
from tests.ui_checks import clipped, dismiss_toasts, low_contrast, set_theme, toast

README = "# Churn model\n\nPredicts churn.\n\n- trained on `train`\n- metric: AUC 0.91\n"


def _project(folder: Path, name: str, model: bytes = b"weights" * 100) -> Path:
    write_project(folder, name=name, model=model)
    (folder / "README.md").write_text(README)
    kitfile = (folder / "Kitfile").read_text() + "docs:\n  - path: README.md\n"
    (folder / "Kitfile").write_text(kitfile)
    return folder


@pytest.fixture(params=["light", "dark", "high-contrast"])
def theme(request: pytest.FixtureRequest, lab_page: Page) -> Any:
    set_theme(lab_page, request.param)
    yield request.param
    set_theme(lab_page, "light")


def test_sidebar_is_readable_and_unclipped_at_the_default_width(
    lab_page: Page, lab_server: LabServer, registry: RegistryServer, theme: str, screenshot: Any
) -> None:
    # Given two versions of a ModelKit with a long reference, one pushed, and a failed pull
    repository = f"{registry.registry}/team-with-a-long-name/churn-classifier-{secrets.token_hex(3)}"
    folder = _project(lab_server.root / f"views-{secrets.token_hex(3)}", "churn")
    lab_server.kit.pack(folder, tag=f"{repository}:v1")
    (folder / "model.bin").write_bytes(b"better weights")
    lab_server.kit.pack(folder, tag=f"{repository}:v2")
    lab_server.kit.push(f"{repository}:v1")
    sidebar = open_sidebar(lab_page)
    sidebar.locator(".kitops-reference").fill(f"{registry.registry}/missing/{secrets.token_hex(3)}:v0")
    action(sidebar, "pull")
    expect(sidebar.locator('.kitops-job[data-state="failed"] .kitops-message-hint')).not_to_be_empty()
    # When v2 is selected, compared with v1, and the repository's remote tags are listed
    item = sidebar.locator(f'.kitops-modelkit[data-reference="{repository}:v2"]')
    item.click()
    expect(sidebar.locator(".kitops-readme")).to_contain_text("Predicts churn.")
    sidebar.locator(".kitops-compare-with").select_option(f"{repository}:v1")
    changed = sidebar.locator('.kitops-diff-row[data-change="changed"]')
    expect(changed).to_contain_text("model.bin")
    expect(sidebar.locator('.kitops-diff-row[data-change="same"]')).to_have_count(2)
    action(sidebar, "tags")
    expect(sidebar.locator(f'.kitops-tag-row[data-reference="{repository}:v1"]')).to_be_visible()
    dismiss_toasts(lab_page)
    # Then a reference wraps only between its parts, and the digest is short with the full one on hover
    ref = item.locator(".kitops-modelkit-ref")
    assert ref.inner_text().replace("\n", "") == f"{repository}:v2"
    lines = ref.locator(".kitops-ref-part").evaluate_all(
        "parts => parts.map(p => [p.textContent, p.getClientRects().length, Math.round(p.getBoundingClientRect().top)])"
    )
    assert all(rects == 1 for _, rects, _ in lines), lines  # no part is broken inside (not at its hyphens)
    assert len({top for _, _, top in lines}) > 1, lines  # and the long reference does wrap, between parts
    digest = lab_server.kit.get(f"{repository}:v2").digest
    expect(item.locator(".kitops-digest code")).to_have_attribute("title", digest)
    # And every text is readable and nothing is cut off, here and in the Registries view
    assert low_contrast(sidebar) == []
    assert clipped(sidebar) == []
    screenshot(lab_page, f"sidebar-{theme}", clip=_left_area(lab_page))
    sidebar.locator('button[data-action="view-registries"]').click()
    sidebar.locator(".kitops-new-registry").fill(registry.registry)
    sidebar.locator('button[data-action="add-registry"]').click()
    expect(sidebar.locator(f'.kitops-registry[data-registry="{registry.registry}"]')).to_be_visible()
    dismiss_toasts(lab_page)
    assert low_contrast(sidebar) == []
    assert clipped(sidebar) == []
    screenshot(lab_page, f"sidebar-settings-{theme}", clip=_left_area(lab_page))
    sidebar.locator(
        f'.kitops-registry[data-registry="{registry.registry}"] button[data-action="forget-registry"]'
    ).click()
    expect(sidebar.locator(".kitops-registries .kitops-empty")).to_be_visible()
    sidebar.locator('button[data-action="view-modelkits"]').click()


def _left_area(page: Page) -> dict[str, float]:
    box = page.locator("#jp-left-stack").bounding_box()
    assert box is not None
    return {"x": 0, "y": box["y"], "width": box["x"] + box["width"], "height": box["height"]}


def test_list_follows_a_pack_made_by_another_process(lab_page: Page, lab_server: LabServer) -> None:
    sidebar = open_sidebar(lab_page)
    reference = f"elsewhere/made-{secrets.token_hex(3)}:v1"
    item = sidebar.locator(f'.kitops-modelkit[data-reference="{reference}"]')
    expect(item).to_have_count(0)
    folder = write_project(lab_server.root / f"other-{secrets.token_hex(3)}", name="other-process")
    code = (
        "from kitops_jupyter.api import Kit; import sys; "
        "Kit(home=sys.argv[1]).pack(sys.argv[2], tag=sys.argv[3])"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(lab_server.kitops_home), str(folder), reference], check=True
    )
    expect(item).to_contain_text("other-process", timeout=10_000)  # no Refresh clicked
    lab_server.kit.remove(reference)
    expect(item).to_have_count(0, timeout=10_000)


def test_registry_settings_with_a_ca_bundle_and_a_login(
    lab_page: Page, lab_server: LabServer, tls_registry: RegistryServer
) -> None:
    host = tls_registry.registry
    reference = f"{host}/settings/{secrets.token_hex(3)}:v1"
    sidebar = open_sidebar(lab_page)
    # Given an HTTPS registry with a private CA that needs a login, listing its tags fails
    sidebar.locator(".kitops-reference").fill(reference)
    action(sidebar, "tags")
    toast(lab_page, "error", host)
    dismiss_toasts(lab_page)
    # When its CA bundle is saved in the Registries view and the user logs in there
    sidebar.locator('button[data-action="view-registries"]').click()
    sidebar.locator(".kitops-new-registry").fill(host)
    sidebar.locator('button[data-action="add-registry"]').click()
    card = sidebar.locator(f'.kitops-registry[data-registry="{host}"]')
    expect(card.locator(".kitops-login-state")).to_have_text("Not logged in")
    card.locator(".kitops-plain-http").select_option("https")
    card.locator(".kitops-ca-bundle").fill(str(tls_registry.ca_file))
    card.locator('button[data-action="save-registry"]').click()
    toast(lab_page, "success", f"Saved the settings of {host}")
    card.locator(".kitops-username").fill(tls_registry.username)
    card.locator(".kitops-password").fill(tls_registry.password)
    card.locator('button[data-action="login"]').click()
    expect(card.locator(".kitops-login-state")).to_have_text(f"Logged in as {tls_registry.username}")
    expect(card.locator(".kitops-password")).to_have_value("")
    # Then the settings are in the one file the magics and the panel read too, and no secret is in it
    assert str(tls_registry.ca_file) in (lab_server.kitops_home / "registry-settings.json").read_text()
    assert tls_registry.password not in (lab_server.kitops_home / "registry-settings.json").read_text()
    [status] = [s for s in lab_server.kit.registry_settings() if s.registry == host]
    assert status.username == tls_registry.username and status.settings.plain_http is False
    # And a pack pushed from the sidebar reaches the registry with them
    lab_server.kit.pack(write_project(lab_server.root / f"tls-{secrets.token_hex(3)}"), tag=reference)
    sidebar.locator('button[data-action="view-modelkits"]').click()
    action(sidebar, "push")
    toast(lab_page, "success", f"Pushed {reference}")
    action(sidebar, "tags")
    expect(sidebar.locator(f'.kitops-tag-row[data-reference="{reference}"]')).to_be_visible()
    # Cleanup: log out and forget, through the same view
    sidebar.locator('button[data-action="view-registries"]').click()
    card.locator('button[data-action="logout"]').click()
    expect(card.locator(".kitops-login-state")).to_have_text("Not logged in")
    card.locator('button[data-action="forget-registry"]').click()
    expect(card).to_have_count(0)
    sidebar.locator('button[data-action="view-modelkits"]').click()


def test_cancel_stops_a_running_push(lab_page: Page, lab_server: LabServer, fault_proxy: FaultProxy) -> None:
    # Given a 4 MiB ModelKit and a registry that accepts 64 KiB/s (a minute for the push)
    reference = f"{fault_proxy.registry}/cancel/{secrets.token_hex(3)}:v1"
    folder = write_project(
        lab_server.root / f"big-{secrets.token_hex(3)}", model=secrets.token_bytes(4 << 20)
    )
    lab_server.kit.pack(folder, tag=reference)
    fault_proxy.throttle = 64 * 1024
    sidebar = open_sidebar(lab_page)
    sidebar.locator(".kitops-reference").fill(reference)
    # When the push is under way and Cancel is pressed
    action(sidebar, "push")
    running = sidebar.locator('.kitops-job[data-kind="push"][data-state="running"]')
    expect(running).to_be_visible()
    running.locator('button[data-action="cancel"]').click()
    # Then the job is cancelled at once, a notification says so, and the registry has no tag
    expect(sidebar.locator('.kitops-job[data-kind="push"][data-state="cancelled"]')).to_be_visible()
    toast(lab_page, "info", f"Cancelled push {reference}")
    jobs = lab_server.request("GET", "jobs").json()["jobs"]
    [job] = [j for j in jobs if j["kind"] == "push" and j["target"] == reference]
    # fewer bytes than the model's went out (on a loaded machine Cancel may come before the first
    # progress report, when done and total are both still 0)
    assert job["state"] == "cancelled" and job["done"] < 4 << 20
    fault_proxy.throttle = None
    assert not [entry for entry in fault_proxy.log if entry[0] == "PUT" and "/manifests/" in entry[1]]


def test_search_copy_load_snippet_and_open_kitfile(lab_page: Page, lab_server: LabServer) -> None:
    lab_page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tag = secrets.token_hex(3)
    lab_server.kit.pack(_project(lab_server.root / f"snip-{tag}", f"snippet-{tag}"), tag=f"snip/{tag}:v1")
    lab_server.kit.pack(
        write_project(lab_server.root / f"other-{tag}", name="unrelated"), tag=f"other/{tag}:v1"
    )
    sidebar = open_sidebar(lab_page)
    # Search keeps only the ModelKits that match every word
    sidebar.locator(".kitops-search").fill(f"snippet-{tag}")
    expect(sidebar.locator(".kitops-modelkit")).to_have_count(1)
    expect(sidebar.locator(".kitops-list .kitops-section-title")).to_contain_text("(1 of ")
    sidebar.locator(f'.kitops-modelkit[data-reference="snip/{tag}:v1"]').click()
    # Copy load snippet puts working Python for its dataset on the clipboard
    sidebar.locator('button[data-action="copy-snippet"]').click()
    toast(lab_page, "success", "Copied Python that loads dataset “train”")
    copied = lab_page.evaluate("() => navigator.clipboard.readText()")
    assert (
        copied == f'from kitops_jupyter import load_dataset\n\ndf = load_dataset("snip/{tag}:v1", "train")\n'
    )
    # Open Kitfile shows it in JupyterLab's editor
    sidebar.locator('button[data-action="open-kitfile"]').click()
    editor = lab_page.locator(".jp-FileEditor .cm-content")
    expect(editor).to_contain_text(f"name: snippet-{tag}")
    expect(editor).to_contain_text("# Kitfile of snip/")
    lab_page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
    sidebar.locator(".kitops-search").fill("")
    dismiss_toasts(lab_page)
