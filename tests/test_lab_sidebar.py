"""The KitOps sidebar in a real JupyterLab, driven with Playwright on Debian's Chromium.

The server is the session's ``jupyter lab`` (tests/browser_fixtures.py) and the registry is the real
local ``docker-registry`` (tests/registry_fixtures.py). Each test saves a screenshot in docs/screenshots/.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kitops_jupyter.api import format_size
from kitops_jupyter.errors import NotFound
from tests.browser_fixtures import LabServer, open_lab, write_project
from tests.registry_fixtures import RegistryServer
from tests.ui_checks import dismiss_toasts, toast

SIDEBAR = "#kitops-sidebar"


def open_sidebar(page: Page) -> Locator:
    """Show the KitOps sidebar (idempotent: activating never collapses it)."""
    tab = page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="kitops-sidebar"]')
    expect(tab).to_be_visible()
    page.evaluate("() => window.jupyterapp.shell.activateById('kitops-sidebar')")
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).to_be_visible()
    return sidebar


def action(sidebar: Locator, name: str) -> None:
    sidebar.locator(f'button[data-action="{name}"]').click()


def confirm_remove(page: Page, answer: str) -> None:
    """Answer JupyterLab's "Remove ModelKit?" dialog with ``answer`` (Remove or Cancel)."""
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Remove ModelKit?")
    dialog.get_by_role("button", name=answer, exact=True).click()
    expect(dialog).to_have_count(0)


def widen_sidebar(page: Page, width: int = 460) -> None:
    """Drag the left area's splitter so the sidebar is ``width`` px wide (for a readable screenshot)."""
    page.set_viewport_size({"width": 1400, "height": 1050})
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(width, box["y"] + 200, steps=5)
    page.mouse.up()


def go_to(page: Page, path: str) -> None:
    """Open ``path`` in the file browser (which takes the left area), then show the sidebar again."""
    page.evaluate("p => window.jupyterapp.commands.execute('filebrowser:go-to-path', {path: p})", f"/{path}")
    open_sidebar(page)


def test_sidebar_lists_details_pushes_and_pulls(
    lab_page: Page, lab_server: LabServer, registry: RegistryServer, repo_name: str, screenshot: Any
) -> None:
    # Given a ModelKit packed by the test through the Python API, tagged for the local registry
    reference = f"{registry.registry}/{repo_name}:v1"
    project = write_project(lab_server.root / f"sidebar-{secrets.token_hex(3)}", name="sidebar-demo")
    packed = lab_server.kit.pack(project, tag=reference)
    sidebar = open_sidebar(lab_page)
    # Then the sidebar lists it with its name, size and digest
    item = sidebar.locator(f'.kitops-modelkit[data-reference="{reference}"]')
    expect(item).to_contain_text("sidebar-demo")
    digest = item.locator(".kitops-digest code")
    expect(digest).to_have_text(packed.digest[:19])
    expect(digest).to_have_attribute("title", packed.digest)  # the full digest on hover
    expect(item.locator(".kitops-modelkit-created")).not_to_be_empty()
    # When it is clicked, its Kitfile and layers show and the reference fills the form
    item.click()
    expect(sidebar.locator(".kitops-kitfile")).to_contain_text("name: sidebar-demo")
    expect(sidebar.locator(".kitops-layer")).to_have_count(2)
    expect(sidebar.locator(".kitops-reference")).to_have_value(reference)
    # with each layer's size as kit prints it (the server's text; the sidebar has no formatter of its own)
    shown = sidebar.locator(".kitops-layer-size").all_text_contents()
    assert sorted(shown) == sorted(format_size(layer.size) for layer in packed.manifest.layers)
    # When pushing it, the registry has the tag and a notification says so in the shared wording
    action(sidebar, "push")
    pushed = toast(lab_page, "success", f"Pushed {reference} (")
    expect(pushed).to_contain_text("blobs uploaded")
    expect(pushed).to_contain_text("0 already in the registry")
    pushed_job = sidebar.locator('.kitops-job[data-kind="push"][data-state="succeeded"]')
    expect(pushed_job).to_be_visible()
    expect(pushed_job.locator(".kitops-job-amount")).to_have_text(re.compile(r"^(\S+ \S?i?B) / \1$"))
    assert [info.tags for info in lab_server.kit.list_modelkits(f"{registry.registry}/{repo_name}")] == [
        ["v1"]
    ]
    # When Remove is pressed, JupyterLab asks first; Cancel keeps it
    action(sidebar, "remove")
    confirm_remove(lab_page, "Cancel")
    assert lab_server.kit.get(reference).digest == packed.digest
    # When removing it for real, it leaves the list and the store
    action(sidebar, "remove")
    confirm_remove(lab_page, "Remove")
    toast(lab_page, "success", f"Removed {reference}")
    expect(item).to_have_count(0)
    with pytest.raises(NotFound):
        lab_server.kit.get(reference)
    # When pulling it back, it is in the store again with the same digest
    action(sidebar, "pull")
    toast(lab_page, "success", f"Pulled {reference}")
    expect(item).to_be_visible()
    assert lab_server.kit.get(reference).digest == packed.digest
    # And the remote tags of its repository are listed
    action(sidebar, "tags")
    expect(sidebar.locator(f'.kitops-tag-row[data-reference="{reference}"]')).to_be_visible()
    item.click()
    expect(sidebar.locator(".kitops-kitfile")).to_contain_text("name: sidebar-demo")
    dismiss_toasts(lab_page)
    widen_sidebar(lab_page)
    screenshot(lab_page, "lab-sidebar")


