"""The network flags of every ``%kit`` verb that talks to a registry, end to end: each verb succeeds only
if the flag's value reaches its registry client.

- ``--tls-cert``, ``--client-cert``, ``--client-key``: a mutual-TLS registry whose CA nothing trusts by
  default and that refuses a connection without a client certificate of its own CA.
- ``--tls-verify=false``: the same registry with no CA given: only skipping the check gets through.
- ``--plain-http``: a plain-HTTP loopback registry called with ``--tls-cert`` (which alone switches a
  loopback registry to HTTPS): only ``--plain-http`` brings it back to HTTP.
- ``--concurrency N``: a counting proxy in front of the real registry holds the first N blob requests
  until N are in flight together; ``%config`` says 1, so only the flag's N gets them there.
"""

from __future__ import annotations

import getpass
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from kitops_jupyter import api
from kitops_jupyter.magics.verbs import all_verbs
from tests.registry_fixtures import FaultProxy, RegistryServer, make_tls
from tests.test_magics_support import loaded_shell, make_context

KEY_PASSWORD = "flags-key-pw"


@dataclass(frozen=True)
class Published:
    """A signed ModelKit with a dataset in a registry, and what it takes to reach that registry."""

    registry: str
    repo: str
    digest: str
    admin: api.Kit  # reaches the registry with the right TLS options (to set up and check)
    private_key: Path
    public_key: Path
    flags: str  # the network flags under test

    @property
    def ref(self) -> str:
        return f"{self.registry}/{self.repo}:v1"

    def fresh_repo(self) -> str:
        return f"{self.registry}/flags/{secrets.token_hex(4)}"


def _publish(root: Path, registry: str, network: api.NetworkOptions, flags: str) -> Published:
    admin = api.Kit(root / "admin-home", network=network)
    repo = f"flags/{secrets.token_hex(4)}"
    ref = f"{registry}/{repo}:v1"
    admin.pack(make_context(root / "ctx"), tag=ref)
    admin.push(ref)
    private, public = admin.generate_key_pair(root / "keys", password=lambda: KEY_PASSWORD)
    admin.sign(ref, key=private, password=lambda: KEY_PASSWORD)
    return Published(registry, repo, admin.get(ref).digest, admin, private, public, flags)


