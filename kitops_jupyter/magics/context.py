"""What a verb handler gets: the shell, the ``%kit`` options, a ``Kit`` and progress for one operation.

Handlers stay small because the shared steps live here: turning network flags plus ``%config``
defaults into a :class:`~kitops_jupyter.api.Kit`, filling in the default registry, and running one
long operation under one progress display that ends in a summary line (or says it was interrupted).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import time
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from ..adapter_helpers import progress_display
from ..api import Kit, NetworkOptions
from .config import KitOptions

__all__ = ["Context", "Operation", "qualify"]

_DIGEST_ONLY = re.compile(r"^[a-z0-9]+:[a-f0-9]{32,}$")


def qualify(reference: str, default_registry: str) -> str:
    """Prefix ``default_registry`` to a reference that names no registry (as docker decides it).

    The first path component names a registry when it contains ``.`` or ``:`` or is ``localhost``;
    ``local://``/``remote://`` prefixes are kept. Without a default registry nothing changes.
    """
    if not default_registry or not reference or _DIGEST_ONLY.match(reference):
        return reference
    for prefix in ("local://", "remote://"):
        if reference.startswith(prefix):
            return prefix + qualify(reference[len(prefix) :], default_registry)
    head, sep, _ = reference.partition("/")
    if sep and ("." in head or ":" in head or head == "localhost"):
        return reference
    return f"{default_registry}/{reference}"


@dataclass
class Operation:
    """One long operation: ``progress`` goes to the core, ``finish`` sets the summary line."""

    sink: progress_display.ProgressSink
    started: float
    summary: str = ""
    seen: list[int] = field(default_factory=lambda: [0, 0])

    def progress(self, done: int, total: int) -> None:
        self.seen[:] = [done, total]
        self.sink(done, total)

    def finish(self, verb: str, reference: str, digest: str, size: int, extra: str = "") -> None:
        elapsed = time.monotonic() - self.started
        self.summary = progress_display.format_summary(verb, reference, digest, size, elapsed) + extra


@dataclass
class Context:
    """The shell, its ``%kit`` options and helpers shared by every verb handler."""

    shell: Any
    options: KitOptions
    verb: str = ""
    show_panel: Callable[..., Any] | None = None  # handed in by the package root; see magics.load

    @property
    def namespace(self) -> MutableMapping[str, Any]:
        return self.shell.user_ns  # type: ignore[no-any-return]

    def kit(self, args: argparse.Namespace | None = None) -> Kit:
        """A Kit for this command: ``$KITOPS_HOME`` now, network flags over the ``%config`` defaults."""
        return Kit(
            network=self.network(args),
            require_signature=self.options.require_signature,
            verify_key=self.options.verify_key or None,
        )

    def network(self, args: argparse.Namespace | None) -> NetworkOptions:
        concurrency = getattr(args, "concurrency", None) or self.options.concurrency
        return NetworkOptions(
            plain_http=getattr(args, "plain_http", None),
            tls_verify=getattr(args, "tls_verify", True),
            ca_bundle=getattr(args, "tls_cert", None),
            client_cert=getattr(args, "client_cert", None),
            client_key=getattr(args, "client_key", None),
            concurrency=int(concurrency),
        )

    def qualify(self, reference: str) -> str:
        return qualify(reference, self.options.default_registry)

    @contextlib.contextmanager
    def operation(self, description: str) -> Iterator[Operation]:
        """One progress display for the block; its summary line on success, a note if interrupted."""
        op = Operation(progress_display.make_progress(description, self.options.progress), time.monotonic())
        try:
            yield op
        except KeyboardInterrupt:
            op.sink.close(f"{description}: interrupted; nothing partial was kept", failed=True)
            raise
        except BaseException:
            op.sink.close(failed=True)
            raise
        op.sink.close(op.summary)

    def say(self, text: str) -> None:
        """A line of output in the cell (not part of the result)."""
        print(text)
