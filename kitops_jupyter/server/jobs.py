"""Long operations (pack, push, pull, unpack) as background jobs that the browser polls.

``JobManager.submit`` runs ``work(progress)`` in a small thread pool and returns at once with the
job's snapshot; ``work`` reports ``(done, total)`` bytes through ``progress`` (the callback every
long ``api`` verb accepts) and returns a JSON-ready result. ``get`` answers the current snapshot:

    {"id", "kind", "target", "state": "running" | "succeeded" | "failed" | "cancelled",
     "done", "total", "amount", "result", "error", "started", "finished"}

``amount`` is ``done`` / ``total`` as kit prints sizes (``"1.5 KiB / 3.0 KiB"``, ``""`` until the total
is known).

``cancel`` marks a running job ``cancelled`` at once (the browser stops waiting) and makes its next
progress report raise, so transfers stop at the next chunk; whatever the work returns afterwards is
dropped. The api writes through temp names, so a stopped pack or pull leaves nothing half-written.

A ``KitError`` ends the job ``failed`` with the same ``error`` body the handlers answer
(:mod:`.errormap`); anything else is logged with its traceback and reported as a 500 body.
Finished jobs beyond ``keep`` are forgotten, oldest first. No Jupyter imports here.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from ..api import ProgressCallback, format_size
from ..errors import JobCancelled, KitError, NotFound
from .errormap import error_body

Work = Callable[[ProgressCallback], dict[str, Any]]

log = logging.getLogger("kitops_jupyter.server")


@dataclass
class Job:
    """One background operation; mutated only under the manager's lock."""

    id: str
    kind: str
    target: str
    state: str = "running"
    done: int = 0
    total: int = 0
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    started: float = 0.0
    finished: float | None = None


def _snapshot(job: Job) -> dict[str, Any]:
    amount = f"{format_size(job.done)} / {format_size(job.total)}" if job.total > 0 else ""
    return {**asdict(job), "amount": amount}


class JobManager:
    """An in-memory job table in front of a thread pool (one per server)."""

    def __init__(self, max_workers: int = 2, keep: int = 100) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="kitops-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep
        self._cancel: dict[str, threading.Event] = {}

    def submit(self, kind: str, target: str, work: Work) -> dict[str, Any]:
        """Start ``work`` in the background; returns the new job's snapshot."""
        job = Job(id=secrets.token_hex(8), kind=kind, target=target, started=time.time())
        with self._lock:
            self._jobs[job.id] = job
            self._cancel[job.id] = threading.Event()
            self._prune()
            snapshot = _snapshot(job)
        self._pool.submit(self._run, job, work)
        return snapshot

    def get(self, job_id: str) -> dict[str, Any]:
        """The job's current snapshot (raises ``NotFound`` for an unknown or forgotten id)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFound(f"no job {job_id!r} on this server (jobs are kept in memory until restart)")
            return _snapshot(job)

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Stop a running job (a finished one is answered unchanged); returns its snapshot."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFound(f"no job {job_id!r} on this server (jobs are kept in memory until restart)")
            if job.state == "running":
                self._cancel[job_id].set()
                job.state, job.finished = "cancelled", time.time()
            return _snapshot(job)

    def list(self) -> list[dict[str, Any]]:
        """Every known job, oldest first."""
        with self._lock:
            return [_snapshot(job) for job in self._jobs.values()]

    def wait(self, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll until the job is no longer running (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while (snapshot := self.get(job_id))["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.02)
        return snapshot

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job, work: Work) -> None:
        try:
            result = work(lambda done, total: self._progress(job, done, total))
        except KitError as exc:
            self._finish(job, "failed", error=error_body(exc))
        except Exception as exc:  # a bug: keep the server up, log it, tell the browser
            log.exception("kitops job %s (%s %s) crashed", job.id, job.kind, job.target)
            self._finish(job, "failed", error=error_body(exc))
        else:
            self._finish(job, "succeeded", result=result)

    def _progress(self, job: Job, done: int, total: int) -> None:
        with self._lock:
            event = self._cancel.get(job.id)
            if event is None or event.is_set():
                raise JobCancelled(f"{job.kind} {job.target} was cancelled")
            job.done, job.total = done, total

    def _finish(self, job: Job, state: str, **fields: Any) -> None:
        with self._lock:
            if job.state == "cancelled":  # the browser was told already; drop the late outcome
                return
            job.state, job.finished = state, time.time()
            for name, value in fields.items():
                setattr(job, name, value)
            if state == "succeeded" and job.total:
                job.done = job.total

    def _prune(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.state != "running"]
        for key in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[key]
            self._cancel.pop(key, None)
