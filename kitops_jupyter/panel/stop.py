"""The kernel's stop button (interrupt) also cancels the panel's running operations.

Panel work runs on threads while the kernel is idle, and an idle ipykernel ignores SIGINT: it restores
``kernel.saved_sigint_handler`` (``SIG_IGN``) after every message it handles. So while an operation
starts (always inside a message handler: a button's comm message or a cell), the panel puts its own
handler there; from then on the idle kernel's interrupt cancels every running panel operation and
then does what the previous handler did. Outside a kernel this does nothing.
"""

from __future__ import annotations

import threading
import weakref
from types import FrameType
from typing import Any

_cancellers: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()


def on_kernel_stop(owner: Any) -> None:
    """Call ``owner.cancel_all()`` when the kernel is interrupted while idle."""
    with _lock:
        _cancellers.add(owner)
    kernel = _kernel()
    if kernel is None:
        return
    previous = kernel.saved_sigint_handler
    if getattr(previous, "kitops_panel", False):
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        with _lock:
            owners = list(_cancellers)
        for each in owners:
            each.cancel_all()
        if callable(previous):
            previous(signum, frame)

    stop.kitops_panel = True  # type: ignore[attr-defined]
    kernel.saved_sigint_handler = stop


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    return kernel if hasattr(kernel, "saved_sigint_handler") else None
