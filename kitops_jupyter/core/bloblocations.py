"""Which registry repositories hold which blobs, as far as this store has seen (pushes and pulls).

Push asks it for another repository on the same registry that holds a blob, to mount the blob
from there instead of uploading it again (promoting ``team/churn:v3`` to ``prod/churn:v3``).

Kept in ``storage/kitops-jupyter-blob-locations.json`` beside the lock file we already keep there:
a plain file directly in ``storage/`` whose name matches none of kit's patterns (``index.json``,
``*-index.json``, ``*-tags.json``, ``blobs/``, ``ingest/``), so kit ignores it. Format::

    {"version": 1, "registries": {"reg:5000": {"sha256:…": {"team/churn": 1733500000.0}}}}

The value is when we last saw the blob there; entries are in the order seen, newest last. It is a hint, never trusted: a stale entry only
costs one mount request that the registry answers with a normal upload. Bounded: per blob the
newest few repositories, per registry the most recently seen blobs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .storefiles import StoreLock, atomic_write, read_json

__all__ = ["LOCATIONS_FILE", "BlobLocations"]

LOCATIONS_FILE = "kitops-jupyter-blob-locations.json"
MAX_REPOS_PER_BLOB = 4
MAX_BLOBS_PER_REGISTRY = 20_000


class BlobLocations:
    """The locations record of one store (``storage`` is the store's ``storage/`` directory)."""

    def __init__(self, storage: Path) -> None:
        self.storage = storage
        self.path = storage / LOCATIONS_FILE

    def sources(self, registry: str, digest: str, *, exclude: str = "") -> list[str]:
        """Repositories of ``registry`` known to hold ``digest``, most recently seen first."""
        seen = self._load().get(registry, {}).get(digest, {})
        return [repo for repo in reversed(seen) if repo != exclude]

    def record(self, registry: str, repository: str, digests: Iterable[str]) -> None:
        """Remember that ``registry/repository`` holds every blob in ``digests`` (now).

        Objects keep insertion order, oldest first: what is seen again moves to the end.
        """
        digests = list(dict.fromkeys(digests))
        if not digests or not self.storage.is_dir():
            return
        now = time.time()
        with StoreLock.for_storage(self.storage).hold():
            registries = self._load()
            blobs = registries.setdefault(registry, {})
            for digest in digests:
                repos = blobs.pop(digest, {})
                repos.pop(repository, None)
                repos[repository] = now
                blobs[digest] = dict(list(repos.items())[-MAX_REPOS_PER_BLOB:])
            if len(blobs) > MAX_BLOBS_PER_REGISTRY:
                registries[registry] = dict(list(blobs.items())[-MAX_BLOBS_PER_REGISTRY:])
            atomic_write(self.path, json.dumps({"version": 1, "registries": registries}).encode())

    def _load(self) -> dict[str, dict[str, dict[str, float]]]:
        """The record; an unreadable or foreign file counts as empty (it is only a hint)."""
        try:
            data: Any = read_json(self.path)
            if not isinstance(data, dict) or data.get("version") != 1:
                return {}
            return {
                reg: {d: {r: float(t) for r, t in repos.items()} for d, repos in blobs.items()}
                for reg, blobs in data["registries"].items()
            }
        except (StoreError, AttributeError, KeyError, TypeError, ValueError):
            return {}  # a corrupt hint file must never stop a push or pull
