"""sha256 digests in OCI form (``sha256:<64 hex>``) and streaming helpers that hash as they copy."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import BinaryIO

from ..errors import IntegrityError, InvalidArgument

CHUNK = 1 << 20  # 1 MiB: large enough for throughput, small enough to keep memory flat
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def is_digest(text: str) -> bool:
    """True for a well-formed ``sha256:<hex>`` digest (the only algorithm kit writes)."""
    return bool(_DIGEST.match(text))


def check_digest(text: str) -> str:
    """Return ``text`` if it is a valid sha256 digest, else raise InvalidArgument naming it."""
    if not is_digest(text):
        raise InvalidArgument(
            f"{text!r} is not a sha256 digest; expected 'sha256:' followed by 64 hex digits"
        )
    return text


def hex_of(digest: str) -> str:
    """The hex part of ``sha256:<hex>`` (the blob's file name in an OCI layout)."""
    return check_digest(digest).split(":", 1)[1]


def digest_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def digest_file(path: Path) -> tuple[str, int]:
    """Digest and size of a file, read once in fixed-size chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return "sha256:" + h.hexdigest(), size


class VerifyingReader:
    """Wraps a binary stream, hashing what is read; :meth:`verify` checks digest and size at the end.

    Used wherever untrusted bytes flow in (pull, unpack) so that a mismatch is detected without a
    second pass over the data.
    """

    def __init__(self, raw: BinaryIO, expected_digest: str, expected_size: int | None, what: str) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.expected_digest = expected_digest
        self.expected_size = expected_size
        self.what = what
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._hash.update(data)
        self.count += len(data)
        return data

    def drain(self) -> None:
        """Read (and hash) whatever is left, so the digest covers the whole stream."""
        while self.read(CHUNK):
            pass

    def verify(self) -> None:
        actual = "sha256:" + self._hash.hexdigest()
        if self.expected_size is not None and self.count != self.expected_size:
            raise IntegrityError(
                f"{self.what}: expected {self.expected_size} bytes but got {self.count}; "
                "the content is truncated or corrupt, fetch it again"
            )
        if actual != self.expected_digest:
            raise IntegrityError(
                f"{self.what}: content digest {actual} does not match {self.expected_digest}; "
                "the content is corrupt or was tampered with, nothing was kept"
            )
