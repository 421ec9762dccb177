"""Every example notebook runs top to bottom in a real kernel (nbclient) against the real local registry;
a failing cell fails the test. Also the README's main command (scripts/demo) and its registry launcher."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kitops_jupyter.devregistry import RegistryNotAvailable, start_registry
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
    assert {p.name for p in EXAMPLES} == {"quickstart.ipynb", "use_a_modelkit.ipynb"}
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
    }[notebook.stem]
    for needle in expected:
        assert needle in text, needle
    assert "Traceback" not in text


def test_a_failing_kit_cell_fails_the_notebook_run(tmp_path: Path) -> None:
    import nbformat
    from nbclient.exceptions import CellExecutionError

    book = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext kitops_jupyter"), nbformat.v4.new_code_cell("%kit pakc .")
    ])  # fmt: skip
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
        [sys.executable, "-m", "kitops_jupyter.devregistry", "--storage", str(tmp_path / "reg"),
         "--address-file", str(address_file)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
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
    for needle in ("Starting a registry on 127.0.0.1", "Pushed 127.0.0.1:", "150 rows loaded back from",
                   "The registry has been stopped", "jupyter lab examples/"):  # fmt: skip
        assert needle in out, needle
    address = out.split("registry: ", 1)[1].split()[0]
    assert not _port_open(address)
    assert not list(tmp_path.glob("kitops-demo.*/kitops-home/storage/ingest/*"))
