"""The HTTP seam: every request to a registry goes through :class:`RegistryClient`.

It holds one ``requests`` session (no cookies) and adds what multi-GB transfers need: timeouts and a
connection pool sized for the transfer concurrency, the auth flow of :mod:`.challenge` (Basic and
the Bearer token flow), bounded retries of transient failures
(:mod:`.retry`), redaction of every URL and message (:mod:`.redact`), and one mapping from HTTP
answers to the :mod:`kitops_jupyter.errors` family. Blob bodies are streamed by the callers
(:mod:`.uploads`, :mod:`.downloads`); nothing here reads a blob into memory.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from ...errors import Denied, InvalidArgument, RegistryError
from .. import mediatypes
from ..digest import digest_bytes
from .auth import Credentials, find_credentials, kitops_credentials_path
from .challenge import Authenticator, parse_challenge
from .http_errors import connection_error, error_for_response
from .redact import redact_url
from .retry import RetryPolicy, Transient, is_transient_status, parse_retry_after
from .settings import load_settings

log = logging.getLogger("kitops_jupyter.registry")

MiB = 1 << 20
MANIFEST_ACCEPT = ", ".join(
    [mediatypes.MANIFEST, mediatypes.INDEX, mediatypes.DOCKER_MANIFEST, mediatypes.DOCKER_MANIFEST_LIST]
)
MAX_MANIFEST_BYTES = 4 * MiB
ENV_CLIENT_CERT = "KITOPS_CLIENT_CERT"
ENV_CLIENT_KEY = "KITOPS_CLIENT_KEY"
Body = bytes | Iterable[bytes] | None
BodyFactory = Callable[[], Body]


@dataclass(frozen=True)
class RegistryOptions:
    """Network options shared by every remote verb.

    ``plain_http=None`` means HTTP for loopback registries (127.0.0.0/8, ::1, localhost) unless a TLS
    option (``ca_bundle``, ``tls_verify=False``) is given, and HTTPS elsewhere. ``ca_bundle`` is a PEM file of extra CAs to trust; ``tls_verify=False`` skips
    certificate checks. ``chunk_size``/``monolithic_limit`` steer uploads (docs/format.md §7), ``concurrency`` is
    the number of blobs in flight, ``timeout`` the per-request connect/read timeout in seconds.
    ``home`` is the ``$KITOPS_HOME`` whose ``credentials.json`` is read (``None``: the default).
    ``client_cert``/``client_key`` are PEM files of a client certificate for registries that require
    mutual TLS (the key may be inside the certificate file); unset, ``$KITOPS_CLIENT_CERT`` and
    ``$KITOPS_CLIENT_KEY`` are used, as kit does.
    ``range_parts``/``range_min_part`` steer parallel ranged downloads of large blobs (:meth:`ranges_for`).
    """

    plain_http: bool | None = None
    tls_verify: bool = True
    ca_bundle: str | Path | None = None
    client_cert: str | Path | None = None
    client_key: str | Path | None = None
    credentials: Credentials | None = None
    concurrency: int = 5
    chunk_size: int = 100 * MiB
    monolithic_limit: int = 100 * MiB
    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    home: Path | None = None
    range_parts: int | None = None
    range_min_part: int = 32 * MiB

    def ranges_for(self, registry: str, size: int) -> int:
        """How many parallel ``Range`` requests fetch a blob of ``size`` bytes (1: one stream).

        ``range_parts=None`` means 8 for remote registries, whose object storage caps each connection,
        and 1 for loopback ones, where more connections only cost CPU. Small blobs always take one.
        """
        parts = self.range_parts if self.range_parts is not None else (1 if is_loopback(registry) else 8)
        return parts if parts > 1 and size >= 2 * self.range_min_part else 1

    def use_plain_http(self, registry: str) -> bool:
        """``plain_http`` if given; else HTTP only for loopback registries without TLS options."""
        if self.plain_http is not None:
            return self.plain_http
        wants_tls = self.ca_bundle is not None or not self.tls_verify or self.client_cert is not None
        return is_loopback(registry) and not wants_tls

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.chunk_size < 1 or self.timeout <= 0:
            raise InvalidArgument("concurrency, chunk_size and timeout must be positive")
        if self.ca_bundle is not None and not Path(self.ca_bundle).is_file():
            raise InvalidArgument(f"CA bundle {self.ca_bundle} does not exist; give the path of a PEM file")
        for what, path in (("client certificate", self.client_cert), ("client key", self.client_key)):
            if path is not None and not Path(path).is_file():
                raise InvalidArgument(f"{what} {path} does not exist; give the path of a PEM file")
        if self.client_key is not None and self.client_cert is None:
            raise InvalidArgument("a client key needs its certificate too: give client_cert (--client-cert)")

    def client_certificate(self) -> tuple[str, str] | str | None:
        """What requests presents for mutual TLS: these options, else ``$KITOPS_CLIENT_CERT``/``_KEY``."""
        cert = self.client_cert or os.environ.get(ENV_CLIENT_CERT) or None
        key = self.client_key or (os.environ.get(ENV_CLIENT_KEY) if not self.client_cert else None) or None
        if cert is None:
            return None
        for path in (cert, key):
            if path is not None and not Path(path).is_file():
                raise InvalidArgument(
                    f"client certificate file {path} does not exist; check {ENV_CLIENT_CERT}"
                )
        _check_loads(str(cert), str(key) if key else None)
        return (str(cert), str(key)) if key else str(cert)


def _check_loads(cert: str, key: str | None) -> None:
    """A certificate that does not load fails every handshake the same way: say so now, once, instead
    of retrying a connection error ("PEM lib") that no retry can fix."""
    import ssl

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(
            cert, key, password=lambda: b""
        )  # never a prompt
    except (ssl.SSLError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "reason", None) or "").lower().replace("_", " ")
        if not reason or "pem lib" in str(exc).lower():  # OpenSSL's word for "no PEM key or cert found"
            reason = "no PEM certificate with its private key found"
        pair = f"client certificate {cert}" + (f" with key {key}" if key else " (no key given)")
        raise InvalidArgument(
            f"{pair} cannot be used: {reason}; give a PEM certificate and its private key (client_cert= and "
            "client_key=, %kit ... --client-cert PEM --client-key PEM)"
        ) from None


def is_loopback(registry: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 registries (with or without a port)."""
    host = urlsplit(f"//{registry}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Session(requests.Session):
    """A session with a default timeout on every request (token requests included)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", (min(self._timeout, 30.0), self._timeout))
        return super().request(method, url, *args, **kwargs)


def _session(options: RegistryOptions) -> _Session:
    """Our session: default timeouts, no cookies (some registries treat them as a browser), a pool
    sized for the transfer concurrency, no urllib3 retries (:mod:`.retry` decides)."""
    from http.cookiejar import DefaultCookiePolicy

    session = _Session(options.timeout)
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    per_blob = max(1, options.range_parts if options.range_parts is not None else 8)
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=options.concurrency * per_blob + 2, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = "kitops-jupyter"
    return session


def with_saved_settings(options: RegistryOptions, registry: str) -> RegistryOptions:
    """``options`` with the saved settings of ``registry`` filled in where the caller left defaults."""
    home = kitops_credentials_path(options.home).parent
    saved = load_settings(home).get(registry)
    if saved is None:
        return options
    return replace(
        options,
        plain_http=saved.plain_http if options.plain_http is None else options.plain_http,
        tls_verify=options.tls_verify and saved.tls_verify,
        ca_bundle=options.ca_bundle if options.ca_bundle is not None else saved.ca_bundle,
    )


class RegistryClient:
    """All HTTP traffic with one registry host. Thread-safe; use as a context manager or ``close()``."""

    def __init__(self, registry: str, options: RegistryOptions | None = None) -> None:
        self.registry = registry
        self.options = with_saved_settings(options or RegistryOptions(), registry)
        self.plain_http = self.options.use_plain_http(registry)
        self.base_url = f"{'http' if self.plain_http else 'https'}://{registry}"
        options = self.options
        # tls_verify=False skips verification even with a CA bundle (kit's --tls-verify=false does too)
        self._verify: bool | str = (
            (str(options.ca_bundle) if options.ca_bundle else True) if options.tls_verify else False
        )
        self.session: requests.Session = _session(options)
        self.session.cert = options.client_certificate()
        if options.tls_verify is False:  # asked for explicitly: no warning on every request
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._creds: Credentials | None = None
        self._creds_loaded = False
        self._creds_lock = threading.Lock()
        self.auth = Authenticator(registry, self._token_get, self.credentials)

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def _token_get(
        self, url: str, params: list[tuple[str, str]], headers: dict[str, str]
    ) -> requests.Response:
        return self.session.get(url, params=params, headers=headers, verify=self._verify)

    def credentials(self) -> Credentials | None:
        """Credentials for this host, looked up once (explicit options first, see :mod:`.auth`)."""
        with self._creds_lock:
            if not self._creds_loaded:
                explicit = self.options.credentials
                self._creds = explicit or find_credentials(self.registry, home=self.options.home)
                self._creds_loaded = True
            return self._creds

    # -- URLs -------------------------------------------------------------------------------------

    def url(self, repository: str, kind: str, ref: str = "") -> str:
        """``/v2/<repository>/<kind>/<ref>`` on this registry (kind: blobs, manifests, tags/list, ...)."""
        return (
            f"{self.base_url}/v2/{repository}/{kind}/{ref}"
            if ref
            else f"{self.base_url}/v2/{repository}/{kind}/"
        )

    def absolute(self, response: requests.Response, location: str) -> str:
        return urljoin(response.url, location)

    # -- requests ---------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        scope: str,
        what: str,
        ok: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
        body: BodyFactory | None = None,
        stream: bool = False,
        retry: bool = True,
    ) -> requests.Response:
        """Send a request expecting a status in ``ok``; raise the KitError for any other answer.

        With ``retry`` transient failures are retried under the client's :class:`RetryPolicy`;
        without it this is one attempt (plus one auth round on 401) that raises :class:`Transient`,
        for callers that resume or retry on their own.
        """
        attempt = functools.partial(
            self._attempt, method, url, scope, what, ok, dict(headers or {}), body, stream
        )
        return self.options.retry.run(attempt, what) if retry else attempt()

    def _attempt(
        self,
        method: str,
        url: str,
        scope: str,
        what: str,
        ok: tuple[int, ...],
        extra: dict[str, str],
        body: BodyFactory | None,
        stream: bool,
    ) -> requests.Response:
        ours = self._same_host(url)
        sent = self.auth.headers(scope) if ours else {}
        response = self._once(method, url, {**extra, **sent}, body, stream, what)
        if response.status_code == 401 and ours:
            retry_headers = self._challenge(response, scope, sent, url, what)
            if retry_headers is not None:
                response.close()
                response = self._once(method, url, {**extra, **retry_headers}, body, stream, what)
        if response.status_code in ok:
            return response
        raise self._failure(response, what, scope)

    def _challenge(
        self, response: requests.Response, scope: str, sent: dict[str, str], url: str, what: str
    ) -> dict[str, str] | None:
        try:
            return self.auth.challenge(response, scope, sent, what)
        except requests.RequestException as exc:
            raise Transient(connection_error(exc, url, self.plain_http, what)) from None

    def _once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: BodyFactory | None,
        stream: bool,
        what: str,
    ) -> requests.Response:
        data = body() if body is not None else None
        try:
            response = self.session.request(
                method,
                url,
                headers=headers,
                data=data,
                stream=stream,
                verify=self._verify,
                allow_redirects=method in ("GET", "HEAD"),
            )
        except requests.RequestException as exc:
            error = connection_error(exc, url, self.plain_http, what)
            if error.final:
                raise error from None
            raise Transient(error) from None
        log.debug("%s %s -> %d", method, redact_url(url), response.status_code)
        return response

    def _failure(self, response: requests.Response, what: str, scope: str) -> Exception:
        challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if response.status_code == 401 and challenge.error == "insufficient_scope":
            response.close()
            return self._insufficient_scope(challenge.scopes or scope.split(), what)
        error = error_for_response(response, what, self.registry, self.plain_http)
        response.close()
        if is_transient_status(response.status_code):
            return Transient(error, parse_retry_after(response.headers.get("Retry-After")))
        return error

    def _insufficient_scope(self, scopes: list[str], what: str) -> Denied:
        """The token service did not grant what the request needs: say which access is missing."""
        creds = self.credentials()
        who = f"user {creds.username!r}" if creds else "anonymous access (no credentials found)"
        needed = ", ".join(_describe_scope(s) for s in scopes) or "the access this operation needs"
        return Denied(
            f"{what}: {self.registry} did not grant {who} {needed}; ask the repository's owner for that "
            f"access, or run `%kit login {self.registry}` as a user who has it",
            status=401,
        )

    def _same_host(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.base_url).netloc

    # -- operations -------------------------------------------------------------------------------

    def ping(self, what: str) -> None:
        """``GET /v2/`` through the auth flow: raises unless the registry accepts us."""
        self.request("GET", f"{self.base_url}/v2/", scope="ping", what=what).close()

    def blob_exists(self, repository: str, digest: str, what: str) -> bool:
        url = self.url(repository, "blobs", digest)
        response = self.request("HEAD", url, scope=pull_scope(repository), what=what, ok=(200, 404))
        response.close()
        return response.status_code == 200

    def get_manifest(self, repository: str, reference: str, what: str) -> tuple[bytes, str, str]:
        """``(bytes, media type, digest)`` of a manifest; the digest is checked when asked by digest."""
        url = self.url(repository, "manifests", reference)
        response = self.request(
            "GET",
            url,
            scope=pull_scope(repository),
            what=what,
            headers={"Accept": MANIFEST_ACCEPT},
            stream=True,
        )
        with response:
            data = response.raw.read(MAX_MANIFEST_BYTES + 1, decode_content=True)
        if len(data) > MAX_MANIFEST_BYTES:
            raise RegistryError(
                f"{what}: the manifest is larger than {MAX_MANIFEST_BYTES} bytes; refusing it"
            )
        digest = digest_bytes(data)
        if reference.startswith("sha256:") and digest != reference:
            from ...errors import IntegrityError

            raise IntegrityError(
                f"{what}: the registry returned a manifest with digest {digest}, not {reference}"
            )
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        return data, media_type, digest

    def put_manifest(self, repository: str, reference: str, data: bytes, media_type: str, what: str) -> str:
        url = self.url(repository, "manifests", reference)
        self.request(
            "PUT",
            url,
            scope=push_scope(repository),
            what=what,
            ok=(200, 201, 202),
            headers={"Content-Type": media_type},
            body=lambda: data,
        ).close()
        return digest_bytes(data)

    def delete_manifest(self, repository: str, reference: str, what: str) -> None:
        url = self.url(repository, "manifests", reference)
        self.request("DELETE", url, scope=delete_scope(repository), what=what, ok=(200, 202)).close()

    def list_tags(self, repository: str, what: str) -> list[str]:
        """Every tag of ``repository``, following ``Link`` pagination."""
        tags: list[str] = []
        url: str | None = self.url(repository, "tags", "list")
        while url:
            response = self.request("GET", url, scope=pull_scope(repository), what=what)
            with response:
                tags.extend(response.json().get("tags") or [])
                next_link = response.links.get("next", {}).get("url")
            url = self.absolute(response, next_link) if next_link else None
        return tags


def _describe_scope(scope: str) -> str:
    """``repository:team/x:pull,push`` -> ``pull,push access to team/x``."""
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    ordered = ",".join(sorted(actions.split(",")))  # registries list them in any order
    return f"{ordered} access to {name}" if kind == "repository" and name else scope


def pull_scope(repository: str) -> str:
    return f"repository:{repository}:pull"


def push_scope(repository: str) -> str:
    return f"repository:{repository}:pull,push"


def delete_scope(repository: str) -> str:
    return f"repository:{repository}:delete"
