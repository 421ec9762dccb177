"""A throw-away OCI registry on 127.0.0.1 for demos, examples and tests.

Runs Debian's ``docker-registry`` (the CNCF distribution registry; ``apt-get install docker-registry``,
which ``scripts/setup`` does) with its storage in a directory you choose. It listens on the loopback
interface only, over plain HTTP unless TLS files are given, so kitops-jupyter talks to it without
credentials or certificates::

    from kitops_jupyter.devregistry import start_registry
    with start_registry("/tmp/reg") as reg:
        print(reg.address)          # 127.0.0.1:40123

From a shell (stays in the foreground until Ctrl-C or SIGTERM, then stops the registry)::

    python -m kitops_jupyter.devregistry --storage /tmp/reg --port 5050

This is a development tool: no authentication unless ``htpasswd`` is given, deletes enabled, never
exposed beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from .core.atomicfile import write_text

__all__ = ["RegistryNotAvailable", "RunningRegistry", "find_registry_binary", "main", "start_registry"]

HOST = "127.0.0.1"
INSTALL_HINT = "install it with `sudo apt-get install docker-registry` (or run scripts/setup)"


class RegistryNotAvailable(RuntimeError):
    """The registry program is missing or did not come up."""


@dataclass
class RunningRegistry:
    """A running registry process: ``address`` is ``host:port`` (what a reference starts with)."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    storage: Path  # where the registry keeps blobs and manifests
    log: Path
    scheme: str = "http"
    ca_file: Path | None = None
    client_cert: tuple[Path, Path] | None = None  # what the readiness probe presents (mutual TLS)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    registry = address  # the name tests/registry_fixtures.py uses

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the process (kill it if it does not exit within ``timeout``)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)

    def __enter__(self) -> RunningRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def find_registry_binary() -> str:
    """Path of ``docker-registry``; raises :class:`RegistryNotAvailable` saying how to install it."""
    found = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not os.path.exists(found):
        raise RegistryNotAvailable(f"docker-registry is not installed; {INSTALL_HINT}")
    return found


def free_port(host: str = HOST) -> int:
    """A TCP port that was free a moment ago (the registry needs a number in its config)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def write_config(
    root: Path,
    port: int,
    *,
    tls: tuple[Path, Path] | None = None,
    htpasswd: Path | None = None,
    client_ca: Path | None = None,
    extra: Sequence[str] = (),
) -> Path:
    """The registry's ``config.yml`` under ``root`` (data in ``root/data``, loopback only).

    ``client_ca`` turns on mutual TLS: only clients with a certificate signed by it get in. ``extra``
    lines are appended (another top-level section, such as a token ``auth:``).
    """
    lines = [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {root / 'data'}",
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        f"  addr: {HOST}:{port}",
    ]
    if tls:
        lines += ["  tls:", f"    certificate: {tls[0]}", f"    key: {tls[1]}"]
        if client_ca:
            lines += ["    clientcas:", f"      - {client_ca}"]
    if htpasswd:
        lines += ["auth:", "  htpasswd:", "    realm: kitops-dev", f"    path: {htpasswd}"]
    lines += extra
    path = root / "config.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_registry(
    storage_dir: Path | str,
    port: int = 0,
    *,
    tls: tuple[Path, Path] | None = None,
    htpasswd: Path | None = None,
    ca_file: Path | None = None,
    client_ca: Path | None = None,
    client_cert: tuple[Path, Path] | None = None,
    timeout: float = 10.0,
    binary: str | None = None,
    extra_config: Sequence[str] = (),
) -> RunningRegistry:
    """Start a registry keeping its files under ``storage_dir``; return once it answers ``/v2/``.

    ``port=0`` picks a free port (retrying if another process takes it first). ``tls`` is a
    ``(certificate, key)`` pair of PEM files, ``htpasswd`` a bcrypt htpasswd file that turns on basic
    authentication, ``ca_file`` the CA to trust while waiting for a TLS registry to answer.
    ``client_ca`` requires client certificates signed by it; ``client_cert`` is the ``(cert, key)``
    the readiness probe then presents.
    ``binary`` runs another build of the distribution registry (same config format, e.g. v3) and
    ``extra_config`` adds config lines.
    """
    binary = binary or find_registry_binary()
    if port and not _port_free(port):
        raise RegistryNotAvailable(f"port {port} on {HOST} is already in use; choose another (or 0 for any)")
    root = Path(storage_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    log = root / "registry.log"
    for _ in range(3 if port == 0 else 1):
        chosen = port or free_port()
        config = write_config(
            root, chosen, tls=tls, htpasswd=htpasswd, client_ca=client_ca, extra=extra_config
        )
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [binary, "serve", str(config)], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        running = RunningRegistry(
            HOST, chosen, process, root / "data", log, "https" if tls else "http", ca_file, client_cert
        )
        if _wait_ready(running, timeout):
            return running
        running.stop()
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise RegistryNotAvailable(
        f"{Path(binary).name} did not start on {HOST}:{port or 'a free port'}; log {log}:\n{tail}"
    )


def _wait_ready(registry: RunningRegistry, timeout: float) -> bool:
    context = ssl.create_default_context(cafile=str(registry.ca_file)) if registry.ca_file else None
    if context is not None and registry.client_cert is not None:
        context.load_cert_chain(str(registry.client_cert[0]), str(registry.client_cert[1]))
    url = f"{registry.scheme}://{registry.address}/v2/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if registry.process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(url, timeout=1, context=context).close()
            return True
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # up, and asking for credentials
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


# -- command line ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kitops_jupyter.devregistry",
        description=f"Run a throw-away OCI registry on {HOST} until interrupted.",
    )
    parser.add_argument(
        "--storage",
        type=Path,
        help="directory for the registry's files (default: a temp dir, removed on exit)",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: any free port)")
    parser.add_argument(
        "--address-file", type=Path, help="write HOST:PORT to this file once the registry answers"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the registry in the foreground; SIGINT/SIGTERM stop it. Prints ``HOST:PORT`` when ready."""
    args = _parser().parse_args(argv)
    with contextlib.ExitStack() as stack:
        storage = args.storage or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="kitops-registry-"))
        )
        try:
            registry = stack.enter_context(start_registry(storage, args.port))
        except RegistryNotAvailable as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        if args.address_file:
            _write_atomically(args.address_file, registry.address + "\n")
        print(
            f"registry listening on {registry.address} (storage {registry.storage}); Ctrl-C stops it",
            flush=True,
        )
        _wait_for_signal(registry)
    return 0


def _write_atomically(path: Path, text: str) -> None:
    write_text(path, text)


def _wait_for_signal(registry: RunningRegistry) -> None:
    stop = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        while not stop and registry.process.poll() is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
