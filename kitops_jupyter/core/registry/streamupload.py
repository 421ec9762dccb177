"""``pack --push``: each layer streams to the registry while it is being packed.

A layer's digest is only known once it is fully written, so the blob goes up the way ``docker push``
streams layers: ``POST`` an upload session, one ``PATCH`` whose body is fed from a small bounded queue
as the packer writes, then ``PUT ?digest=`` once the digest is known. The registry checks that digest
against what it received. An uncompressed layer's size is known in advance (the packer computes it
from the file sizes), so its ``PATCH`` carries a ``Content-Length`` and the pieces go to the socket as
they are; a compressed one uses chunked transfer encoding, whose framing costs one more copy.

This is an optimisation only: the packer still writes every blob into the local store, and the push
that follows (``HEAD`` per blob) uploads whatever did not land here, the usual way with retries and
resume. So any failure here (a dropped connection, a registry that wants monolithic uploads, a
refused digest) only costs the upload being done again afterwards; it never fails the pack.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator

from ...errors import IntegrityError, RegistryError
from .client import RegistryClient, push_scope
from .uploads import location_of, range_end, upload_mode, with_digest

__all__ = ["LayerStream", "StreamingPush"]

log = logging.getLogger("kitops_jupyter.registry")
_QUEUE_DEPTH = 8  # pieces (<= 1 MiB each) between the packer and the socket: bounds memory
_OCTET = {"Content-Type": "application/octet-stream"}


class StreamingPush:
    """Opens one :class:`LayerStream` per layer for ``repository`` on ``client``'s registry."""

    def __init__(self, client: RegistryClient, repository: str, what: str) -> None:
        self.client, self.repository, self.what = client, repository, what
        # hosts that only take a single PUT of the whole blob cannot stream an unknown digest
        self.enabled = upload_mode(client.registry, 1, 0) == "chunked"
        self.sent: list[str] = []  # digests the registry accepted while packing

    def open(self, media_type: str, size: int | None = None) -> LayerStream:
        """A stream for one layer; ``size`` is the blob's exact size when the packer knows it."""
        stream = LayerStream(self, media_type, size)
        if self.enabled:
            stream.start()
        return stream


class LayerStream:
    """One blob streamed while it is written: :meth:`write` pieces, then :meth:`close` with the digest."""

    def __init__(self, push: StreamingPush, media_type: str, size: int | None = None) -> None:
        self._push = push
        self.media_type = media_type
        self.size = size
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
        self._thread: threading.Thread | None = None
        self._failed = threading.Event()
        self._ended = False  # the PATCH body saw the end of the blob
        self._fed = 0
        self._location = ""
        self._received = -1  # bytes the registry says it holds after the PATCH

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kit-pack-push", daemon=True)
        self._thread.start()

    def write(self, data: bytes | memoryview) -> None:
        """Queue a copy of ``data`` (the packer reuses its buffers); dropped once the stream failed."""
        if self._thread is None or self._failed.is_set():
            return
        self._queue.put(bytes(data))
        self._fed += len(data)

    def close(self, digest: str | None) -> bool:
        """End the body and, with a ``digest``, commit the blob. ``True`` if the registry has it now;
        ``digest=None`` abandons the upload (the pack failed)."""
        if self._thread is None:
            return False
        self._queue.put(None)
        self._thread.join()
        if self._failed.is_set() or digest is None or self._received != self._fed:
            self._cancel()
            return False
        try:
            self._commit(digest)
        except (RegistryError, OSError) as exc:
            log.info(
                "%s: streaming layer %s did not land (%s); it is uploaded after the pack",
                self._push.what,
                digest,
                exc,
            )
            return False
        self._push.sent.append(digest)
        return True

    # -- upload thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        push, client = self._push, self._push.client
        scope = push_scope(push.repository)
        try:
            url = client.url(push.repository, "blobs", "uploads") + "/"
            started = client.request("POST", url, scope=scope, what=push.what, ok=(202,), retry=False)
            started.close()
            location = self._location = location_of(client, started, push.what)
            body = self._body() if self.size is None else _SizedBody(self._body(), self.size)
            bodies = iter([body])  # one body only: a second attempt could not replay the bytes
            response = client.request(
                "PATCH",
                location,
                scope=scope,
                what=push.what,
                ok=(202,),
                headers=_OCTET,
                body=lambda: next(bodies),
                retry=False,
            )
            response.close()
            self._location = location_of(client, response, push.what)
            self._received = range_end(response, -1)
        except Exception as exc:  # anything here only means "upload it the usual way later"
            log.info("%s: streaming a layer failed (%s); it is uploaded after the pack", push.what, exc)
            self._failed.set()
        finally:
            self._drain()

    def _body(self) -> Iterator[bytes]:
        while (piece := self._queue.get()) is not None:
            yield piece
        self._ended = True

    def _drain(self) -> None:
        """Keep taking pieces until the end marker, so the packer never blocks on a dead upload."""
        if self._ended:
            return
        self._failed.set()
        while self._queue.get() is not None:
            pass
        self._ended = True

    def _commit(self, digest: str) -> None:
        push, client = self._push, self._push.client
        response = client.request(
            "PUT",
            with_digest(self._location, digest),
            scope=push_scope(push.repository),
            what=push.what,
            ok=(201, 204),
            headers=_OCTET,
            body=lambda: b"",
            retry=False,
        )
        response.close()
        answered = response.headers.get("Docker-Content-Digest")
        if answered and answered.startswith("sha256:") and answered != digest:
            raise IntegrityError(f"{push.what}: the registry stored the layer as {answered}, not {digest}")

    def _cancel(self) -> None:
        """Best effort: tell the registry to drop an upload session we will not finish."""
        if not self._location:
            return
        with contextlib.suppress(Exception):  # the registry purges abandoned sessions itself
            self._push.client.request(
                "DELETE",
                self._location,
                scope=push_scope(self._push.repository),
                what=self._push.what,
                ok=(204, 404),
                retry=False,
            ).close()


class _SizedBody:
    """The pieces of a layer whose size was announced: requests sends ``Content-Length`` (from
    ``len``) and the pieces unframed. A stream that ends short of the size or runs past it raises,
    which breaks the request, instead of leaving the registry waiting for bytes that never come."""

    def __init__(self, pieces: Iterator[bytes], size: int) -> None:
        self._pieces, self._size = pieces, size

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        for piece in self._pieces:
            sent += len(piece)
            if sent > self._size:
                break
            yield piece
        if sent != self._size:
            raise OSError(
                f"the layer was {sent} bytes, not the {self._size} announced; it is uploaded after the pack"
            )
