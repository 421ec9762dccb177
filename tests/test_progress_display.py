"""Progress sinks: text output content, throttling, threads, the widget bar, and the frontend rule."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from kitops_jupyter.adapter_helpers.progress_display import (
    format_duration,
    format_size,
    format_summary,
    make_progress,
    widget_frontend,
)
from kitops_jupyter.errors import InvalidArgument

MiB = 1 << 20
DIGEST = "sha256:abcd1234" + "0" * 56


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_formats() -> None:
    assert format_size(512) == "512 B"
    assert format_size(1536) == "1.5 KiB"
    assert format_size(int(12.39 * MiB)) == "12.3 MiB"  # floored like kit
    assert format_duration(4.5) == "4.5 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(3720) == "1 h 02 min"
    summary = format_summary("Pushed", "myorg/model:v1", DIGEST, int(12.35 * MiB), 4.5)
    assert summary == "Pushed myorg/model:v1 sha256:abcd1234… 12.3 MiB in 4.5 s"


def test_text_in_a_log_prints_a_few_milestones_not_thousands() -> None:
    out, clock = io.StringIO(), FakeClock()
    sink = make_progress("Pushing", "text", stream=out, min_interval=0.0, clock=clock)
    total = 40 * MiB
    for i in range(4001):
        clock.now += 0.001
        sink(i * total // 4000, total)
    sink.close(format_summary("Pushed", "repo:v1", DIGEST, total, 4.0))
    lines = out.getvalue().splitlines()
    assert len(lines) == 6, lines
    assert lines[0].startswith("Pushing:   0% 0 B of 40.0 MiB")
    assert [line.split()[1] for line in lines[1:5]] == ["25%", "50%", "75%", "100%"]
    assert "MiB/s" in lines[1] and "ETA" in lines[1]
    assert lines[-1] == "Pushed repo:v1 sha256:abcd1234… 40.0 MiB in 4.0 s"
    assert "\r" not in out.getvalue()


def test_text_heartbeat_when_stuck() -> None:
    out, clock = io.StringIO(), FakeClock()
    sink = make_progress("Pulling", "text", stream=out, min_interval=0.1, clock=clock)
    sink(0, 100 * MiB)
    for _ in range(100):  # 35 s without crossing a quarter
        clock.now += 0.35
        sink(MiB, 100 * MiB)
    sink.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[1].startswith("Pulling:   1% 1.0 MiB of 100.0 MiB")


def test_text_on_a_terminal_rewrites_one_line() -> None:
    out, clock = TTY(), FakeClock()
    sink = make_progress("Packing", "text", stream=out, min_interval=0.0, clock=clock)
    for i in range(11):
        clock.now += 1
        sink(i * MiB, 10 * MiB)
    sink.close("Packed repo:v1")
    text = out.getvalue()
    assert text.count("\n") == 2  # the finished bar and the summary
    assert text.count("\r") == 12
    assert text.endswith("100% 10.0 MiB of 10.0 MiB 1.0 MiB/s\nPacked repo:v1\n")


def test_throttled_to_the_interval_but_the_last_update_shows() -> None:
    out, clock = TTY(), FakeClock()
    sink = make_progress("Pushing", "text", stream=out, min_interval=0.1, clock=clock)
    for i in range(1, 1001):
        clock.now += 0.001  # 1000 calls in one second
        sink(i, 1000)
    assert 10 <= out.getvalue().count("\r") <= 12
    assert "100%" in out.getvalue()


def test_thread_safe_updates_from_many_threads() -> None:
    out = io.StringIO()
    sink = make_progress("Pushing", "text", stream=out, min_interval=0.0)
    total, threads = 8 * 1000, 8
    done = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal done
        for _ in range(1000):
            with lock:
                done += 1
                current = done
            sink(current, total)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sink.close("done")
    lines = out.getvalue().splitlines()
    assert lines[-1] == "done"
    assert any(" 100% " in line for line in lines)
    assert len(lines) <= 7


def test_close_is_idempotent_and_late_updates_are_ignored() -> None:
    out = io.StringIO()
    sink = make_progress("X", "text", stream=out, min_interval=0.0)
    sink.close("summary")
    sink.close("again")
    sink(5, 10)
    assert out.getvalue() == "summary\n"


def test_none_is_silent_and_bad_style_is_an_error() -> None:
    out = io.StringIO()
    sink = make_progress("X", "none", stream=out)
    sink(1, 2)
    sink.close("summary")
    assert out.getvalue() == ""
    with pytest.raises(InvalidArgument, match="choose one of auto, widget, text, none"):
        make_progress("X", "fancy")


def test_auto_outside_a_kernel_is_text() -> None:
    out = io.StringIO()
    sink = make_progress("Pushing", "auto", stream=out, min_interval=0.0)
    sink(0, 10)
    assert out.getvalue().startswith("Pushing:   0%")


def test_widget_bar_counts_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    sink = make_progress("Pushing", "widget", min_interval=0.0)
    bar = sink._bar  # type: ignore[attr-defined]
    sink(0, 10 * MiB)
    sink(5 * MiB, 10 * MiB)
    sink(5 * MiB, 20 * MiB)  # the total grew
    sink(20 * MiB, 20 * MiB)
    sink.close("Pushed repo:v1")
    assert (bar.n, bar.total) == (20 * MiB, 20 * MiB)
    assert bar.container.children[1].max == 20 * MiB
    assert bar.container.children[1].bar_style == "success"
    assert capsys.readouterr().out.endswith("Pushed repo:v1\n")


def test_a_failed_operation_leaves_no_widget_bar(capsys: pytest.CaptureFixture[str]) -> None:
    sink = make_progress("Pulling", "widget", min_interval=0.0)
    bar = sink._bar  # type: ignore[attr-defined]
    sink(1 * MiB, 10 * MiB)
    assert bar.container.comm is not None
    sink.close(failed=True)
    assert bar.container.comm is None  # the widget is closed: the frontend removes it
    assert "Pulled" not in capsys.readouterr().out  # and no summary is printed for a failure


# -- the frontend rule ---------------------------------------------------------------------------


class Shell:
    def __init__(self, user_ns: dict[str, Any] | None = None) -> None:
        self.user_ns = user_ns or {}


def kernel_modules(shell: Any, control_comm: object = None) -> dict[str, ModuleType]:
    ipython = SimpleNamespace(get_ipython=lambda: shell)
    zmqshell = SimpleNamespace(ZMQInteractiveShell=Shell)
    widget = SimpleNamespace(Widget=SimpleNamespace(_control_comm=control_comm))
    return {"IPython": ipython, "ipykernel.zmqshell": zmqshell, "ipywidgets.widgets.widget": widget}  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("environ", "modules", "expected", "reason"),
    [
        ({"JPY_SESSION_NAME": "/n.ipynb"}, kernel_modules(Shell()), True, "Jupyter server"),
        ({"JPY_SESSION_NAME": "/n.ipynb", "CI": "true"}, kernel_modules(Shell()), False, "CI is set"),
        ({"GITHUB_ACTIONS": "true"}, kernel_modules(Shell(), object()), False, "GITHUB_ACTIONS"),
        ({"JPY_SESSION_NAME": "/n.ipynb"}, {}, False, "not running in a Jupyter kernel"),
        (
            {"JPY_SESSION_NAME": "/n.ipynb"},
            kernel_modules(object()),
            False,
            "not running in a Jupyter kernel",
        ),
        ({"JPY_SESSION_NAME": "/n.ipynb", "QT_API": "pyqt5"}, kernel_modules(Shell()), False, "Qt"),
        ({}, kernel_modules(Shell(), object()), True, "widget manager is connected"),
        ({}, kernel_modules(Shell({"__vsc_ipynb_file__": "/n.ipynb"})), False, "VS Code"),
        ({}, kernel_modules(Shell()), False, "nbclient"),
    ],
)
def test_widget_frontend_rule(
    environ: dict[str, str], modules: dict[str, ModuleType], expected: bool, reason: str
) -> None:
    renders, why = widget_frontend(environ, modules)
    assert renders is expected
    assert reason in why


# -- a real kernel -------------------------------------------------------------------------------

BACKGROUND = """
import threading
from kitops_jupyter.adapter_helpers.progress_display import make_progress
go, done = threading.Event(), threading.Event()
sink = make_progress("Pushing", "text", min_interval=0)
def work():
    go.wait()
    print("RAW-THREAD-PRINT")
    sink(10, 10)
    sink.close("BACKGROUND-SUMMARY")
    done.set()
