"""What each panel button does, as plain functions over :mod:`kitops_jupyter.api` (no widgets).

Every operation returns an :class:`Outcome` whose ``summary`` is the panel's result line, and raises
only what the api raises (the ``KitError`` family, whose message the panel shows as the magics do).
They run on worker threads; ``progress`` is the api's ``(done, total)`` bytes callback.
"""

from __future__ import annotations

import keyword
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import api
from ..adapter_helpers.capture.kitfile_builder import build_kitfile_from_kernel
from ..adapter_helpers.progress_display import format_size, format_summary
from ..errors import InvalidArgument
from . import state as st
from .staging import stage_files, staging_dir

__all__ = ["Operations", "Outcome", "registry_of"]


@dataclass
class Outcome:
    """The result line, the Kitfile that was packed (for Pack) and warnings for the log."""

    summary: str
    kitfile_text: str | None = None
    warnings: list[str] = field(default_factory=list)


class Operations:
    """The panel's verbs over one namespace and working directory; ``kit=None`` uses the default Kit."""

    def __init__(
        self, namespace: MutableMapping[str, Any], directory: Path, kit: api.Kit | None = None
    ) -> None:
        self.namespace = namespace
        self.directory = Path(directory)
        self._kit = kit

    @property
    def kit(self) -> api.Kit:
        return self._kit if self._kit is not None else api.default_kit()

    def pack(
        self,
        state: st.PanelState,
        progress: api.ProgressCallback | None = None,
        *,
        allow_secrets: bool = False,
        kitfile_text: str | None = None,
    ) -> Outcome:
        """Capture the picked objects, stage the picked files, and pack them tagged with the reference.

        The api's secret policy applies: ``SecretsFound`` (listing the findings) unless ``allow_secrets``.
        ``kitfile_text`` is a Kitfile edited by hand in the preview: it is packed instead of the
        generated one (the picked objects and files are still written and staged).
        """
        reference = _required(state.reference, "a target reference (such as 127.0.0.1:5000/team/model:v1)")
        if not (state.dataframes or state.models or state.files or state.notebook):
            raise InvalidArgument(
                "nothing is ticked: tick at least one DataFrame, model, file or the notebook to pack"
            )
        st.check_collisions(state)
        started = time.monotonic()
        warnings: list[str] = []
        with staging_dir(self.directory) as staging:
            text = self._kitfile_text(state, staging, warnings)
            if kitfile_text is not None:
                text = kitfile_text
            stage_files(self.directory, staging, state.files)
            result = self.kit.pack(
                staging,
                tag=reference,
                kitfile_text=text,
                progress=progress,
                warn=warnings.append,
                allow_secrets=allow_secrets,
            )
        size = sum(layer.size for layer in result.manifest.layers)
        summary = format_summary("Packed", reference, result.digest, size, time.monotonic() - started)
        return Outcome(summary, text, warnings + [w for w in result.warnings if w not in warnings])

    def _kitfile_text(self, state: st.PanelState, staging: Path, warnings: list[str]) -> str:
        capture = build_kitfile_from_kernel(
            self.namespace, staging, **st.capture_options(state, self.directory)
        )
        warnings.extend(capture.warnings)
        if not state.files:
            return capture.kitfile_text
        return st.dump_document(st.final_document(capture.kitfile_text, state.files, self.directory))

    def push(
        self, reference: str, progress: api.ProgressCallback | None = None, destination: str = ""
    ) -> Outcome:
        """Push ``reference`` to its registry, or to ``destination`` when one is given."""
        reference = _required(reference, "the reference to push")
        started = time.monotonic()
        result = self.kit.push(reference, destination.strip() or None, progress=progress)
        summary = format_summary(
            "Pushed", str(result.reference), result.digest, result.bytes_uploaded, time.monotonic() - started
        )
        return Outcome(f"{summary} ({api.push_detail(result)})")

    def pull(self, reference: str, progress: api.ProgressCallback | None = None) -> Outcome:
        reference = _required(reference, "the reference to pull")
        started = time.monotonic()
        info = self.kit.pull(reference, progress=progress)
        size = sum(layer.size for layer in info.manifest.layers)
        return Outcome(
            format_summary("Pulled", str(info.reference), info.digest, size, time.monotonic() - started)
        )

    def unpack(
        self,
        reference: str,
        target: str,
        progress: api.ProgressCallback | None = None,
        *,
        overwrite: bool = False,
    ) -> Outcome:
        reference = _required(reference, "the reference to unpack")
        destination = self.directory / _required(target, "a directory to unpack into")
        info = self.kit.unpack(reference, destination, overwrite=overwrite, progress=progress)
        return Outcome(f"Unpacked {info.reference} ({info.digest[:19]}…) into {destination}")

    def load(
        self, reference: str, dataset: str, variable: str, progress: api.ProgressCallback | None = None
    ) -> Outcome:
        """Read a dataset of the ModelKit into ``namespace[variable]``."""
        reference = _required(reference, "the reference to load from")
        variable = _variable_name(variable)
        frame = self.kit.load_dataset(reference, dataset.strip() or None, progress=progress)
        self.namespace[variable] = frame
        which = f"dataset {dataset.strip()!r}" if dataset.strip() else "the dataset"
        return Outcome(f"Loaded {which} of {reference} into {variable} ({_describe(frame)})")

    def login(self, registry: str, reference: str, username: str, password: str) -> Outcome:
        """Log in to ``registry`` (or the registry of ``reference``); the password is not kept."""
        host = registry.strip() or registry_of(reference)
        return Outcome(self.kit.login(host, username.strip(), password))


def _required(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidArgument(f"enter {what} first")
    return value


def _variable_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidArgument("enter the name of the variable to load the dataset into")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidArgument(f"{name!r} is not a valid Python variable name; use letters, digits and _")
    return name


def _describe(frame: Any) -> str:
    if isinstance(frame, dict):
        return f"a dict of {len(frame)} DataFrames keyed by file"
    rows, columns = frame.shape
    return f"{rows:,} rows × {columns:,} columns, {format_size(int(frame.memory_usage(deep=True).sum()))}"


def registry_of(reference: str) -> str:
    """The registry host of a reference (``127.0.0.1:5000/team/model:v1`` -> ``127.0.0.1:5000``)."""
    first, slash, _ = reference.strip().partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    raise InvalidArgument(
        "enter the registry to log in to (such as ghcr.io), or a target reference that starts with one"
    )
