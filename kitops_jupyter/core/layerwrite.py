"""Write one layer blob in a single pass: tar -> sha256 (diffId) -> compressor -> sha256 -> temp file.

Each source file is read once with ``readinto`` into a small pool of reused 1 MiB buffers (no
allocation churn, memory flat whatever the layer size). The stages run as a small pipeline so that
hashing, compressing and writing overlap on separate cores (``hashlib``, ISA-L and zstd release the
GIL):

    caller thread:   read files into pooled buffers (tar headers in between), sha256 -> diffId,
                     report progress
    compress thread: gzip / zstd                                   (skipped for ``none``)
    write thread:    sha256 -> digest (skipped for ``none``: digest == diffId), write temp file

The temp file ``.kitops_layer_<random>`` is created in ``out_dir`` (same filesystem as the blob
store, so the caller can rename it into place) and removed on any error.
"""

from __future__ import annotations

import hashlib
import io
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from ..errors import PackError
from .compression import Compressor, make_compressor
from .layerwalk import TarEntry
from .tarformat import END_OF_ARCHIVE, dir_header, file_header, pad

__all__ = ["CHUNK", "LayerBlob", "write_layer"]

CHUNK = 1 << 20
_POOL_SIZE = 6  # 1 MiB buffers shared by the stages: bounds the tar bytes in flight
_QUEUE_DEPTH = 4  # compressed chunks in flight to the writer

Progress = Callable[[int], None]


@dataclass(frozen=True)
class LayerBlob:
    """A finished layer in a temp file: ``digest`` of the blob, ``diff_id`` of the plain tar."""

    path: Path
    digest: str
    diff_id: str
    size: int
    media_type: str


def plain_tar_size(entries: Iterable[TarEntry]) -> int:
    """Size of the uncompressed tar :func:`write_layer` makes of ``entries`` (its blob size for
    ``none``), known before a byte is read: ``pack --push`` announces it, so the upload needs no
    chunked transfer encoding (whose framing copies every byte once more)."""
    total = len(END_OF_ARCHIVE)
    for entry in entries:
        if entry.is_dir:
            total += len(dir_header(entry.name, entry.mode))
        else:
            total += len(file_header(entry.name, entry.mode, entry.size)) + entry.size + len(pad(entry.size))
    return total


