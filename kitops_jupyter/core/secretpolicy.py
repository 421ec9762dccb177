"""The one secret policy: a pack does not publish what looks like a secret unless the caller allows it.

Every entry point packs through :func:`.packer.pack` (``api.pack``, the ``%kit`` magics, the panel,
the REST pack), which scans exactly what would be packed (the Kitfile, which becomes the config
blob, and every regular file of every layer after ``.kitignore``) before writing anything, and calls
:func:`enforce`. Findings never include the secret itself (see :mod:`.secrets`); files that could not
be scanned are always reported, so nothing is skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import SecretsFound
from .secrets import format_finding
from .secretscan import SecretScan, scan_files, scan_text

__all__ = ["enforce", "scan_pack"]

MAX_LISTED = 20  # findings listed in a message; the error's ``findings`` holds them all


def scan_pack(kitfile_text: str, kitfile_name: str, files: Iterable[tuple[str, Path]]) -> SecretScan:
    """Scan the Kitfile text and ``(name in the layer, path)`` of every file a pack would write."""
    scan = scan_files(files)
    scan.findings[:0] = scan_text(kitfile_text, kitfile_name)
    return scan


def _listed(items: list[str], limit: int) -> list[str]:
    shown = [f"  {item}" for item in items[:limit]]
    return shown + ([f"  … and {len(items) - limit} more"] if len(items) > limit else [])


def enforce(scan: SecretScan, context: Path, *, allow: bool, note: Callable[[str], None]) -> None:
    """Raise :class:`SecretsFound` when ``scan`` found something and ``allow`` is false; otherwise note
    what was allowed and what could not be read (binary files stay in the result's ``unscanned``)."""
    findings = [format_finding(f) for f in scan.findings]
    unscanned = [str(u) for u in scan.unscanned]
    if findings and not allow:
        message = (
            f"pack stopped: {len(findings)} possible secret(s) in what would be packed from {context}:\n"
            + "\n".join(_listed(findings, MAX_LISTED))
            + "\nRemove them (or list the files in .kitignore; clear notebook outputs), or pack anyway: "
            "--allow-secrets in %kit pack, allow_secrets=True in the API, 'Pack anyway' in the panel "
            "and the sidebar."
        )
        raise SecretsFound(message, findings=findings, unscanned=unscanned)
    if findings:
        note(f"packed with {len(findings)} possible secret(s), as allowed: " + "; ".join(findings[:5]))
    # Binary files (weights, archives) are normal in a ModelKit: they are listed in the result only.
    unreadable = [str(u) for u in scan.unscanned if u.reason != "binary"]
    if unreadable:
        more = f" and {len(unreadable) - 5} more" if len(unreadable) > 5 else ""
        note(f"not scanned for secrets: {', '.join(unreadable[:5])}{more}")
