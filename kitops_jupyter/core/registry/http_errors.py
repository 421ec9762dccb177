"""One mapping from HTTP answers and connection failures to the KitError family, with advice.

Every message names what we were doing (the reference or digest), where (the redacted URL or
registry) and what to do next. Nothing here ever includes request headers or credentials.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests

from ...errors import (
    AuthenticationFailed,
    Denied,
    FinalUnreachable,
    RegistryError,
    RegistryNotFound,
    RegistryUnreachable,
)
from .auth import ENV_PASSWORD, ENV_USERNAME
from .redact import redact_text, redact_url

_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def connection_error(exc: BaseException, url: str, plain_http: bool, what: str = "") -> RegistryUnreachable:
    """A :class:`RegistryUnreachable` for a failed request, with what we did, the cause and advice."""
    error = _connection_error(exc, url, plain_http)
    if what:
        error = type(error)(f"{what}: {error.message}", status=error.status)
    return error


def _connection_error(exc: BaseException, url: str, plain_http: bool) -> RegistryUnreachable:
    where = redact_url(url)
    text = redact_text(str(exc))
    host = urlsplit(url).netloc
    if isinstance(exc, requests.exceptions.SSLError):
        return _tls_error(text, where, host)
    if isinstance(exc, requests.exceptions.Timeout):
        return RegistryUnreachable(
            f"request to {where} timed out; the registry is slow or unreachable, check the network "
            "or raise the timeout option"
        )
    if "Connection refused" in text:
        hint = "is the registry running at that address and port?"
        if not plain_http:
            hint += " For a registry that only speaks HTTP pass plain_http=True."
        return RegistryUnreachable(f"cannot connect to {where}: connection refused; {hint}")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return FinalUnreachable(f"invalid registry URL {where}: check the registry name in the reference")
    return RegistryUnreachable(
        f"connection to {where} failed: {_cause(text, exc)}; check the network and try again"
    )


def _tls_error(text: str, where: str, host: str) -> RegistryUnreachable:
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text or "wrong version number" in text:
        return FinalUnreachable(
            f"TLS handshake with {where} failed: the registry does not speak HTTPS; if it is a plain "
            f"HTTP registry, pass plain_http=True (%kit ... --plain-http) for {host}"
        )
    lowered = text.lower()
    if "certificate required" in lowered or "certificate_required" in lowered or "bad certificate" in lowered:
        return FinalUnreachable(
            f"{host} asks for a client certificate (mutual TLS) and refused ours or none at {where}; give "
            "client_cert=PEM and client_key=PEM (%kit ... --client-cert PEM --client-key PEM, or "
            "KITOPS_CLIENT_CERT / KITOPS_CLIENT_KEY) signed by a CA the registry trusts"
        )
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in lowered or "hostname" in lowered:
        detail = _cause(text, None)
        return FinalUnreachable(
            f"TLS certificate of {host} could not be verified ({detail}) at {where}; pass "
            "ca_bundle=PATH with the CA that signed it, or tls_verify=False to skip verification (unsafe)"
        )
    return RegistryUnreachable(f"TLS connection to {where} failed: {_cause(text, None)}; try again")


def _cause(text: str, exc: BaseException | None) -> str:
    match = _ERRNO.search(text)
    if match:
        return match.group(1).strip()
    verify = re.search(r"certificate verify failed: ([^'\")(]+)", text)
    if verify:
        return "certificate verify failed: " + verify.group(1).strip()
    dropped = ("RemoteDisconnected", "Connection aborted", "reset", "IncompleteRead", "prematurely")
    if exc is not None and any(word in text for word in dropped):
        return "the connection was closed by the server"
    return text[:300]


def registry_message(response: requests.Response) -> str:
    """The registry's own error (``CODE: message``) from an error body, redacted and short."""
    try:
        body = response.content[:4096]
        errors = json.loads(body).get("errors") or []
        parts = [
            f"{e.get('code', '')}: {e.get('message', '')}".strip(": ") for e in errors if isinstance(e, dict)
        ]
        text = "; ".join(p for p in parts if p)
    except (ValueError, AttributeError, requests.RequestException):
        text = ""
    if not text:
        try:
            text = response.text[:200].strip()
        except requests.RequestException:
            text = ""
    return redact_text(text)[:300]


def error_for_response(
    response: requests.Response, what: str, registry: str, plain_http: bool
) -> RegistryError:
    """The KitError for an unexpected HTTP status."""
    status = response.status_code
    detail = registry_message(response)
    said = f" ({detail})" if detail else ""
    where = redact_url(response.url)
    if status == 401:
        return AuthenticationFailed(
            f"{what}: {registry} refused the credentials (401){said}; run `%kit login {registry}` or set "
            f"{ENV_USERNAME}/{ENV_PASSWORD}, and check that the repository exists and you have access",
            status=status,
        )
    if status == 403:
        return Denied(
            f"{what}: {registry} denied access (403){said}; your account lacks permission for this "
            "repository or operation, ask its owner for access",
            status=status,
        )
    if status == 404:
        return _not_found(what, registry, detail)
    if status == 400 and "HTTP request to an HTTPS server" in detail + response.text[:200]:
        return RegistryError(
            f"{what}: {registry} speaks HTTPS but was called over plain HTTP; pass plain_http=False",
            status=status,
        )
    if status == 405 or "UNSUPPORTED" in detail:
        return RegistryError(
            f"{what}: {registry} does not support this operation (HTTP {status}){said}", status=status
        )
    return RegistryError(f"{what}: {registry} answered HTTP {status}{said} at {where}", status=status)


def _not_found(what: str, registry: str, detail: str) -> RegistryError:
    said = f" ({detail})" if detail else ""
    return RegistryNotFound(f"{what}: not found on {registry}{said}; check the reference", status=404)
