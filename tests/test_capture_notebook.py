"""Which notebook a kernel runs (unit rules, then real kernels via nbclient), and stripping outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kitops_jupyter.adapter_helpers.capture.notebook import (
    NOT_FOUND_HINT,
    find_notebook_path,
    notebook_path_candidates,
    require_notebook_path,
    running_servers,
    strip_notebook,
)
from kitops_jupyter.errors import InvalidArgument, NotFound

ROOT = Path(__file__).resolve().parents[1]
import nbformat  # noqa: E402


def make_notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("# Title"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def run_notebook(path: Path, env: dict[str, str] | None = None) -> Any:
    import ipykernel  # noqa: F401  (a test dependency this test needs)
    import nbclient

    nb = nbformat.read(str(path), as_version=4)
    kernel_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    for name in ("CI", "JPY_SESSION_NAME"):
        if name not in (env or {}):
            kernel_env.pop(name, None)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute(env=kernel_env)
    return nb


# -- unit rules ----------------------------------------------------------------------------------


def test_sources_in_order_and_first_existing_wins(tmp_path: Path) -> None:
    real = make_notebook(tmp_path / "real.ipynb", ["1"])
    conn = tmp_path / "kernel-0123abcd-aaaa-bbbb-cccc-0123456789ab.json"
    conn.write_text(json.dumps({"key": "secret", "jupyter_session": str(real)}))
    namespace = {"__vsc_ipynb_file__": str(tmp_path / "renamed.ipynb"), "__session__": "real.ipynb"}
    environ = {"JPY_SESSION_NAME": str(tmp_path / "gone.ipynb")}
    assert notebook_path_candidates(namespace, environ, str(conn)) == [
        ("__vsc_ipynb_file__", str(tmp_path / "renamed.ipynb")),
        ("__session__", "real.ipynb"),
        ("JPY_SESSION_NAME", str(tmp_path / "gone.ipynb")),
        ("connection file", str(real)),
    ]
    # VS Code's path does not exist (stale), so the relative __session__ resolved against cwd wins
    found = find_notebook_path(str(conn), namespace=namespace, environ=environ, cwd=tmp_path)
    assert found == real.resolve()
    only_conn = find_notebook_path(str(conn), namespace={}, environ={}, cwd=Path("/"))
    assert only_conn == real.resolve()


def test_rtc_prefix_and_non_notebook_paths(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "a.ipynb", ["1"])
    (tmp_path / "script.py").write_text("")
    assert (
        find_notebook_path(namespace={"__session__": "RTC:a.ipynb"}, environ={}, cwd=tmp_path) == nb.resolve()
    )
    assert find_notebook_path(namespace={"__session__": "script.py"}, environ={}, cwd=tmp_path) is None


def test_nothing_found_gives_none_and_a_hint(tmp_path: Path) -> None:
    assert find_notebook_path(None, namespace={}, environ={}, cwd=tmp_path) is None
    with pytest.raises(NotFound, match="pass --notebook PATH") as err:
        require_notebook_path(None, namespace={}, environ={}, cwd=tmp_path)
    assert str(err.value) == NOT_FOUND_HINT


def test_running_servers_are_asked_by_kernel_id(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    nb = make_notebook(tmp_path / "sub" / "n.ipynb", ["1"])
    kernel_id = "0123abcd-aaaa-bbbb-cccc-0123456789ab"
    conn = tmp_path / f"kernel-{kernel_id}.json"
    conn.write_text("{}")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    (runtime / "jpserver-1.json").write_text(
        json.dumps({"url": "http://127.0.0.1:1/", "token": "t", "root_dir": "/x"})
    )
    (runtime / "jpserver-2.json").write_text(
        json.dumps({"url": "http://127.0.0.1:2/", "token": "t2", "root_dir": str(tmp_path)})
    )
    (runtime / "jpserver-3.json").write_text("not json")
    servers = running_servers(runtime)
    assert [s["url"] for s in servers] == ["http://127.0.0.1:1/", "http://127.0.0.1:2/"]
    asked: list[str] = []

    def fetch(server: Any) -> list[dict[str, Any]]:
        asked.append(server["url"])
        if server["url"].endswith(":1/"):
            raise ConnectionRefusedError("gone")
        return [
            {"path": "other.ipynb", "kernel": {"id": "ffff"}},
            {"path": "sub/n.ipynb", "kernel": {"id": kernel_id}},
        ]

    found = find_notebook_path(str(conn), servers, namespace={}, environ={}, fetch_sessions=fetch)
    assert found == nb.resolve()
    assert asked == ["http://127.0.0.1:1/", "http://127.0.0.1:2/"]


# -- stripping -----------------------------------------------------------------------------------


def test_strip_removes_outputs_counts_and_widget_state(tmp_path: Path) -> None:
    src = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('token=abc')", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="token=abc\n")]
    cell.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00Z"}
    cell.metadata["tags"] = ["keep-me"]
    nb.cells = [nbformat.v4.new_markdown_cell("text"), cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, str(src))
    before = src.read_bytes()
    dest = strip_notebook(src, tmp_path / "out" / "nb.ipynb")
    stripped = nbformat.read(str(dest), as_version=4)
    nbformat.validate(stripped)
    code = stripped.cells[1]
    assert code.outputs == [] and code.execution_count is None
    assert code.source == "print('token=abc')" and code.metadata == {"tags": ["keep-me"]}
    assert code.id == cell.id
    assert "widgets" not in stripped.metadata and stripped.metadata["kernelspec"]["name"] == "python3"
    assert "token=abc\n" not in dest.read_text()
    assert src.read_bytes() == before
    assert sorted(p.name for p in dest.parent.iterdir()) == ["nb.ipynb"]


def test_strip_rejects_missing_and_non_notebooks(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="--notebook"):
        strip_notebook(tmp_path / "missing.ipynb", tmp_path / "o.ipynb")
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(InvalidArgument, match="cannot read notebook"):
        strip_notebook(bad, tmp_path / "o.ipynb")
    bad.write_text("[]")
    with pytest.raises(InvalidArgument, match="not an nbformat 4 notebook"):
        strip_notebook(bad, tmp_path / "o.ipynb")
    assert not (tmp_path / "o.ipynb").exists()


# -- real kernels ----------------------------------------------------------------------------------

PROBE = """
import json, ipykernel
import sklearn.linear_model
from kitops_jupyter.adapter_helpers.capture.notebook import find_notebook_path
from kitops_jupyter.core.requirements import imported_distributions
from kitops_jupyter.adapter_helpers.progress_display import widget_frontend
print(json.dumps({
    "session": globals().get("__session__"),
    "found": str(find_notebook_path(namespace=globals())),
    "from_connection_file": str(find_notebook_path(ipykernel.get_connection_file(), namespace={}, environ={})),
    "widgets": widget_frontend(),
    "pins": imported_distributions(),
}))
"""


def probe(nb: Any) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(nb.cells[1].outputs[0]["text"])
    return result


@pytest.mark.timeout(300)
def test_real_kernel_started_like_jupyter_server_knows_its_notebook(tmp_path: Path) -> None:
    path = make_notebook(tmp_path / "train.ipynb", [PROBE, "import ipywidgets\nipywidgets.IntSlider(3)"])
    nb = run_notebook(path, env={"JPY_SESSION_NAME": str(path)})
    seen = probe(nb)
    assert seen["session"] == str(path)  # ipykernel copied JPY_SESSION_NAME into __session__
    assert seen["found"] == str(path.resolve())
    assert seen["from_connection_file"] == str(path.resolve())  # jupyter_client wrote jupyter_session
    assert seen["widgets"][0] is True, seen["widgets"]
    names = {pin.split("==")[0] for pin in seen["pins"]}
    assert "scikit-learn" in names
    assert not names & {"ipykernel", "ipython", "pyzmq", "tornado", "traitlets", "jupyter_client"}
    # the executed notebook has real outputs and widget state; stripping removes them
    executed = tmp_path / "executed.ipynb"
    nbformat.write(nb, str(executed))
    assert nb.cells[2].outputs and "widgets" in nb.metadata
    stripped = nbformat.read(str(strip_notebook(executed, tmp_path / "stripped.ipynb")), as_version=4)
    nbformat.validate(stripped)
    assert all(c.outputs == [] and c.execution_count is None for c in stripped.cells if c.cell_type == "code")
    assert "widgets" not in stripped.metadata
    assert [c.source for c in stripped.cells] == [c.source for c in nb.cells]


@pytest.mark.timeout(300)
def test_real_kernel_under_nbclient_alone_finds_nothing_and_prefers_text(tmp_path: Path) -> None:
    path = make_notebook(tmp_path / "headless.ipynb", [PROBE])
    seen = probe(run_notebook(path))
    assert seen["session"] is None
    assert seen["found"] == "None"
    assert seen["widgets"][0] is False
    assert "no notebook server session" in seen["widgets"][1]
