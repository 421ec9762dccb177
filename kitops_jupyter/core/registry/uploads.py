"""Blob upload, streamed from the file (never read into memory), following kit's rules (docs/format.md §7).

``HEAD`` first and skip a blob the registry already has; then ``POST`` an upload session and either
one streamed ``PUT ?digest=`` (blobs below ``monolithic_limit``, and always for hosts that reject or
mishandle chunked uploads) or ``PATCH`` chunks of ``chunk_size`` with ``Content-Range``, following
each new ``Location``, closed by an empty ``PUT ?digest=``. A failed chunk resumes from the offset
the registry reports; if it cannot say, or a monolithic ``PUT`` fails, the session is restarted.
Every attempt builds a fresh body from the file, so retried requests are always rewound.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests

from ...errors import IntegrityError, RegistryError
from ..digest import CHUNK
from .client import BodyFactory, RegistryClient, push_scope
from .parallel import Meter
from .retry import Transient

# Hosts that need a single PUT (docs/format.md §7): no chunked uploads, small PATCH limits, or 201
# after the first chunk.
_MONOLITHIC_HOST = re.compile(r"(^ghcr\.io$|\.pkg\.dev$|gcr\.io$|\.amazonaws\.com(\.cn)?$)")
_OCTET = {"Content-Type": "application/octet-stream"}
_LOST_SESSION = frozenset({400, 404, 416})  # answers to a PATCH on a session the registry gave up


def upload_mode(registry: str, size: int, monolithic_limit: int) -> str:
    """``"monolithic"`` or ``"chunked"`` for a blob of ``size`` bytes pushed to ``registry``."""
    host = urlsplit(f"//{registry}").hostname or registry
    if size < monolithic_limit or _MONOLITHIC_HOST.search(host):
        return "monolithic"
    return "chunked"


class FileWindow:
    """Bytes ``[start, end)`` of a file as a sized iterable request body, read 1 MiB at a time."""

    def __init__(self, path: Path, start: int, end: int, meter: Meter) -> None:
        self.path, self.start, self.end, self.meter = path, start, end, meter

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[bytes]:
        with open(self.path, "rb") as f:
            f.seek(self.start)
            position = self.start
            while position < self.end:
                data = f.read(min(CHUNK, self.end - position))
                if not data:
                    raise IntegrityError(f"{self.path} shrank while it was being uploaded; pack it again")
                yield data
                position += len(data)
                self.meter.advance_to(position)


@dataclass
class _Session:
    location: str
    offset: int = 0


def upload_blob(
    client: RegistryClient,
    repository: str,
    digest: str,
    size: int,
    path: Path,
    meter: Meter,
    what: str,
    session: str | None = None,
) -> bool:
    """Upload ``path`` as blob ``digest`` unless the registry has it; ``True`` if bytes were sent.

    ``session`` is the Location of an upload session already open (one a refused mount started).
    """
    if client.blob_exists(repository, digest, what):
        meter.advance_to(size)
        return False
    job = _Job(client, repository, digest, size, path, meter, what, session)
    client.options.retry.run(job.attempt, what)
    meter.advance_to(size)
    return True


@dataclass
class _Job:
    client: RegistryClient
    repository: str
    digest: str
    size: int
    path: Path
    meter: Meter
    what: str
    opened: str | None = None  # an open session to use first
    attempts: int = 0

    def attempt(self) -> None:
        """One upload session from POST to the final PUT (a retry first checks it did not land)."""
        self.attempts += 1
        if self.attempts > 1 and self.client.blob_exists(self.repository, self.digest, self.what):
            return
        session = _Session(self.opened) if self.opened else self._start()
        self.opened = None
        mode = upload_mode(self.client.registry, self.size, self.client.options.monolithic_limit)
        if mode == "monolithic" or self.size == 0:
            size, path, meter = self.size, self.path, self.meter
            self._finish(session, (lambda: FileWindow(path, 0, size, meter)) if size else (lambda: b""))
            return
        self._chunks(session)
        self._finish(session, lambda: b"")

    def _start(self) -> _Session:
        url = self.client.url(self.repository, "blobs", "uploads") + "/"
        response = self.client.request(
            "POST", url, scope=push_scope(self.repository), what=self.what, ok=(202,), retry=False
        )
        response.close()
        return _Session(_location(self.client, response, self.what))

    def _chunks(self, session: _Session) -> None:
        """PATCH every chunk; a failed chunk resumes where the registry says, else the session restarts."""
        policy = self.client.options.retry
        failures = 0
        while session.offset < self.size:
            end = min(session.offset + self.client.options.chunk_size, self.size)
            try:
                self._patch(session, end)
            except RegistryError as exc:
                if not failures or exc.status not in _LOST_SESSION:
                    raise
                # the registry lost track of the resumed session (its reported offset was stale)
                raise Transient(
                    RegistryError(f"{self.what}: the upload session was lost; starting it again")
                ) from None
            except Transient as exc:
                failures += 1
                if failures >= policy.attempts or not self._resync(session):
                    raise
                time.sleep(policy.delay(failures, exc.retry_after))

    def _patch(self, session: _Session, end: int) -> None:
        start, path, meter = session.offset, self.path, self.meter
        response = self.client.request(
            "PATCH",
            session.location,
            scope=push_scope(self.repository),
            what=self.what,
            ok=(202,),
            headers={**_OCTET, "Content-Range": f"{start}-{end - 1}"},
            body=lambda: FileWindow(path, start, end, meter),
            retry=False,
        )
        response.close()
        session.location = _location(self.client, response, self.what)
        session.offset = _range_end(response, end)

    def _resync(self, session: _Session) -> bool:
        """Ask the registry how much of the session it holds; ``False`` if it cannot say."""
        try:
            response = self.client.request(
                "GET",
                session.location,
                scope=push_scope(self.repository),
                what=self.what,
                ok=(204,),
                retry=False,
            )
        except (Transient, RegistryError):
            return False
        response.close()
        session.location = _location(self.client, response, self.what)
        session.offset = _range_end(response, 0)
        return True

    def _finish(self, session: _Session, body: BodyFactory) -> None:
        response = self.client.request(
            "PUT",
            _with_digest(session.location, self.digest),
            scope=push_scope(self.repository),
            what=self.what,
            ok=(201, 204),
            headers=_OCTET,
            body=body,
            retry=False,
        )
        response.close()
        answered = response.headers.get("Docker-Content-Digest")
        if answered and answered.startswith("sha256:") and answered != self.digest:
            raise IntegrityError(
                f"{self.what}: the registry stored the blob as {answered}, not {self.digest}"
            )


def _location(client: RegistryClient, response: requests.Response, what: str) -> str:
    location = response.headers.get("Location")
    if not location:
        raise RegistryError(
            f"{what}: {client.registry} answered {response.status_code} without a Location header"
        )
    return client.absolute(response, location)


def _range_end(response: requests.Response, expected: int) -> int:
    """The offset after the bytes the registry holds (``Range: 0-<last>``), or ``expected``."""
    value = response.headers.get("Range", "")
    match = re.fullmatch(r"(?:bytes=)?0-(\d+)", value.strip())
    return int(match.group(1)) + 1 if match else expected


def _with_digest(url: str, digest: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode({'digest': digest})}" if parts.query else urlencode({"digest": digest})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# the session helpers, shared with :mod:`.streamupload` (``pack --push``)
location_of = _location
range_end = _range_end
with_digest = _with_digest
