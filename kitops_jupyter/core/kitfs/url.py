"""``kit://REGISTRY/REPOSITORY:TAG/PATH`` and ``kit://REGISTRY/REPOSITORY@sha256:HEX/PATH`` URLs.

The registry is always the first component (``localhost`` names the local store only). Credentials
never belong in a URL: one with a ``user:password@`` part is refused without repeating it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import InvalidReference
from ..reference import DEFAULT_REGISTRY, Reference, is_valid_tag, parse_reference
from ..tarread import check_name

PROTOCOL = "kit"
_DIGEST = re.compile(r"@(sha256:[0-9a-f]{64})(?:/|$)")
_EXAMPLE = "kit://registry.example.com/myorg/model:v1/data/train.parquet"


@dataclass(frozen=True)
class KitPath:
    """A parsed ``kit://`` path: the ModelKit and a normalised path inside it (``""`` is its root)."""

    reference: Reference
    inner: str

    @property
    def root(self) -> str:
        """The path of the ModelKit's root in the filesystem's namespace (no protocol)."""
        return str(self.reference)

    def join(self, name: str) -> str:
        return f"{self.root}/{name}" if name else self.root


def strip_protocol(path: str) -> str:
    """``path`` without ``kit://`` and trailing slashes (fsspec's internal form)."""
    text = path[len(PROTOCOL) + 3 :] if path.startswith(f"{PROTOCOL}://") else path
    return text.rstrip("/")


def parse_kit_path(path: str) -> KitPath:
    """Split a ``kit://`` URL (or the same without the protocol) into reference and inner path."""
    text = strip_protocol(path)
    registry, slash, rest = text.partition("/")
    if "@" in registry:
        raise InvalidReference(
            "kit:// URLs never carry credentials (user:password@ was given and ignored); use "
            "`kit login`, %kit login or KITOPS_REGISTRY_USERNAME/PASSWORD instead"
        )
    if not slash or not rest:
        raise InvalidReference(f"kit:// URL {path!r} names no ModelKit; use {_EXAMPLE}")
    repository, ref_text, inner = _split_rest(rest, path)
    reference = _reference(registry, repository, ref_text, path)
    return KitPath(reference, _inner(inner, path))


def _split_rest(rest: str, path: str) -> tuple[str, str, str]:
    match = _DIGEST.search(rest)
    if match is not None:
        return rest[: match.start()], match.group(1), rest[match.end() :]
    head, colon, tail = rest.partition(":")
    if not colon:
        raise InvalidReference(
            f"kit:// URL {path!r} has no :TAG or @sha256:DIGEST after the repository; use {_EXAMPLE}"
        )
    tag, _, inner = tail.partition("/")
    if not is_valid_tag(tag):
        raise InvalidReference(f"kit:// URL {path!r}: {tag!r} is not a valid tag")
    return head, tag, inner


def _reference(registry: str, repository: str, ref_text: str, path: str) -> Reference:
    tag, digest = ("", ref_text) if ref_text.startswith("sha256:") else (ref_text, "")
    if registry == DEFAULT_REGISTRY:
        parse_reference(f"{repository}:latest")  # checks the repository grammar
        return Reference(DEFAULT_REGISTRY, repository, tag, digest)
    if "." not in registry and ":" not in registry:
        raise InvalidReference(
            f"kit:// URL {path!r}: {registry!r} is not a registry host (it needs a '.' or ':port', or is "
            f"'localhost' for the local store); use {_EXAMPLE}"
        )
    text = f"{registry}/{repository}" + (f"@{digest}" if digest else f":{tag}")
    ref, _ = parse_reference(text)
    return ref


def _inner(inner: str, path: str) -> str:
    if not inner.strip("/"):
        return ""
    try:
        return check_name(inner, is_dir=True)
    except ValueError as exc:
        raise InvalidReference(f"kit:// URL {path!r}: the path inside the ModelKit {exc}") from None
