"""pytest plugin: real registries (Debian's ``docker-registry``) and a fault-injecting proxy.

Fixtures:

- ``registry``: a plain-HTTP registry on a free 127.0.0.1 port, storage in a temp dir (session).
- ``tls_registry``: a second instance behind TLS (self-signed CA made here with ``cryptography``) with
  htpasswd basic auth; ``tls_registry.username`` / ``.password`` / ``.ca_file`` (session).
- ``fault_proxy``: a fresh :class:`FaultProxy` in front of ``registry`` for each test; it injects
  statuses with ``Retry-After``, dropped connections mid-request and mid-response, token expiry
  (Bearer token auth run by the proxy itself) and throttling.

Tests are skipped with a message when ``docker-registry`` is not installed (``scripts/setup`` or
``apt-get install docker-registry`` provides it).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import http.client
import io
import ipaddress
import json
import os
import re
import secrets
import socket
import struct
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kitops_jupyter import devregistry
from kitops_jupyter.devregistry import RunningRegistry, free_port

__all__ = ["FaultProxy", "Gathering", "RegistryServer", "free_port", "start_registry"]


@dataclass
class RegistryServer(RunningRegistry):
    """A running ``docker-registry`` (see :mod:`kitops_jupyter.devregistry`) plus its test login."""

    username: str = ""
    password: str = field(default="", repr=False)

    def blob_data(self, digest: str) -> Path:
        """Where the registry keeps a blob's bytes (to corrupt it on purpose)."""
        hex_ = digest.split(":", 1)[1]
        return self.storage / "docker" / "registry" / "v2" / "blobs" / "sha256" / hex_[:2] / hex_ / "data"


def start_registry(
    root: Path,
    *,
    tls: tuple[Path, Path] | None = None,
    htpasswd: Path | None = None,
    ca_file: Path | None = None,
    client_ca: Path | None = None,
    client_cert: tuple[Path, Path] | None = None,
) -> RegistryServer:
    """Start ``docker-registry`` under ``root`` on a free loopback port, waiting until it answers."""
    running = devregistry.start_registry(
        root, tls=tls, htpasswd=htpasswd, ca_file=ca_file, client_ca=client_ca, client_cert=client_cert
    )
    fields = {f.name: getattr(running, f.name) for f in dataclasses.fields(RunningRegistry)}
    return RegistryServer(**fields)


# -- TLS material and htpasswd --------------------------------------------------------------------


def make_tls(directory: Path) -> tuple[Path, Path, Path]:
    """A self-signed CA and a server certificate for 127.0.0.1/localhost: ``(ca, cert, key)`` PEM paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kitops-jupyter test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "ca.key").write_bytes(  # make_client_cert signs with it
        ca_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_path, cert_path, key_path


def make_client_cert(directory: Path, name: str = "client") -> tuple[Path, Path]:
    """A client certificate (``clientAuth``) signed by the CA :func:`make_tls` wrote in ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), None)
    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def bcrypt_hash(password: str) -> str:
    """A bcrypt hash for htpasswd (distribution accepts only bcrypt; `bcrypt` is a test dependency)."""
    import bcrypt

    return str(bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode())


# -- fault-injecting proxy ------------------------------------------------------------------------

_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
_NAME = re.compile(r"^/v2/(.+?)/(?:blobs|manifests|tags)/")


@dataclass
class Fault:
    """One injected fault, applied to the next ``times`` requests matching ``method`` and ``path``.

    kinds: ``status`` (answer ``status`` with ``Retry-After: retry_after``), ``drop_request`` (forward
    ``after`` bytes of the request body, then cut the connection), ``drop_response`` (forward the
    answer's headers and ``after`` body bytes, then cut), ``expire_token`` (rotate the proxy's Bearer
    token and answer 401), ``stall`` (wait ``seconds`` before answering), ``strip_range`` (forward
    without the ``Range`` header, like a registry that ignores it), ``corrupt`` (flip the answer's
    body byte at offset ``after``), ``redirect`` (answer 307 to the same path on the registry itself, as
    registries that keep blobs in object storage do). The first ``skip`` matching requests pass untouched.
    """

    kind: str
    method: str = ""
    path: str = ""
    times: int = 1
    status: int = 503
    retry_after: str | None = None
    after: int = 0
    seconds: float = 0.0
    skip: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in ("", method) and re.search(self.path, path) is not None