def test_sidebar_packs_the_current_folder_and_unpacks_with_filters(
    lab_page: Page, lab_server: LabServer, screenshot: Any
) -> None:
    # Given a project folder open in the file browser
    name = f"pack-{secrets.token_hex(3)}"
    write_project(lab_server.root / name, name="folder-demo")
    (lab_server.root / f"{name}-out").mkdir()
    sidebar = open_sidebar(lab_page)
    go_to(lab_page, name)
    expect(sidebar.locator(".kitops-folder")).to_have_text(f"/{name}")
    # When packing the current folder with a tag
    reference = f"sidebar/{name}:v1"
    sidebar.locator(".kitops-reference").fill(reference)
    action(sidebar, "pack")
    # Then it is packed and listed
    toast(lab_page, "success", f"Packed {name} as {reference}")
    expect(sidebar.locator(f'.kitops-modelkit[data-reference="{reference}"]')).to_contain_text("folder-demo")
    assert lab_server.kit.get(reference).kitfile.package.name == "folder-demo"
    # When unpacking only the model into another folder
    go_to(lab_page, f"{name}-out")
    expect(sidebar.locator(".kitops-folder")).to_have_text(f"/{name}-out")
    sidebar.locator(".kitops-filters").fill("model")
    action(sidebar, "unpack")
    toast(lab_page, "success", f"Unpacked {reference} into /{name}-out")
    out = lab_server.root / f"{name}-out"
    assert (out / "model.bin").read_bytes() == (lab_server.root / name / "model.bin").read_bytes()
    assert not (out / "data").exists()
    # When a changed file is in the way, the error names the sidebar's Overwrite box, not a CLI flag
    (out / "model.bin").write_bytes(b"edited")
    action(sidebar, "unpack")
    error = toast(lab_page, "error", "model.bin")
    expect(error).to_contain_text("Tick Overwrite")
    expect(error).not_to_contain_text("overwrite=True")
    dismiss_toasts(lab_page)
    # And with Overwrite ticked the ModelKit's file replaces it
    sidebar.locator(".kitops-overwrite").check()
    action(sidebar, "unpack")
    toast(lab_page, "success", f"Unpacked {reference} into /{name}-out")
    assert (out / "model.bin").read_bytes() == (lab_server.root / name / "model.bin").read_bytes()
    dismiss_toasts(lab_page)
    screenshot(lab_page, "lab-sidebar-pack-unpack")


