"""The kernel's stop button cancels the panel's running operations (real ipykernel, idle when stopped)."""

from __future__ import annotations

from pathlib import Path

from tests.test_magics_support import kernel

START = """
import threading
from kitops_jupyter.panel import KitPanel

panel = KitPanel({}, directory='.')
started = threading.Event()

def work(row):
    started.set()
    while True:  # a transfer that never ends by itself: each progress report may raise Cancelled
        row(1, 10)
        threading.Event().wait(0.02)

panel.runner.start('Push', work, str)
print('started', started.wait(10))
"""


def test_kernel_stop_button_cancels_panel_work_while_the_kernel_is_idle(tmp_path: Path) -> None:
    with kernel(tmp_path, env={"KITOPS_HOME": str(tmp_path / "home")}) as k:
        assert k.execute(START).text == "started True\n"
        # The cell is done (the kernel is idle, the push runs on its thread) when stop is pressed
        k.manager.interrupt_kernel()
        after = k.execute("panel.wait(20)\nprint(repr(panel.result.text), panel.runner.running)")
        assert after.ok, after.text
        assert after.text == "'Push cancelled' 0\n"
        # and the kernel still runs cells normally afterwards
        assert k.execute("print(1 + 1)").text == "2\n"
