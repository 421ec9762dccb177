"""pytest plugin: a real ``jupyter lab`` server and Playwright pages on Debian's Chromium.

Fixtures:

- ``lab_server`` (session): ``jupyter lab`` on a free 127.0.0.1 port with a token, in a temp root
  directory, with isolated Jupyter config/data/runtime dirs, the "Jupyter news" announcements toast
  disabled, a fresh workspaces dir (no layout restore) and its own ``KITOPS_HOME``. It serves the
  REST tests too. ``lab_server.kit`` is an ``api.Kit`` on the server's store;
  ``lab_server.request(...)`` calls the REST API with the token; ``lab_server.wait_job(id)`` polls.
- ``browser`` (session): Chromium from ``/usr/bin/chromium`` through Python Playwright (no browser
  download ever; ``scripts/setup`` installs Debian's ``chromium``).
- ``page``: a new 1280x900 page in a fresh browser context; ``lab_page``: that page with JupyterLab
  loaded and restored (``window.jupyterapp`` is exposed for commands and checks).
- ``reset_policy``: puts the signature settings back to their defaults after the test.
- ``screenshot``: ``screenshot(page, "name")`` saves ``docs/screenshots/name.png`` (the README shows
  them) and returns the path.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "SCREENSHOTS", "LabServer", "open_lab", "start_lab", "write_project"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LAB_START_TIMEOUT = 60.0


@dataclass
class LabServer:
    """A running ``jupyter lab``; ``root`` is its root directory (the file browser's ``/``)."""

    url: str
    token: str
    root: Path
    kitops_home: Path
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    @property
    def kit(self) -> Any:
        """An ``api.Kit`` on the same local store the server uses."""
        from kitops_jupyter.api import Kit

        return Kit(home=self.kitops_home)

    def request(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> requests.Response:
        """``method`` on ``/kitops/<path>`` (or an absolute ``/api/...`` path), with the token unless ``auth=False``."""
        url = f"{self.url}{path}" if path.startswith("/") else f"{self.url}/kitops/{path}"
        headers = {**(self.headers if auth else {}), **kwargs.pop("headers", {})}
        return requests.request(method, url, headers=headers, timeout=60, **kwargs)

    def wait_job(self, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """Poll ``GET /kitops/jobs/{id}`` until the job is no longer running."""
        deadline = time.monotonic() + timeout
        while True:
            job: dict[str, Any] = self.request("GET", f"jobs/{job_id}").json()
            if job["state"] != "running" or time.monotonic() > deadline:
                return job
            time.sleep(0.05)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def write_project(folder: Path, name: str = "demo-model", model: bytes = b"weights" * 100) -> Path:
    """A small packable folder: a Kitfile with a model file and a dataset (returns ``folder``)."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "model.bin").write_bytes(model)
    (folder / "data" / "train.csv").write_text("a,b\n1,2\n3,4\n")
    (folder / "Kitfile").write_text(
        "manifestVersion: 1.0.0\n"
        f"package:\n  name: {name}\n  version: 1.0.0\n  authors: [KitOps Tester]\n"
        "model:\n  name: demo\n  path: model.bin\n"
        "datasets:\n  - name: train\n    path: data/train.csv\n"
    )
    return folder


def _free_port() -> int:
    from kitops_jupyter.devregistry import free_port

    return free_port()


def _isolated_env(home: Path) -> dict[str, str]:
    dirs = {
        name: home / name.lower()
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir()
    page_config = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
    (labconfig / "page_config.json").write_text(json.dumps(page_config))
    env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
    env.update({name: str(path) for name, path in dirs.items()})
    env["KITOPS_HOME"] = str(home / "kitops-home")
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def start_lab(home: Path) -> LabServer:
    """Start ``jupyter lab`` with its state under ``home`` and wait until ``/api/status`` answers."""
    root, token, port = home / "root", secrets.token_hex(16), _free_port()
    root.mkdir(parents=True)
    env = _isolated_env(home)
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.allow_unauthenticated_access=True",  # only our decorators guard /kitops (auth test)
    ]
    log = home / "lab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = LabServer(f"http://127.0.0.1:{port}", token, root, Path(env["KITOPS_HOME"]), log, process)
    _wait_ready(server)
    return server


def _wait_ready(server: LabServer) -> None:
    deadline = time.monotonic() + LAB_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if requests.get(f"{server.url}/api/status", headers=server.headers, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"jupyter lab did not answer within {LAB_START_TIMEOUT}s:\n{server.log_tail()}")


def open_lab(page: Any, server: LabServer, timeout: float = 60_000) -> Any:
    """Load JupyterLab in ``page`` and wait until the app is started and its layout restored."""
    workspace = f"test-{secrets.token_hex(4)}"  # a fresh layout per page: nothing restored from earlier tests
    page.goto(f"{server.url}/lab/workspaces/{workspace}?token={server.token}", timeout=timeout)
    page.wait_for_selector("#jp-main-dock-panel", timeout=timeout)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=timeout)
    page.evaluate("() => window.jupyterapp.restored")
    return page


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    server = start_lab(tmp_path_factory.mktemp("lab"))
    yield server
    server.stop()


@pytest.fixture
def reset_policy(lab_server: LabServer) -> Iterator[None]:
    """The lab server is shared by the session: put the signature defaults back for the other tests."""
    yield
    lab_server.kit.save_signature_settings(require_signature=False, verify_key="")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture
def lab_page(page: Any, lab_server: LabServer) -> Any:
    return open_lab(page, lab_server)


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    def take(page: Any, name: str, **options: Any) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), **options)
        return path

    return take
