"""SLSA provenance (v0.2 predicate, what ``cosign verify-attestation --type slsaprovenance`` expects)
describing how a ModelKit was made in a notebook.

Builder: this package and its version. Materials: the notebook file (sha256 of its bytes), every
dataset layer of the ModelKit (its layer digest) and the Python distributions the kernel imported
(``pkg:pypi/name@version``; a package URL type, no host).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..digest import hex_of
from ..kitfile import Kitfile

SLSA_PROVENANCE_V02 = "https://slsa.dev/provenance/v0.2"
BUILD_TYPE = "https://kitops.org/kitops-jupyter/notebook-pack@v1"


@dataclass(frozen=True)
class Provenance:
    """What went into a ModelKit. ``packages`` are ``name==version`` pins."""

    builder_version: str
    notebook: Path | None = None
    packages: list[str] = field(default_factory=list)
    started: datetime | None = None

    def predicate(self, reference: str, kitfile: Kitfile) -> dict[str, Any]:
        """The SLSA v0.2 predicate for the ModelKit ``reference`` with ``kitfile`` (layer digests)."""
        now = _rfc3339(datetime.now(timezone.utc))
        invocation: dict[str, Any] = {"parameters": {"reference": reference}, "environment": {}}
        if self.notebook is not None:
            invocation["configSource"] = {
                "uri": self.notebook.name,
                "digest": {"sha256": file_sha256(self.notebook)},
                "entryPoint": self.notebook.name,
            }
        return {
            "builder": {"id": f"pkg:pypi/kitops-jupyter@{self.builder_version}"},
            "buildType": BUILD_TYPE,
            "invocation": invocation,
            "metadata": {
                "buildStartedOn": _rfc3339(self.started) if self.started else now,
                "buildFinishedOn": now,
                "completeness": {"parameters": True, "environment": False, "materials": True},
                "reproducible": False,
            },
            "materials": self.materials(reference, kitfile),
        }

    def materials(self, reference: str, kitfile: Kitfile) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if self.notebook is not None:
            found.append({"uri": self.notebook.name, "digest": {"sha256": file_sha256(self.notebook)}})
        for dataset in kitfile.datasets:
            if dataset.layer is not None and dataset.layer.digest:
                found.append(
                    {
                        "uri": f"{reference}#datasets/{dataset.name or dataset.path}",
                        "digest": {"sha256": hex_of(dataset.layer.digest)},
                    }
                )
        for pin in sorted(self.packages):
            name, _, version = pin.partition("==")
            found.append({"uri": f"pkg:pypi/{name}@{version}" if version else f"pkg:pypi/{name}"})
        return found


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
