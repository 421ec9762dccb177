"""Redaction of secrets from everything the registry layer prints, logs or raises.

Every URL, header map and message that leaves this package passes through one of these functions:
userinfo in URLs, query values other than a few harmless ones (upload-session state and presigned
URLs carry tokens there), ``Authorization``-like headers, ``Bearer``/``Basic`` credentials in free
text, and any secret registered with :func:`register_secret` (passwords and tokens we hold).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_SAFE_QUERY_KEYS = frozenset({"digest", "n", "last", "mount", "from"})
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-registry-auth",
        "x-amz-security-token",
    }
)
_AUTH_IN_TEXT = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_USERINFO_IN_TEXT = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_TOKEN_FIELDS = re.compile(
    r'("(?:token|access_token|refresh_token|password|secret|auth)"\s*:\s*)"[^"]*"', re.IGNORECASE
)

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret (password, token) so that :func:`redact_text` masks it wherever it appears."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact_url(url: str) -> str:
    """``url`` with userinfo removed and every query value except harmless ones masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, v if k in _SAFE_QUERY_KEYS else MASK) for k, v in pairs], safe="*:")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with credential-bearing values masked and URLs in ``Location`` redacted."""
    out: dict[str, str] = {}
    for key, value in headers.items():
        lower = key.lower()
        if lower in _SECRET_HEADERS:
            out[key] = MASK
        elif lower in ("location", "link"):
            out[key] = redact_text(value)
        else:
            out[key] = value
    return out


def redact_text(text: str) -> str:
    """Mask credentials, URL userinfo, query secrets and registered secrets in free text."""
    text = _AUTH_IN_TEXT.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _USERINFO_IN_TEXT.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    text = _TOKEN_FIELDS.sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    text = re.sub(r"https?://[^\s'\"<>]+", lambda m: redact_url(m.group(0)), text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
