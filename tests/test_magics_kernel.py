"""``%kit`` in real ipykernels (through jupyter_client): the password prompt, the inserted ``%%kitfile``
cell, and the stop button during a transfer."""

from __future__ import annotations

import json
import queue
import re
import time
from pathlib import Path
from typing import Any

from kitops_jupyter import api
from tests.registry_fixtures import FaultProxy, RegistryServer
from tests.test_magics_support import Execution, kernel, make_context

MiB = 1 << 20


def _notebook_json(cells: list[tuple[str, Execution]]) -> str:
    """The .ipynb a frontend would save for these executed cells (outputs included)."""
    book_cells = []
    for number, (source, run) in enumerate(cells, 1):
        outputs = []
        for msg in run.outputs:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("execute_result", "display_data", "error"):
                outputs.append(
                    {"output_type": kind, **{k: v for k, v in content.items() if k != "transient"}}
                )
        book_cells.append(
            {
                "cell_type": "code",
                "id": f"c{number}",
                "execution_count": number,
                "metadata": {},
                "source": source,
                "outputs": outputs,
            }
        )
    return json.dumps({"cells": book_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def test_login_in_a_real_kernel_keeps_the_password_out_of_notebook_and_history(
    tmp_path: Path, tls_registry: RegistryServer, kitops_home: Path
) -> None:
    ipython_dir = tmp_path / "ipython"
    line = f"%kit login {tls_registry.registry} -u {tls_registry.username} --tls-cert {tls_registry.ca_file}"
    with kernel(tmp_path, {"IPYTHONDIR": str(ipython_dir)}) as k:
        cells = [("%load_ext kitops_jupyter", k.execute("%load_ext kitops_jupyter"))]
        login = k.execute(line, answer=lambda request: tls_registry.password)
        cells.append((line, login))
        history = k.execute("print(repr(In)); print(repr(Out)); print(repr(_oh))")
        cells.append(("print(repr(In)); print(repr(Out)); print(repr(_oh))", history))
    assert login.ok, login.text
    assert [p["password"] for p in login.prompts] == [True]  # the frontend shows a hidden field
    assert f"Login succeeded for {tls_registry.username}" in login.text
    assert "run_line_magic('kit', 'login" in history.text
    notebook = tmp_path / "saved.ipynb"
    notebook.write_text(_notebook_json(cells))
    assert tls_registry.password not in notebook.read_text()
    assert tls_registry.password not in login.text + history.text
    for db in ipython_dir.rglob("history.sqlite"):
        assert tls_registry.password.encode() not in db.read_bytes()
    assert (kitops_home / "credentials.json").is_file()


def test_login_without_input_support_says_what_to_do(tmp_path: Path, tls_registry: RegistryServer) -> None:
    with kernel(tmp_path) as k:
        k.execute("%load_ext kitops_jupyter")
        failed = k.execute(f"%kit login {tls_registry.registry} -u {tls_registry.username}")
    assert not failed.ok
    assert "cannot answer input prompts" in failed.text and "KITOPS_REGISTRY_PASSWORD" in failed.text
    assert "Traceback" not in failed.text


def test_init_from_kernel_inserts_an_editable_kitfile_cell(tmp_path: Path) -> None:
    code = (
        "import pandas as pd\n"
        "df = pd.DataFrame({'a': [1, 2, 3]})\n"
        "%load_ext kitops_jupyter\n"
        "%kit init --from-kernel --dataset train=df --no-notebook --no-requirements --name demo"
    )
    with kernel(tmp_path) as k:
        done = k.execute(code)
    assert done.ok, done.text
    payloads = [p for p in done.reply["content"]["payload"] if p["source"] == "set_next_input"]
    assert len(payloads) == 1 and payloads[0]["replace"] is False
    text = payloads[0]["text"]
    assert text.startswith("%%kitfile modelkit\nmanifestVersion: 1.0.0\n")
    assert text.split("\n", 1)[1] == (tmp_path / "modelkit" / "Kitfile").read_text()
    assert "Kitfile from the kernel" in done.text


def _blobs_match_their_names(home: Path) -> bool:
    import hashlib

    for blob in (home / "storage").rglob("blobs/sha256/*"):
        if blob.is_file() and hashlib.sha256(blob.read_bytes()).hexdigest() != blob.name:
            return False
    return True


def _wait_for_output(k: Any, needle: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = k.iopub(timeout=0.5)
        if msg and msg["msg_type"] == "stream" and needle in msg["content"]["text"]:
            return
    raise AssertionError(f"no output containing {needle!r}")


def _stop_until_the_cell_ends(k: Any, msg_id: str, tries: int = 6) -> dict[str, Any]:
    """Press the stop button, again if the cell is still running a few seconds later, as a user would.
    One press can be lost whatever the code does (Python drops the KeyboardInterrupt of a SIGINT that
    lands while a finalizer runs); once in a full CI run the first press got no error reply."""
    for _ in range(tries):
        k.manager.interrupt_kernel()
        try:
            reply = dict(k.client.get_shell_msg(timeout=4))
        except queue.Empty:
            continue
        assert reply["parent_header"]["msg_id"] == msg_id
        return reply
    raise AssertionError(f"the cell was still running after {tries} presses of the stop button")


def test_stop_button_during_a_pull_leaves_no_partial_modelkit(
    tmp_path: Path, registry: RegistryServer, fault_proxy: FaultProxy, repo_name: str, kitops_home: Path
) -> None:
    import os

    kit = api.Kit(tmp_path / "publisher")
    make_context(tmp_path / "ctx", model=os.urandom(6 * MiB))
    ref = f"{registry.registry}/{repo_name}:v1"
    kit.pack(tmp_path / "ctx", tag=ref)
    kit.push(ref)
    fault_proxy.throttle = 256 * 1024  # 6 MiB takes ~24 s: plenty of time to press stop
    slow_ref = f"{fault_proxy.registry}/{repo_name}:v1"
    with kernel(tmp_path) as k:
        k.execute("%load_ext kitops_jupyter\n%config KitMagics.progress = 'text'")
        msg_id = k.start(f"%kit pull {slow_ref} --concurrency 1")
        _wait_for_output(k, f"Pulling {slow_ref}")
        reply = _stop_until_the_cell_ends(k, msg_id)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        # the throttled pull needs ~24 s; an error reply means the stop button ended it, not completion
        assert api.Kit(kitops_home).list_modelkits() == []  # no ModelKit, no tag
        assert _blobs_match_their_names(kitops_home)  # nothing half-written among the blobs
        fault_proxy.throttle = None
        again = k.execute(f"%kit pull {slow_ref}")
    assert again.ok, again.text
    assert [info.tags for info in api.Kit(kitops_home).list_modelkits()] == [["v1"]]


def test_progress_in_a_kernel_without_widgets_is_text_with_a_summary_line(tmp_path: Path) -> None:
    make_context(tmp_path / "ctx")
    with kernel(tmp_path) as k:  # no notebook server session: the automatic style picks plain text
        done = k.execute("%load_ext kitops_jupyter\n%kit pack ctx -t team/t:v1")
    assert done.ok, done.text
    lines = done.text.splitlines()
    assert lines[0].startswith("Packing team/t:v1: ")
    summary = [line for line in lines if line.startswith("Packed team/t:v1 sha256:")]
    assert len(summary) == 1 and re.search(r"… [\d.]+ KiB in \d+\.\d s$", summary[0])
    assert "HBox" not in done.text and "application/vnd.jupyter.widget-view+json" not in json.dumps(
        [m["content"] for m in done.outputs]
    )
