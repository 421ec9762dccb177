"""``%kit sign`` / ``%kit verify``: cosign-compatible signatures from the notebook.

The private key's password is never part of a cell: it comes from ``$COSIGN_PASSWORD`` (as cosign
reads it) or from a hidden prompt. ``--provenance`` attaches a SLSA provenance attestation naming
the notebook file (found as ``pack --from-kernel`` finds it) and the packages the kernel imported.
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from ..errors import InvalidArgument
from .context import Context
from .kernel import notebook_for
from .login import RefusePassword

__all__ = ["RefuseKeyPassword", "sign", "verify"]

_NO_PROMPT = (
    "this frontend cannot answer input prompts (nbclient, papermill, …); set COSIGN_PASSWORD in the "
    "kernel's environment instead"
)


class RefuseKeyPassword(RefusePassword):
    """``--password``: refused like ``login -p``; the key's password has two safe sources."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        raise argparse.ArgumentError(
            self,
            "a key's password is never taken from the cell (it is saved in the notebook and IPython's "
            "history): type it at the hidden prompt, or set COSIGN_PASSWORD in the kernel's environment",
        )


def _ask(prompt: str) -> str:
    from IPython.core.error import StdinNotImplementedError

    try:
        return getpass.getpass(prompt)
    except (StdinNotImplementedError, EOFError):
        raise InvalidArgument(_NO_PROMPT) from None


def _new_password() -> str:
    first = _ask("Enter password for private key: ")
    if _ask("Enter password for private key again: ") != first:
        raise InvalidArgument("the two passwords differ; nothing was written")
    return first


def sign(ctx: Context, args: argparse.Namespace) -> None:
    """``%kit sign REF --key cosign.key [--provenance]`` or ``%kit sign --generate-key [DIR]``."""
    kit = ctx.kit(args)
    if args.generate_key:
        signing_only = [
            f
            for f, given in (
                ("--key", args.key),
                ("--provenance", args.provenance),
                ("--notebook", args.notebook),
                ("--no-notebook", args.no_notebook),
            )
            if given
        ]
        if signing_only:
            raise InvalidArgument(
                f"--generate-key only writes a new key pair; {', '.join(signing_only)} belong to signing a "
                "ModelKit: run %kit sign REGISTRY/REPO:TAG --key cosign.key afterwards"
            )
        private, public = kit.generate_key_pair(args.reference or ".", password=_new_password)
        ctx.say(f"Private key written to {private}\nPublic key written to {public}")
        return
    if not args.reference or not args.key:
        raise InvalidArgument(
            "give the ModelKit and the private key: %kit sign REGISTRY/REPO:TAG --key cosign.key"
        )
    notes: list[str] = []
    notebook = notebook_for(ctx, args, notes) if args.provenance else None
    result = kit.sign(
        ctx.qualify(args.reference),
        key=args.key,
        password=lambda: _ask(f"Enter password for private key {args.key}: "),
        provenance=args.provenance,
        notebook=notebook,
    )
    for note in notes:
        ctx.say(f"note: {note}")
    ctx.say(f"Signed {result.reference.with_digest(result.digest)} with key {result.key_fingerprint}")
    ctx.say(f"  signature: {result.reference.with_tag(result.signature_tag)}")
    if result.attestation_tag:
        ctx.say(f"  provenance: {result.reference.with_tag(result.attestation_tag)}")


def verify(ctx: Context, args: argparse.Namespace) -> object:
    """``%kit verify REF --key cosign.pub``: the verification (with provenance), or a SignatureError."""
    key = args.key or ctx.options.verify_key or None
    verified = ctx.kit(args).verify(ctx.qualify(args.reference), key=key, provenance=args.provenance)
    from ..api import describe_verification

    ctx.say(describe_verification(verified))
    return verified if args.provenance else None
