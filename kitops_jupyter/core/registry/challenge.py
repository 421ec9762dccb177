"""The registry auth flow: answer ``WWW-Authenticate`` challenges with Basic or Bearer credentials.

oras-py does the protocol work: :func:`oras.auth.utils.parse_auth_header` reads the challenge and
``TokenAuth.request_token`` / ``request_anonymous_token`` fetch a Bearer token from the realm (with
Basic credentials when we have them). This class adds what oras-py lacks for concurrent transfers: a
token cache per scope guarded by a lock, preemptive headers so each request pays the challenge at
most once, and one refresh when a cached token has expired.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import requests

from .auth import Credentials
from .redact import register_secret

log = logging.getLogger("kitops_jupyter.registry")


class Authenticator:
    """Auth headers for one registry host, shared by all threads of a client."""

    def __init__(self, oras_auth: Any, credentials: Callable[[], Credentials | None]) -> None:
        self._oras_auth = oras_auth
        self._credentials = credentials
        self._tokens: dict[str, str] = {}
        self._basic = False
        self._lock = threading.Lock()

    def headers(self, scope: str) -> dict[str, str]:
        """Headers to send up front for ``scope`` (a cached token, or Basic once the host asked for it)."""
        with self._lock:
            token = self._tokens.get(scope)
            basic = self._basic
        if token:
            return {"Authorization": f"Bearer {token}"}
        creds = self._credentials() if basic else None
        return {"Authorization": f"Basic {creds.basic()}"} if creds else {}

    def challenge(
        self, response: requests.Response, scope: str, sent: dict[str, str]
    ) -> dict[str, str] | None:
        """Headers to retry a 401 with, or ``None`` if there is nothing new to try."""
        raw = response.headers.get("WWW-Authenticate", "")
        scheme = raw.split(" ", 1)[0].lower()
        if scheme == "basic":
            return self._basic_challenge(sent)
        if scheme == "bearer":
            return self._bearer_challenge(raw, scope, sent)
        log.debug("unsupported auth challenge scheme %r", scheme)
        return None

    def _basic_challenge(self, sent: dict[str, str]) -> dict[str, str] | None:
        creds = self._credentials()
        if creds is None or sent.get("Authorization", "").startswith("Basic "):
            return None
        with self._lock:
            self._basic = True
        return {"Authorization": f"Basic {creds.basic()}"}

    def _bearer_challenge(self, raw: str, scope: str, sent: dict[str, str]) -> dict[str, str] | None:
        from oras.auth.utils import parse_auth_header

        sent_token = sent.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            current = self._tokens.get(scope)
            if current and current != sent_token:
                return {"Authorization": f"Bearer {current}"}  # another thread already refreshed it
            self._tokens.pop(scope, None)
            token = self._fetch_token(parse_auth_header(raw))
            if not token:
                return None
            register_secret(token)
            self._tokens[scope] = token
        return {"Authorization": f"Bearer {token}"}

    def _fetch_token(self, header: Any) -> str | None:
        if not getattr(header, "realm", None):
            return None
        creds = self._credentials()
        try:
            if creds is None:
                token = self._oras_auth.request_anonymous_token(header)
            else:
                self._oras_auth.set_basic_auth(creds.username, creds.password)
                token = self._oras_auth.request_token(header)
        except ValueError:  # the token endpoint answered something that is not JSON
            return None
        return str(token) if token else None
