"""Packaging of the Jupyter parts: both extensions enabled and OK, and a wheel that needs no Node.js.

The wheel is built once per session from the working tree (the labextension that scripts/setup built
is already there, so the build hook skips npm). It is installed into a fresh virtual environment whose
PATH holds no ``node``; that environment borrows the dev venv's dependencies through a ``.pth`` line
(read-only, and the editable install's own ``.pth`` is not processed that way), so the only
kitops-jupyter it sees is the one from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import kitops_jupyter

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LABEXT = "share/jupyter/labextensions/kitops-jupyter"


def run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 180) -> str:
    """Run a command; its stdout and stderr together, without colour codes (fails on a non-zero exit)."""
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, cwd="/")
    output = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{output}"
    return output


def isolated_env(tmp: Path, path: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "VIRTUAL_ENV"))}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[name] = str(tmp / name.lower())
    env["PATH"] = path
    return env


def test_versions_agree() -> None:
    package = json.loads((REPO / "labextension" / "package.json").read_text())
    version_ts = (REPO / "labextension" / "src" / "version.ts").read_text()
    assert package["version"] == kitops_jupyter.__version__
    assert f"FRONTEND_VERSION = '{kitops_jupyter.__version__}'" in version_ts
    assert package["name"] == "kitops-jupyter"
    assert package["jupyterlab"]["outputDir"] == "../kitops_jupyter/labextension"


def test_server_extension_is_listed_enabled_and_ok(tmp_path: Path) -> None:
    bindir = Path(sys.executable).parent
    output = run(
        [str(bindir / "jupyter"), "server", "extension", "list"], isolated_env(tmp_path, os.environ["PATH"])
    )
    assert re.search(r"kitops_jupyter\.server\s+enabled", output), output
    assert re.search(rf"kitops_jupyter\.server {re.escape(kitops_jupyter.__version__)} OK", output), output


def test_labextension_is_listed_enabled_and_ok(tmp_path: Path) -> None:
    bindir = Path(sys.executable).parent
    output = run(
        [str(bindir / "jupyter"), "labextension", "list"], isolated_env(tmp_path, os.environ["PATH"])
    )
    line = f"kitops-jupyter v{kitops_jupyter.__version__} enabled OK (python, kitops-jupyter)"
    assert line in output, output


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once per session (no build isolation; npm is skipped if built)."""
    out = tmp_path_factory.mktemp("wheel")
    argv = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(out),
        str(REPO),
    ]
    run(argv, timeout=600)
    (wheel,) = out.glob("kitops_jupyter-*.whl")
    return wheel


def test_wheel_ships_the_prebuilt_labextension_and_the_auto_enable_config(built_wheel: Path) -> None:
    names = set(zipfile.ZipFile(built_wheel).namelist())
    data = f"kitops_jupyter-{kitops_jupyter.__version__}.data/data"
    assert f"{data}/{LABEXT}/package.json" in names
    assert f"{data}/{LABEXT}/install.json" in names
    assert f"{data}/{LABEXT}/static/style.js" in names
    assert any(re.fullmatch(rf"{data}/{LABEXT}/static/remoteEntry\.\w+\.js", name) for name in names)
    assert f"{data}/etc/jupyter/jupyter_server_config.d/kitops_jupyter.json" in names
    assert "kitops_jupyter/server/openapi.yaml" in names
    config = json.loads(
        zipfile.ZipFile(built_wheel).read(f"{data}/etc/jupyter/jupyter_server_config.d/kitops_jupyter.json")
    )
    assert config == {"ServerApp": {"jpserver_extensions": {"kitops_jupyter.server": True}}}


@pytest.fixture(scope="session")
def fresh_venv(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new venv with only the wheel installed into it (dependencies borrowed read-only)."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    (site / "_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(built_wheel),
        ]
    )
    yield venv


def test_wheel_installs_an_enabled_lab_and_server_extension_without_node(
    fresh_venv: Path, tmp_path: Path
) -> None:
    # Given a fresh environment whose PATH has no Node.js
    path = str(fresh_venv / "bin")
    assert shutil.which("node", path=path) is None and shutil.which("npm", path=path) is None
    env = isolated_env(tmp_path, path)
    python = str(fresh_venv / "bin" / "python")
    # Then the extension comes from the wheel's files in that environment, enabled and OK
    labext = run([python, "-m", "jupyterlab.labextensions", "list"], env)
    assert f"{fresh_venv}/share/jupyter/labextensions" in labext, labext
    assert f"kitops-jupyter v{kitops_jupyter.__version__} enabled OK (python, kitops-jupyter)" in labext, (
        labext
    )
    server = run([python, "-m", "jupyter_server.extension.serverextension", "list"], env)
    assert f"Config dir: {fresh_venv}/etc/jupyter" in server, server
    assert re.search(rf"kitops_jupyter\.server {re.escape(kitops_jupyter.__version__)} OK", server), server
    imported = run([python, "-c", "import kitops_jupyter; print(kitops_jupyter.__file__)"], env)
    assert imported.strip().startswith(str(fresh_venv)), imported


def test_lab_from_the_wheel_serves_the_sidebar_and_the_api(fresh_venv: Path, tmp_path: Path) -> None:
    # Given JupyterLab started from the fresh environment (no Node.js on PATH)
    from tests.browser_fixtures import _free_port

    port, token = _free_port(), "wheel-test-token"
    env = isolated_env(tmp_path, str(fresh_venv / "bin"))
    env["KITOPS_HOME"] = str(tmp_path / "kitops")
    (tmp_path / "root").mkdir()
    argv = [
        str(fresh_venv / "bin" / "python"),
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--allow-root",
        f"--ServerApp.root_dir={tmp_path / 'root'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with open(tmp_path / "lab.log", "wb") as log:
        process = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
        version = _wait_json(f"{base}/kitops/version", headers, process, tmp_path / "lab.log")
        # Then the server part answers and the page loads the prebuilt frontend from the wheel's files
        assert version["server"] == kitops_jupyter.__version__
        page = requests.get(f"{base}/lab", headers=headers, timeout=30).text
        assert '"name": "kitops-jupyter"' in page or '"name":"kitops-jupyter"' in page
        entry = re.search(r'"load":\s*"(static/remoteEntry\.\w+\.js)"', page)
        assert entry, "the page config lists no kitops-jupyter remoteEntry"
        script = requests.get(
            f"{base}/lab/extensions/kitops-jupyter/{entry.group(1)}", headers=headers, timeout=30
        )
        assert script.status_code == 200 and "kitops-jupyter" in script.text
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_json(
    url: str, headers: dict[str, str], process: subprocess.Popen[bytes], log: Path
) -> dict[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            response = requests.get(url, headers=headers, timeout=2)
            if response.ok:
                data: dict[str, str] = response.json()
                return data
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no answer from {url}:\n{log.read_text()[-3000:]}")
