"""``%kit login`` / ``%kit logout``: the password comes from a hidden prompt, never from the cell.

A cell's text is saved in the ``.ipynb`` file and in IPython's history database, so ``-p`` is refused
with an explanation. ``getpass`` in a kernel asks the frontend for a password field (characters are
not shown, and the answer is not stored in the notebook). Where the frontend cannot answer prompts
(nbclient, papermill, some CI), credentials come from environment variables instead.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidArgument
from .context import Context

__all__ = ["REFUSED_PASSWORD", "RefusePassword", "login", "logout"]

_ENV_HELP = (
    "KITOPS_REGISTRY_USERNAME / KITOPS_REGISTRY_PASSWORD (or the per-registry "
    "KITOPS_REGISTRY_USERNAME_<HOST> / KITOPS_REGISTRY_PASSWORD_<HOST>, e.g. _127_0_0_1_5050) "
    "in the kernel's environment, or Docker's config.json"
)
REFUSED_PASSWORD = (
    "a password is never taken from the cell (-p/--password): the cell's text is saved in the notebook "
    "file and in IPython's history. Run `%kit login REGISTRY -u USER` and type it at the hidden prompt, "
    f"or set {_ENV_HELP}. If you typed a real password in a cell, change it."
)


class RefusePassword(argparse.Action):
    """``-p``/``--password``: swallow the value, never store it, and fail with the explanation."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs="?", default=None)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        raise argparse.ArgumentError(self, REFUSED_PASSWORD)


def _ask(prompt: str, hidden: bool) -> str:
    from IPython.core.error import StdinNotImplementedError

    try:
        answer = getpass.getpass(prompt) if hidden else input(prompt)
    except (StdinNotImplementedError, EOFError):
        raise InvalidArgument(
            f"this frontend cannot answer input prompts (nbclient, papermill, …); set {_ENV_HELP} instead"
        ) from None
    return answer.strip() if not hidden else answer


def _registry(ctx: Context, args: argparse.Namespace) -> str:
    registry = args.registry or ctx.options.default_registry
    if not registry:
        raise InvalidArgument("give the registry to log in to, e.g. %kit login 127.0.0.1:5050 -u USER")
    return str(registry)


def login(ctx: Context, args: argparse.Namespace) -> None:
    """``kit login REGISTRY -u USER``: the password is asked with a hidden prompt."""
    registry = _registry(ctx, args)
    username = args.username or _ask(f"Username for {registry}: ", hidden=False)
    password = _ask(f"Password (or token) for {username} at {registry}: ", hidden=True)
    if not password:
        raise InvalidArgument(f"login to {registry}: no password given; nothing was stored")
    ctx.say(ctx.kit(args).login(registry, username, password))


def logout(ctx: Context, args: argparse.Namespace) -> None:
    """``kit logout REGISTRY``."""
    ctx.say(ctx.kit(args).logout(_registry(ctx, args)))
