"""What a remote reference names: references that must name a registry, and the ModelKit manifest
a registry holds under one. Shared by push/pull, remote inspect/list/remove/unpack, referrers and
signing; kept apart from :mod:`.transfer` so that a remote list does not import the push and pull
machinery (issue 10: the first remote call's imports stay small).
"""

from __future__ import annotations

from ...errors import InvalidArgument, NotAModelKit, StoreError
from .. import mediatypes
from ..manifest import Descriptor, Manifest
from ..reference import Reference, parse_reference
from .client import RegistryClient

__all__ = ["as_reference", "remote_manifest", "remote_reference"]


def as_reference(value: Reference | str, default_tag: str | None = "latest") -> tuple[Reference, list[str]]:
    """A Reference and its extra comma tags, from either form."""
    return (value, []) if isinstance(value, Reference) else parse_reference(value, default_tag=default_tag)


def remote_reference(
    value: Reference | str, verb: str, default_tag: str | None = "latest"
) -> tuple[Reference, list[str]]:
    """Like :func:`as_reference`, refusing references without a registry."""
    ref, extra = as_reference(value, default_tag)
    if ref.is_local_only:
        raise InvalidArgument(
            f"{verb} needs a registry in the reference, e.g. 'registry.example.com/{ref.repository}:"
            f"{ref.tag or 'latest'}' (got {ref.display() or ref})"
        )
    return ref, extra


def remote_manifest(client: RegistryClient, ref: Reference, what: str) -> tuple[Manifest, bytes, Descriptor]:
    """The ModelKit manifest at ``ref``; :class:`NotAModelKit` for anything else."""
    data, media_type, digest = client.get_manifest(ref.repository, ref.ref or "latest", what)
    if media_type in (mediatypes.INDEX, mediatypes.DOCKER_MANIFEST_LIST):
        raise NotAModelKit(
            f"{ref} is an image index, not a ModelKit; pull one of its manifests by digest (name@sha256:...)"
        )
    try:
        manifest = Manifest.parse(data, f"manifest of {ref}")
    except StoreError:
        raise NotAModelKit(
            f"{ref} is not a ModelKit: its manifest ({media_type or 'unknown media type'}) is not an OCI image manifest"
        ) from None
    if manifest.kind is None:
        kind = manifest.artifact_type or manifest.config.media_type or "unknown"
        raise NotAModelKit(
            f"{ref} is not a ModelKit: its artifact type is {kind!r}; only KitOps ModelKits and CNCF "
            "ModelPacks can be pulled, use another tool for other artifacts"
        )
    return manifest, data, Descriptor(media_type or mediatypes.MANIFEST, digest, len(data))
