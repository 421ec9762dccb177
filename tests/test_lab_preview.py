"""The sidebar's details view previews a dataset's first rows (read through kit:// by the server)."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser_fixtures import LabServer, write_project
from tests.test_lab_sidebar import open_sidebar, widen_sidebar


def test_details_preview_the_first_rows_of_a_dataset(
    lab_page: Page, lab_server: LabServer, screenshot: Any
) -> None:
    # Given a packed ModelKit whose dataset is data/train.csv (a,b / 1,2 / 3,4)
    reference = f"preview/{secrets.token_hex(4)}:v1"
    project = write_project(lab_server.root / f"preview-{secrets.token_hex(3)}", name="preview-demo")
    lab_server.kit.pack(project, tag=reference)
    sidebar = open_sidebar(lab_page)
    # When its details are open and the dataset's Preview button is pressed
    sidebar.locator(f'.kitops-modelkit[data-reference="{reference}"]').click()
    expect(sidebar.locator(".kitops-kitfile")).to_contain_text("name: preview-demo")
    sidebar.locator('[data-dataset="data/train.csv"] button[data-action="preview"]').click()
    # Then the first rows show as a table
    table = sidebar.locator(".kitops-preview-table")
    expect(table.locator("th")).to_have_text(["a", "b"])
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first.locator("td")).to_have_text(["1", "2"])
    widen_sidebar(lab_page)
    screenshot(lab_page, "lab-sidebar-preview")
