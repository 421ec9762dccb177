"""Parallel ranged download of one large blob: several HTTP ``Range`` requests at once.

Registries that serve blobs from object storage (or through a CDN) cap each connection's speed, so
one stream of a multi-GB layer is slow however fast the link is. Here the blob is split into
``parts`` byte ranges fetched on their own connections, each written at its offset in the same
file. The calling thread hashes the file in order as the contiguous prefix grows (reading back what
the parts wrote, from the page cache), so the digest is known the moment the last byte lands and
memory stays at about one 1 MiB buffer per connection whatever the blob size.

- The first range is asked for alone; if the registry answers ``200`` (it ignores ``Range``) the
  caller falls back to one plain stream.
- Each part retries on its own (from where it stopped) under the client's retry policy.
- On a final failure the file is cut back to the hashed contiguous prefix, which the single-stream
  download resumes from later, as after an interrupted stream. On a digest mismatch it is emptied.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections.abc import Callable
from pathlib import Path

import requests
import urllib3

from ...errors import IntegrityError, RegistryError
from ..digest import CHUNK
from ..manifest import Descriptor
from .client import RegistryClient, pull_scope
from .http_errors import connection_error
from .parallel import Meter
from .retry import Transient

__all__ = ["range_plan", "ranged_download"]

_STREAM_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


def range_plan(size: int, parts: int, min_part: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges covering ``size`` bytes: at most ``parts``, none shorter than
    ``min_part`` (except when the blob itself is), aligned to 1 MiB where that is possible."""
    count = max(1, min(parts, size // max(1, min_part)))
    step = -(-size // count)
    if step > CHUNK:
        step = -(-step // CHUNK) * CHUNK
    bounds = [*range(0, size, step), size]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


class _Part:
    def __init__(self, start: int, end: int) -> None:
        self.start, self.end, self.done = start, end, start  # bytes [start, done) are on disk


class _Ranged:
    def __init__(
        self,
        client: RegistryClient,
        repository: str,
        desc: Descriptor,
        fd: int,
        meter: Meter,
        what: str,
        plan: list[tuple[int, int]],
    ) -> None:
        self.client, self.repository, self.desc, self.fd, self.meter, self.what = (
            client,
            repository,
            desc,
            fd,
            meter,
            what,
        )
        self.parts = [_Part(a, b) for a, b in plan]
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.hashed = 0
        self.url = client.url(repository, "blobs", desc.digest)

    # -- one connection per part ----------------------------------------------------------------

    def open(self, start: int, end: int) -> requests.Response:
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={start}-{end - 1}"}
        return self.client.request(
            "GET",
            self.url,
            scope=pull_scope(self.repository),
            what=self.what,
            ok=(200, 206),
            headers=headers,
            stream=True,
            retry=False,
        )

    def fetch(self, part: _Part, first: requests.Response | None) -> None:
        """Fill ``part``, retrying (from where it stopped) under the client's policy."""
        pending = [first] if first is not None else []

        def attempt() -> None:
            if part.done >= part.end or self.stop.is_set():
                return
            response = pending.pop() if pending else self.open(part.done, part.end)
            with response:
                self._check_range(response, part)
                self._copy(response, part)

        try:
            self.client.options.retry.run(attempt, self.what)
        except BaseException as exc:
            with self.cond:
                if self.error is None:
                    self.error = exc
                self.stop.set()
                self.cond.notify_all()

    def _check_range(self, response: requests.Response, part: _Part) -> None:
        value = response.headers.get("Content-Range", "")
        expected = f"bytes {part.done}-{part.end - 1}/"
        if response.status_code != 206 or not value.startswith(expected):
            raise RegistryError(
                f"{self.what}: the registry answered the range request {part.done}-{part.end - 1} with "
                f"HTTP {response.status_code} {value!r}"
            )

    def _copy(self, response: requests.Response, part: _Part) -> None:
        try:
            raw = response.raw
            while not self.stop.is_set():
                chunk = raw.read(min(CHUNK, part.end - part.done), decode_content=True)
                if not chunk:
                    break
                piece = memoryview(chunk)[: part.end - part.done]
                while piece:
                    written = os.pwrite(self.fd, piece, part.done)
                    piece = piece[written:]
                    with self.cond:
                        part.done += written
                        self.cond.notify_all()
                if part.done >= part.end:
                    return
            if self.stop.is_set():
                return
        except _STREAM_ERRORS as exc:
            raise Transient(connection_error(exc, self.url, self.client.plain_http, self.what)) from None
        raise Transient(RegistryError(f"{self.what}: a range stream ended early at byte {part.done}"))

    # -- the hashing thread (the caller) -----------------------------------------------------------

    def hash_in_order(self, hasher: hashlib._Hash) -> None:
        """Hash the file as its contiguous prefix grows; raises the first part's final error."""
        buffer = bytearray(CHUNK)
        size = self.desc.size
        while self.hashed < size:
            ready = self._wait_ready()
            with memoryview(buffer) as view:
                n = os.preadv(self.fd, [view[: min(CHUNK, ready - self.hashed)]], self.hashed)
                if n <= 0:
                    raise IntegrityError(f"{self.what}: the download file shrank while it was written")
                hasher.update(view[:n])
            self.hashed += n

    def _wait_ready(self) -> int:
        """Block until bytes past ``hashed`` are on disk; the end of the contiguous prefix."""
        with self.cond:
            while True:
                ready = self._contiguous()
                if ready > self.hashed:  # hash what is there first: a failure keeps that prefix
                    break
                if self.error is not None:
                    raise self.error
                self.cond.wait(0.2)
                self.meter.advance_to(self._received())  # also raises when the operation is cancelled
        self.meter.advance_to(self._received())
        return ready

    def _contiguous(self) -> int:
        for part in self.parts:
            if part.done < part.end:
                return part.done
        return self.desc.size

    def _received(self) -> int:
        return sum(part.done - part.start for part in self.parts)


def ranged_download(
    client: RegistryClient,
    repository: str,
    desc: Descriptor,
    path: Path,
    meter: Meter,
    what: str,
    parts: int,
    min_part: int,
) -> bool:
    """Download ``desc`` into ``path`` (empty or absent) with parallel range requests and verify it.

    Returns ``False``, with nothing written, when the registry does not honour ``Range`` (the caller
    then streams it). Raises :class:`IntegrityError` (file emptied) if the digest does not match, or
    the transfer's final error (file cut back to its verified-in-order prefix, to resume from).
    """
    plan = range_plan(desc.size, parts, min_part)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        job = _Ranged(client, repository, desc, fd, meter, what, plan)
        first = client.options.retry.run(lambda: job.open(*plan[0]), what)
        if first.status_code != 206:
            first.close()
            return False
        hasher = hashlib.sha256()
        threads = [_start(job.fetch, job.parts[0], first)]
        threads += [_start(job.fetch, part, None) for part in job.parts[1:]]
        try:
            job.hash_in_order(hasher)
        except BaseException:
            job.stop.set()
            for thread in threads:
                thread.join()
            os.ftruncate(fd, job.hashed)  # keep only the in-order prefix: a later pull resumes there
            raise
        for thread in threads:
            thread.join()
        actual = "sha256:" + hasher.hexdigest()
        if actual != desc.digest:
            os.ftruncate(fd, 0)
            raise IntegrityError(
                f"{what}: blob {desc.digest} from {client.registry}: content digest {actual} does not match; "
                "the registry holds corrupt data or a range answer was wrong, nothing was kept"
            )
        return True
    finally:
        os.close(fd)


def _start(target: Callable[..., None], *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name="kit-range", daemon=True)
    thread.start()
    return thread
