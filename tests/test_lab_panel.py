"""The widget panel in real JupyterLab and Chromium: pick, pack, push and load back with clicks.

A notebook builds a DataFrame and a fitted model, shows the panel, and the test drives it like a
user: tick the DataFrame and the model, type the reference, press Pack and Push, read the success
line, load the dataset back into a new variable, then run a cell that checks that variable in the
kernel. The screenshot lands in docs/screenshots/panel.png for the README.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser_fixtures import LabServer
from tests.registry_fixtures import RegistryServer
from tests.ui_checks import low_contrast, set_theme

FOLDER = "panel-demo"
CELLS = [
    "import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n\n"
    "rng = np.random.default_rng(0)\n"
    "train = pd.DataFrame({'tenure': rng.integers(1, 72, 200), 'monthly': rng.normal(60, 15, 200).round(2)})\n"
    "train['churned'] = (train.monthly / train.tenure > 2).astype('int64')\n"
    "clf = LogisticRegression().fit(train[['tenure', 'monthly']], train['churned'])",
    "from kitops_jupyter.panel import show_panel\n\npanel = show_panel()",
    "print('loaded back:', train_back.equals(train), train_back.shape)",
]


def _notebook() -> dict[str, Any]:
    cells = [
        {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}
        for source in CELLS
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}


def _create_files(server: LabServer) -> str:
    for path, body in (
        (FOLDER, {"type": "directory"}),
        (f"{FOLDER}/README.md", {"type": "file", "format": "text", "content": "# Churn model\n"}),
        (f"{FOLDER}/churn.ipynb", {"type": "notebook", "content": _notebook()}),
    ):
        response = server.request("PUT", f"/api/contents/{path}", data=json.dumps(body))
        assert response.ok, response.text
    return f"{FOLDER}/churn.ipynb"


def _run_cell(page: Any, index: int) -> None:
    page.locator(".jp-NotebookPanel .jp-Cell").nth(index).locator(".jp-InputArea-editor").click()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")


def _button(panel: Any, name: str) -> Any:
    """A panel button by its title (its accessible name also holds the icon font's glyph)."""
    return panel.locator(f"button.widget-button[title='{name}']")


def _result(page: Any, pattern: str, timeout: float = 90_000) -> str:
    """Wait until the panel's result line matches ``pattern``; fail with its text if it shows an error."""
    line = page.locator(".kitops-result")
    line.filter(has_text=re.compile(f"{pattern}|failed:")).wait_for(timeout=timeout)
    text = str(line.inner_text())
    assert re.search(pattern, text), text
    return text


def test_panel_packs_pushes_and_loads_in_jupyterlab(
    lab_page: Any,
    lab_server: LabServer,
    registry: RegistryServer,
    repo_name: str,
    screenshot: Callable[..., Path],
) -> None:
    page = lab_page
    path = _create_files(lab_server)
    try:
        _drive_panel(page, lab_server, path, f"{registry.registry}/{repo_name}:v1", screenshot)
    finally:
        _close(page)
        _shut_down(lab_server, path)


def _drive_panel(
    page: Any, lab_server: LabServer, path: str, reference: str, screenshot: Callable[..., Path]
) -> None:
    page.evaluate(f"() => window.jupyterapp.commands.execute('docmanager:open', {{path: '{path}'}})")
    page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=60_000
    )
    _run_cell(page, 0)
    _run_cell(page, 1)
    panel = page.locator(".jp-OutputArea-output .widget-vbox:has-text('KitOps ModelKit')").first
    panel.wait_for(timeout=60_000)

    panel.get_by_role("checkbox", name=re.compile(r"^train \(200 × 3\)")).check()
    panel.get_by_role("checkbox", name=re.compile(r"^clf \(scikit-learn LogisticRegression\)")).check()
    panel.get_by_role("checkbox", name="README.md").check()
    panel.get_by_label("Name", exact=True).fill("churn")
    panel.get_by_label("Version", exact=True).fill("1.0.0")
    panel.get_by_label("Reference", exact=True).fill(reference)
    kitfile = panel.locator(".kitops-kitfile textarea")  # the editable preview
    # the running notebook is found (as %kit pack finds it) and included
    parts = ("path: data/train.parquet", "name: clf", "path: README.md", "path: notebooks/churn.ipynb")
    every = "".join(f"(?=.*{re.escape(part)})" for part in parts)
    expect(kitfile).to_have_value(re.compile(every, re.S))

    _button(panel, "Pack").click()
    assert _result(page, "Packed ").startswith(f"✔ Packed {reference} sha256:")
    _button(panel, "Push").click()
    assert _result(page, "Pushed ").startswith(f"✔ Pushed {reference} sha256:")
    assert lab_server.kit.inspect(reference, remote=True).kitfile.package.name == "churn"
    panel.scroll_into_view_if_needed()
    screenshot(page, "panel", clip=page.locator(".jp-NotebookPanel").bounding_box())
    # Every text of the panel is readable in the light and the dark theme
    assert low_contrast(panel) == []
    set_theme(page, "dark")
    try:
        assert low_contrast(panel) == []
        screenshot(page, "panel-dark", clip=page.locator(".jp-NotebookPanel").bounding_box())
    finally:
        set_theme(page, "light")

    panel.get_by_label("Into variable", exact=True).fill("train_back")
    _button(panel, "Load").click()
    assert "into train_back (200 rows × 3 columns" in _result(page, "Loaded ")

    _run_cell(page, 2)
    output = page.locator(".jp-NotebookPanel .jp-Cell").nth(2).locator(".jp-OutputArea-output")
    output.filter(has_text="loaded back").wait_for(timeout=30_000)
    assert output.inner_text().strip() == "loaded back: True (200, 3)"


def _close(page: Any) -> None:
    """Save and close the notebook, so the saved workspace does not reopen it for the next Lab test."""
    page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('docmanager:save');"
        " await window.jupyterapp.commands.execute('application:close-all'); }"
    )


def _shut_down(server: LabServer, path: str) -> None:
    """Stop the notebook's kernel so the shared Lab session is left as it was found."""
    for session in server.request("GET", "/api/sessions").json():
        if session.get("path") == path:
            server.request("DELETE", f"/api/sessions/{session['id']}")