class Gathering:
    """Counts matching requests in flight at once, and holds the first ``size`` of them until all
    ``size`` are in flight together (so parallel requests overlap for sure, without sleeps).

    ``complete`` is set when the ``size`` requests were in flight together; ``most`` is the largest
    number ever in flight. A request counts from its arrival until the registry has answered it, and
    stops counting before the answer is relayed, so the client cannot start its next request first.
    Held requests give up waiting after ``ceiling`` seconds (a client that never sends ``size`` in
    parallel then fails the test's ``complete`` check instead of hanging).
    """

    def __init__(self, method: str, path: str, size: int, ceiling: float = 60.0) -> None:
        self.method, self.path, self.size, self.ceiling = method, path, size, ceiling
        self.complete = threading.Event()
        self.in_flight = 0
        self.most = 0
        self._arrived = 0
        self._gave_up = False
        self._cond = threading.Condition()

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.search(self.path, path) is not None

    def arrive(self) -> None:
        with self._cond:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            if self._arrived >= self.size:
                return
            self._arrived += 1
            if self._arrived == self.size and self.in_flight >= self.size:
                self.complete.set()
                self._cond.notify_all()
                return
            if not self._gave_up and not self._cond.wait_for(self.complete.is_set, timeout=self.ceiling):
                self._gave_up = True  # the rest pass at once: the test fails on ``complete``, not slowly

    def leave(self) -> None:
        with self._cond:
            self.in_flight -= 1