@pytest.fixture(scope="module")
def mtls_published(mtls_registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> Published:
    assert mtls_registry.client_cert is not None and mtls_registry.ca_file is not None
    cert, key = mtls_registry.client_cert
    network = api.NetworkOptions(ca_bundle=mtls_registry.ca_file, client_cert=cert, client_key=key)
    flags = f"--tls-cert {mtls_registry.ca_file} --client-cert {cert} --client-key {key}"
    return _publish(tmp_path_factory.mktemp("mtls-published"), mtls_registry.registry, network, flags)


@pytest.fixture(scope="module")
def plain_published(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> Published:
    root = tmp_path_factory.mktemp("plain-published")
    ca, _, _ = make_tls(root / "unused-tls")  # any PEM: --tls-cert alone would switch to HTTPS
    return _publish(root, registry.registry, api.NetworkOptions(), f"--plain-http --tls-cert {ca}")


def _no_verify(published: Published) -> Published:
    cert, key = _flag(published, "--client-cert"), _flag(published, "--client-key")
    return Published(
        published.registry,
        published.repo,
        published.digest,
        published.admin,
        published.private_key,
        published.public_key,
        f"--tls-verify=false --client-cert {cert} --client-key {key}",
    )


VARIANTS: dict[str, Callable[[pytest.FixtureRequest], Published]] = {
    "tls-cert+client-cert+client-key": lambda request: request.getfixturevalue("mtls_published"),
    "tls-verify=false": lambda request: _no_verify(request.getfixturevalue("mtls_published")),
    "plain-http": lambda request: request.getfixturevalue("plain_published"),
}


@pytest.fixture
def ip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    for name in ("KITOPS_CLIENT_CERT", "KITOPS_CLIENT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COSIGN_PASSWORD", KEY_PASSWORD)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "any-password")
    with loaded_shell() as shell:
        shell.run_line_magic("config", "KitMagics.progress = 'none'")
        yield shell


def run(ip: InteractiveShell, line: str) -> Any:
    return ip.run_line_magic("kit", line)


def _pack_locally(tmp_path: Path, ref: str) -> None:
    api.Kit().pack(make_context(tmp_path / "local-ctx", model=secrets.token_hex(256).encode()), tag=ref)


def _tags(pub: Published, repository: str) -> list[list[str]]:
    return [info.tags for info in pub.admin.list_modelkits(repository)]


# Each network verb: its line (``{net}`` = the flags under test) and what shows it reached the registry.
Case = Callable[[InteractiveShell, Published, Path, Callable[[], str]], None]


def _pack(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    repo = pub.fresh_repo()
    run(ip, f"pack {make_context(tmp / 'ctx')} -t {repo}:v1 --push {pub.flags}")
    assert _tags(pub, repo) == [["v1"]]


def _push(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    repo = pub.fresh_repo()
    _pack_locally(tmp, f"{repo}:v1")
    assert run(ip, f"push {repo}:v1 {pub.flags}").digest == api.Kit().get(f"{repo}:v1").digest
    assert _tags(pub, repo) == [["v1"]]


def _pull(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    assert run(ip, f"pull {pub.ref} {pub.flags}").digest == pub.digest


def _unpack(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    run(ip, f"unpack {pub.ref} -d out --filter docs {pub.flags}")
    assert (tmp / "out" / "README.md").read_text() == "# tiny\n"


def _list(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    assert [info.digest for info in run(ip, f"list {pub.registry}/{pub.repo} {pub.flags}")] == [pub.digest]


def _inspect(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    assert run(ip, f"inspect {pub.ref} --remote {pub.flags}").digest == pub.digest


def _info(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    assert "name: tiny-model" in repr(run(ip, f"info {pub.ref} --remote {pub.flags}"))


def _diff(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    diff = run(ip, f"diff remote://{pub.ref} remote://{pub.ref} {pub.flags}")
    assert repr(diff).startswith("ModelKits are identical")


def _remove(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    repo = pub.fresh_repo()
    _pack_locally(tmp, f"{repo}:v1")
    api.Kit(network=pub.admin.network).push(f"{repo}:v1")
    run(ip, f"remove {repo}:v1 --remote --force {pub.flags}")
    assert _tags(pub, repo) == []


def _login(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    run(ip, f"login {pub.registry} -u someone {pub.flags}")
    assert f"Login succeeded for someone at {pub.registry}" in out()


def _sign(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    run(ip, f"sign {pub.ref} --key {pub.private_key} {pub.flags}")
    assert f"Signed {pub.registry}/{pub.repo}@{pub.digest}" in out()


def _verify(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    run(ip, f"verify {pub.ref} --key {pub.public_key} {pub.flags}")
    assert "Verified " in out()


def _load(ip: InteractiveShell, pub: Published, tmp: Path, out: Callable[[], str]) -> None:
    frame = run(ip, f"load {pub.ref} --dataset train {pub.flags}")
    assert frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}


CASES: dict[str, Case] = {
    "pack": _pack,
    "push": _push,
    "pull": _pull,
    "unpack": _unpack,
    "list": _list,
    "inspect": _inspect,
    "info": _info,
    "diff": _diff,
    "remove": _remove,
    "login": _login,
    "sign": _sign,
    "verify": _verify,
    "load": _load,
}


def test_every_verb_with_network_flags_has_a_case() -> None:
    with_network = {
        name for name, verb in all_verbs().items() for o in verb.options if "--plain-http" in o.flags
    }
    assert set(CASES) == with_network


@pytest.mark.parametrize("verb", CASES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_network_flags_reach_the_registry_client(
    ip: InteractiveShell,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    variant: str,
    verb: str,
) -> None:
    published = VARIANTS[variant](request)
    CASES[verb](ip, published, tmp_path, lambda: capsys.readouterr().out)


# -- without the flags, the same lines fail for the reason the flag is there ---------------------------


def _flag(published: Published, name: str) -> str:
    return published.flags.split(f"{name} ", 1)[1].split(" ", 1)[0]


def test_the_mtls_registry_needs_both_tls_flags(ip: InteractiveShell, mtls_published: Published) -> None:
    ca, cert, key = (_flag(mtls_published, name) for name in ("--tls-cert", "--client-cert", "--client-key"))
    with pytest.raises(UsageError, match=r"TLS certificate of .* could not be verified"):
        run(ip, f"pull {mtls_published.ref} --client-cert {cert} --client-key {key}")
    with pytest.raises(UsageError, match="asks for a client certificate"):
        run(ip, f"pull {mtls_published.ref} --tls-cert {ca}")
    assert api.Kit().list_modelkits() == []


def test_tls_options_without_plain_http_call_a_loopback_registry_over_https(
    ip: InteractiveShell, plain_published: Published
) -> None:
    tls_only = plain_published.flags.replace("--plain-http ", "")
    with pytest.raises(UsageError, match=r"does not speak HTTPS|only speaks HTTP|plain_http=True"):
        run(ip, f"pull {plain_published.ref} {tls_only}")


# -- invalid values: the exact message, with an otherwise valid command --------------------------------


def test_missing_certificate_files_are_named(
    ip: InteractiveShell, mtls_published: Published, tmp_path: Path
) -> None:
    ref = mtls_published.ref
    with pytest.raises(UsageError) as cert:
        run(ip, f"pull {ref} --client-cert missing.pem --client-key missing.key")
    assert str(cert.value) == "client certificate missing.pem does not exist; give the path of a PEM file"
    real_cert = _flag(mtls_published, "--client-cert")
    with pytest.raises(UsageError) as key:
        run(ip, f"pull {ref} --client-cert {real_cert} --client-key missing.key")
    assert str(key.value) == "client key missing.key does not exist; give the path of a PEM file"
    with pytest.raises(UsageError) as lone_key:
        run(ip, f"pull {ref} --client-key {real_cert}")
    assert str(lone_key.value) == "a client key needs its certificate too: give client_cert (--client-cert)"
    with pytest.raises(UsageError) as ca:
        run(ip, f"pull {ref} --tls-cert missing-ca.pem")
    assert str(ca.value) == "CA bundle missing-ca.pem does not exist; give the path of a PEM file"
    assert api.Kit().list_modelkits() == []


def test_a_client_certificate_that_does_not_load_is_named_at_once(
    ip: InteractiveShell, mtls_published: Published
) -> None:
    ca, cert = _flag(mtls_published, "--tls-cert"), _flag(mtls_published, "--client-cert")
    ca_key = str(Path(ca).parent / "ca.key")
    advice = "give a PEM certificate and its private key (client_cert= and client_key=, %kit ... --client-cert PEM --client-key PEM)"
    with pytest.raises(UsageError) as no_key:
        run(ip, f"pull {mtls_published.ref} --tls-cert {ca} --client-cert {ca}")
    assert str(no_key.value) == (
        f"client certificate {ca} (no key given) cannot be used: no PEM certificate with its private key found; {advice}"
    )
    with pytest.raises(UsageError) as mismatch:
        run(ip, f"pull {mtls_published.ref} --tls-cert {ca} --client-cert {cert} --client-key {ca_key}")
    assert str(mismatch.value) == (
        f"client certificate {cert} with key {ca_key} cannot be used: key values mismatch; {advice}"
    )


# -- --concurrency -------------------------------------------------------------------------------------


@pytest.fixture
def counted(ip: InteractiveShell, registry: RegistryServer, fault_proxy: FaultProxy, repo_name: str) -> str:
    """A ModelKit of six blobs (config and five layers) behind the counting proxy; %config says 1."""
    ip.run_line_magic("config", "KitMagics.concurrency = 1")
    return f"{fault_proxy.registry}/{repo_name}:v1"


def _five_layers(root: Path) -> Path:
    kitfile = "manifestVersion: 1.0.0\npackage:\n  name: five\ncode:\n" + "".join(
        f"  - path: part{n}.txt\n" for n in range(5)
    )
    root.mkdir()
    (root / "Kitfile").write_text(kitfile)
    for n in range(5):
        (root / f"part{n}.txt").write_text(f"part {n}\n" * (n + 1))
    return root


def _publish_five(tmp_path: Path, reference: str) -> api.Kit:
    publisher = api.Kit(tmp_path / "publisher")
    publisher.pack(_five_layers(tmp_path / "ctx"), tag=reference)
    publisher.push(reference)
    return publisher


def test_concurrency_sets_the_number_of_blob_uploads_in_flight(
    ip: InteractiveShell, tmp_path: Path, fault_proxy: FaultProxy, counted: str
) -> None:
    api.Kit().pack(_five_layers(tmp_path / "ctx"), tag=counted)
    uploads = fault_proxy.gather("HEAD", r"/blobs/sha256:", size=3)
    run(ip, f"push {counted} --concurrency 3")
    assert uploads.complete.is_set(), f"only {uploads.most} blob upload(s) were ever in flight together"
    assert uploads.most == 3


def test_concurrency_sets_the_number_of_blob_downloads_in_flight(
    ip: InteractiveShell, tmp_path: Path, fault_proxy: FaultProxy, counted: str
) -> None:
    publisher = _publish_five(tmp_path, counted)
    layers = "|".join(layer.digest for layer in publisher.get(counted).manifest.layers)
    downloads = fault_proxy.gather("GET", rf"/blobs/({layers})$", size=4)
    run(ip, f"pull {counted} --concurrency 4")
    assert downloads.complete.is_set(), (
        f"only {downloads.most} layer download(s) were ever in flight together"
    )
    assert downloads.most == 4


def test_concurrency_sets_the_number_of_tags_a_remote_list_reads_at_once(
    ip: InteractiveShell, tmp_path: Path, fault_proxy: FaultProxy, counted: str
) -> None:
    publisher = _publish_five(tmp_path, counted)
    repository = counted.rsplit(":", 1)[0]
    for tag in ("v2", "v3", "v4"):
        publisher.tag(counted, f"{repository}:{tag}")
        publisher.push(f"{repository}:{tag}")
    manifests = fault_proxy.gather("GET", r"/manifests/v[1-4]$", size=4)
    assert len(run(ip, f"list {repository} --concurrency 4")) == 4
    assert manifests.complete.is_set(), f"only {manifests.most} tag(s) were ever read together"
    assert manifests.most == 4


VALID_LINES = {
    "pack": "pack ctx -t 127.0.0.1:5050/a/b:v1 --push",
    "push": "push 127.0.0.1:5050/a/b:v1",
    "pull": "pull 127.0.0.1:5050/a/b:v1",
    "unpack": "unpack 127.0.0.1:5050/a/b:v1 -d out",
    "list": "list 127.0.0.1:5050/a/b",
    "inspect": "inspect 127.0.0.1:5050/a/b:v1 -r",
    "info": "info 127.0.0.1:5050/a/b:v1 -r",
    "diff": "diff remote://127.0.0.1:5050/a/b:v1 a/b:v1",
    "remove": "remove 127.0.0.1:5050/a/b:v1 -r",
    "login": "login 127.0.0.1:5050 -u me",
    "sign": "sign 127.0.0.1:5050/a/b:v1 --key cosign.key",
    "verify": "verify 127.0.0.1:5050/a/b:v1 --key cosign.pub",
    "load": "load 127.0.0.1:5050/a/b:v1 --dataset train",
}


@pytest.mark.parametrize("value", ["0", "abc"])
@pytest.mark.parametrize("verb", CASES)
def test_every_network_verb_refuses_a_bad_concurrency(ip: InteractiveShell, verb: str, value: str) -> None:
    with pytest.raises(UsageError) as bad:
        run(ip, f"{VALID_LINES[verb]} --concurrency {value}")
    shown = "(value not shown)" if verb == "login" else f"'{value}'"  # a login line never echoes a word
    assert str(bad.value) == (
        f"%kit {verb}: argument --concurrency: expected a whole number of 1 or more, got {shown} "
        f"(see %kit {verb} --help)"
    )
