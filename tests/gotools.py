"""Registry servers built from Go source for the compatibility matrix, cached outside the repository.

``go install MODULE@VERSION`` into ``<cache>/go-bin/<name>-<version>/`` where ``<cache>`` is
``$KITOPS_JUPYTER_CACHE`` or ``~/.cache/kitops-jupyter``; a cached binary is reused, so a clean clone
builds each version once. ``tests/goregistry`` (our own few lines: go-containerregistry's registry
with its referrers API on) is built with ``go build``, keyed by a hash of its files. ``scripts/setup`` runs ``python -m tests.gotools`` to build them ahead of
the suite; the fixtures call :func:`ensure` too, so the tests work without it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CRANE", "DISTRIBUTION", "GGCR_REFERRERS", "GoTool", "GoToolMissing", "cache_dir", "ensure"]


class GoToolMissing(RuntimeError):
    """A Go-built server could not be built (no Go, or the module download was refused)."""


ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class GoTool:
    name: str
    package: str  # module path of the main package, or a directory of this repository (tests/...)
    version: str
    binary: str

    @property
    def path(self) -> Path:
        return cache_dir() / "go-bin" / f"{self.name}-{self.version}" / self.binary

    def command(self, go: str, out_dir: str) -> tuple[list[str], Path | None, dict[str, str]]:
        """The build command, the directory to run it in and extra environment."""
        if self.package.startswith("tests/"):
            out = str(Path(out_dir) / self.binary)
            return (
                [go, "build", "-trimpath", "-o", out, "."],
                ROOT / self.package,
                {"GOFLAGS": "-mod=readonly -buildvcs=false"},
            )
        return [go, "install", "-trimpath", f"{self.package}@{self.version}"], None, {}


def _source_hash(directory: str) -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((ROOT / directory / name).read_bytes())
    return digest.hexdigest()[:12]


DISTRIBUTION = GoTool(
    "distribution", "github.com/distribution/distribution/v3/cmd/registry", "v3.0.0", "registry"
)
CRANE = GoTool("crane", "github.com/google/go-containerregistry/cmd/crane", "v0.20.6", "crane")
GGCR_REFERRERS = GoTool(
    "ggcr-referrers", "tests/goregistry", _source_hash("tests/goregistry"), "ggcr-referrers"
)
TOOLS = (DISTRIBUTION, CRANE, GGCR_REFERRERS)


def cache_dir() -> Path:
    return Path(os.environ.get("KITOPS_JUPYTER_CACHE") or Path.home() / ".cache" / "kitops-jupyter")


def ensure(tool: GoTool) -> Path:
    """The cached binary of ``tool``, built first if missing (one build at a time, across processes)."""
    if tool.path.is_file():
        return tool.path
    go = shutil.which("go")
    if go is None:
        raise GoToolMissing(f"building {tool.name} needs Go on PATH (`apt-get install golang-go`)")
    bin_root = tool.path.parent.parent
    bin_root.mkdir(parents=True, exist_ok=True)
    with open(bin_root / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if tool.path.is_file():
            return tool.path
        with tempfile.TemporaryDirectory(dir=bin_root, prefix=f".{tool.name}-") as tmp:
            command, cwd, extra = tool.command(go, tmp)
            env = {**os.environ, "GOBIN": tmp, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", **extra}
            proc = subprocess.run(
                command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False
            )
            if proc.returncode != 0:
                raise GoToolMissing(
                    f"{' '.join(command[1:3])} {tool.package} failed (exit {proc.returncode}):\n"
                    + proc.stderr[-3000:]
                )
            tool.path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(Path(tmp) / tool.binary, tool.path)
    return tool.path


def main() -> int:
    for tool in TOOLS:
        cached = tool.path.is_file()
        start = time.monotonic()
        try:
            path = ensure(tool)
        except GoToolMissing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        took = "cached" if cached else f"built in {time.monotonic() - start:.0f}s"
        print(f"{tool.name} {tool.version}: {path} ({took})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
