"""Helpers shared by the ``%kit`` magics tests (no tests here).

``shell`` gives IPython's global test shell with the extension freshly loaded; ``make_context``
writes a small directory with a Kitfile to pack; ``kernel`` runs code in a real ipykernel through
jupyter_client, answering input prompts and collecting every output.
"""

from __future__ import annotations

import contextlib
import os
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KITFILE = """\
manifestVersion: 1.0.0
package:
  name: tiny
  authors: [Tester]
model:
  name: tiny-model
  path: model.bin
datasets:
  - name: train
    path: data/train.csv
docs:
  - path: README.md
"""


def make_context(root: Path, *, model: bytes = b"\0" * 2048, extra: dict[str, str] | None = None) -> Path:
    """A directory with a Kitfile, a model file, a CSV dataset and a README."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Kitfile").write_text(KITFILE)
    (root / "model.bin").write_bytes(model)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "train.csv").write_text("a,b\n1,2\n3,4\n")
    (root / "README.md").write_text("# tiny\n")
    for name, text in (extra or {}).items():
        (root / name).write_text(text)
    return root


@contextlib.contextmanager
def loaded_shell() -> Iterator[Any]:
    """IPython's global test shell with ``kitops_jupyter`` loaded (unloaded afterwards)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing.globalipapp import start_ipython

    start_ipython()  # the first call creates it; later calls return None
    shell = InteractiveShell.instance()
    shell.config.pop("KitMagics", None)  # %config in an earlier test must not leak into this one
    shell.run_line_magic("load_ext", "kitops_jupyter")
    try:
        yield shell
    finally:
        shell.run_line_magic("unload_ext", "kitops_jupyter")
        shell.config.pop("KitMagics", None)


@dataclass
class Execution:
    """What a real kernel sent back for one execute request."""

    reply: dict[str, Any]
    outputs: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.reply["content"]["status"] == "ok")

    @property
    def text(self) -> str:
        parts = []
        for msg in self.outputs:
            content = msg["content"]
            if msg["msg_type"] == "stream":
                parts.append(content["text"])
            elif msg["msg_type"] in ("execute_result", "display_data"):
                parts.append(content["data"].get("text/plain", ""))
            elif msg["msg_type"] == "error":
                parts.append(f"{content['ename']}: {content['evalue']}\n" + "\n".join(content["traceback"]))
        return "".join(parts)


class Kernel:
    """A real ipykernel (``python3`` kernel spec) driven through jupyter_client."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        from jupyter_client.manager import start_new_kernel

        kernel_env = {**os.environ, **(env or {})}
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=kernel_env)

    def execute(
        self, code: str, *, answer: Callable[[dict[str, Any]], str] | None = None, timeout: float = 120
    ) -> Execution:
        """Run ``code``; ``answer(input_request)`` replies to input prompts (stdin refused without it)."""
        outputs: list[dict[str, Any]] = []
        prompts: list[dict[str, Any]] = []

        def stdin_hook(msg: dict[str, Any]) -> None:
            prompts.append(msg["content"])
            assert answer is not None
            self.client.input(answer(msg["content"]))

        reply = self.client.execute_interactive(
            code,
            allow_stdin=answer is not None,
            stdin_hook=stdin_hook if answer else None,
            output_hook=outputs.append,
            timeout=timeout,
        )
        return Execution(reply, outputs, prompts)

    def start(self, code: str) -> str:
        """Send ``code`` without waiting; returns the request's msg_id."""
        return str(self.client.execute(code, allow_stdin=False))

    def iopub(self, timeout: float = 1.0) -> dict[str, Any] | None:
        try:
            return dict(self.client.get_iopub_msg(timeout=timeout))
        except queue.Empty:
            return None

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@contextlib.contextmanager
def kernel(cwd: Path, env: dict[str, str] | None = None) -> Iterator[Kernel]:
    running = Kernel(cwd, env)
    try:
        yield running
    finally:
        running.shutdown()
