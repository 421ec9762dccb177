"""Registry settings saved once in $KITOPS_HOME/registry-settings.json and used by every remote verb."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from kitops_jupyter.api import Kit, NetworkOptions
from kitops_jupyter.core.registry import RetryPolicy
from kitops_jupyter.errors import InvalidArgument, NotFound, RegistryError, RegistryUnreachable, StoreError
from tests.registry_fixtures import RegistryServer

FAST = RetryPolicy(attempts=1, backoff=0.05, deadline=5)


def test_saved_ca_bundle_and_login_reach_a_tls_registry(tls_registry: RegistryServer, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home", network=NetworkOptions(retry=FAST))
    host = tls_registry.registry
    # Without settings a loopback registry is called over plain HTTP, which this HTTPS one refuses
    with pytest.raises(RegistryError, match="speaks HTTPS"):
        kit.login(host, tls_registry.username, tls_registry.password)
    # With its CA bundle saved, login works, and the login state is listed (the name, never the secret)
    kit.save_registry_settings(host, plain_http=False, ca_bundle=str(tls_registry.ca_file))
    assert "Login succeeded" in kit.login(host, tls_registry.username, tls_registry.password)
    [status] = kit.registry_settings()
    assert (status.registry, status.username, status.settings.plain_http) == (
        host,
        tls_registry.username,
        False,
    )
    assert status.settings.ca_bundle == str(tls_registry.ca_file)
    path = tmp_path / "home" / "registry-settings.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tls_registry.password not in path.read_text()
    # An explicit option still wins over the saved one
    explicit = Kit(home=tmp_path / "home", network=NetworkOptions(plain_http=True, retry=FAST))
    with pytest.raises(RegistryError, match="speaks HTTPS"):
        explicit.login(host, tls_registry.username, tls_registry.password)
    # Forgetting the settings keeps the login; logging out removes it
    assert kit.forget_registry_settings(host) and not kit.forget_registry_settings(host)
    assert [s.username for s in kit.registry_settings()] == [tls_registry.username]
    kit.logout(host)
    assert kit.registry_settings() == []


def test_saved_protocol_is_used_for_the_registry(registry: RegistryServer, tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home", network=NetworkOptions(retry=FAST))
    kit.save_registry_settings(registry.registry, plain_http=False)
    with pytest.raises(RegistryUnreachable, match="does not speak HTTPS"):
        kit.list_modelkits(f"{registry.registry}/nothing/here")
    kit.save_registry_settings(registry.registry, plain_http=True)
    with pytest.raises(NotFound, match="NAME_UNKNOWN"):  # the registry itself answered over HTTP
        kit.list_modelkits(f"{registry.registry}/nothing/here")


def test_bad_settings_are_refused_with_what_to_do(tmp_path: Path) -> None:
    kit = Kit(home=tmp_path)
    with pytest.raises(InvalidArgument, match="not a registry host"):
        kit.save_registry_settings("https://ghcr.io/team")
    with pytest.raises(InvalidArgument, match="does not exist"):
        kit.save_registry_settings("ghcr.io", ca_bundle=str(tmp_path / "missing.pem"))
    assert not (tmp_path / "registry-settings.json").exists()
    (tmp_path / "registry-settings.json").write_text(
        json.dumps({"registries": {"a.io": {"plain_http": "yes"}}})
    )
    with pytest.raises(StoreError, match=r"registry-settings\.json"):
        kit.registry_settings()
