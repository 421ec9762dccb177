"""Bounded retries for transient registry failures only.

Transient means: the connection failed or broke, or the registry answered 408, 429 or a 5xx other
than 501/505. Everything else is final on the first answer. Backoff is exponential with jitter,
honours ``Retry-After`` and never lets one operation (all its attempts and sleeps) run past
``RetryPolicy.deadline`` seconds.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ...errors import RegistryError

log = logging.getLogger("kitops_jupyter.registry")
T = TypeVar("T")

TRANSIENT_STATUS = frozenset({408, 429})
_NOT_TRANSIENT_5XX = frozenset({501, 505})


def is_transient_status(status: int) -> bool:
    return status in TRANSIENT_STATUS or (500 <= status < 600 and status not in _NOT_TRANSIENT_5XX)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), else ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Transient(Exception):
    """Internal signal: this attempt failed in a way worth retrying.

    ``error`` is the user-facing error to raise if the retries run out; it is already redacted.
    """

    def __init__(self, error: RegistryError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``attempts`` in total, first delay ``backoff`` seconds doubling up to
    ``max_backoff``, and at most ``deadline`` seconds for one operation including sleeps."""

    attempts: int = 6
    backoff: float = 0.5
    max_backoff: float = 20.0
    deadline: float = 300.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Sleep before retry number ``attempt`` (1-based): Retry-After if given, else backoff + jitter."""
        if retry_after is not None:
            return retry_after
        base = min(self.max_backoff, self.backoff * (2.0 ** (attempt - 1)))
        return base * (1.0 + random.uniform(0.0, 0.25))

    def run(self, fn: Callable[[], T], what: str) -> T:
        """Call ``fn`` until it returns; retry on :class:`Transient`, raise its error when out of budget."""
        start = time.monotonic()
        attempt = 0
        while True:
            try:
                return fn()
            except Transient as exc:
                attempt += 1
                delay = self.delay(attempt, exc.retry_after)
                elapsed = time.monotonic() - start
                if attempt >= self.attempts or elapsed + delay > self.deadline:
                    raise _exhausted(exc.error, attempt, elapsed) from None
                log.info("%s: %s; retry %d in %.1fs", what, exc.error.message, attempt, delay)
                time.sleep(delay)


def _exhausted(error: RegistryError, attempts: int, elapsed: float) -> RegistryError:
    """The final error, with how long we tried appended (same class, same status)."""
    suffix = f" (gave up after {attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.0f}s)"
    final = type(error)(error.message + suffix, status=error.status)
    return final
