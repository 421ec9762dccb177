"""A stage of a streaming pipeline on a thread of its own: pieces in through a bounded queue.

A download hands every received piece to two of them, one writing the file and one hashing, so the
socket reads, the file writes and sha256 run side by side instead of one after another (each
releases the GIL for large pieces). The queue is bounded, so memory stays flat whatever the size.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

__all__ = ["PieceThread"]


class PieceThread:
    """Calls ``handle(piece)`` for each piece given to :meth:`put`, in order, on its own thread.

    Pieces must not change after :meth:`put` (pass ``bytes``). After ``handle`` raised, later pieces
    are dropped and :attr:`error` holds the exception; :meth:`finish` waits for the last piece and
    raises it.
    """

    def __init__(self, handle: Callable[[bytes], object], name: str, depth: int = 8) -> None:
        self.error: BaseException | None = None
        self._handle = handle
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, piece: bytes) -> None:
        self._queue.put(piece)

    def finish(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (piece := self._queue.get()) is not None:
            if self.error is None:
                try:
                    self._handle(piece)
                except BaseException as exc:  # handed to the caller by finish()
                    self.error = exc
