"""``login`` and ``logout`` like ``kit login``/``kit logout``: verify credentials against the registry
through the client, then store or erase them (docs/format.md §6).

Kept apart from :mod:`.auth` (reading and writing credentials), which the client itself needs: this
module sits above the client, so the two never import each other.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ...errors import AuthenticationFailed, InvalidArgument
from .auth import Credentials, erase_credentials, host_key, store_credentials
from .client import RegistryClient, RegistryOptions

__all__ = ["login", "logout"]


def login(
    registry: str,
    username: str,
    password: str,
    *,
    options: RegistryOptions | None = None,
    home: Path | None = None,
) -> str:
    """Verify ``username``/``password`` against ``registry`` (``GET /v2/`` through its auth flow), then
    store them (see module docs). Returns a message saying where they were stored; never the secret."""
    registry = host_key(registry)
    if not username or not password:
        raise InvalidArgument(f"login to {registry}: a username and a password (or token) are required")
    creds = Credentials(username, password, "login")
    base = options or RegistryOptions()
    with RegistryClient(registry, replace(base, credentials=creds, home=home or base.home)) as client:
        try:
            client.ping(f"login to {registry}")
        except AuthenticationFailed as exc:
            raise AuthenticationFailed(
                f"login to {registry} failed: the registry refused user {username!r} with that password "
                "(or token); check both and try again",
                status=exc.status,
            ) from None
    where = store_credentials(registry, creds, home or base.home)
    return f"Login succeeded for {username} at {registry}; credentials stored in {where}"


def logout(registry: str, *, home: Path | None = None) -> str:
    """Remove the stored credentials for ``registry``; says whether there were any."""
    registry = host_key(registry)
    if erase_credentials(registry, home):
        return f"Logged out of {registry}"
    return f"Not logged in to {registry}; nothing to remove"
