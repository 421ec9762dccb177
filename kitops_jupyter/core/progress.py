"""Progress reporting without UI: one aggregate byte counter per operation.

Core code calls :meth:`ByteProgress.add` from any thread; the callback receives ``(done, total)`` in
bytes for the whole operation. Magics and panel turn that into one bar for the
whole operation, not one per layer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]


class ByteProgress:
    """Thread-safe running total forwarded to an optional ``(done, total)`` callback."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total = total
        self.done = 0
        self._callback = callback
        self._lock = threading.Lock()

    def add(self, nbytes: int) -> None:
        if nbytes <= 0 or self._callback is None:
            with self._lock:
                self.done += max(nbytes, 0)
            return
        with self._lock:
            self.done += nbytes
            done = self.done
        self._callback(done, self.total)

    def grow(self, nbytes: int) -> None:
        """Raise the total when more work is discovered (e.g. a blob size learnt late)."""
        with self._lock:
            self.total += nbytes
