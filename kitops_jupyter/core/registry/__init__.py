"""The registry layer (issue 3): an OCI distribution client over oras-py, credentials, and the
push/pull/remote verbs. Everything a caller needs is re-exported here.

Environment variables read for credentials (see :mod:`.auth`): ``KITOPS_REGISTRY_USERNAME_<HOST>`` /
``KITOPS_REGISTRY_PASSWORD_<HOST>``, ``KITOPS_REGISTRY_USERNAME`` / ``KITOPS_REGISTRY_PASSWORD`` and
``KITOPS_REGISTRY``; plus ``DOCKER_CONFIG`` for Docker's config directory.
"""

from __future__ import annotations

from .auth import ENV_PASSWORD, ENV_REGISTRY, ENV_USERNAME, Credentials, find_credentials
from .client import RegistryClient, RegistryOptions
from .login import login, logout
from .referrers import Referrer, Referrers, fetch_referrers
from .remote import fetch_modelkit, remote_list, remote_remove, remote_unpack, unpack_parents
from .retry import RetryPolicy
from .settings import RegistrySettings, forget_settings, load_settings, save_settings
from .streamupload import StreamingPush
from .transfer import PullResult, PushResult, pull, push

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
