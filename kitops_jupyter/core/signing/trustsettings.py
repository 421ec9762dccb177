"""Whether pulls and unpacks must be signed, and by which public key: saved once, next to the
registry settings, for the sidebar (and any front end that asks).

``$KITOPS_HOME/signature-settings.json``:

    {"require_signature": true, "verify_key": "keys/cosign.pub"}

``verify_key`` is kept as the user typed it; the front end that saved it says what it is relative to
(the sidebar: the file browser's root). Written atomically with mode 0600 like the registry settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ...errors import InvalidArgument, StoreError
from ..storefiles import atomic_write

SETTINGS_FILE = "signature-settings.json"


@dataclass(frozen=True)
class SignatureSettings:
    require_signature: bool = False
    verify_key: str = ""


def load_signature_settings(home: Path) -> SignatureSettings:
    """The saved settings; the defaults (nothing required, no key) when the file does not exist."""
    path = home / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SignatureSettings()
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read signature settings {path}: {exc}; fix or remove the file") from None
    required = data.get("require_signature", False) if isinstance(data, dict) else None
    key = data.get("verify_key") or "" if isinstance(data, dict) else None
    if required not in (True, False) or not isinstance(key, str):
        raise StoreError(
            f"signature settings {path} need require_signature true/false and verify_key a path; "
            "fix or remove the file"
        )
    return SignatureSettings(required, key)


def save_signature_settings(home: Path, settings: SignatureSettings) -> SignatureSettings:
    """Replace the saved settings; requiring signatures without a key is refused."""
    saved = SignatureSettings(settings.require_signature, settings.verify_key.strip())
    if saved.require_signature and not saved.verify_key:
        raise InvalidArgument(
            "requiring signatures needs the signer's public key: give the path of cosign.pub"
        )
    path = home / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"require_signature": saved.require_signature, "verify_key": saved.verify_key}
    atomic_write(path, (json.dumps(body, indent=2) + "\n").encode(), mode=0o600)
    return saved
