"""What every handler shares: the ``Kit``, the job table and the server's root directory.

Folders in requests (pack, unpack) are relative to the Jupyter server's root directory, like the
file browser's paths; anything that resolves outside it (``..``, absolute paths, symlinks leading
out) is refused with 403. No Jupyter imports here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..api import Kit
from ..errors import OutsideRoot
from .jobs import JobManager


@dataclass
class ServerContext:
    """One per server: built when the extension loads, kept in ``web_app.settings["kitops"]``."""

    kit: Kit
    jobs: JobManager
    root: Path

    def folder(self, relative: str) -> Path:
        """``relative`` (a file-browser path; ``""`` is the root) as an absolute path inside the root."""
        return resolve_inside(self.root, relative)

    def display(self, path: Path) -> str:
        """A path inside the root as the file browser shows it (``""`` for the root itself)."""
        rel = path.relative_to(self.root).as_posix()
        return "" if rel == "." else rel


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve ``relative`` against ``root`` (following symlinks); raise ``OutsideRoot`` if it leaves."""
    base = root.resolve()
    candidate = Path(relative.strip() or ".")
    target = (candidate if candidate.is_absolute() else base / candidate).resolve()
    if target != base and base not in target.parents:
        raise OutsideRoot(
            f"folder {relative!r} is outside the Jupyter server's root directory {base}; "
            "give a folder inside it, relative to the file browser's root"
        )
    return target