def write_layer(
    entries: Iterable[TarEntry],
    media_type: str,
    compression: str,
    out_dir: Path,
    progress: Progress | None = None,
    tee: Callable[[bytes | memoryview], None] | None = None,
) -> LayerBlob:
    """Tar ``entries`` (from :func:`walk_layer`) into a temp blob in ``out_dir`` and return its facts.

    ``progress(n)`` is called from this thread with the number of source-file bytes just read
    (pass ``ByteProgress.add``). ``tee(data)`` is called from the writer thread with every piece of
    the blob after it was written (``pack --push`` streams it on); ``data`` may be a view of a
    buffer reused afterwards, so copy what you keep. Raises :class:`PackError` if a file cannot be
    read or changes size while it is packed; the temp file is removed on any error.
    """
    compressor = make_compressor(compression)
    try:
        fd, name = tempfile.mkstemp(prefix=".kitops_layer_", dir=out_dir)
    except OSError as exc:
        raise PackError(
            f"cannot create a temporary layer file in {out_dir}: {exc.strerror}; check that it exists and is writable"
        ) from None
    tmp = Path(name)
    try:
        with open(fd, "wb") as out:
            diff_id, digest, size = _run_pipeline(entries, compressor, out, progress, tee)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PackError(
            f"cannot write the layer to {out_dir}: {exc.strerror}; free some disk space or use another location"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return LayerBlob(tmp, digest, diff_id, size, media_type)


def _run_pipeline(
    entries: Iterable[TarEntry],
    compressor: Compressor | None,
    out: BinaryIO,
    progress: Progress | None,
    tee: Callable[[bytes | memoryview], None] | None,
) -> tuple[str, str, int]:
    """Returns (diff_id, digest, blob size)."""
    pool = _Pool(_POOL_SIZE)
    tar_hash = hashlib.sha256()
    blob_hash = tar_hash if compressor is None else hashlib.sha256()
    written = 0

    def write(data: _Data) -> None:
        nonlocal written
        if compressor is not None:
            blob_hash.update(data)
        out.write(data)
        written += len(data)
        if tee is not None:
            tee(data)

    stages = [_Stage("kit-layer-write", pool, write)]
    if compressor is not None:
        stages.insert(0, _compress_stage(pool, compressor, stages[0]))
    for stage in stages:
        stage.start()
    try:
        tar = _TarStream(pool, stages[0].put, tar_hash, progress)
        for entry in entries:
            tar.add_entry(entry)
        tar.finish()
    except _StageFailed:
        pass
    finally:
        stages[0].close()
        for stage in stages:
            stage.join()
    for stage in stages:
        if stage.error is not None and not isinstance(stage.error, _StageFailed):
            raise stage.error
    out.flush()
    return "sha256:" + tar_hash.hexdigest(), "sha256:" + blob_hash.hexdigest(), written


def _compress_stage(pool: _Pool, compressor: Compressor, writer: _Stage) -> _Stage:
    def handle(data: _Data) -> None:
        compressed = compressor.compress(data)
        if compressed:
            writer.put(_Chunk(compressed, None))

    def finish() -> None:
        writer.put(_Chunk(compressor.flush(), None))

    return _Stage("kit-layer-compress", pool, handle, finish, downstream=writer)


_Data = bytes | memoryview


class _Chunk(NamedTuple):
    data: _Data
    buffer: bytearray | None  # pooled buffer behind ``data``, returned once ``data`` is consumed


class _Pool:
    """Reusable buffers: no allocation (and page-fault) churn, and a hard cap on memory."""

    def __init__(self, count: int) -> None:
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for _ in range(count):
            self._free.put(bytearray(CHUNK))

    def get(self) -> bytearray:
        return self._free.get()

    def release(self, chunk: _Chunk) -> None:
        if chunk.buffer is not None:
            self._free.put(chunk.buffer)


class _TarStream:
    """Builds the tar stream straight into pooled buffers; full buffers are hashed and handed on."""

    def __init__(
        self, pool: _Pool, send: Callable[[_Chunk], None], tar_hash: hashlib._Hash, progress: Progress | None
    ) -> None:
        self._pool, self._send, self._hash, self._progress = pool, send, tar_hash, progress
        self._buf = pool.get()
        self._fill = 0

    def add_entry(self, entry: TarEntry) -> None:
        if entry.is_dir:
            self._add(dir_header(entry.name, entry.mode))
            return
        self._add(file_header(entry.name, entry.mode, entry.size))
        try:
            with open(entry.path, "rb", buffering=0) as f:
                self._add_file(entry, f)
        except OSError as exc:
            raise PackError(
                f"cannot read {entry.path} for layer entry {entry.name}: {exc.strerror}; "
                "check that it exists and is readable"
            ) from None
        self._add(pad(entry.size))

    def finish(self) -> None:
        self._add(END_OF_ARCHIVE)
        self._flush()
        self._pool.release(_Chunk(b"", self._buf))

    def _add(self, data: bytes) -> None:
        while data:
            n = min(len(data), CHUNK - self._fill)
            self._buf[self._fill : self._fill + n] = data[:n]
            self._fill += n
            data = data[n:]
            if self._fill == CHUNK:
                self._flush()

    def _add_file(self, entry: TarEntry, f: io.FileIO) -> None:
        remaining = entry.size
        while remaining > 0:
            end = self._fill + min(CHUNK - self._fill, remaining)
            with memoryview(self._buf) as view:
                n = f.readinto(view[self._fill : end])
            if not n:
                raise _changed(entry, "shrank")
            remaining -= n
            self._fill += n
            if self._progress is not None:
                self._progress(n)
            if self._fill == CHUNK:
                self._flush()
        if f.read(1):
            raise _changed(entry, "grew")

    def _flush(self) -> None:
        if not self._fill:
            return
        view = memoryview(self._buf)[: self._fill]
        self._hash.update(view)
        self._send(_Chunk(view, self._buf))
        self._buf = self._pool.get()
        self._fill = 0


class _Stage(threading.Thread):
    """A thread applying ``handle`` to each queued chunk; ``finish`` runs after the last one.

    Every chunk's pooled buffer goes back to the pool once handled. After a failure the stage keeps
    draining (and releasing) so that producers never block; they see ``error`` on their next
    :meth:`put` and stop.
    """

    def __init__(
        self,
        name: str,
        pool: _Pool,
        handle: Callable[[_Data], None],
        finish: Callable[[], None] = lambda: None,
        downstream: _Stage | None = None,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._queue: queue.Queue[_Chunk | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
        self._pool = pool
        self._handle = handle
        self._finish = finish
        self._downstream = downstream
        self.error: BaseException | None = None

    def put(self, chunk: _Chunk) -> None:
        if self.error is not None:
            self._pool.release(chunk)
            raise _StageFailed
        self._queue.put(chunk)

    def close(self) -> None:
        self._queue.put(None)

    def run(self) -> None:
        try:
            while (chunk := self._queue.get()) is not None:
                try:
                    self._handle(chunk.data)
                finally:
                    self._pool.release(chunk)
            self._finish()
        except BaseException as exc:
            self.error = exc
            while (chunk := self._queue.get()) is not None:
                self._pool.release(chunk)
        finally:
            if self._downstream is not None:
                self._downstream.close()


class _StageFailed(Exception):
    """A downstream stage failed; its own error is the one to report."""


def _changed(entry: TarEntry, how: str) -> PackError:
    return PackError(
        f"{entry.path} {how} while it was being packed (expected {entry.size} bytes); "
        "wait until whatever writes it has finished, then pack again"
    )
