"""The registry auth flow: answer ``WWW-Authenticate`` challenges with Basic or Bearer credentials.

Bearer follows the Docker/OCI token flow as real registries run it: the token request goes to the
challenge's ``realm`` with its ``service`` and one ``scope`` parameter per scope (a challenge may
list several, space-separated, e.g. the target and source repositories of a cross-repository mount),
Basic credentials when we have them, anonymous otherwise. Tokens are cached per scope under a lock
shared by the transfer threads, sent up front so each request pays the challenge at most once, and
renewed shortly before their ``expires_in`` runs out (60 s when the service does not say) or when the
registry answers ``invalid_token`` anyway (clocks differ).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from ...errors import AuthenticationFailed, RegistryError
from .auth import ENV_PASSWORD, ENV_USERNAME, Credentials
from .http_errors import registry_message
from .redact import redact_url, register_secret
from .retry import Transient, is_transient_status

log = logging.getLogger("kitops_jupyter.registry")

DEFAULT_EXPIRES_IN = 60.0  # seconds, what the token spec says to assume when expires_in is absent
_PARAM = re.compile(r'([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')

# GET ``url`` with ``params`` (a list of pairs: scope repeats) and ``headers``; the client's session.
TokenGet = Callable[[str, list[tuple[str, str]], dict[str, str]], requests.Response]


@dataclass(frozen=True)
class Challenge:
    """A parsed ``WWW-Authenticate`` header."""

    scheme: str
    params: dict[str, str]

    @property
    def scopes(self) -> list[str]:
        return self.params.get("scope", "").split()

    @property
    def error(self) -> str:
        return self.params.get("error", "")


def parse_challenge(raw: str) -> Challenge:
    """``Bearer realm="…",service="…",scope="a b",error="…"`` -> scheme and parameters."""
    scheme, _, rest = raw.strip().partition(" ")
    params = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _PARAM.finditer(rest)
    }
    return Challenge(scheme.lower(), {k: v.replace('\\"', '"') for k, v in params.items()})


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float  # monotonic time after which we fetch a new one before using it


class Authenticator:
    """Auth headers for one registry host, shared by all threads of a client."""

    def __init__(self, registry: str, get: TokenGet, credentials: Callable[[], Credentials | None]) -> None:
        self.registry = registry
        self._get = get
        self._credentials = credentials
        self._tokens: dict[str, _Token] = {}
        self._basic = False
        self._lock = threading.Lock()

    def headers(self, scope: str) -> dict[str, str]:
        """Headers to send up front for ``scope`` (a live cached token, or Basic once the host asked)."""
        with self._lock:
            token = self._tokens.get(scope)
            basic = self._basic
        if token and time.monotonic() < token.renew_at:
            return {"Authorization": f"Bearer {token.value}"}
        creds = self._credentials() if basic else None
        return {"Authorization": f"Basic {creds.basic()}"} if creds else {}

    def challenge(
        self, response: requests.Response, scope: str, sent: dict[str, str], what: str
    ) -> dict[str, str] | None:
        """Headers to retry a 401 with, or ``None`` if there is nothing new to try."""
        parsed = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if parsed.scheme == "basic":
            return self._basic_challenge(sent)
        if parsed.scheme == "bearer":
            return self._bearer_challenge(parsed, scope, sent, what)
        log.debug("unsupported auth challenge scheme %r", parsed.scheme)
        return None

    def _basic_challenge(self, sent: dict[str, str]) -> dict[str, str] | None:
        creds = self._credentials()
        if creds is None or sent.get("Authorization", "").startswith("Basic "):
            return None
        with self._lock:
            self._basic = True
        return {"Authorization": f"Basic {creds.basic()}"}

    def _bearer_challenge(
        self, challenge: Challenge, scope: str, sent: dict[str, str], what: str
    ) -> dict[str, str] | None:
        sent_token = sent.get("Authorization", "").removeprefix("Bearer ")
        if challenge.error:
            log.debug("%s: %s answered 401 error=%s for %s", what, self.registry, challenge.error, scope)
        with self._lock:
            current = self._tokens.get(scope)
            if current and current.value != sent_token and time.monotonic() < current.renew_at:
                return {"Authorization": f"Bearer {current.value}"}  # another thread already renewed it
            self._tokens.pop(scope, None)
            token = self._fetch_token(challenge, scope, what)
            if token is None:
                return None
            self._tokens[scope] = token
        return {"Authorization": f"Bearer {token.value}"}

    def _fetch_token(self, challenge: Challenge, scope: str, what: str) -> _Token | None:
        realm = challenge.params.get("realm", "")
        if urlsplit(realm).scheme not in ("http", "https"):
            return None
        wanted = [s for s in scope.split() if s.count(":") >= 2]  # our own need, when the challenge omits it
        scopes = merge_scopes([*challenge.scopes, *wanted])
        params = [("service", challenge.params["service"])] if "service" in challenge.params else []
        params += [("scope", s) for s in scopes]
        creds = self._credentials()
        headers = {"Accept": "application/json"}
        if creds is not None:
            headers["Authorization"] = f"Basic {creds.basic()}"
        started = time.monotonic()
        try:
            answer = self._get(realm, params, headers)
        except requests.RequestException as exc:
            raise Transient(
                RegistryError(
                    f"{what}: the token service {redact_url(realm)} could not be reached ({type(exc).__name__})"
                )
            ) from None
        with answer:
            return _read_token(answer, realm, creds, self.registry, what, started)


def merge_scopes(scopes: list[str]) -> list[str]:
    """One scope per resource with the union of its actions, sorted (registries list them in any
    order: ``push,pull`` and ``pull,push`` are one scope)."""
    merged: dict[str, set[str]] = {}
    for scope in scopes:
        resource, _, actions = scope.rpartition(":")
        if not resource:
            continue
        merged.setdefault(resource, set()).update(a for a in actions.split(",") if a)
    return [f"{resource}:{','.join(sorted(actions))}" for resource, actions in merged.items()]


def _read_token(
    answer: requests.Response, realm: str, creds: Credentials | None, registry: str, what: str, started: float
) -> _Token:
    status = answer.status_code
    where = redact_url(realm)
    if status in (401, 403):
        who = f"user {creds.username!r} ({creds.source})" if creds else "anonymous access"
        raise AuthenticationFailed(
            f"{what}: the token service {where} refused {who} (HTTP {status}); run "
            f"`%kit login {registry}` or set {ENV_USERNAME}/{ENV_PASSWORD} with a valid username "
            "and password (or token) for this registry",
            status=status,
        )
    if status != 200:
        error = RegistryError(
            f"{what}: the token service {where} answered HTTP {status} ({registry_message(answer)})",
            status=status,
        )
        raise Transient(error) if is_transient_status(status) else error
    try:
        body = answer.json()
        value = body.get("token") or body.get("access_token")
        expires_in = float(body.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (ValueError, AttributeError, TypeError):
        value = None
    if not value or not isinstance(value, str):
        raise RegistryError(f"{what}: the token service {where} answered without a token")
    register_secret(value)
    # renew a little early: a request must not start with a token about to run out
    margin = min(10.0, expires_in / 10)
    return _Token(value, started + max(expires_in - margin, 0.0))
