"""Registry credentials: where they are looked up, and how ``login``/``logout`` store and erase them.

Lookup order for a registry host (first hit wins):

1. explicit ``username``/``password`` arguments;
2. environment: ``KITOPS_REGISTRY_USERNAME_<HOST>`` / ``KITOPS_REGISTRY_PASSWORD_<HOST>`` where
   ``<HOST>`` is the registry (with port) upper-cased and every other character than A-Z/0-9 turned
   into ``_`` (``reg.example.com:5000`` -> ``REG_EXAMPLE_COM_5000``); then the pair
   ``KITOPS_REGISTRY_USERNAME`` / ``KITOPS_REGISTRY_PASSWORD``, used for every registry unless
   ``KITOPS_REGISTRY`` names one host, in which case only for that host;
3. ``$KITOPS_HOME/credentials.json`` (what ``login`` writes; Docker ``config.json`` format);
4. Docker's config, ``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json`` (read only).

In each config file ``credHelpers[<host>]`` is asked first, then ``credsStore``, then the inline
``auths`` entry. Helpers are the ``docker-credential-<name>`` programs on ``PATH``.

``login`` stores into ``$KITOPS_HOME/credentials.json``: through the file's ``credsStore`` (or
``credHelpers[<host>]``) helper if one is configured, otherwise as ``{"auths": {host: {"auth":
base64("user:pass")}}}`` written atomically with mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import AuthenticationFailed, InvalidArgument, StoreError
from ..atomicfile import write_text
from .redact import register_secret

ENV_USERNAME = "KITOPS_REGISTRY_USERNAME"
ENV_PASSWORD = "KITOPS_REGISTRY_PASSWORD"
ENV_REGISTRY = "KITOPS_REGISTRY"
CREDENTIALS_FILE = "credentials.json"
_HELPER_TIMEOUT = 30.0
_HELPER_NOT_FOUND = "credentials not found in native keychain"  # what every docker-credential-* prints


@dataclass(frozen=True)
class Credentials:
    """A username and password (or token) for one registry; the secret never appears in ``repr``."""

    username: str
    password: str = field(repr=False)
    source: str = "arguments"

    def __post_init__(self) -> None:
        register_secret(self.password)
        register_secret(self.basic())

    def basic(self) -> str:
        """The value of a ``Basic`` Authorization header."""
        return base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")


def env_names(registry: str) -> tuple[str, str]:
    """The per-host environment variable names for ``registry``."""
    key = re.sub(r"[^A-Z0-9]", "_", registry.upper())
    return f"{ENV_USERNAME}_{key}", f"{ENV_PASSWORD}_{key}"


def kitops_credentials_path(home: Path | None = None) -> Path:
    if home is None:
        from ..store import kitops_home

        home = kitops_home()
    return home / CREDENTIALS_FILE


def stored_logins(home: Path | None = None) -> list[str]:
    """The registry hosts ``login`` stored credentials for in ``$KITOPS_HOME/credentials.json``."""
    config = read_config(kitops_credentials_path(home))
    hosts = {host_key(key) for key in (config.get("auths") or {})}
    hosts |= {host_key(key) for key in (config.get("credHelpers") or {})}
    return sorted(hosts)


def docker_config_path() -> Path:
    base = os.environ.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def find_credentials(
    registry: str, *, username: str | None = None, password: str | None = None, home: Path | None = None
) -> Credentials | None:
    """Credentials for ``registry`` following the documented lookup order, or ``None`` (anonymous)."""
    if username or password:
        if not (username and password):
            raise InvalidArgument(f"login to {registry}: give both a username and a password, or neither")
        return Credentials(username, password, "arguments")
    found = _from_env(registry)
    if found is None:
        found = _from_config(kitops_credentials_path(home), registry)
    if found is None:
        found = _from_config(docker_config_path(), registry)
    return found


def _from_env(registry: str) -> Credentials | None:
    user_var, pass_var = env_names(registry)
    user, secret = os.environ.get(user_var), os.environ.get(pass_var)
    if user and secret:
        return Credentials(user, secret, f"environment {user_var}/{pass_var}")
    scope = os.environ.get(ENV_REGISTRY)
    if scope and host_key(scope) != registry:
        return None
    user, secret = os.environ.get(ENV_USERNAME), os.environ.get(ENV_PASSWORD)
    if user and secret:
        return Credentials(user, secret, f"environment {ENV_USERNAME}/{ENV_PASSWORD}")
    return None


def _from_config(path: Path, registry: str) -> Credentials | None:
    config = read_config(path)
    helper = config.get("credHelpers", {}).get(registry) or config.get("credsStore")
    if helper:
        found = helper_get(str(helper), registry)
        if found is not None:
            return found
    for key, entry in (config.get("auths") or {}).items():
        if host_key(key) == registry and isinstance(entry, dict):
            creds = _decode_entry(entry, f"{path}")
            if creds is not None:
                return creds
    return None


def host_key(key: str) -> str:
    """``https://host:port/v1/`` -> ``host:port``: config keys may be URLs."""
    key = re.sub(r"^[a-z]+://", "", key.strip())
    return key.split("/", 1)[0]


