"""Blob download: streamed, hashed on the fly, resumable, and nothing kept unless the digest matches.

A layer streams into a file only this writer uses (normally ``storage/ingest/<hex>``, claimed across
processes by :func:`~..ingest.claim_ingest_file`, so an interrupted pull resumes even in a later run).
A retry, or a later pull, continues from the partial file's size with an HTTP ``Range`` request after
hashing the prefix already on disk; a registry that ignores ``Range`` simply sends the whole blob
again. When the size and sha256 match, the caller renames the file into the store; otherwise it is
emptied and :class:`IntegrityError` raised (after one fresh try if a partial file from an earlier run
may have been the culprit). The file is emptied rather than deleted so that the claim, a lock on it,
stays valid.

:class:`RemoteBlob` is the same stream as a file-like object for remote unpack: nothing is stored,
and a dropped connection continues transparently from the current offset.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import requests
import urllib3

from ...errors import IntegrityError, RegistryError
from ..digest import CHUNK
from ..manifest import Descriptor
from ..piecethread import PieceThread
from .client import RegistryClient, pull_scope
from .http_errors import connection_error
from .parallel import Meter
from .ranged import ranged_download
from .retry import Transient

_STREAM_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)
_IDENTITY = {"Accept-Encoding": "identity"}


def open_blob_response(
    client: RegistryClient, repository: str, digest: str, offset: int, what: str
) -> requests.Response:
    """One attempt at ``GET /blobs/<digest>`` from ``offset`` (200 or 206), streaming."""
    headers = dict(_IDENTITY)
    if offset:
        headers["Range"] = f"bytes={offset}-"
    url = client.url(repository, "blobs", digest)
    return client.request(
        "GET",
        url,
        scope=pull_scope(repository),
        what=what,
        ok=(200, 206),
        headers=headers,
        stream=True,
        retry=False,
    )


def iter_body(response: requests.Response) -> Iterator[bytes]:
    """The body in pieces of up to 1 MiB, handed over as soon as they arrive (``read1``), so a
    dropped connection loses nothing already received."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    if read1 is None:  # urllib3 < 2
        yield from response.iter_content(CHUNK)
        return
    while chunk := read1(CHUNK, decode_content=True):
        yield chunk


def served_from(response: requests.Response, offset: int) -> int:
    """Where the body of ``response`` starts: ``offset`` for a matching 206, else 0."""
    if response.status_code != 206 or not offset:
        return 0
    value = response.headers.get("Content-Range", "")
    try:
        start = int(value.split()[1].split("-")[0]) if value.startswith("bytes ") else -1
    except (IndexError, ValueError):
        start = -1
    if start != offset:
        response.close()
        raise RegistryError(f"registry answered a range request for offset {offset} with {value!r}")
    return offset


def download_blob(
    client: RegistryClient,
    repository: str,
    desc: Descriptor,
    path: Path,
    meter: Meter,
    what: str,
) -> Path:
    """Download ``desc`` into ``path``, a file this writer alone uses (resumed if it holds a prefix);
    returns the verified file (the caller moves it into the store)."""
    job = _Download(client, repository, desc, path, meter, what)
    if not job.had_partial and _ranged(client, repository, desc, path, meter, what):
        return path
    try:
        client.options.retry.run(job.attempt, what)
        job.verify()
    except IntegrityError:
        if not job.had_partial:
            raise
        job.restart()
        client.options.retry.run(job.attempt, what)
        job.verify()
    return job.path


def _ranged(
    client: RegistryClient, repository: str, desc: Descriptor, path: Path, meter: Meter, what: str
) -> bool:
    """Parallel range requests for a large blob (:mod:`.ranged`); False: stream it instead."""
    parts = client.options.ranges_for(client.registry, desc.size)
    if parts <= 1:
        return False
    return ranged_download(client, repository, desc, path, meter, what, parts, client.options.range_min_part)


