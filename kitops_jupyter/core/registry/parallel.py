"""Several blobs in flight at once, one aggregate progress, and a fast stop when one blob fails."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from ..progress import ByteProgress

T = TypeVar("T")


class Cancelled(Exception):
    """Internal: another blob of the same operation failed, so this one stops early."""


class Meter:
    """Per-blob progress that only moves forward (re-sent bytes are not counted twice) and that
    stops the transfer when the operation was cancelled."""

    def __init__(self, progress: ByteProgress | None, cancel: threading.Event | None = None) -> None:
        self._progress = progress
        self._cancel = cancel
        self.reported = 0

    def advance_to(self, position: int) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled()
        if position > self.reported:
            if self._progress is not None:
                self._progress.add(position - self.reported)
            self.reported = position


def run_parallel(tasks: Sequence[Callable[[threading.Event], T]], concurrency: int) -> list[T]:
    """Run ``tasks`` on up to ``concurrency`` threads; each gets the shared cancel event.

    Results come back in task order. On the first failure the others are cancelled (queued ones
    never start, running ones stop at their next chunk) and that first error is raised.
    """
    cancel = threading.Event()
    if len(tasks) <= 1 or concurrency <= 1:
        return [task(cancel) for task in tasks]
    with ThreadPoolExecutor(
        max_workers=min(concurrency, len(tasks)), thread_name_prefix="kit-transfer"
    ) as pool:
        futures: list[Future[T]] = [pool.submit(task, cancel) for task in tasks]
        try:
            done = _wait_interruptibly(futures)
        except BaseException:  # KeyboardInterrupt (the kernel's stop button): stop every transfer now
            cancel.set()
            for future in futures:
                future.cancel()
            raise
        failed = next((f for f in futures if f in done and f.exception() is not None), None)
        if failed is not None:
            cancel.set()
            for future in futures:
                future.cancel()
            wait(futures)
            error = failed.exception()
            assert error is not None
            raise error
    return [f.result() for f in futures]


def _wait_interruptibly(futures: list[Future[T]]) -> set[Future[T]]:
    """``wait(FIRST_EXCEPTION)`` in short slices: a blocked main thread would only see Ctrl-C or the
    kernel's stop button once the transfers ended, so it wakes up to let KeyboardInterrupt through."""
    while True:
        done, pending = wait(futures, timeout=0.2, return_when=FIRST_EXCEPTION)
        if not pending or any(f.exception() is not None for f in done):
            return done
