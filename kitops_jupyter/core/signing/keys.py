"""cosign's key files: read and write them the way ``cosign generate-key-pair`` does.

A cosign private key is a PEM block ``ENCRYPTED SIGSTORE PRIVATE KEY`` (older: ``ENCRYPTED COSIGN
PRIVATE KEY``) whose body is JSON: a scrypt KDF (N, r, p, salt), a NaCl secretbox cipher (nonce)
and the ciphertext of the PKCS#8 DER private key. Plain PEM ECDSA keys (``EC PRIVATE KEY``,
``PRIVATE KEY``) are read too, as ``cosign import-key-pair`` does. The public key is a PKIX
``PUBLIC KEY`` PEM. Only ECDSA P-256 keys are used for signing: that is what cosign makes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InvalidArgument, KeyFileError
from ..atomicfile import write_bytes

SIGSTORE_PEM = "ENCRYPTED SIGSTORE PRIVATE KEY"
COSIGN_PEM = "ENCRYPTED COSIGN PRIVATE KEY"
PASSWORD_ENV = "COSIGN_PASSWORD"
# The scrypt strengths go-securesystemslib accepts (legacy, standard = cosign's default, OWASP).
_SCRYPT_N = (1 << 15, 1 << 16, 1 << 17)
_SCRYPT_DEFAULT_N = 1 << 16

# cryptography is imported only when a key is used: it costs a fresh kernel's first push or pull
# about 25 ms of imports, and only signing and verifying need it.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec


@dataclass(frozen=True)
class SigningKey:
    """An ECDSA P-256 private key and where it came from (for messages)."""

    private: ec.EllipticCurvePrivateKey
    source: str

    def sign(self, data: bytes) -> bytes:
        """ASN.1 DER ECDSA signature over SHA-256 of ``data`` (what cosign stores, base64)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        return self.private.sign(data, ec.ECDSA(hashes.SHA256()))

    @property
    def public(self) -> VerifyingKey:
        return VerifyingKey(self.private.public_key(), self.source)


