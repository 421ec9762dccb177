"""Per-registry connection settings saved once and used by every front end (magics, panel, sidebar).

``$KITOPS_HOME/registry-settings.json`` holds, per registry host (with port):

    {"registries": {"192.168.1.20:5000": {"plain_http": true, "tls_verify": true, "ca_bundle": null}}}

``plain_http`` is ``true`` (HTTP), ``false`` (HTTPS) or ``null`` (HTTPS, HTTP for loopback hosts);
``tls_verify`` ``false`` skips certificate checks; ``ca_bundle`` is a PEM file of extra CAs. A
saved value is a default: an option the caller gives explicitly (a magic's ``--plain-http``, a
``RegistryOptions`` field other than its default) wins. The file is written atomically with mode
0600 (it sits next to ``credentials.json``); logins stay in ``credentials.json`` as kit keeps them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InvalidArgument, StoreError
from ..atomicfile import write_text

SETTINGS_FILE = "registry-settings.json"
_HOST = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?$"
)


@dataclass(frozen=True)
class RegistrySettings:
    """The saved options of one registry host."""

    registry: str
    plain_http: bool | None = None
    tls_verify: bool = True
    ca_bundle: str | None = None


def settings_path(home: Path) -> Path:
    return home / SETTINGS_FILE


def check_registry(registry: str) -> str:
    """``registry`` stripped, or ``InvalidArgument`` when it is not a host with an optional port."""
    host = registry.strip()
    if not _HOST.match(host):
        raise InvalidArgument(
            f"{registry!r} is not a registry host; give a host name with an optional port, "
            "such as ghcr.io or 192.168.1.20:5000 (no scheme, no repository)"
        )
    return host


def load_settings(home: Path) -> dict[str, RegistrySettings]:
    """Every saved registry, by host; ``{}`` when the file does not exist."""
    path = settings_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read registry settings {path}: {exc}; fix or remove the file") from None
    entries = data.get("registries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise StoreError(f"registry settings {path} have no 'registries' object; fix or remove the file")
    return {host: _entry(host, value, path) for host, value in entries.items()}


def _entry(host: str, value: Any, path: Path) -> RegistrySettings:
    if not isinstance(value, dict):
        raise StoreError(f"registry settings {path}: the entry for {host} is not an object")
    plain, verify, bundle = value.get("plain_http"), value.get("tls_verify", True), value.get("ca_bundle")
    if plain not in (True, False, None) or verify not in (True, False) or not isinstance(bundle, str | None):
        raise StoreError(
            f"registry settings {path}: {host} needs plain_http true/false/null, tls_verify true/false "
            "and ca_bundle a path or null"
        )
    return RegistrySettings(host, plain, verify, bundle or None)


def save_settings(home: Path, settings: RegistrySettings) -> RegistrySettings:
    """Add or replace one registry's settings (the CA bundle must exist)."""
    host = check_registry(settings.registry)
    bundle = (settings.ca_bundle or "").strip() or None
    if bundle is not None and not Path(bundle).expanduser().is_file():
        raise InvalidArgument(f"CA bundle {bundle} does not exist; give the path of a PEM file")
    saved = RegistrySettings(host, settings.plain_http, settings.tls_verify, bundle)
    entries = load_settings(home)
    entries[host] = saved
    _write(home, entries)
    return saved


def forget_settings(home: Path, registry: str) -> bool:
    """Remove one registry's settings; ``True`` if it had any."""
    entries = load_settings(home)
    if entries.pop(registry.strip(), None) is None:
        return False
    _write(home, entries)
    return True


def _write(home: Path, entries: dict[str, RegistrySettings]) -> None:
    path = settings_path(home)
    body = {
        "registries": {
            host: {"plain_http": each.plain_http, "tls_verify": each.tls_verify, "ca_bundle": each.ca_bundle}
            for host, each in sorted(entries.items())
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(body, indent=2) + "\n", mode=0o600)
