"""The one translation of the ``KitError`` family into HTTP statuses and JSON error bodies.

Every failure the REST API reports, from a handler or from a background job, has the body
``{"message", "error", "hint", "status"}``: ``message`` is the ``KitError`` text unchanged (the same
words the magics and the panel show), ``error`` the class name, ``hint`` what to try next; errors that
carry structured details (``SecretsFound``: ``findings``, ``unscanned``) add them as ``details``.
This module imports no Jupyter package, so jobs and tests use it directly.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    AuthenticationFailed,
    Denied,
    IntegrityError,
    InvalidArgument,
    InvalidReference,
    KitError,
    KitfileError,
    NotFound,
    PackError,
    RegistryError,
    SecretsFound,
    SignatureError,
    UnpackError,
    UnsafeArchive,
)
from .uihints import sidebar_words

# Most specific first: SecretsFound is a PackError; AuthenticationFailed and Denied are RegistryErrors.
_STATUS: list[tuple[type[KitError] | tuple[type[KitError], ...], int]] = [
    (NotFound, 404),
    ((SecretsFound, UnpackError), 409),
    ((InvalidArgument, InvalidReference, KitfileError, PackError), 400),
    ((UnsafeArchive, IntegrityError, SignatureError), 422),
    (AuthenticationFailed, 401),
    (Denied, 403),
    (RegistryError, 502),
]

_HINTS: dict[int, str] = {
    404: "Check the reference (see the local list) or the folder; pull a ModelKit that is only in a registry.",
    400: "Correct the request: references look like registry/repository:tag.",
    401: "Log in to this registry in KitOps Settings (the gear).",
    403: "Your registry account is not allowed to do this; ask the registry's owner for access.",
    409: "Resolve the conflict named in the message (remove the listed secrets, or pack anyway with "
    "allowSecrets; unpack into an empty folder or with overwrite), then try again.",
    422: "The ModelKit's content is damaged or unsafe and was not used; pull it again or ask its publisher.",
    502: "Check the registry address, that it is running and reachable from the Jupyter server.",
    500: "See the Jupyter server log for details.",
}

# Errors from the web layer itself (no KitError behind them).
_HTTP_HINTS: dict[int, str] = {
    400: "Send a JSON object with the fields this route documents (see server/openapi.yaml).",
    403: "Jupyter refused the request: reload the page, or log in again with the server's token.",
    404: "This route does not exist; check that the frontend and server versions match.",
}


def status_for(exc: BaseException) -> int:
    """The HTTP status for an error: its ``http_status`` attribute, the table above, else 500."""
    if isinstance(exc, KitError) and exc.http_status is not None:
        return exc.http_status
    for kinds, status in _STATUS:
        if isinstance(exc, kinds):
            return status
    return 500


def error_body(exc: BaseException, *, status: int | None = None, hint: str | None = None) -> dict[str, Any]:
    """The JSON error body for ``exc`` (``status`` and ``hint`` default from the tables above)."""
    code = status_for(exc) if status is None else status
    message = str(exc) if isinstance(exc, KitError) else f"unexpected error: {exc}"
    words = sidebar_words(exc)
    if words is not None:  # the sidebar's own controls, not a CLI flag, in the advice
        message, hint = words[0], hint or words[1]
    body: dict[str, Any] = {
        "message": message,
        "error": type(exc).__name__,
        "hint": hint or (exc.hint if isinstance(exc, KitError) else None) or _HINTS.get(code, _HINTS[500]),
        "status": code,
    }
    details = exc.details if isinstance(exc, KitError) else None
    if details is not None:  # e.g. the findings of SecretsFound, for a "pack anyway" step
        body["details"] = details
    return body


def http_error_body(status: int, message: str, hint: str | None = None) -> dict[str, Any]:
    """A body of the same shape for errors raised by the web layer itself (bad JSON, outside root)."""
    error = "Forbidden" if status == 403 else "BadRequest" if status == 400 else "HTTPError"
    return {
        "message": message,
        "error": error,
        "hint": hint or _HTTP_HINTS.get(status, _HINTS[500]),
        "status": status,
    }