@dataclass(frozen=True)
class VerifyingKey:
    """An ECDSA P-256 public key; ``fingerprint`` names it in messages and the UI."""

    public: ec.EllipticCurvePublicKey
    source: str

    def verify(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            self.public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True

    def pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def fingerprint(self) -> str:
        """``sha256:`` of the DER public key, shortened: enough to tell two keys apart."""
        from cryptography.hazmat.primitives import serialization

        der = self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return "sha256:" + hashlib.sha256(der).hexdigest()[:16]


def _read(path: Path | str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise KeyFileError(
            f"cannot read the {what} {path}: {exc.strerror}; give the path of a cosign key file"
        ) from None


def _pem_blocks(data: bytes, source: str) -> tuple[str, bytes]:
    text = data.decode("ascii", "replace")
    begin = text.find("-----BEGIN ")
    if begin < 0:
        raise KeyFileError(f"{source} is not a PEM file (no -----BEGIN line); give a cosign key file")
    label = text[begin + 11 : text.find("-----", begin + 11)]
    end = text.find(f"-----END {label}-----", begin)
    if end < 0:
        raise KeyFileError(f"{source}: the PEM block {label!r} has no END line; the file is cut short")
    body = text[text.find("\n", begin) + 1 : end]
    try:
        return label, base64.b64decode("".join(body.split()), validate=True)
    except ValueError:
        raise KeyFileError(f"{source}: the PEM block {label!r} is not valid base64") from None


def _p256(key: Any, source: str) -> ec.EllipticCurvePrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ec

    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise KeyFileError(
            f"{source} is not an ECDSA P-256 key; create one with %kit sign --generate-key "
            "(or cosign generate-key-pair)"
        )
    return key


def load_private_key(path: Path | str, password: bytes | None) -> SigningKey:
    """A cosign encrypted private key (``password`` needed) or a plain PEM ECDSA P-256 key."""
    from cryptography.hazmat.primitives import serialization

    source = str(path)
    data = _read(path, "private key")
    label, der = _pem_blocks(data, source)
    if label in (SIGSTORE_PEM, COSIGN_PEM):
        if password is None:
            raise KeyFileError(f"{source} is encrypted: give its password (prompt or ${PASSWORD_ENV})")
        der = decrypt_private_der(der, password, source)
        return SigningKey(_p256(serialization.load_der_private_key(der, None), source), source)
    if label in ("EC PRIVATE KEY", "PRIVATE KEY"):
        try:
            key = serialization.load_pem_private_key(data, password or None)
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"{source}: cannot read the private key ({exc})") from None
        return SigningKey(_p256(key, source), source)
    raise KeyFileError(f"{source} holds a {label!r} PEM block, not a private key; give cosign.key")


def needs_password(path: Path | str) -> bool:
    """True for cosign's encrypted key files (the caller then asks for the password)."""
    label, _ = _pem_blocks(_read(path, "private key"), str(path))
    return label in (SIGSTORE_PEM, COSIGN_PEM)


def load_public_key(path: Path | str) -> VerifyingKey:
    """A PKIX ``PUBLIC KEY`` PEM (cosign.pub), ECDSA P-256."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    source = str(path)
    data = _read(path, "public key")
    label, _ = _pem_blocks(data, source)
    if label != "PUBLIC KEY":
        hint = " (that is the private key; give the .pub file)" if "PRIVATE" in label else ""
        raise KeyFileError(f"{source} holds a {label!r} PEM block, not a PUBLIC KEY{hint}")
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise KeyFileError(f"{source} is not an ECDSA P-256 public key; give cosign.pub")
    return VerifyingKey(key, source)


# -- cosign's encrypted private key (go-securesystemslib "encrypted") ------------------------------


def _scrypt(password: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


def decrypt_private_der(blob: bytes, password: bytes, source: str) -> bytes:
    """The PKCS#8 DER inside cosign's encrypted key JSON; a wrong password is a KeyFileError."""
    import nacl.exceptions
    import nacl.secret

    try:
        doc = json.loads(blob)
        kdf, cipher = doc["kdf"], doc["cipher"]
        params = kdf["params"]
        n, r, p = int(params["N"]), int(params["r"]), int(params["p"])
        salt = base64.b64decode(kdf["salt"])
        nonce = base64.b64decode(cipher["nonce"])
        ciphertext = base64.b64decode(doc["ciphertext"])
    except (ValueError, KeyError, TypeError):
        raise KeyFileError(
            f"{source}: the encrypted key is not cosign's JSON (kdf, cipher, ciphertext)"
        ) from None
    if kdf.get("name") != "scrypt" or cipher.get("name") != "nacl/secretbox":
        raise KeyFileError(f"{source}: unsupported key encryption {kdf.get('name')}/{cipher.get('name')}")
    if n not in _SCRYPT_N or (r, p) != (8, 1) or len(nonce) != 24:
        raise KeyFileError(f"{source}: unsupported scrypt parameters N={n} r={r} p={p}")
    box = nacl.secret.SecretBox(_scrypt(password, salt, n, r, p))
    try:
        return box.decrypt(ciphertext, nonce)
    except nacl.exceptions.CryptoError:
        raise KeyFileError(
            f"{source}: wrong password (decryption failed); check ${PASSWORD_ENV} or retype it"
        ) from None


def encrypt_private_der(der: bytes, password: bytes) -> bytes:
    """cosign's encrypted key JSON for ``der`` with its default scrypt strength."""
    import nacl.secret

    salt, nonce = secrets.token_bytes(32), secrets.token_bytes(24)
    box = nacl.secret.SecretBox(_scrypt(password, salt, _SCRYPT_DEFAULT_N, 8, 1))
    sealed = box.encrypt(der, nonce).ciphertext

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    doc = {
        "kdf": {"name": "scrypt", "params": {"N": _SCRYPT_DEFAULT_N, "r": 8, "p": 1}, "salt": b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)},
        "ciphertext": b64(sealed),
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n").encode()


def generate_key_pair(directory: Path | str, password: bytes, *, prefix: str = "cosign") -> tuple[Path, Path]:
    """Write ``cosign.key`` (encrypted, mode 0600) and ``cosign.pub`` like ``cosign generate-key-pair``.

    Refuses to overwrite either file. Returns ``(private_path, public_path)``.
    """
    directory = Path(directory)
    private_path, public_path = directory / f"{prefix}.key", directory / f"{prefix}.pub"
    for path in (private_path, public_path):
        if path.exists():
            raise InvalidArgument(f"{path} already exists; move it away or choose another directory")
    directory.mkdir(parents=True, exist_ok=True)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_new(private_path, _pem(SIGSTORE_PEM, encrypt_private_der(der, password)), 0o600)
    _write_new(public_path, VerifyingKey(key.public_key(), str(public_path)).pem(), 0o644)
    return private_path, public_path


def _write_new(path: Path, data: bytes, mode: int) -> None:
    write_bytes(path, data, mode=mode)  # the temp file starts 0600, so a private key is never readable
