"""Client certificates (mutual TLS) against Debian's docker-registry configured with client CAs: push,
pull and remote list with a certificate from the API, ``$KITOPS_CLIENT_CERT``/``_KEY`` and the magics;
no certificate, or one from another CA, gives a KitError saying what the registry wants."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError

from kitops_jupyter import api
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import InvalidArgument, RegistryUnreachable
from tests.registry_fixtures import RegistryServer, make_client_cert, make_modelkit, make_tls
from tests.test_magics_support import loaded_shell


def _kit(home: Path, registry: RegistryServer, **tls: object) -> api.Kit:
    return api.Kit(home, network=api.NetworkOptions(ca_bundle=registry.ca_file, **tls))  # type: ignore[arg-type]


def test_push_pull_list_with_a_client_certificate(
    mtls_registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    assert mtls_registry.client_cert is not None
    cert, key = mtls_registry.client_cert
    ref = f"{mtls_registry.registry}/{repo_name}:v1"
    source = _kit(tmp_path / "src", mtls_registry, client_cert=cert, client_key=key)
    digest, _ = make_modelkit(LocalStore(tmp_path / "src"))
    source.tag("test/model:v1", ref)
    assert source.push(ref).digest == digest
    assert [m.digest for m in source.list_modelkits(f"{mtls_registry.registry}/{repo_name}")] == [digest]
    assert _kit(tmp_path / "dst", mtls_registry, client_cert=cert, client_key=key).pull(ref).digest == digest

    with pytest.raises(RegistryUnreachable, match=r"asks for a client certificate.*client_cert=PEM"):
        _kit(tmp_path / "none", mtls_registry).pull(ref)
    stranger_dir = tmp_path / "other-ca"
    make_tls(stranger_dir)
    stranger = make_client_cert(stranger_dir, "stranger")
    with pytest.raises(RegistryUnreachable, match="client certificate"):
        _kit(tmp_path / "stranger", mtls_registry, client_cert=stranger[0], client_key=stranger[1]).pull(ref)
    with pytest.raises(InvalidArgument, match=r"client certificate .*missing\.pem does not exist"):
        api.NetworkOptions(client_cert=tmp_path / "missing.pem")


def test_client_certificate_from_env_and_magics(
    mtls_registry: RegistryServer, repo_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert mtls_registry.client_cert is not None
    cert, key = mtls_registry.client_cert
    ref = f"{mtls_registry.registry}/{repo_name}:v1"
    monkeypatch.setenv("KITOPS_HOME", str(tmp_path / "home"))
    digest, _ = make_modelkit(LocalStore(tmp_path / "home"))
    api.Kit(tmp_path / "home").tag("test/model:v1", ref)
    tls = f"--tls-cert {mtls_registry.ca_file}"
    with loaded_shell() as ip:
        ip.run_line_magic("config", "KitMagics.progress = 'none'")
        with pytest.raises(UsageError, match="asks for a client certificate"):
            ip.run_line_magic("kit", f"push {ref} {tls}")
        pushed = ip.run_line_magic("kit", f"push {ref} {tls} --client-cert {cert} --client-key {key}")
        assert pushed.digest == digest
    monkeypatch.setenv("KITOPS_CLIENT_CERT", str(cert))
    monkeypatch.setenv("KITOPS_CLIENT_KEY", str(key))
    assert [
        m.digest for m in _kit(tmp_path / "env", mtls_registry).list_modelkits(ref.rsplit(":", 1)[0])
    ] == [digest]
