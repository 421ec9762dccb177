"""One aggregate progress display per operation: a widget bar where widgets render, else plain text.

:func:`make_progress` returns a sink that core operations call as ``progress(done, total)`` (bytes,
from any thread) and that the caller closes with a summary line such as
``Pushed myorg/model:v1 sha256:0a1b2c3d… 12.3 MiB in 4.5 s``.

Choosing widgets (``style="auto"``), see :func:`widget_frontend`. Only a frontend that has a widget
manager renders a bar; elsewhere a widget prints ``HBox(children=…)`` or "Error displaying widget",
and under nbclient it bloats the saved notebook. The kernel cannot ask the frontend, so the rule is:

1. a CI environment variable (``CI``, ``GITHUB_ACTIONS``, …) → text;
2. not inside an ipykernel ``ZMQInteractiveShell`` (terminal IPython, plain Python) → text;
   a Qt console or Spyder (``QT_API``/``SPYDER*``, as tqdm checks) → text;
3. ipywidgets not installed → text;
4. ipywidgets' control comm is open → widget: JupyterLab's and Notebook 7's widget manager opens the
   ``jupyter.widget.control`` comm when it connects to the kernel, which proves one is listening;
5. a VS Code notebook (``__vsc_ipynb_file__`` in the namespace) → text;
6. ``JPY_SESSION_NAME`` set → widget: jupyter_server starts the kernel for a notebook session
   (JupyterLab, Notebook, their hosted variants); nbclient, nbconvert and papermill start kernels
   without it;
7. otherwise → text.

Text output never floods a log: on a terminal one line rewrites itself with ``\\r``; elsewhere
(kernel output, CI logs) it prints at most a start line, one line per quarter, and a line every
30 s while nothing else was printed.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, Protocol, TextIO

from ..api import format_size

__all__ = [
    "STYLES",
    "ProgressSink",
    "format_duration",
    "format_size",
    "format_summary",
    "make_progress",
    "widget_frontend",
]

STYLES = ("auto", "widget", "text", "none")
CI_VARIABLES = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "TF_BUILD",
    "JENKINS_URL",
    "CIRCLECI",
    "TEAMCITY_VERSION",
    "TRAVIS",
    "BITBUCKET_BUILD_NUMBER",
)
_HEARTBEAT_SECONDS = 30.0
Clock = Callable[[], float]


class ProgressSink(Protocol):
    """What :func:`make_progress` returns: a thread-safe ``(done, total)`` callback with ``close``."""

    def __call__(self, done: int, total: int) -> None: ...

    def close(self, summary: str = "", *, failed: bool = False) -> None: ...


# -- formatting --------------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """``4.5 s`` below a minute, ``2 min 05 s`` below an hour, else ``1 h 02 min``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def format_summary(verb: str, reference: str, digest: str, nbytes: int, seconds: float) -> str:
    """``Pushed <ref> sha256:abcd1234… 12.3 MiB in 4.5 s``."""
    short = digest[: len("sha256:") + 8] + "…" if digest.startswith("sha256:") else digest
    return f"{verb} {reference} {short} {format_size(nbytes)} in {format_duration(seconds)}"


# -- choosing a style --------------------------------------------------------------------------


def widget_frontend(
    environ: Mapping[str, str] | None = None, modules: Mapping[str, ModuleType] | None = None
) -> tuple[bool, str]:
    """Whether this kernel's frontend renders widgets, and why (the rule in the module doc)."""
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    ci = next((name for name in CI_VARIABLES if environ.get(name)), None)
    if ci is not None:
        return False, f"running in CI ({ci} is set)"
    shell = _kernel_shell(modules)
    if shell is None:
        return False, "not running in a Jupyter kernel"
    if any(key == "QT_API" or key.startswith("SPYDER") for key in environ):
        return False, "Qt console or Spyder"
    if "ipywidgets" not in modules and importlib.util.find_spec("ipywidgets") is None:
        return False, "ipywidgets is not installed"
    widget_module = modules.get("ipywidgets.widgets.widget")
    if widget_module is not None and getattr(widget_module.Widget, "_control_comm", None) is not None:
        return True, "a widget manager is connected to this kernel"
    if "__vsc_ipynb_file__" in getattr(shell, "user_ns", {}):
        return False, "VS Code notebook"
    if environ.get("JPY_SESSION_NAME"):
        return True, "kernel started by a Jupyter server for a notebook session"
    return False, "no notebook server session (nbclient, nbconvert, papermill or another frontend)"


def _kernel_shell(modules: Mapping[str, ModuleType]) -> Any:
    zmqshell = modules.get("ipykernel.zmqshell")
    ipython = modules.get("IPython")
    if zmqshell is None or ipython is None:
        return None
    shell = ipython.get_ipython()
    return shell if isinstance(shell, zmqshell.ZMQInteractiveShell) else None


def make_progress(
    description: str,
    style: str = "auto",
    *,
    stream: TextIO | None = None,
    min_interval: float = 0.1,
    clock: Clock = time.monotonic,
) -> ProgressSink:
    """A progress sink for one operation (``style``: ``auto``, ``widget``, ``text`` or ``none``)."""
    if style not in STYLES:
        from ..errors import InvalidArgument

        raise InvalidArgument(f"unknown progress style {style!r}; choose one of {', '.join(STYLES)}")
    out = sys.stdout if stream is None else stream
    if style == "none":
        return _NullSink()
    if style == "widget" or (style == "auto" and widget_frontend()[0]):
        try:
            return _WidgetSink(description, out, min_interval, clock)
        except ImportError:
            pass  # tqdm's "IProgress not found": ipywidgets missing, fall back to text
    return _TextSink(description, out, min_interval, clock)


