"""Stop a pack that would publish secrets, with a list of what was found and how to go on.

What is scanned is what the pack would put in the ModelKit: the Kitfile (it becomes the config blob)
and every path a Kitfile entry names, minus what ``.kitignore`` leaves out. Findings never include
the secret itself (see :mod:`kitops_jupyter.core.secrets`).
"""

from __future__ import annotations

from pathlib import Path

from ..core.ignore import IgnoreRules
from ..core.kitfile import find_kitfile, layer_entries, load_kitfile
from ..core.secrets import SecretFinding, format_finding, scan_for_secrets
from ..errors import KitError, PackError

__all__ = ["SecretsFound", "check_for_secrets", "find_pack_secrets"]

_MAX_LISTED = 20


class SecretsFound(PackError):
    """The pack was stopped because what it would publish looks like it holds secrets."""


def _packed_paths(context: Path, kitfile_path: Path) -> list[Path]:
    paths = [kitfile_path]
    for _, entry in layer_entries(load_kitfile(kitfile_path)):
        candidate = (context / str(getattr(entry, "path", ""))).resolve()
        if candidate.exists() and candidate.is_relative_to(context):
            paths.append(candidate)
    return paths


def find_pack_secrets(context: Path, kitfile: Path | None = None) -> list[SecretFinding]:
    """Suspected secrets in what packing ``context`` (with ``kitfile``) would publish.

    A Kitfile that cannot be read is not scanned here: the pack itself reports that error.
    """
    context = Path(context).resolve()
    try:
        kitfile_path = Path(kitfile).resolve() if kitfile else find_kitfile(context)
        paths = _packed_paths(context, kitfile_path)
        rules = IgnoreRules.load(context)
    except KitError:
        return []
    findings = scan_for_secrets(paths, context)
    kitfile_rel = kitfile_path.name if kitfile_path.parent == context else kitfile_path.as_posix()
    return [f for f in findings if f.path == kitfile_rel or not rules.matches(f.path)]


def check_for_secrets(context: Path, kitfile: Path | None = None, *, verb: str = "pack") -> None:
    """Raise :class:`SecretsFound` listing what looks like a secret (run with --allow-secrets to go on)."""
    findings = find_pack_secrets(context, kitfile)
    if not findings:
        return
    listed = [f"  {format_finding(f)}" for f in findings[:_MAX_LISTED]]
    if len(findings) > _MAX_LISTED:
        listed.append(f"  … and {len(findings) - _MAX_LISTED} more")
    message = (
        f"{verb} stopped: {len(findings)} possible secret(s) in what would be packed from {context}:\n"
        + "\n".join(listed)
        + "\nRemove them (or list the files in .kitignore; clear notebook outputs), "
        "or run again with --allow-secrets to pack anyway."
    )
    raise SecretsFound(message)
