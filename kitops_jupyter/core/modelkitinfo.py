"""The one record of a ModelKit found somewhere: in the local store or in a registry.

``api`` returns it from ``get``/``inspect``/``pull``/``unpack``; the registry's remote verbs
(``fetch_modelkit``, ``remote_list``) build it from what the registry answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kitfile import Kitfile
    from .manifest import Descriptor, Manifest
    from .reference import Reference
    from .registry.referrers import Referrers

__all__ = ["ModelKitInfo"]


@dataclass
class ModelKitInfo:
    """A ModelKit located in the store or a registry: reference, manifest, Kitfile (with digests).

    ``referrers`` is filled by ``inspect(..., remote=True)``: what refers to it in its registry
    (signatures, attestations, SBOMs); ``None`` when not asked.
    """

    reference: Reference
    descriptor: Descriptor
    manifest: Manifest
    kitfile: Kitfile
    referrers: Referrers | None = None
    notes: list[str] = field(default_factory=list)  # e.g. damaged blobs a pull replaced

    @property
    def digest(self) -> str:
        return self.descriptor.digest
