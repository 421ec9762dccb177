"""The one error family of kitops-jupyter.

Every failure a user can cause or meet raises a subclass of :class:`KitError`; its message says what
went wrong, where (file and line, field, reference, digest) and what to do next. Adapters (magics,
panel, server) translate the family once at their boundary; the core never raises anything else on
purpose. Programmer errors stay ordinary ``RuntimeError``/``TypeError``.

    KitError
    ├── KitfileError          a Kitfile that cannot be read or fails validation (file, line, field)
    ├── InvalidReference      a ModelKit reference that does not parse
    ├── InvalidArgument       a bad option or combination of options
    │   └── TemplateError     a --format Go template that does not parse or run
    ├── PackError             the context directory cannot be packed as asked
    │   └── SecretsFound      what would be packed looks like it holds secrets (allow to go on)
    ├── NotFound              a ModelKit, tag, blob or file that is not there
    │   └── MissingPath       a path that is not in a ModelKit (also a FileNotFoundError, for fsspec)
    ├── StoreError            the local store is unreadable or inconsistent
    ├── IntegrityError        content does not match its digest or declared size
    ├── UnsafeArchive         a layer that would write outside the target or holds links/devices
    ├── UnpackError           unpacking would overwrite or collide with existing files
    ├── KeyFileError          a signing key file that cannot be read (format, password, key type)
    ├── SignatureError        a ModelKit unsigned, signed by another key, or whose signature does not match
    ├── OutsideRoot           a server request naming a folder outside the Jupyter root (HTTP 403)
    ├── JobCancelled          a server job stopped by its Cancel request
    ├── Cancelled             a panel operation stopped by its Cancel button
    └── RegistryError         a registry answered with an error or could not be reached
        ├── AuthenticationFailed   401: missing or wrong credentials
        ├── Denied                 403: authenticated but not allowed
        ├── RegistryNotFound       404 (also a NotFound)
        ├── RegistryUnreachable    connection, TLS or timeout failure after retries
        │   └── FinalUnreachable   a failure retrying cannot fix (TLS verification, wrong protocol)
        └── NotAModelKit           the artifact is not a ModelKit or ModelPack
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationFailed",
    "Cancelled",
    "Denied",
    "FinalUnreachable",
    "IntegrityError",
    "InvalidArgument",
    "InvalidReference",
    "JobCancelled",
    "KeyFileError",
    "KitError",
    "KitfileError",
    "MissingPath",
    "NotAModelKit",
    "NotFound",
    "OutsideRoot",
    "PackError",
    "RegistryError",
    "RegistryNotFound",
    "RegistryUnreachable",
    "SecretsFound",
    "SignatureError",
    "StoreError",
    "TemplateError",
    "UnpackError",
    "UnsafeArchive",
]


class KitError(Exception):
    """Base of every error kitops-jupyter raises on purpose; ``str(err)`` is the full user message.

    The class attributes are what adapters may read without probing: ``http_status`` overrides the
    server's status table, ``hint`` the advice shown under the message, and ``final`` tells the
    registry client not to retry.
    """

    http_status: int | None = None
    hint: str | None = None
    final: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    @property
    def details(self) -> dict[str, Any] | None:
        """Structured data a front end can show beside the message (``None`` for most errors)."""
        return None


class KitfileError(KitError):
    """A Kitfile that cannot be parsed or does not validate.

    ``source`` is the file name (or ``"<string>"``), ``line`` is 1-based or ``None``, ``field`` is the
    dotted field path such as ``datasets[1].path`` or ``None``.
    """

    def __init__(
        self, message: str, *, source: str = "Kitfile", line: int | None = None, field: str | None = None
    ) -> None:
        where = source if line is None else f"{source} line {line}"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.field = field
        self.detail = message


class InvalidReference(KitError):
    """A ModelKit reference such as ``registry/repo:tag`` that does not parse."""


class InvalidArgument(KitError):
    """An option or combination of options that cannot work."""


class TemplateError(InvalidArgument):
    """A ``--format`` Go template that does not parse or fails while running (position in the message)."""


class PackError(KitError):
    """The context directory or Kitfile cannot be packed as asked."""


class SecretsFound(PackError):
    """The pack was stopped because what it would publish looks like it holds secrets.

    ``findings`` lists each one as ``path:line: kind: redacted excerpt`` (never the secret) and
    ``unscanned`` the files that could not be read, so a front end can show them before offering to
    pack anyway (``allow_secrets=True``).
    """

    def __init__(self, message: str, *, findings: list[str], unscanned: list[str]) -> None:
        super().__init__(message)
        self.findings = findings
        self.unscanned = unscanned

    @property
    def details(self) -> dict[str, Any]:
        return {"findings": list(self.findings), "unscanned": list(self.unscanned)}


class NotFound(KitError):
    """A ModelKit, tag, blob or file that does not exist where it was looked for."""


class MissingPath(NotFound, FileNotFoundError):
    """A path that is not in the ModelKit (a :class:`FileNotFoundError` too, as fsspec callers expect)."""


class StoreError(KitError):
    """The local store is unreadable or inconsistent."""


class IntegrityError(KitError):
    """Content whose digest or size differs from what its descriptor promised."""


class UnsafeArchive(KitError):
    """A layer that would write outside the target directory, or holds links, devices or bad headers."""


class UnpackError(KitError):
    """Unpacking would overwrite or collide with existing files."""


class KeyFileError(KitError):
    """A key file that cannot be read: wrong format, wrong password, or not an ECDSA P-256 key."""


class SignatureError(KitError):
    """A ModelKit that is unsigned, signed by another key, or whose signature does not match it."""


class OutsideRoot(KitError):
    """A folder in a server request that resolves outside the Jupyter server's root directory."""

    http_status = 403
    hint = "Use a folder under the file browser's root; the server never reads or writes outside it."


class JobCancelled(KitError):
    """Raised inside a server job's work (from its progress callback) once the job was cancelled."""


class Cancelled(KitError):
    """Raised from a panel operation's progress report once its Cancel button was pressed."""


class RegistryError(KitError):
    """A registry answered with an error, or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationFailed(RegistryError):
    """The registry refused the credentials (HTTP 401) or none were found."""


class Denied(RegistryError):
    """The registry knows who we are but does not allow the operation (HTTP 403)."""


class RegistryNotFound(RegistryError, NotFound):
    """404 from a registry: catchable both as ``NotFound`` and as ``RegistryError``."""


class RegistryUnreachable(RegistryError):
    """Connection, TLS or timeout failure that persisted through the retries."""


class FinalUnreachable(RegistryUnreachable):
    """A connection failure retrying cannot fix (TLS verification, wrong protocol)."""

    final = True


class NotAModelKit(RegistryError):
    """The artifact at a reference is not a ModelKit (nor a CNCF ModelPack)."""
