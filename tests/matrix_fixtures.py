"""pytest plugin: the registry servers of the compatibility matrix besides Debian's ``docker-registry``.

- ``token_registry``: parametrised over two registries with token authentication, Debian's
  ``docker-registry`` 2.8 and CNCF distribution v3 (built from Go source, see :mod:`tests.gotools`),
  so each token test runs against both (``v3_token_registry`` / ``debian_token_registry`` pick one).
  Each trusts JWTs from its own :class:`~tests.token_server.TokenServer` run here, whose users are
  ``reader`` (pull on ``team/*`` and ``prod/*``), ``writer`` (pull and push on those and ``other/*``)
  and ``promoter`` (pull on ``team/*``, pull and push on ``prod/*``, nothing on ``other/*``).
- ``crane_registry``: the go-containerregistry registry (``crane registry serve``), no auth, no
  cross-repository mount, one blob store for all repositories, referrers API off.
- ``referrers_registry``: the same registry with its OCI 1.1 referrers API on (``tests/goregistry``,
  a few lines of Go around ``pkg/registry``), in memory.

All are session-scoped; tests use fresh repository names.
"""

from __future__ import annotations

import secrets
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kitops_jupyter import devregistry
from kitops_jupyter.core.registry.auth import Credentials
from kitops_jupyter.core.registry.client import RegistryOptions
from kitops_jupyter.core.registry.retry import RetryPolicy
from tests import gotools
from tests.token_server import TokenServer, TokenUser

FAST = RetryPolicy(attempts=2, backoff=0.05, deadline=10)
USERS = {
    "reader": {"team/*": {"pull"}, "prod/*": {"pull"}},
    "writer": {"team/*": {"pull", "push"}, "prod/*": {"pull", "push"}, "other/*": {"pull", "push"}},
    "promoter": {"team/*": {"pull"}, "prod/*": {"pull", "push"}},
}


@dataclass
class TokenRegistry:
    """distribution v3 behind token auth: ``address``, its token service and the users' passwords."""

    server: devregistry.RunningRegistry
    tokens: TokenServer
    passwords: dict[str, str] = field(repr=False)

    @property
    def address(self) -> str:
        return self.server.address

    def credentials(self, user: str) -> Credentials:
        return Credentials(user, self.passwords[user])

    def options(self, user: str | None, **kw: object) -> RegistryOptions:
        creds = self.credentials(user) if user else None
        return RegistryOptions(credentials=creds, retry=FAST, **kw)  # type: ignore[arg-type]


@dataclass
class GoRegistry:
    """A registry process started here (crane, or tests/goregistry): ``address`` is ``host:port``."""

    address: str
    process: subprocess.Popen[bytes]


def _built(tool: gotools.GoTool) -> str:
    try:
        return str(gotools.ensure(tool))
    except gotools.GoToolMissing as exc:
        pytest.fail(str(exc))


def _token_registry(root: Path, binary: str | None) -> Iterator[TokenRegistry]:
    passwords = {name: "pw-" + secrets.token_urlsafe(12) for name in USERS}
    users = {name: TokenUser(passwords[name], grants) for name, grants in USERS.items()}
    tokens = TokenServer(root / "auth", users, service="kitops-test-registry", issuer="kitops-test-issuer")
    tokens.start()
    try:
        server = devregistry.start_registry(root / "srv", binary=binary, extra_config=tokens.config_lines())
    except devregistry.RegistryNotAvailable as exc:
        tokens.stop()
        pytest.fail(str(exc))
    yield TokenRegistry(server, tokens, passwords)
    server.stop()
    tokens.stop()


@pytest.fixture(scope="session")
def v3_token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenRegistry]:
    """CNCF distribution v3 with token auth."""
    yield from _token_registry(tmp_path_factory.mktemp("v3-token-registry"), _built(gotools.DISTRIBUTION))


@pytest.fixture(scope="session")
def debian_token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenRegistry]:
    """Debian's docker-registry 2.8 with the same token auth (``auth: token:`` in its config)."""
    try:
        binary = devregistry.find_registry_binary()
    except devregistry.RegistryNotAvailable as exc:
        pytest.fail(str(exc))
    yield from _token_registry(tmp_path_factory.mktemp("debian-token-registry"), binary)


@pytest.fixture(scope="session", params=["docker-registry-2.8", "distribution-v3"])
def token_registry(request: pytest.FixtureRequest) -> TokenRegistry:
    """Each token-auth test runs against both servers (each started once per session)."""
    fixture = "debian_token_registry" if request.param == "docker-registry-2.8" else "v3_token_registry"
    registry: TokenRegistry = request.getfixturevalue(fixture)
    return registry


@pytest.fixture
def token_service(token_registry: TokenRegistry) -> Iterator[TokenServer]:
    """The token service with its request log cleared and the default lifetime restored afterwards."""
    token_registry.tokens.clear()
    yield token_registry.tokens
    token_registry.tokens.lifetime = 300.0
    token_registry.tokens.claimed_lifetime = None


@pytest.fixture(scope="session")
def crane_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoRegistry]:
    binary = _built(gotools.CRANE)
    root = tmp_path_factory.mktemp("crane-registry")
    (root / "blobs").mkdir()
    server = _serve([binary, "registry", "serve", "--disk", str(root / "blobs")], root / "crane.log")
    yield server
    _stop(server.process)


@pytest.fixture(scope="session")
def referrers_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoRegistry]:
    """go-containerregistry's registry with the referrers API on (tests/goregistry), in memory."""
    binary = _built(gotools.GGCR_REFERRERS)
    server = _serve([binary], tmp_path_factory.mktemp("ggcr-referrers") / "server.log")
    yield server
    _stop(server.process)


def _serve(command: list[str], log_path: Path) -> GoRegistry:
    """Start a registry that takes ``--address`` on a free loopback port; wait until ``/v2/`` answers."""
    for _ in range(3):
        address = f"127.0.0.1:{devregistry.free_port()}"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [*command, "--address", address],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if _answers(address, process):
            return GoRegistry(address, process)
        _stop(process)
    pytest.fail(f"{Path(command[0]).name} did not start; log {log_path}")


def _answers(address: str, process: subprocess.Popen[bytes], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"http://{address}/v2/", timeout=1).close()
            return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
