"""The registry layer (issue 3): an OCI distribution client over oras-py, credentials, and the
push/pull/remote verbs. Everything a caller needs is re-exported here.

Environment variables read for credentials (see :mod:`.auth`): ``KITOPS_REGISTRY_USERNAME_<HOST>`` /
``KITOPS_REGISTRY_PASSWORD_<HOST>``, ``KITOPS_REGISTRY_USERNAME`` / ``KITOPS_REGISTRY_PASSWORD`` and
``KITOPS_REGISTRY``; plus ``DOCKER_CONFIG`` for Docker's config directory.

The verbs' modules (push/pull, remote inspect/list, referrers, streaming push) load when one of their
names is first used, so a fresh process's first remote list imports neither the push and pull
machinery nor the referrers lookup (issue 10).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .auth import ENV_PASSWORD, ENV_REGISTRY, ENV_USERNAME, Credentials, find_credentials
from .client import RegistryClient, RegistryOptions
from .login import login, logout
from .retry import RetryPolicy
from .settings import RegistrySettings, forget_settings, load_settings, save_settings

if TYPE_CHECKING:
    from .referrers import Referrer, Referrers, fetch_referrers
    from .remote import fetch_modelkit, remote_list, remote_remove, remote_unpack, unpack_parents
    from .streamupload import StreamingPush
    from .transfer import PullResult, PushResult, pull, push

# name -> the module of this package that defines it, imported on first use
_LAZY = {
    "Referrer": "referrers",
    "Referrers": "referrers",
    "fetch_referrers": "referrers",
    "fetch_modelkit": "remote",
    "remote_list": "remote",
    "remote_remove": "remote",
    "remote_unpack": "remote",
    "unpack_parents": "remote",
    "StreamingPush": "streamupload",
    "PullResult": "transfer",
    "PushResult": "transfer",
    "pull": "transfer",
    "push": "transfer",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ENV_PASSWORD",
    "ENV_REGISTRY",
    "ENV_USERNAME",
    "Credentials",
    "PullResult",
    "PushResult",
    "Referrer",
    "Referrers",
    "RegistryClient",
    "RegistryOptions",
    "RegistrySettings",
    "RetryPolicy",
    "StreamingPush",
    "fetch_modelkit",
    "fetch_referrers",
    "find_credentials",
    "forget_settings",
    "load_settings",
    "login",
    "logout",
    "pull",
    "push",
    "remote_list",
    "remote_remove",
    "remote_unpack",
    "save_settings",
    "unpack_parents",
]