worker = threading.Thread(target=work)
worker.start()
"""


@pytest.mark.timeout(300)
def test_text_from_a_worker_thread_stays_with_the_cell_that_started_it(tmp_path: Path) -> None:
    """ipykernel 7 sends a thread's output under the latest cell; the sink keeps its own cell.

    The worker writes only while the second cell runs (events, no sleeps), and every iopub stream
    message is grouped by the request it names as its parent."""
    from tests.test_magics_support import kernel

    root = str(Path(__file__).resolve().parents[1])
    with kernel(tmp_path, env={"PYTHONPATH": root}) as k:
        first = k.start(BACKGROUND)
        second = k.start("go.set(); done.wait(); worker.join(); print('second cell')")
        texts: dict[str, str] = {first: "", second: ""}
        idle: set[str] = set()
        while idle != {first, second}:
            msg = k.iopub(timeout=60)
            assert msg is not None, "the kernel went quiet before both cells finished"
            parent = msg["parent_header"].get("msg_id", "")
            if msg["msg_type"] == "stream" and parent in texts:
                texts[parent] += msg["content"]["text"]
            elif (
                msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"
                and parent in texts
            ):
                idle.add(parent)
    assert "BACKGROUND-SUMMARY" in texts[first] and "Pushing" in texts[first]
    assert "second cell" in texts[second]
    assert "BACKGROUND-SUMMARY" not in texts[second] and "Pushing" not in texts[second]


def test_kernel_side_modules_import_no_jupyter_or_heavy_module() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "import kitops_jupyter.adapter_helpers.capture.kitfile_builder, kitops_jupyter.adapter_helpers.progress_display\n"
        "import kitops_jupyter.core.datasetreaders\n"
        "banned = ('IPython', 'ipykernel', 'ipywidgets', 'traitlets', 'tornado', 'tqdm', 'pandas', 'polars',\n"
        "          'pyarrow', 'sklearn', 'skops', 'joblib', 'torch', 'nbformat')\n"
        "print(sorted(m for m in banned if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
