"""A small token service for registries configured with ``auth.token`` (the Docker token flow).

It issues JWTs signed with an ECDSA key whose self-signed certificate the registry trusts through
``auth.token.rootcertbundle``. Each user has a password and, per repository, the actions it may
have; a request gets the intersection of what it asks for and what the user holds, as real token
services do (asking for more is not an error: the registry then answers ``insufficient_scope``).

Strict where the spec is: one scope per ``scope`` query parameter, ``service`` must match, wrong
credentials get 401. Every request is recorded in :attr:`TokenServer.requests` for assertions.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import fnmatch
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

__all__ = ["LEEWAY", "TokenRequest", "TokenServer", "TokenUser"]

LEEWAY = 60  # seconds distribution adds to `exp` for clock skew (registry/auth/token: Leeway)


@dataclass
class TokenUser:
    """A user of the token service: ``grants`` maps a repository name pattern (``fnmatch``, e.g.
    ``team/*``) to the actions it may have there."""

    password: str = field(repr=False)
    grants: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenRequest:
    """One answered request: who asked, for which scopes, what was granted, and the HTTP status."""

    user: str
    scopes: tuple[str, ...]
    granted: tuple[str, ...]
    status: int
    expires: float  # when the registry stops accepting the token (epoch seconds, leeway included)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenServer:
    """Token endpoint on 127.0.0.1 at ``realm``; start with :meth:`start`, stop with :meth:`stop`."""

    def __init__(self, directory: Path, users: dict[str, TokenUser], *, service: str, issuer: str) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.users = users
        self.service = service
        self.issuer = issuer
        self.lifetime = 300.0  # seconds a token is accepted by the registry
        self.claimed_lifetime: float | None = None  # expires_in to announce instead (a skewed clock)
        self.requests: list[TokenRequest] = []
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.certificate = directory / "token-signer.pem"
        self._cert_der = self._write_certificate(self.certificate)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenHandler)
        self._server.daemon_threads = True
        self._server.tokens = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def config_lines(self) -> list[str]:
        """The registry's ``auth:`` section trusting this service."""
        return [
            "auth:",
            "  token:",
            f"    realm: {self.realm}",
            f"    service: {self.service}",
            f"    issuer: {self.issuer}",
            f"    rootcertbundle: {self.certificate}",
        ]

    def issued_for(self, user: str) -> list[TokenRequest]:
        with self._lock:
            return [r for r in self.requests if r.user == user and r.status == 200]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- token issuing ------------------------------------------------------------------------------

    def answer(self, authorization: str, query: dict[str, list[str]]) -> tuple[int, dict[str, object]]:
        """Status and JSON body for a token request (called by the HTTP handler)."""
        scopes = tuple(query.get("scope", []))
        user = self._authenticate(authorization)
        if user is None:
            return self._record("?", scopes, (), 401, 0.0, {"errors": [{"code": "UNAUTHORIZED"}]})
        if query.get("service") != [self.service] or any(not _valid_scope(s) for s in scopes):
            return self._record(user, scopes, (), 400, 0.0, {"errors": [{"code": "INVALID_REQUEST"}]})
        access = self._grant(user, scopes)
        now = time.time()
        expires = math.ceil(now + self.lifetime)
        claims = {
            "iss": self.issuer,
            "sub": user,
            "aud": self.service,
            "exp": expires - LEEWAY,
            "nbf": int(now) - 1,
            "iat": int(now),
            "jti": secrets.token_hex(8),
            "access": access,
        }
        token = self._sign(claims)
        granted = tuple(f"repository:{a['name']}:{','.join(a['actions'])}" for a in access)
        body = {"token": token, "access_token": token, "expires_in": self.claimed_lifetime or self.lifetime}
        return self._record(user, scopes, granted, 200, float(expires), body)

    def _record(
        self,
        user: str,
        scopes: tuple[str, ...],
        granted: tuple[str, ...],
        status: int,
        expires: float,
        body: dict[str, object],
    ) -> tuple[int, dict[str, object]]:
        with self._lock:
            self.requests.append(TokenRequest(user, scopes, granted, status, expires))
        return status, body

    def _authenticate(self, authorization: str) -> str | None:
        """The user name for valid Basic credentials, ``""`` for anonymous, ``None`` when refused."""
        if not authorization:
            return ""
        scheme, _, value = authorization.partition(" ")
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        known = self.users.get(user)
        if scheme.lower() != "basic" or known is None or not secrets.compare_digest(known.password, password):
            return None
        return user

    def _grant(self, user: str, scopes: tuple[str, ...]) -> list[dict[str, object]]:
        held = self.users[user].grants if user else {}
        access = []
        for scope in scopes:
            kind, name, actions = _split_scope(scope)
            patterns = held.items() if kind == "repository" else ()
            allowed = {
                a for pattern, actions in patterns if fnmatch.fnmatchcase(name, pattern) for a in actions
            }
            given = sorted(a for a in actions.split(",") if a in allowed)
            if given:
                access.append({"type": kind, "name": name, "actions": given})
        return access

    def _sign(self, claims: dict[str, object]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(self._cert_der).decode()]}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        r, s = decode_dss_signature(self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def _write_certificate(self, path: Path) -> bytes:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import NameOID

        now = datetime.datetime.now(datetime.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kitops-jupyter test token signer")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(self._key, hashes.SHA256())
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert.public_bytes(serialization.Encoding.DER)


def _split_scope(scope: str) -> tuple[str, str, str]:
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return kind, name, actions


def _valid_scope(scope: str) -> bool:
    kind, name, actions = _split_scope(scope)
    return bool(kind and name and actions) and " " not in scope


class _TokenHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        tokens: TokenServer = self.server.tokens  # type: ignore[attr-defined]
        if parts.path != "/token":
            status, body = 404, {"errors": [{"code": "NOT_FOUND"}]}
        else:
            status, body = tokens.answer(self.headers.get("Authorization", ""), parse_qs(parts.query))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
