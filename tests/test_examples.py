"""Every example notebook runs top to bottom in a real kernel (nbclient) against the real local registry;
a failing cell fails the test. Also the README's main command (scripts/demo) and its registry launcher."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kitops_jupyter.devregistry import RegistryNotAvailable, free_port, start_registry
from tests.registry_fixtures import RegistryServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.ipynb"))


def _execute(path: Path, timeout: int = 600) -> object:
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    nbformat.write(book, path)
    return book


def _outputs(book: object) -> str:
    texts = []
    for cell in book.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            texts.append(out.get("text") or out.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_the_examples_are_there() -> None:
    assert {p.name for p in EXAMPLES} == {
        "quickstart.ipynb",
        "use_a_modelkit.ipynb",
        "data_without_downloading.ipynb",
    }
    assert (ROOT / "examples" / "data" / "iris.csv").read_text().count("\n") == 151
    assert "CC BY 4.0" in (ROOT / "examples" / "data" / "README.md").read_text()


@pytest.mark.parametrize("notebook", EXAMPLES, ids=lambda p: p.stem)
def test_example_notebook_runs_against_the_local_registry(
    notebook: Path, tmp_path: Path, registry: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", workdir)
    monkeypatch.setenv("KITOPS_DEMO_REGISTRY", registry.registry)
    book = _execute(workdir / notebook.name)  # raises CellExecutionError on any failing cell
    text = _outputs(book)
    expected = {
        "quickstart": ["Packed ", "Pushed ", "Pulled ", "150 rows loaded back from"],
        "use_a_modelkit": ["iris-tree", "accuracy on their test set", "Pulled "],
        "data_without_downloading": [
            "1000 prices, mean",
            "Data diff",
            "[changed] rows 1000 -> 1200",
            "{'cat': 3, 'dog': 3}",
        ],
    }[notebook.stem]
    for needle in expected:
        assert needle in text, needle
    assert "Traceback" not in text


def test_a_failing_kit_cell_fails_the_notebook_run(tmp_path: Path) -> None:
    import nbformat
    from nbclient.exceptions import CellExecutionError

    book = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("%load_ext kitops_jupyter"),
            nbformat.v4.new_code_cell("%kit pakc ."),
        ]
    )
    nbformat.write(book, tmp_path / "broken.ipynb")
    with pytest.raises(CellExecutionError, match="Did you mean pack"):
        _execute(tmp_path / "broken.ipynb")


# -- the launcher and the demo -------------------------------------------------------------------


def _port_open(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, int(port))) == 0


def test_devregistry_starts_and_stops(tmp_path: Path) -> None:
    with start_registry(tmp_path / "reg") as reg:
        assert reg.host == "127.0.0.1" and reg.port > 0 and reg.address == f"127.0.0.1:{reg.port}"
        assert _port_open(reg.address)
    assert reg.process.poll() is not None and not _port_open(reg.address)


def test_devregistry_refuses_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(RegistryNotAvailable, match="already in use"):
            start_registry(tmp_path / "reg", busy.getsockname()[1])


def test_devregistry_command_line_runs_until_terminated(tmp_path: Path) -> None:
    address_file = tmp_path / "address"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kitops_jupyter.devregistry",
            "--storage",
            str(tmp_path / "reg"),
            "--address-file",
            str(address_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = address_file.read_text().strip()
        assert address.startswith("127.0.0.1:") and _port_open(address)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and f"registry listening on {address}" in out
    assert not _port_open(address)


def test_demo_script_runs_the_quickstart(tmp_path: Path) -> None:
    env = {**os.environ, "KITOPS_DEMO_SKIP_SETUP": "1", "TMPDIR": str(tmp_path)}
    env.pop("KITOPS_DEMO_REGISTRY", None)
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo")], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for needle in (
        "Starting a registry on 127.0.0.1",
        "Pushed 127.0.0.1:",
        "150 rows loaded back from",
        "The registry has been stopped",
        "bash scripts/lab",
    ):
        assert needle in out, needle
    address = out.split("registry: ", 1)[1].split()[0]
    assert not _port_open(address)
    assert not list(tmp_path.glob("kitops-demo.*/kitops-home/storage/ingest/*"))


def test_lab_script_opens_the_examples_with_a_registry_and_stops_it(tmp_path: Path) -> None:
    port, token = free_port(), "lab-script-test"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITOPS_DEMO")}
    env.update(
        KITOPS_DEMO_SKIP_SETUP="1",
        TMPDIR=str(tmp_path),
        HOME=str(tmp_path),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    argv = [
        "bash",
        str(ROOT / "scripts" / "lab"),
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
    ]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        contents = f"http://127.0.0.1:{port}/api/contents/quickstart.ipynb?content=0&token={token}"
        deadline = time.monotonic() + 120
        answer = None
        while answer is None and proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(contents, timeout=2) as response:
                    answer = json.load(response)
            except OSError:
                time.sleep(0.2)
        assert answer is not None, "JupyterLab did not serve examples/quickstart.ipynb"
        assert answer["name"] == "quickstart.ipynb"  # the examples folder is the Lab root
        (storage,) = tmp_path.glob("kitops-lab.*")
        address = (storage / "address").read_text().strip()
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=5) as response:
            assert response.status == 200  # the registry the notebooks push to is up
        # File > Shut Down in JupyterLab: the script must then stop the registry and exit.
        shutdown = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/shutdown?token={token}", method="POST"
        )
        urllib.request.urlopen(shutdown, timeout=10).close()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for pid_file in tmp_path.glob("kitops-lab.*/pid"):  # never leave the registry behind on a failure
            with contextlib.suppress(OSError, ValueError):
                pid = int(pid_file.read_text())
                if (
                    b"devregistry" in Path(f"/proc/{pid}/cmdline").read_bytes()
                ):  # still ours, not a reused pid
                    os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 0, out[-2000:]
    assert f"OCI registry on {address}" in out
    assert not _port_open(address), "the registry must stop when JupyterLab exits"


def test_the_demo_extra_covers_the_examples_and_nothing_test_only() -> None:
    import importlib.metadata
    import re

    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name_of = lambda spec: re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower()  # noqa: E731
    base = {name_of(s) for s in project["dependencies"]}
    demo = {name_of(s) for s in project["optional-dependencies"]["demo"]}
    assert not demo & {"pytest", "playwright", "jax", "keras", "xgboost-cpu", "lightgbm", "mypy", "ruff"}
    distributions = importlib.metadata.packages_distributions()
    for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
        book = json.loads(notebook.read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code")
        for module in set(re.findall(r"^\s*(?:from|import) (\w+)", code, re.MULTILINE)):
            if module in sys.stdlib_module_names or module == "kitops_jupyter":
                continue
            needed = {d.lower() for d in distributions.get(module, [module])}
            assert needed & (base | demo), f"{notebook.name} imports {module}: add it to the demo extra"
