"""Running panel operations off the kernel's main thread, with a progress bar each and no lost errors.

ipywidgets swallows exceptions raised in callbacks (they only reach the kernel log), and output
printed from a worker thread lands in whatever cell ran last. So nothing here prints: a
:class:`Runner` runs each operation on its own thread, shows one :class:`ProgressRow` (an
``ipywidgets.FloatProgress`` fed by the api's ``(done, total)`` callback, thread-safe and throttled)
while it runs, then writes the outcome to the result line and the log (an ``Output`` widget filled
with ``append_stdout``/``append_stderr``, which are safe from any thread). A ``KitError`` shows its
message, exactly the text the ``%kit`` magics show; anything else also gets its traceback in the log.
"""

from __future__ import annotations

import html
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..adapter_helpers.progress_display import format_size
from ..errors import Cancelled, KitError
from .hints import panel_words
from .stop import on_kernel_stop

__all__ = ["Cancelled", "ProgressRow", "ResultLine", "Runner"]

_MIN_INTERVAL = 0.1  # seconds between two progress updates sent to the frontend


class ProgressRow:
    """One running operation: a label, a bar, ``12.0 MiB of 40.0 MiB`` and Cancel; thread-safe.

    Cancel sets an event; the operation's next progress report raises :class:`Cancelled`, which stops
    the transfer (the api writes through temp names, so nothing half-written is left).
    """

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.bar = w.FloatProgress(value=0.0, min=0.0, max=1.0, description=verb, bar_style="info")
        self.status = w.Label("working…")
        self.cancel_button = w.Button(description="Cancel", icon="stop", tooltip=f"Stop this {verb.lower()}")
        self.cancelled = threading.Event()
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.widget = w.HBox(
            [self.bar, self.status, self.cancel_button], layout=w.Layout(align_items="center")
        )
        self._lock = threading.Lock()
        self._last = 0.0

    def cancel(self) -> None:
        self.cancelled.set()
        self.cancel_button.disabled = True
        self.status.value = "cancelling…"

    def __call__(self, done: int, total: int) -> None:
        if self.cancelled.is_set():
            raise Cancelled(f"{self.verb} was cancelled")
        now = time.monotonic()
        with self._lock:
            finished = total > 0 and done >= total
            if not finished and now - self._last < _MIN_INTERVAL:
                return
            self._last = now
            self.bar.value = min(1.0, done / total) if total > 0 else 0.0
            self.status.value = (
                f"{format_size(done)} of {format_size(total)}" if total > 0 else format_size(done)
            )


class ResultLine:
    """The single line under the buttons: the last outcome (✔ or ✘), or empty while a new one runs.

    The text keeps the theme's font colour (readable in light, dark and high-contrast themes); the
    state is the mark and a coloured bar at the left. Long words wrap instead of running off the edge.
    """

    def __init__(self) -> None:
        self.widget = w.HTML(value="", layout=w.Layout(width="100%"))
        self.text = ""
        self.ok = True

    def show(self, text: str, ok: bool) -> None:
        self.text, self.ok = text, ok
        bar = "var(--jp-success-color1, #2e7d32)" if ok else "var(--jp-error-color1, #c62828)"
        mark = "✔" if ok else "✘"
        body = html.escape(text, quote=False)
        self.widget.value = (
            f'<div class="kitops-result" style="color:var(--jp-ui-font-color1);white-space:pre-wrap;'
            f'overflow-wrap:anywhere;border-left:4px solid {bar};padding-left:6px">{mark} {body}</div>'
        )

    def clear(self) -> None:
        """Forget the previous outcome (a new operation started)."""
        self.text, self.ok = "", True
        self.widget.value = ""


class Runner:
    """Starts operations on threads; tracks them so tests (and :meth:`wait`) can join them."""

    def __init__(self, progress_box: w.VBox, result: ResultLine, log: w.Output) -> None:
        self.progress_box = progress_box
        self.result = result
        self.log = log
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._rows: list[ProgressRow] = []

    def start(
        self,
        verb: str,
        work: Callable[[ProgressRow], Any],
        done: Callable[[Any], str],
        button: w.Button | None = None,
    ) -> threading.Thread:
        """Run ``work(progress)`` on a thread; ``done(value)`` turns its value into the result line."""
        row = ProgressRow(verb)
        on_kernel_stop(self)  # the kernel's stop button cancels this too
        self.result.clear()  # a stale "Pull failed" must not stay under a running pull
        if button is not None:
            button.disabled = True
        self._add_row(row)
        thread = threading.Thread(
            target=self._run, args=(verb, work, done, row, button), name=f"kitops-panel-{verb}", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def _run(
        self,
        verb: str,
        work: Callable[[ProgressRow], Any],
        done: Callable[[Any], str],
        row: ProgressRow,
        button: w.Button | None,
    ) -> None:
        try:
            self.succeed(done(work(row)))
        except Cancelled:
            self.result.show(f"{verb} cancelled", ok=False)
            self.log.append_stderr(f"{verb} cancelled\n")
        except KitError as err:
            self.fail(verb, panel_words(str(err)))
        except Exception as err:  # a bug, not a user error: keep the traceback for the report
            self.log.append_stderr("".join(traceback.format_exception(err)))
            self.fail(verb, f"unexpected {type(err).__name__}: {err} (traceback in the log below)")
        finally:
            self._remove_row(row)
            if button is not None:
                button.disabled = False

    def succeed(self, text: str) -> None:
        self.result.show(text, ok=True)
        self.log.append_stdout(text + "\n")

    def fail(self, verb: str, message: str) -> None:
        text = f"{verb} failed: {message}"
        self.result.show(text, ok=False)
        self.log.append_stderr(text + "\n")

    def guard(self, verb: str, action: Callable[[], None]) -> None:
        """Run a quick callback on the calling thread, showing instead of losing any error."""
        try:
            action()
        except KitError as err:
            self.fail(verb, str(err))
        except Exception as err:
            self.log.append_stderr("".join(traceback.format_exception(err)))
            self.fail(verb, f"unexpected {type(err).__name__}: {err} (traceback in the log below)")

    def _add_row(self, row: ProgressRow) -> None:
        with self._lock:
            self._rows.append(row)
            self.progress_box.children = (*self.progress_box.children, row.widget)

    def _remove_row(self, row: ProgressRow) -> None:
        with self._lock:
            self._rows = [r for r in self._rows if r is not row]
            self.progress_box.children = tuple(c for c in self.progress_box.children if c is not row.widget)

    def cancel_all(self) -> None:
        """Cancel every running operation (the kernel's stop button calls this)."""
        with self._lock:
            rows = list(self._rows)
        for row in rows:
            row.cancel()

    @property
    def running(self) -> int:
        with self._lock:
            return sum(t.is_alive() for t in self._threads)

    def wait(self, timeout: float = 120.0) -> None:
        """Join every started operation (raises TimeoutError if one is still running after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                raise TimeoutError(f"panel operation {thread.name} still running after {timeout} s")