class FaultProxy:
    """A threaded HTTP proxy on 127.0.0.1 in front of one registry, with faults on demand.

    ``log`` records ``(method, path, status)`` of every answered request. With :meth:`require_token`
    the proxy runs Bearer token auth itself (token endpoint ``/token``), so token expiry is real.
    :meth:`gather` counts (and makes overlap) parallel requests, e.g. blob uploads.
    """

    def __init__(self, upstream_host: str, upstream_port: int, max_connections: int = 32) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []
        self.body_bytes = 0  # response body bytes relayed to clients (for transfer bounds)
        self.throttle: float | None = None  # bytes per second for bodies in both directions
        self.token_user: tuple[str, str] | None = None
        self.token_mode = False
        self.token = secrets.token_hex(16)
        self.token_requests = 0
        self.gatherings: list[Gathering] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.proxy = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fault-proxy", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def registry(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add(self, kind: str, **options: object) -> Fault:
        fault = Fault(kind, **options)  # type: ignore[arg-type]
        with self._lock:
            self.faults.append(fault)
        return fault

    def gather(self, method: str, path: str, size: int) -> Gathering:
        """Count the requests matching ``method`` and the ``path`` regex in flight; see :class:`Gathering`."""
        gathering = Gathering(method, path, size)
        with self._lock:
            self.gatherings.append(gathering)
        return gathering

    def require_token(self, username: str | None = None, password: str | None = None) -> None:
        self.token_mode = True
        self.token_user = (username, password) if username and password else None

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    return fault
        return None

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.log.append((method, path, status))

    def pace(self, nbytes: int) -> None:
        if self.throttle:
            time.sleep(nbytes / self.throttle)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    proxy: FaultProxy

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # dropped connections are the point; keep test output clean


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self) -> None:
        proxy = self.server.proxy
        with proxy._slots:
            length = int(self.headers.get("Content-Length") or 0)
            if self.path.startswith("/token"):
                return self._token(length)
            if proxy.token_mode and self.headers.get("Authorization") != f"Bearer {proxy.token}":
                return self._challenge(length)
            fault = proxy.take(self.command, self.path)
            if fault and fault.kind == "expire_token":
                proxy.token = secrets.token_hex(16)
                return self._challenge(length)
            if fault and fault.kind == "status":
                self._drain(length)
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return self._reply(
                    fault.status, b'{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}', headers
                )
            if fault and fault.kind == "redirect":
                self._drain(length)
                host, port = proxy.upstream
                return self._reply(307, b"", {"Location": f"http://{host}:{port}{self.path}"})
            if fault and fault.kind == "stall":
                time.sleep(fault.seconds)
            gatherings = [g for g in proxy.gatherings if g.matches(self.command, self.path)]
            for gathering in gatherings:
                gathering.arrive()
            answered = [False]

            def leave() -> None:
                if not answered[0]:
                    answered[0] = True
                    for gathering in gatherings:
                        gathering.leave()

            try:
                self._forward(length, fault, leave)
            finally:
                leave()

    def _forward(self, length: int, fault: Fault | None, answered: Callable[[], None] = lambda: None) -> None:
        proxy = self.server.proxy
        conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            strip = {"range"} if fault and fault.kind == "strip_range" else set()
            if proxy.token_mode:
                strip.add("authorization")
            for key, value in self.headers.items():
                if key.lower() not in _HOP and key.lower() not in strip:
                    conn.putheader(key, value)
            conn.endheaders()
            if not self._send_body(conn, length, fault):
                return
            response = conn.getresponse()
            answered()  # before the client sees the answer and sends its next request
            self._relay(response, fault)
        finally:
            conn.close()

    def _send_body(self, conn: http.client.HTTPConnection, length: int, fault: Fault | None) -> bool:
        sent = 0
        cut = fault.after if fault and fault.kind == "drop_request" else None
        while sent < length:
            chunk = self.rfile.read(min(1 << 16, length - sent))
            if not chunk:
                return self._abort()
            if cut is not None and sent + len(chunk) >= cut:
                conn.send(chunk[: cut - sent])
                return self._abort()
            conn.send(chunk)
            sent += len(chunk)
            self.server.proxy.pace(len(chunk))
        return True

    def _relay(self, response: http.client.HTTPResponse, fault: Fault | None) -> None:
        body_length = response.getheader("Content-Length")
        buffered = None
        if body_length is None and self.command != "HEAD" and response.status not in (204, 304):
            buffered = response.read()
            body_length = str(len(buffered))
        self.server.proxy.record(self.command, self.path, response.status)  # before the client can see it
        self.send_response_only(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP and key.lower() != "content-length":
                self.send_header(key, value)
        if body_length is not None:
            self.send_header("Content-Length", body_length)
        self.end_headers()
        if self.command == "HEAD":
            return
        cut = fault.after if fault and fault.kind == "drop_response" else None
        flip = fault.after if fault and fault.kind == "corrupt" else None
        self._stream(response, buffered, cut, flip)

    def _stream(
        self,
        response: http.client.HTTPResponse,
        buffered: bytes | None,
        cut: int | None,
        flip: int | None = None,
    ) -> None:
        sent = 0
        piece = 1 << 14 if self.server.proxy.throttle else 1 << 16
        while True:
            chunk = buffered if buffered is not None else response.read(piece)
            buffered = b"" if buffered is not None else None
            if not chunk:
                return
            if cut is not None and sent + len(chunk) >= cut:
                self.wfile.write(chunk[: cut - sent])
                self._abort()
                return
            if flip is not None and sent <= flip < sent + len(chunk):
                chunk = chunk[: flip - sent] + bytes([chunk[flip - sent] ^ 0xFF]) + chunk[flip - sent + 1 :]
            self.wfile.write(chunk)
            sent += len(chunk)
            with self.server.proxy._lock:
                self.server.proxy.body_bytes += len(chunk)
            self.server.proxy.pace(len(chunk))

    def _abort(self) -> bool:
        """Cut the client connection hard (RST), like a network failure."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
        return False

    def _drain(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(1 << 16, length))
            if not chunk:
                break
            length -= len(chunk)

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.server.proxy.record(self.command, self.path, status)
        self.send_response_only(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _challenge(self, length: int) -> None:
        self._drain(length)
        proxy = self.server.proxy
        match = _NAME.match(self.path)
        actions = "pull" if self.command in ("GET", "HEAD") else "pull,push"
        scope = f',scope="repository:{match.group(1)}:{actions}"' if match else ""
        realm = f'Bearer realm="http://{proxy.registry}/token",service="fault-proxy"{scope}'
        body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        self._reply(401, body, {"WWW-Authenticate": realm})

    def _token(self, length: int) -> None:
        self._drain(length)
        proxy = self.server.proxy
        if proxy.token_user:
            expected = base64.b64encode(":".join(proxy.token_user).encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                return self._reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
        with proxy._lock:
            proxy.token_requests += 1
        body = json.dumps({"token": proxy.token, "expires_in": 300}).encode()
        self._reply(200, body)


# -- small ModelKits written straight into a LocalStore ------------------------------------------


def tar_layer(files: dict[str, bytes]) -> bytes:
    """An uncompressed tar of regular files (what a kit layer holds)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def make_modelkit(
    store: Any,
    repo_key: str = "localhost/test/model",
    tag: str = "v1",
    *,
    model: bytes | None = None,
    dataset: bytes | None = None,
    name: str = "test-model",
    kind: str = "kit",
) -> tuple[str, Any]:
    """Write a ModelKit (model + dataset layer, Kit config) into ``store``; returns ``(digest, manifest)``.

    ``kind="modelpack"`` writes a ModelPack manifest whose Kitfile is in the manifest annotation.
    """
    from kitops_jupyter.core import mediatypes
    from kitops_jupyter.core.gojson import dumps
    from kitops_jupyter.core.manifest import Descriptor, build_manifest

    model = os.urandom(64 << 10) if model is None else model
    dataset = b"a,b\n1,2\n" if dataset is None else dataset
    entries = [("model", "model.bin", model), ("dataset", "data/train.csv", dataset)]
    layers, digests = [], []
    for base, path, payload in entries:
        blob = tar_layer({path: payload})
        digest = store.write_blob(blob)
        media = mediatypes.layer_media_type(base, "none")
        if kind == "modelpack":
            media = media.replace("vnd.kitops.modelkit.model.", "vnd.cncf.model.weight.").replace(
                "vnd.kitops.modelkit.dataset.", "vnd.cncf.model.dataset."
            )
        layers.append(Descriptor(media, digest, len(blob), {mediatypes.ANNOTATION_FILEPATH: path}))
        digests.append(digest)
    kitfile = {
        "manifestVersion": "1.0.0",
        "package": {"name": name, "authors": ["Test Author"]},
        "model": {"name": "m", "path": "model.bin", "digest": digests[0], "diffId": digests[0]},
        "datasets": [{"name": "train", "path": "data/train.csv", "digest": digests[1], "diffId": digests[1]}],
    }
    config_bytes = dumps(kitfile)
    if kind == "modelpack":
        config_bytes = dumps(
            {"descriptor": {"name": name}, "modelfs": {"type": "layers", "diffIds": digests}}
        )
    config_type = mediatypes.MODELPACK_CONFIG if kind == "modelpack" else mediatypes.KIT_CONFIG
    config = Descriptor(config_type, store.write_blob(config_bytes), len(config_bytes))
    artifact = mediatypes.MODELPACK_ARTIFACT if kind == "modelpack" else mediatypes.KIT_ARTIFACT
    manifest = build_manifest(config, layers, "0.0.0-test", None, artifact_type=artifact)
    if kind == "modelpack":
        annotations = {**(manifest.annotations or {}), mediatypes.ANNOTATION_KITFILE: dumps(kitfile).decode()}
        manifest = dataclasses.replace(manifest, annotations=annotations)
    desc = store.put_manifest(repo_key, manifest.encode(), [tag] if tag else [])
    return desc.digest, manifest


# -- fixtures -------------------------------------------------------------------------------------


def _require_registry() -> None:
    try:
        devregistry.find_registry_binary()
    except devregistry.RegistryNotAvailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    _require_registry()
    server = start_registry(tmp_path_factory.mktemp("registry"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    _require_registry()
    root = tmp_path_factory.mktemp("tls-registry")
    ca, cert, key = make_tls(root / "tls")
    username, password = "kit-tester", "pw-" + secrets.token_urlsafe(18)
    htpasswd = root / "htpasswd"
    htpasswd.write_text(f"{username}:{bcrypt_hash(password)}\n")
    server = start_registry(root / "srv", tls=(cert, key), htpasswd=htpasswd, ca_file=ca)
    server.username, server.password = username, password
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mtls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """A TLS registry that requires client certificates signed by its CA (mutual TLS).

    ``mtls_registry.ca_file`` is the CA; ``mtls_registry.client_cert`` a valid ``(cert, key)``.
    """
    _require_registry()
    root = tmp_path_factory.mktemp("mtls-registry")
    ca, cert, key = make_tls(root / "tls")
    client = make_client_cert(root / "tls")
    server = start_registry(root / "srv", tls=(cert, key), ca_file=ca, client_ca=ca, client_cert=client)
    yield server
    server.stop()


@pytest.fixture
def fault_proxy(registry: RegistryServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy("127.0.0.1", registry.port)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def repo_name() -> str:
    """A repository name no other test uses (the session registry is shared)."""
    return f"test/{secrets.token_hex(5)}"
