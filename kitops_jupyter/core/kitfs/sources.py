"""Random-access byte sources for one layer blob: a local file, or a registry blob read by HTTP Range.

A remote read goes through the shared :class:`~..registry.RegistryClient` (auth, TLS, retries,
redaction). Ranged reads cannot check the blob's digest: only a whole-blob read can (see
``docs/kit-filesystem.md``).
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Protocol

import requests
import urllib3

from ...errors import RegistryError
from ..manifest import Descriptor
from ..registry.client import RegistryClient, pull_scope
from ..registry.http_errors import connection_error
from ..registry.retry import Transient

_STREAM_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


class ByteSource(Protocol):
    """The bytes of one blob, readable at any offset."""

    size: int

    def read_at(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset`` (short only at the end of the blob)."""
        ...


class FileSource:
    """A blob on local disk (the store, or the cache); safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size

    def read_at(self, offset: int, length: int) -> bytes:
        length = max(0, min(length, self.size - offset))
        if not length:
            return b""
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            parts, done = [], 0
            while done < length:
                chunk = os.pread(fd, length - done, offset + done)
                if not chunk:
                    break
                parts.append(chunk)
                done += len(chunk)
            return b"".join(parts)
        finally:
            os.close(fd)


class RemoteSource:
    """A registry blob read with ``Range`` requests; a dropped connection is retried."""

    def __init__(self, client: RegistryClient, repository: str, desc: Descriptor, what: str) -> None:
        self.client, self.repository, self.desc, self.what = client, repository, desc, what
        self.size = desc.size
        self.requests = 0  # ranged requests made (for tests and benchmarks)
        self._lock = threading.Lock()

    def read_at(self, offset: int, length: int) -> bytes:
        length = max(0, min(length, self.size - offset))
        if not length:
            return b""
        with self._lock:
            self.requests += 1
        fetch = functools.partial(self._attempt, offset, length)
        data: bytes = self.client.options.retry.run(fetch, self.what)
        return data

    def _attempt(self, offset: int, length: int) -> bytes:
        url = self.client.url(self.repository, "blobs", self.desc.digest)
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={offset}-{offset + length - 1}"}
        response = self.client.request(
            "GET",
            url,
            scope=pull_scope(self.repository),
            what=self.what,
            ok=(200, 206),
            headers=headers,
            stream=True,
            retry=False,
        )
        with response:
            try:
                if response.status_code == 200:  # the registry ignored Range: skip up to the offset
                    return _slice_of_full_body(response, offset, length)
                self._check_range(response, offset)
                data: bytes = response.raw.read(length, decode_content=True)
            except _STREAM_ERRORS as exc:
                raise Transient(connection_error(exc, url, self.client.plain_http, self.what)) from None
        if len(data) != length:
            raise Transient(RegistryError(f"{self.what}: a ranged read ended early at {offset + len(data)}"))
        return data

    def _check_range(self, response: requests.Response, offset: int) -> None:
        value = response.headers.get("Content-Range", "")
        if not value.startswith(f"bytes {offset}-"):
            raise RegistryError(
                f"{self.what}: the registry answered a range request at {offset} with {value!r}; "
                "it does not serve byte ranges correctly, read with verify=True to fetch whole layers"
            )


def _slice_of_full_body(response: requests.Response, offset: int, length: int) -> bytes:
    skip = offset
    while skip > 0:
        dropped = response.raw.read(min(skip, 1 << 20), decode_content=True)
        if not dropped:
            return b""
        skip -= len(dropped)
    data: bytes = response.raw.read(length, decode_content=True)
    return data


class WindowStream:
    """A forward-only stream over a source for the tar reader: headers are fetched in small windows
    that grow while reading is sequential, and file data is skipped without being fetched."""

    MIN_WINDOW = 16 << 10
    MAX_WINDOW = 1 << 20

    def __init__(self, source: ByteSource) -> None:
        self.source = source
        self.position = 0
        self._buffer = b""
        self._buffer_start = 0
        self._window = self.MIN_WINDOW

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = self.source.size - self.position
        offset = self.position - self._buffer_start
        if not 0 <= offset < len(self._buffer):
            self._fill()
            offset = 0
        data = self._buffer[offset : offset + n]
        self.position += len(data)
        return data

    def _fill(self) -> None:
        sequential = self.position == self._buffer_start + len(self._buffer) and self._buffer
        self._window = min(self._window * 2, self.MAX_WINDOW) if sequential else self.MIN_WINDOW
        self._buffer = self.source.read_at(self.position, self._window)
        self._buffer_start = self.position

    def skip(self, n: int) -> bool:
        """Advance ``n`` bytes without reading them; False if that passes the end of the blob."""
        if self.position + n > self.source.size:
            return False
        self.position += n
        return True
