"""cosign-compatible signing, verification and SLSA provenance of ModelKits (issue 13).

``keys`` reads and writes cosign's key files, ``cosignformat`` is how cosign lays signatures out
in a registry, ``dsse`` the in-toto envelope, ``provenance`` the SLSA predicate, ``remote`` the
sign/verify verbs against a registry.
"""

from __future__ import annotations

from ...errors import KeyFileError, SignatureError
from .cosignformat import is_cosign_tag
from .keys import (
    PASSWORD_ENV,
    SigningKey,
    VerifyingKey,
    generate_key_pair,
    load_private_key,
    load_public_key,
    needs_password,
)
from .provenance import SLSA_PROVENANCE_V02, Provenance
from .remote import (
    SignResult,
    Verification,
    describe,
    fetch_signature_manifest,
    sign_modelkit,
    verify_modelkit,
)
from .trustsettings import SignatureSettings, load_signature_settings, save_signature_settings

__all__ = [
    "PASSWORD_ENV",
    "SLSA_PROVENANCE_V02",
    "KeyFileError",
    "Provenance",
    "SignResult",
    "SignatureError",
    "SignatureSettings",
    "SigningKey",
    "Verification",
    "VerifyingKey",
    "describe",
    "fetch_signature_manifest",
    "generate_key_pair",
    "is_cosign_tag",
    "load_private_key",
    "load_public_key",
    "load_signature_settings",
    "needs_password",
    "save_signature_settings",
    "sign_modelkit",
    "verify_modelkit",
]