def test_sidebar_lists_secret_findings_and_packs_only_when_asked(
    lab_page: Page, lab_server: LabServer
) -> None:
    # Given a project folder whose dataset holds a token
    name = f"leaky-{secrets.token_hex(3)}"
    write_project(lab_server.root / name, name="leaky-demo")
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    (lab_server.root / name / "data" / "train.csv").write_text(f"a,b\n1,{token}\n")
    sidebar = open_sidebar(lab_page)
    go_to(lab_page, name)
    reference = f"sidebar/{name}:v1"
    sidebar.locator(".kitops-reference").fill(reference)
    # When packing it, the scan stops the pack and a dialog lists the findings (never the token)
    action(sidebar, "pack")
    dialog = lab_page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Possible secrets found")
    expect(dialog.locator(".kitops-secret-findings li")).to_have_text(
        ["data/train.csv:2: github-token: ghp_…"]
    )
    expect(dialog).not_to_contain_text(token)
    # And Cancel packs nothing
    dialog.get_by_role("button", name="Cancel", exact=True).click()
    expect(dialog).to_have_count(0)
    with pytest.raises(NotFound):
        lab_server.kit.get(reference)
    dismiss_toasts(lab_page)
    # When asked again and answered Pack anyway, it is packed
    action(sidebar, "pack")
    expect(dialog).to_contain_text("Possible secrets found")
    dialog.get_by_role("button", name="Pack anyway", exact=True).click()
    toast(lab_page, "success", f"Packed {name} as {reference}")
    assert lab_server.kit.get(reference).kitfile.package.name == "leaky-demo"
    dismiss_toasts(lab_page)


def test_sidebar_shows_the_error_of_a_failing_operation(
    lab_page: Page, registry: RegistryServer, screenshot: Any
) -> None:
    sidebar = open_sidebar(lab_page)
    buttons = sidebar.locator(".kitops-buttons").first
    before = buttons.bounding_box()
    # When pulling a reference the registry does not have
    missing = f"{registry.registry}/missing/{secrets.token_hex(4)}:v9"
    sidebar.locator(".kitops-reference").fill(missing)
    action(sidebar, "pull")
    # Then a notification shows the error and a hint that fits it, and the job is marked failed
    error = toast(lab_page, "error", missing)
    expect(error).to_contain_text("not found")
    failed = sidebar.locator('.kitops-job[data-kind="pull"][data-state="failed"]')
    expect(failed.locator(".kitops-message-text")).to_contain_text(missing)
    expect(failed.locator(".kitops-message-hint")).to_have_text(
        "Check the reference; Remote tags lists what the repository holds."
    )
    # And Details shows the whole error with its hint in JupyterLab's dialog
    error.get_by_role("button", name="Details").click()
    details = lab_page.locator(".jp-Dialog .kitops-error-details")
    expect(details.locator(".kitops-error-message")).to_contain_text(missing)
    expect(details.locator(".kitops-error-hint")).to_contain_text("Remote tags lists")
    lab_page.locator(".jp-Dialog").get_by_role("button", name="Close").click()
    # And nothing in the sidebar moved: the buttons are where the pointer left them
    assert buttons.bounding_box() == before
    screenshot(lab_page, "lab-sidebar-error")
    dismiss_toasts(lab_page)
    # And a direct call that fails (an empty field, an unknown local reference) shows its error too
    sidebar.locator(".kitops-reference").fill("")
    action(sidebar, "remove")
    toast(lab_page, "error", "Enter a reference")
    sidebar.locator(".kitops-reference").fill("nobody/nothing:v0")
    action(sidebar, "remove")
    confirm_remove(lab_page, "Remove")
    missing_local = toast(lab_page, "error", "nobody/nothing:v0")
    expect(missing_local).to_contain_text("Pull it from its registry first")
    expect(missing_local).not_to_contain_text("kit list")