# -- sinks ---------------------------------------------------------------------------------------


class _NullSink:
    def __call__(self, done: int, total: int) -> None:
        pass

    def close(self, summary: str = "", *, failed: bool = False) -> None:
        pass


class _Writer:
    """Writes to a stream; from worker threads, to the notebook cell that created the sink.

    ipykernel 7 keeps the output's parent message per thread; a worker thread would otherwise
    print under whatever cell ran last (ipywidgets#4020).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._parent = getattr(stream, "parent_header", None)
        self._owner = threading.get_ident()

    def write(self, text: str) -> None:
        set_parent = getattr(self.stream, "set_thread_parent", None)
        if set_parent is None or not self._parent or threading.get_ident() == self._owner:
            self._emit(text)
            return
        token = set_parent(self._parent)
        try:
            self._emit(text)
        finally:
            self.stream.reset_thread_parent(token)  # type: ignore[attr-defined]

    def _emit(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


class _Throttled:
    """Thread-safe, rate-limited forwarding of ``(done, total)`` to :meth:`_render`."""

    def __init__(self, min_interval: float, clock: Clock) -> None:
        self._lock = threading.Lock()
        self._min_interval = min_interval
        self._clock = clock
        self._last = -math.inf
        self._closed = False
        self.started: float | None = None
        self.done = 0
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        with self._lock:
            if self._closed:
                return
            if self.started is None:
                self.started = now
            self.done, self.total = max(done, 0), max(total, 0)
            finished = self.total > 0 and self.done >= self.total
            if finished or now - self._last >= self._min_interval:
                self._last = now
                self._render(now)

    def close(self, summary: str = "", *, failed: bool = False) -> None:
        """End the display with ``summary``; ``failed`` removes a widget bar (the error says it all)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._finish(summary, failed)

    def rate(self, now: float) -> float:
        elapsed = now - (self.started if self.started is not None else now)
        return self.done / elapsed if elapsed > 0 else 0.0

    def _render(self, now: float) -> None:
        raise NotImplementedError

    def _finish(self, summary: str, failed: bool) -> None:
        raise NotImplementedError


class _TextSink(_Throttled):
    """One rewriting line on a terminal; a few milestone lines anywhere else."""

    def __init__(self, description: str, stream: TextIO, min_interval: float, clock: Clock) -> None:
        super().__init__(min_interval, clock)
        self._description = description
        self._writer = _Writer(stream)
        isatty = getattr(stream, "isatty", None)
        self._tty = bool(isatty()) if callable(isatty) else False
        self._width = 0
        self._quarter = -1
        self._printed_at = -math.inf

    def _status(self, now: float) -> str:
        rate = self.rate(now)
        parts = [f"{self._description}:"]
        if self.total:
            pct = min(100, int(self.done * 100 / self.total))
            parts += [f"{pct:3d}%", f"{format_size(self.done)} of {format_size(self.total)}"]
        else:
            parts.append(format_size(self.done))
        if rate > 0:
            parts.append(f"{format_size(rate)}/s")
            if self.total > self.done:
                parts.append(f"ETA {format_duration((self.total - self.done) / rate)}")
        return " ".join(parts)

    def _render(self, now: float) -> None:
        if self._tty:
            line = self._status(now)
            self._writer.write("\r" + line.ljust(self._width))
            self._width = len(line)
            return
        quarter = min(4, self.done * 4 // self.total) if self.total else 0
        if quarter > self._quarter or now - self._printed_at >= _HEARTBEAT_SECONDS:
            self._quarter = max(quarter, self._quarter)
            self._printed_at = now
            self._writer.write(self._status(now) + "\n")

    def _finish(self, summary: str, failed: bool) -> None:
        if self._tty and self._width:
            self._writer.write("\r" + self._status(self._clock()).ljust(self._width) + "\n")
        if summary:
            self._writer.write(summary + "\n")


class _WidgetSink(_Throttled):
    """tqdm's notebook bar (ipywidgets): bytes, rate and ETA; green when done, red if cut short."""

    def __init__(self, description: str, stream: TextIO, min_interval: float, clock: Clock) -> None:
        super().__init__(min_interval, clock)
        # raises ImportError ("IProgress not found") without ipywidgets
        notebook_tqdm = importlib.import_module("tqdm.notebook").tqdm

        # Created (and displayed) here, on the calling thread, so the bar lands in this cell.
        self._bar = notebook_tqdm(
            total=None,
            desc=description,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            leave=True,
            file=stream,
        )
        self._writer = _Writer(stream)
        self._known_total: int | None = None

    def _render(self, now: float) -> None:
        if self.total and self.total != self._known_total:
            self._set_total(self.total)
        self._bar.update(self.done - self._bar.n)

    def _set_total(self, total: int) -> None:
        if self._known_total is None:
            self._bar.reset(total=total)  # leaves the 'unknown total' look, starts the clock
        else:
            self._bar.total = total  # the total grew mid-way: keep the rate history
            self._bar.container.children[1].max = total
        self._known_total = total

    def _finish(self, summary: str, failed: bool) -> None:
        self._render(self._clock())
        self._bar.close()
        if failed:  # no dead "0.00/? [00:16<?]" bar above the error: the error says what happened
            self._bar.container.close()
        if summary:
            self._writer.write(summary + "\n")