def _decode_entry(entry: dict[str, Any], source: str) -> Credentials | None:
    if entry.get("username") and entry.get("password"):
        return Credentials(str(entry["username"]), str(entry["password"]), source)
    auth = entry.get("auth")
    if not auth:
        return None
    try:
        user, _, secret = base64.b64decode(str(auth), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise StoreError(
            f"{source}: an 'auth' entry is not base64 of 'user:password'; fix or remove it"
        ) from None
    return Credentials(user, secret, source) if user and secret else None


def read_config(path: Path) -> dict[str, Any]:
    """A Docker-format config file as a dict; ``{}`` if it does not exist."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read credentials file {path}: {exc}; fix or remove it") from None
    if not isinstance(data, dict):
        raise StoreError(f"credentials file {path} is not a JSON object; fix or remove it")
    return data


def write_config(path: Path, config: dict[str, Any]) -> None:
    """Write ``config`` to ``path`` atomically (temp file in the same directory, then rename), 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(config, indent="\t") + "\n", mode=0o600, fsync=True)


def store_credentials(registry: str, creds: Credentials, home: Path | None = None) -> str:
    """Save ``creds`` for ``registry``; returns where they went (for the login message)."""
    path = kitops_credentials_path(home)
    config = read_config(path)
    helper = config.get("credHelpers", {}).get(registry) or config.get("credsStore")
    if helper:
        payload = {"ServerURL": registry, "Username": creds.username, "Secret": creds.password}
        _run_helper(str(helper), "store", json.dumps(payload), registry)
        return f"credential helper docker-credential-{helper}"
    config.setdefault("auths", {})[registry] = {"auth": creds.basic()}
    write_config(path, config)
    return str(path)


def erase_credentials(registry: str, home: Path | None = None) -> bool:
    """Remove stored credentials for ``registry``; ``True`` if something was removed."""
    path = kitops_credentials_path(home)
    config = read_config(path)
    removed = False
    helper = config.get("credHelpers", {}).get(registry) or config.get("credsStore")
    if helper and helper_get(str(helper), registry) is not None:
        _run_helper(str(helper), "erase", registry, registry)
        removed = True
    auths = config.get("auths") or {}
    for key in [k for k in auths if host_key(k) == registry]:
        del auths[key]
        removed = True
    if removed and path.exists():
        write_config(path, config)
    return removed


def helper_get(helper: str, registry: str) -> Credentials | None:
    """Ask ``docker-credential-<helper>`` for ``registry``; ``None`` if it has nothing for it.

    A helper that is missing, fails or answers something other than the protocol's JSON raises
    :class:`AuthenticationFailed` saying so, rather than passing for "no credentials".
    """
    out = _run_helper(helper, "get", registry, registry)
    if out is None:
        return None
    try:
        payload = json.loads(out)
        user, secret = str(payload["Username"]), str(payload["Secret"])
    except (ValueError, KeyError, TypeError):
        raise AuthenticationFailed(
            f"credential helper docker-credential-{helper} gave an answer for {registry} that is not "
            "the JSON object with Username and Secret it should print; check that it works from a shell"
        ) from None
    return Credentials(user, secret, f"credential helper docker-credential-{helper}") if secret else None


def _run_helper(helper: str, action: str, stdin: str, registry: str) -> str | None:
    """The helper's output; ``None`` when a ``get`` says it has nothing (the protocol's not-found)."""
    import subprocess  # only credential helpers run programs; most logins never load it

    program = f"docker-credential-{helper}"
    try:
        proc = subprocess.run(
            [program, action], input=stdin.encode(), capture_output=True, timeout=_HELPER_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise AuthenticationFailed(
            f"credential helper {program} (configured for {registry}) is not on PATH; install it or "
            "remove it from the config"
        ) from None
    except subprocess.TimeoutExpired:
        raise AuthenticationFailed(
            f"credential helper {program} did not answer within {_HELPER_TIMEOUT:.0f}s"
        ) from None
    if (
        proc.returncode != 0
        and action == "get"
        and _HELPER_NOT_FOUND in proc.stdout.decode("utf-8", "replace")
    ):
        return None
    if proc.returncode != 0:
        raise AuthenticationFailed(
            f"credential helper {program} failed to {action} credentials for {registry} "
            f"(exit {proc.returncode}); check that it works from a shell"
        )
    return proc.stdout.decode("utf-8", "replace")
