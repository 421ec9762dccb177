"""The one error family of kitops-jupyter.

Every failure a user can cause or meet raises a subclass of :class:`KitError`; its message says what
went wrong, where (file and line, field, reference, digest) and what to do next. Adapters (magics,
panel, server) translate the family once at their boundary; the core never raises anything else on
purpose. Programmer errors stay ordinary ``RuntimeError``/``TypeError``.

    KitError
    ├── KitfileError          a Kitfile that cannot be read or fails validation (file, line, field)
    ├── InvalidReference      a ModelKit reference that does not parse
    ├── InvalidArgument       a bad option or combination of options
    ├── PackError             the context directory cannot be packed as asked
    │   └── SecretsFound      what would be packed looks like it holds secrets (allow to go on)
    ├── NotFound              a ModelKit, tag, blob or file that is not there
    ├── StoreError            the local store is unreadable or inconsistent
    ├── IntegrityError        content does not match its digest or declared size
    ├── UnsafeArchive         a layer that would write outside the target or holds links/devices
    ├── UnpackError           unpacking would overwrite or collide with existing files
    ├── KeyFileError          a signing key file that cannot be read (format, password, key type)
    ├── SignatureError        a ModelKit unsigned, signed by another key, or whose signature does not match
    └── RegistryError         a registry answered with an error or could not be reached
        ├── AuthenticationFailed   401: missing or wrong credentials
        ├── Denied                 403: authenticated but not allowed
        ├── RegistryUnreachable    connection, TLS or timeout failure after retries
        └── NotAModelKit           the artifact is not a ModelKit or ModelPack
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "Denied",
    "IntegrityError",
    "InvalidArgument",
    "InvalidReference",
    "KeyFileError",
    "KitError",
    "KitfileError",
    "NotAModelKit",
    "NotFound",
    "PackError",
    "RegistryError",
    "RegistryUnreachable",
    "SecretsFound",
    "SignatureError",
    "StoreError",
    "UnpackError",
    "UnsafeArchive",
]


class KitError(Exception):
    """Base of every error kitops-jupyter raises on purpose; ``str(err)`` is the full user message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


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
    def details(self) -> dict[str, list[str]]:
        return {"findings": list(self.findings), "unscanned": list(self.unscanned)}


class NotFound(KitError):
    """A ModelKit, tag, blob or file that does not exist where it was looked for."""


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


class RegistryError(KitError):
    """A registry answered with an error, or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationFailed(RegistryError):
    """The registry refused the credentials (HTTP 401) or none were found."""


class Denied(RegistryError):
    """The registry knows who we are but does not allow the operation (HTTP 403)."""


class RegistryUnreachable(RegistryError):
    """Connection, TLS or timeout failure that persisted through the retries."""


class NotAModelKit(RegistryError):
    """The artifact at a reference is not a ModelKit (nor a CNCF ModelPack)."""