class _Download:
    """State of one blob download across attempts: the partial file and the hash of its prefix."""

    def __init__(
        self, client: RegistryClient, repository: str, desc: Descriptor, path: Path, meter: Meter, what: str
    ) -> None:
        self.client, self.repository, self.desc, self.path, self.meter, self.what = (
            client,
            repository,
            desc,
            path,
            meter,
            what,
        )
        self.hasher: Any = hashlib.sha256()
        self.hashed = 0
        self.had_partial = path.exists() and path.stat().st_size > 0

    def restart(self) -> None:
        _empty(self.path)
        self.hasher, self.hashed, self.had_partial = hashlib.sha256(), 0, False

    def attempt(self) -> None:
        offset = self._prepare()
        if offset >= self.desc.size:
            return
        response = open_blob_response(self.client, self.repository, self.desc.digest, offset, self.what)
        with response:
            start = served_from(response, offset)
            if start != offset:
                self.hasher, self.hashed = hashlib.sha256(), 0
            self._stream(response, start)

    def _prepare(self) -> int:
        """Bring the hash up to the partial file's size and return that size (the resume offset)."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size > self.desc.size or size < self.hashed:
            _empty(self.path)
            self.hasher, self.hashed, size = hashlib.sha256(), 0, 0
        if size > self.hashed:
            with open(self.path, "rb") as f:
                f.seek(self.hashed)
                while chunk := f.read(CHUNK):
                    self.hasher.update(chunk)
            self.hashed = size
        self.meter.advance_to(size)
        return size

    def _stream(self, response: requests.Response, start: int) -> None:
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if start else os.O_TRUNC)
        fd = os.open(self.path, flags, 0o600)
        with os.fdopen(fd, "wb", buffering=0) as out:
            # reading the socket, writing the file and hashing run side by side (see PieceThread)
            writing = PieceThread(functools.partial(_write_all, out), "kit-download-write")
            hashing = PieceThread(self.hasher.update, "kit-download-sha256")
            try:
                for chunk in iter_body(response):
                    writing.put(chunk)
                    hashing.put(chunk)
                    self.hashed += len(chunk)
                    self.meter.advance_to(self.hashed)
                    if self.hashed > self.desc.size or writing.error is not None:
                        break
            except _STREAM_ERRORS as exc:
                raise Transient(
                    connection_error(exc, response.url, self.client.plain_http, self.what)
                ) from None
            finally:
                hashing.finish()
                writing.finish()  # a failed write (disk full) is raised here; what was handed over is on disk

    def verify(self) -> None:
        """Size and digest of the finished file; on mismatch the file is deleted."""
        actual = "sha256:" + self.hasher.hexdigest()
        if self.hashed == self.desc.size and actual == self.desc.digest:
            return
        _empty(self.path)
        if self.hashed != self.desc.size:
            detail = f"expected {self.desc.size} bytes but received {self.hashed}"
        else:
            detail = f"content digest {actual} does not match"
        raise IntegrityError(
            f"{self.what}: blob {self.desc.digest} from {self.client.registry}: {detail}; the registry "
            "holds corrupt or truncated data, nothing was kept"
        )


def _write_all(out: BinaryIO, piece: bytes) -> None:
    """``write`` on an unbuffered file may take only part of a piece; write the rest too."""
    view = memoryview(piece)
    while view:
        view = view[out.write(view) :]


def _empty(path: Path) -> None:
    """Truncate (not delete: the writer's claim is a lock on this very file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)


def fetch_blob_bytes(
    client: RegistryClient, repository: str, desc: Descriptor, what: str, limit: int = 64 << 20
) -> bytes:
    """A small blob (config) in memory, digest-verified."""
    if desc.size > limit:
        raise RegistryError(
            f"{what}: blob {desc.digest} is {desc.size} bytes, more than the {limit} allowed here"
        )
    with RemoteBlob(client, repository, desc, what) as blob:
        data = blob.read(desc.size + 1)
    if len(data) != desc.size or "sha256:" + hashlib.sha256(data).hexdigest() != desc.digest:
        raise IntegrityError(f"{what}: blob {desc.digest} from {client.registry} does not match its digest")
    return data


class RemoteBlob:
    """A read-only stream of a remote blob that resumes with ``Range`` after a dropped connection."""

    def __init__(self, client: RegistryClient, repository: str, desc: Descriptor, what: str) -> None:
        self.client, self.repository, self.desc, self.what = client, repository, desc, what
        self.position = 0
        self._response: requests.Response | None = None

    def __enter__(self) -> BinaryIO:
        return self  # type: ignore[return-value]

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (all remaining for ``n < 0``); short only at the end of the blob."""
        want = self.desc.size - self.position if n < 0 else n
        parts: list[bytes] = []
        while want > 0 and self.position < self.desc.size:
            data = self.client.options.retry.run(functools.partial(self._read_some, want), self.what)
            if not data:
                break
            parts.append(data)
            self.position += len(data)
            want -= len(data)
        return b"".join(parts)

    def _read_some(self, n: int) -> bytes:
        url = self.client.url(self.repository, "blobs", self.desc.digest)
        try:
            response = self._open()
            data: bytes = response.raw.read(min(n, CHUNK), decode_content=True)
        except _STREAM_ERRORS as exc:
            self.close()
            raise Transient(connection_error(exc, url, self.client.plain_http, self.what)) from None
        if not data:
            self.close()
            if self.position < self.desc.size:
                raise Transient(
                    RegistryError(f"{self.what}: the blob stream ended early at byte {self.position}")
                )
        return data

    def _open(self) -> requests.Response:
        if self._response is None:
            response = open_blob_response(
                self.client, self.repository, self.desc.digest, self.position, self.what
            )
            self._response = response
            skip = self.position - served_from(response, self.position)  # the registry may ignore Range
            while skip > 0:
                dropped = response.raw.read(min(skip, CHUNK), decode_content=True)
                if not dropped:
                    raise OSError("the blob stream ended early while resuming")
                skip -= len(dropped)
        return self._response

    def readable(self) -> bool:
        return True
