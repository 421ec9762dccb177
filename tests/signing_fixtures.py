"""Signing keys for tests: a plain PEM ECDSA P-256 pair (what ``cosign import-key-pair`` reads), so no
test pays for scrypt on every signature."""

from __future__ import annotations

from pathlib import Path


def write_pem_pair(directory: Path) -> tuple[Path, Path]:
    """``directory/ec.key`` (unencrypted PKCS#8) and ``directory/ec.pub``; returns both paths."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    private, public = directory / "ec.key", directory / "ec.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public
