"""Defaults for ``%kit``, set once: ``%config KitMagics.<option> = value``, IPython config, or env vars.

Each option is a traitlets trait of :class:`KitOptions`, the base of the ``KitMagics`` magics class,
so all of these work and the first one found wins:

1. ``%config KitMagics.default_registry = "127.0.0.1:5050"`` in a cell (this session);
2. ``c.KitMagics.default_registry = "127.0.0.1:5050"`` in ``ipython_config.py`` (every session);
3. the environment variable ``KITOPS_JUPYTER_DEFAULT_REGISTRY=127.0.0.1:5050`` (read when the
   extension loads);
4. the built-in default.

==================  ===============================  ==========  =============================================
option              environment variable             default     meaning
==================  ===============================  ==========  =============================================
default_registry    KITOPS_JUPYTER_DEFAULT_REGISTRY  (none)      registry for references without one, in
                                                                 push, pull, load and the remote verbs
compression         KITOPS_JUPYTER_COMPRESSION       none        ``pack`` layer compression
concurrency         KITOPS_JUPYTER_CONCURRENCY       5           parallel blob transfers
progress            KITOPS_JUPYTER_PROGRESS          auto        auto, widget, text or none
short_errors        KITOPS_JUPYTER_SHORT_ERRORS      true        one-line errors; false shows tracebacks
require_signature   KITOPS_JUPYTER_REQUIRE_SIGNATURE false       pull, unpack and load refuse ModelKits
                                                                 without a valid cosign signature
verify_key          KITOPS_JUPYTER_VERIFY_KEY        (none)      the signer's public key (cosign.pub) for
                                                                 verify and require_signature
==================  ===============================  ==========  =============================================
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from traitlets import Bool, Enum, Int, TraitError, Unicode, default, validate
from traitlets.config import Configurable

__all__ = ["COMPRESSIONS", "ENV_PREFIX", "PROGRESS_STYLES", "KitOptions", "env_name"]

ENV_PREFIX = "KITOPS_JUPYTER_"
COMPRESSIONS = ("none", "gzip", "gzip-fastest", "zstd")
PROGRESS_STYLES = ("auto", "widget", "text", "none")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_name(option: str) -> str:
    """``default_registry`` -> ``KITOPS_JUPYTER_DEFAULT_REGISTRY``."""
    return ENV_PREFIX + option.upper()


def _from_env(option: str, fallback: Any, convert: Any = str) -> Any:
    """The option's environment value converted, or ``fallback`` (with a warning if it is invalid)."""
    raw = os.environ.get(env_name(option))
    if raw is None or raw.strip() == "":
        return fallback
    try:
        return convert(raw.strip())
    except ValueError as err:
        warnings.warn(f"ignoring {env_name(option)}={raw!r}: {err}", stacklevel=3)
        return fallback


def _choice(choices: tuple[str, ...]) -> Any:
    def convert(value: str) -> str:
        if value not in choices:
            raise ValueError(f"choose one of {', '.join(choices)}")
        return value

    return convert


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be 1 or more")
    return number


def _boolean(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError("use true or false")


class KitOptions(Configurable):
    """The ``%kit`` options (see the module doc for how to set them)."""

    default_registry = Unicode(
        "", help="Registry for references that name none (push, pull, load, remote list/inspect/info)"
    ).tag(config=True)
    compression = Enum(COMPRESSIONS, "none", help="Layer compression for pack").tag(config=True)
    concurrency = Int(5, help="Blobs transferred in parallel by push and pull").tag(config=True)
    progress = Enum(PROGRESS_STYLES, "auto", help="Progress display: auto, widget, text or none").tag(
        config=True
    )
    short_errors = Bool(True, help="Show kitops errors as one line; False shows the traceback").tag(
        config=True
    )
    require_signature = Bool(
        False, help="pull, unpack and load refuse ModelKits not signed by verify_key (cosign)"
    ).tag(config=True)
    verify_key = Unicode("", help="Public key (cosign.pub) that signatures are checked with").tag(config=True)

    @default("default_registry")
    def _default_registry(self) -> str:
        return str(_from_env("default_registry", "")).strip().rstrip("/")

    @default("compression")
    def _default_compression(self) -> str:
        return str(_from_env("compression", "none", _choice(COMPRESSIONS)))

    @default("concurrency")
    def _default_concurrency(self) -> int:
        return int(_from_env("concurrency", 5, _positive_int))

    @default("progress")
    def _default_progress(self) -> str:
        return str(_from_env("progress", "auto", _choice(PROGRESS_STYLES)))

    @default("short_errors")
    def _default_short_errors(self) -> bool:
        return bool(_from_env("short_errors", True, _boolean))

    @default("require_signature")
    def _default_require_signature(self) -> bool:
        return bool(_from_env("require_signature", False, _boolean))

    @default("verify_key")
    def _default_verify_key(self) -> str:
        return str(_from_env("verify_key", "")).strip()

    @validate("concurrency")
    def _check_concurrency(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise TraitError("KitMagics.concurrency must be 1 or more")
        return value

    @validate("default_registry")
    def _check_registry(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).strip().rstrip("/")
        if "://" in value:
            raise TraitError(
                f"KitMagics.default_registry is a host[:port] such as 127.0.0.1:5050, not a URL ({value!r})"
            )
        return value

    def summary(self) -> str:
        """``default_registry=…, compression=…, …`` for the help text."""
        names = (
            "default_registry",
            "compression",
            "concurrency",
            "progress",
            "short_errors",
            "require_signature",
            "verify_key",
        )
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