def test_command_palette_runs_the_actions(
    lab_page: Page, registry: RegistryServer, lab_server: LabServer
) -> None:
    # Given a ModelKit in the registry but not in the local store
    reference = f"{registry.registry}/palette/{secrets.token_hex(4)}:v1"
    lab_server.kit.pack(
        write_project(lab_server.root / f"palette-{secrets.token_hex(3)}", name="palette"), tag=reference
    )
    lab_server.kit.push(reference)
    lab_server.kit.remove(reference)
    # Then the palette has one KitOps entry per action. Waits are for conditions with a ceiling wide
    # enough for a loaded 2-core machine (expect's default of 5 s once ran out in a full run).
    wait = 60_000
    search = lab_page.locator(".jp-ModalCommandPalette input")

    def find_in_palette(label: str, item: Locator) -> None:
        """Open the modal palette afresh, type ``label`` and wait for ``item``. The modal palette closes
        whenever it loses the focus (the sidebar's live list may re-render meanwhile), so each search
        starts from a closed palette and is tried again, a bounded number of times, if it closed."""
        for _ in range(8):
            if search.is_visible():
                search.press("Escape")
                expect(search).to_be_hidden(timeout=wait)
            lab_page.locator("#jp-main-dock-panel").click(position={"x": 5, "y": 5})  # the page has the focus
            lab_page.keyboard.press("Control+Shift+KeyC")  # the palette's own shortcut, as a user opens it
            try:
                expect(search).to_be_visible(timeout=10_000)
            except AssertionError:
                continue
            try:
                search.fill(label, timeout=5_000)
                expect(item).to_have_count(1, timeout=10_000)
            except (AssertionError, PlaywrightTimeout):
                continue  # the palette closed under us: open it again
            if search.is_visible():
                return
        raise AssertionError(f"the command palette never showed one entry for {label!r}")

    for command in ("open", "refresh", "pack", "push", "pull", "unpack", "remove", "tags"):
        label = lab_page.evaluate("id => window.jupyterapp.commands.label(id)", f"kitops:{command}")
        assert label.startswith("KitOps: ")
        find_in_palette(label, lab_page.locator(f'.lm-CommandPalette-item[data-command="kitops:{command}"]'))
    # When choosing "Pull" and answering its prompt
    find_in_palette(
        "KitOps: Pull ModelKit",
        lab_page.locator('.lm-CommandPalette-item.lm-mod-active[data-command="kitops:pull"]'),
    )
    search.press("Enter")
    dialog_input = lab_page.locator(".jp-Dialog input")
    expect(dialog_input).to_be_visible(timeout=wait)
    dialog_input.fill(reference)
    dialog_input.press("Enter")
    # Then a notification tells the pull's success and the store has it
    sidebar = lab_page.locator(SIDEBAR)
    pulled = lab_page.locator(".Toastify__toast--success").filter(has_text=f"Pulled {reference}")
    expect(pulled.first).to_be_visible(timeout=wait)
    assert lab_server.kit.get(reference).reference.tag == "v1"
    # And commands take their arguments directly too (no prompt)
    repository = reference.rsplit(":", 1)[0]
    lab_page.evaluate("r => window.jupyterapp.commands.execute('kitops:tags', {repository: r})", repository)
    expect(sidebar.locator(f'.kitops-tag-row[data-reference="{reference}"]')).to_be_visible(timeout=wait)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"status": 404, "body": "Not Found"}, "server extension appears to be missing"),
        (
            {
                "status": 200,
                "body": json.dumps({"server": "9.9.9", "frontend": "0.1.0", "compatible": False}),
            },
            "differ",
        ),
    ],
    ids=["server-missing", "version-mismatch"],
)
def test_sidebar_explains_a_missing_or_mismatched_server(
    page: Page, lab_server: LabServer, answer: dict[str, Any], expected: str
) -> None:
    # Given the version handshake answers as a server without (or with another) kitops extension
    page.route("**/kitops/version*", lambda route: route.fulfill(content_type="application/json", **answer))
    open_lab(page, lab_server)
    sidebar = open_sidebar(page)
    # Then the sidebar says what is wrong and how to fix it
    problem = sidebar.locator(".kitops-server-problem")
    expect(problem).to_contain_text(expected)
    expect(problem.locator(".kitops-message-hint")).to_contain_text("pip install")
