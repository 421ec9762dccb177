"""PieceThread: a pipeline stage on its own thread (a download's file writer and hasher)."""

from __future__ import annotations

import hashlib

import pytest

from kitops_jupyter.core.piecethread import PieceThread


def test_pieces_are_handled_in_order() -> None:
    seen: list[bytes] = []
    stage = PieceThread(seen.append, "test-stage", depth=2)
    pieces = [bytes([i]) * 1000 for i in range(50)]
    for piece in pieces:
        stage.put(piece)
    stage.finish()
    assert seen == pieces


def test_a_failing_handler_is_raised_by_finish_and_never_blocks_the_producer() -> None:
    hasher = hashlib.sha256()

    def handle(piece: bytes) -> None:
        if piece == b"bad":
            raise OSError(28, "No space left on device")
        hasher.update(piece)

    stage = PieceThread(handle, "test-stage", depth=1)
    for piece in [b"a", b"bad", *[b"later"] * 20]:  # more than the queue holds: put must not hang
        stage.put(piece)
    with pytest.raises(OSError, match="No space left"):
        stage.finish()
    assert hasher.digest() == hashlib.sha256(b"a").digest()  # nothing after the failure was handled
