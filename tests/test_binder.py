"""binder/: installs the package the README installs, and ``start`` runs a registry then the command."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
CHECK = (
    "import os, sys, urllib.request\n"
    "address = os.environ['KITOPS_DEMO_REGISTRY']\n"
    "urllib.request.urlopen(f'http://{address}/v2/', timeout=5).close()\n"
    "print('registry', address, os.environ['KITOPS_DEMO_REGISTRY_PID'], 'pid', os.getpid(), 'args', sys.argv[1:])\n"
)


def _pip_installs(text: str) -> list[list[str]]:
    """The arguments of every ``pip install`` command in ``text`` (options such as ``-e`` dropped)."""
    found = []
    for match in re.finditer(r"pip install ([^\n`#]+)", text):
        found.append([a for a in shlex.split(match.group(1)) if not a.startswith("-")])
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _project_name() -> str:
    match = re.search(
        r'^name = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert match, "pyproject.toml has no [project] name"
    return _canonical(match.group(1))


def _target(arg: str) -> tuple[str, frozenset[str]]:
    """``(distribution, extras)`` a pip argument installs: ``.`` is this checkout (the project itself)."""
    match = re.fullmatch(r"([^\[\]]+)(?:\[([^\]]*)\])?", arg)
    assert match, arg
    base, extras = (
        match.group(1),
        frozenset(e.strip() for e in (match.group(2) or "").split(",") if e.strip()),
    )
    return (_project_name() if base in (".", "./") else _canonical(base)), extras


def _readme_installs() -> set[tuple[str, frozenset[str]]]:
    """What the README tells users to install, outside its own Binder section (which describes binder/)."""
    sections = re.split(r"^## ", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    text = "## ".join(s for s in sections if not s.lower().startswith("run it on binder"))
    return {_target(arg) for args in _pip_installs(text) for arg in args}


def test_binder_installs_the_package_the_readme_installs() -> None:
    binder = _pip_installs((BINDER / "postBuild").read_text(encoding="utf-8"))
    assert binder == [["."]], binder
    readme = _readme_installs()
    user_installs = {target for target in readme if not target[1] & {"test", "dev"}}
    assert user_installs, "the README names no pip install command"
    assert user_installs == {_target(".")} == {(_project_name(), frozenset())}, (
        f"README installs {sorted(readme)}, binder/postBuild installs {_target('.')}"
    )
    environment = yaml.safe_load((BINDER / "environment.yml").read_text(encoding="utf-8"))
    packages = [re.split(r"[=<>]", str(d))[0] for d in environment["dependencies"]]
    assert {"python", "pip", "jupyterlab", "nodejs"} <= set(packages)  # nodejs: the labextension build
    assert "docker-registry" in (BINDER / "apt.txt").read_text(encoding="utf-8").split()


def test_binder_scripts_are_executable_bash() -> None:
    for name in ("postBuild", "start"):
        path = BINDER / name
        assert os.access(path, os.X_OK), f"binder/{name} must be executable"
        assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
        subprocess.run(["bash", "-n", str(path)], check=True)
    post_build = (BINDER / "postBuild").read_text(encoding="utf-8")
    assert "/lab/tree/examples/quickstart.ipynb" in post_build
    assert (ROOT / "examples" / "quickstart.ipynb").is_file()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITOPS_DEMO")}
    env.update(
        HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", **extra
    )
    return env


def _stop(pid: int) -> None:
    """SIGTERM the registry ``start`` left running and wait until it is gone (or a zombie)."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":
            return
        time.sleep(0.05)
    raise AssertionError(f"the registry process {pid} did not stop")


def test_start_runs_a_registry_then_execs_the_command(tmp_path: Path) -> None:
    argv = ["bash", str(BINDER / "start"), sys.executable, "-c", CHECK, "one", "two words"]
    process = subprocess.Popen(
        argv, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    match = re.fullmatch(r"registry (127\.0\.0\.1:\d+) (\d+) pid (\d+) args \['one', 'two words'\]\n", out)
    assert match, (out, err)
    address, registry_pid, command_pid = match.group(1), int(match.group(2)), int(match.group(3))
    assert command_pid == process.pid  # exec: the command replaced the start script's process
    assert f"OCI registry on {address}" in err
    assert (tmp_path / ".kitops-demo-registry" / "address").read_text().strip() == address
    _stop(registry_pid)
    with pytest.raises(OSError):  # refused: the registry is gone
        urllib.request.urlopen(f"http://{address}/v2/", timeout=2)


def test_start_still_runs_the_command_when_the_registry_cannot_start(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    argv = ["bash", str(BINDER / "start"), sys.executable, "-c", "import sys; print('ran'); sys.exit(3)"]
    done = subprocess.run(
        argv,
        env=_env(tmp_path, KITOPS_DEMO_STORAGE=str(blocker)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3 and done.stdout == "ran\n"
    assert "the demo registry did not start" in done.stderr
