"""The ``kitj`` console script as a real subprocess: kit's verbs, the lines scripts parse, exit codes,
Go-template list formats, progress only on a terminal, login without echo, against the real registry."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kitops_jupyter.cli import main
from tests.registry_fixtures import RegistryServer
from tests.test_magics_support import KITFILE, make_context

KITJ = shutil.which("kitj", path=str(Path(sys.executable).parent))
DIGEST = r"sha256:[0-9a-f]{64}"


@dataclass
class Run:
    code: int
    out: str
    err: str


def kitj(
    *args: str, stdin: str | None = None, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Run:
    assert KITJ is not None, "the kitj console script is not installed (pip install -e .)"
    done = subprocess.run(
        [KITJ, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def ok(*args: str, **kwargs: object) -> Run:
    """The console script as a subprocess, which must succeed."""
    run = kitj(*args, **kwargs)  # type: ignore[arg-type]
    assert run.code == 0, f"kitj {' '.join(args)} failed ({run.code}):\n{run.out}{run.err}"
    return run


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """The same ``main`` in this process, for the many format and error cases (no interpreter start-up)."""

    def run(*args: str, expect: int = 0) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        assert code == expect, f"kitj {' '.join(args)} exited {code}:\n{captured.out}{captured.err}"
        return Run(code, captured.out, captured.err)

    return run


def make_project(root: Path, extra: dict[str, str] | None = None) -> Path:
    """The magics tests' small project: package ``tiny`` by Tester, model ``tiny-model``, a dataset, a README."""
    return make_context(root, model=b"w" * 300, extra=extra)


def saved_digest(run: Run) -> str:
    found = re.findall(rf"^Model saved: ({DIGEST})$", run.out, re.M)
    assert len(found) == 1, run.out
    return found[0]


def has_line(output: str, pattern: str) -> bool:
    return any(re.search(pattern, line) for line in output.strip().splitlines())


# -- local verbs ---------------------------------------------------------------------------------


def test_pack_list_tag_remove_print_the_lines_kit_scripts_parse(
    tmp_path: Path, cli: Callable[..., Run]
) -> None:
    project = make_project(tmp_path / "p")
    packed = ok("pack", str(project), "-t", "test:one")  # subprocess: the installed console script
    digest = saved_digest(packed)
    assert packed.err == ""  # no terminal: no progress, nothing else

    table = ok("list").out.splitlines()
    assert re.fullmatch(r"REPOSITORY\s+TAG\s+MAINTAINER\s+NAME\s+SIZE\s+DIGEST", table[0])
    assert re.fullmatch(rf"test\s+one\s+Tester\s+tiny\s+\d+\.\d KiB\s+{digest}", table[1])
    assert cli("list", "--format", "table").out == "\n".join(table) + "\n"

    assert ok("tag", "test:one", "test:two").out == "Modelkit test:one tagged as test:two\n"
    listing = cli("list").out
    assert has_line(listing, rf"^test\s+one.*{digest}$") and has_line(listing, rf"^test\s+two.*{digest}$")

    assert ok("remove", "test:one").out == f"Removed test:one (digest {digest})\n"
    listing = cli("list").out
    assert not has_line(listing, rf"^test\s+one.*{digest}$") and has_line(listing, rf"^test\s+two.*{digest}$")
    assert cli("remove", f"test@{digest}").out == f"Removed test@{digest} (digest {digest})\n"
    assert digest not in cli("list").out


def test_untagged_pack_remove_by_digest_and_remove_all(tmp_path: Path, cli: Callable[..., Run]) -> None:
    project = make_project(tmp_path / "p")
    first = saved_digest(cli("pack", str(project)))
    assert has_line(cli("list").out, rf"^<none>\s+<none>\s+Tester\s+tiny.*{first}$")
    cli("remove", first)
    assert first not in cli("list").out

    untagged = saved_digest(cli("pack", str(project)))
    (project / "extra.txt").write_text("more")
    (project / "Kitfile").write_text(KITFILE + "code:\n  - path: extra.txt\n")
    tagged = saved_digest(cli("pack", str(project), "-t", "test:keep"))
    removed = cli("remove", "--all").out
    assert removed == f"Removed <none>@{untagged}\n"
    assert has_line(cli("list").out, rf"^test\s+keep.*{tagged}$")
    assert cli("remove", "-a", "-f").out == f"Untagged test:keep\nRemoved test@{tagged}\n"
    assert cli("list", "--format", "json").out == "[]\n"


def test_list_formats_json_and_go_templates(tmp_path: Path, cli: Callable[..., Run]) -> None:
    project = make_project(tmp_path / "p")
    first = saved_digest(cli("pack", str(project), "-t", "test:first"))
    (project / "model.bin").write_text("changed")
    second = saved_digest(cli("pack", str(project), "-t", "test:second"))

    infos = json.loads(cli("list", "--format", "json").out)
    assert [(i["repo"], i["tags"], i["digest"]) for i in sorted(infos, key=lambda i: i["tags"])] == [
        ("test", ["first"], first),
        ("test", ["second"], second),
    ]
    assert set(infos[0]) == {"repo", "digest", "tags", "modelName", "size", "author"}
    assert sorted(ok("list", "--format", "{{ .Repo }}").out.splitlines()) == ["test", "test"]
    complex_ = cli("list", "--format", "{{ .Repo }}:{{ index .Tags 0 }} - {{ .ModelName }} {{ .Digest }}").out
    assert sorted(complex_.splitlines()) == sorted(
        [f"test:first - tiny {first}", f"test:second - tiny {second}"]
    )
    assert (
        cli("list", "--format", "{{ .Author }}\n").out == "Tester\nTester\n"
    )  # ends in a newline: none added

    bad = cli("list", "--format", "{{ .Nope }}", expect=1)
    assert bad.out == "" and bad.err.startswith("[ERROR] ")
    assert "can't evaluate field Nope" in bad.err and ".ModelName" in bad.err


def test_inspect_info_diff_and_init(tmp_path: Path, cli: Callable[..., Run]) -> None:
    project = make_project(tmp_path / "p")
    digest = saved_digest(cli("pack", str(project), "-t", "test:v1"))
    inspected = json.loads(ok("inspect", "test:v1").out)
    assert inspected["digest"] == digest and inspected["kitfile"]["package"]["name"] == "tiny"
    assert "model:\n  name: tiny-model\n  path: model.bin\n" in ok("info", "test:v1").out
    assert cli("info", "test:v1", "--filter", ".package.name").out == "tiny\n"
    assert cli("info", "test:v1", "-f", "model").out == "name: tiny-model\npath: model.bin\n"
    assert cli("info", "test:v1", "-f", ".package.authors").out == "- Tester\n"
    assert cli("info", "test:v1", "-f", ".package.license").out == '""\n'
    assert "cannot find required node 'nope'" in cli("info", "test:v1", "-f", ".nope", expect=1).err
    assert "array access" in cli("info", "test:v1", "-f", ".datasets[0]", expect=1).err
    cli("tag", "test:v1", "test:v2")
    assert ok("diff", "test:v1", "test:v2").out == "ModelKits are identical\n"
    (project / "README.md").write_text("# changed\n")
    cli("pack", str(project), "-t", "test:v3")
    report = cli("diff", "test:v1", "test:v3").out
    assert report.startswith("Comparing:\n  ModelKit1: test:v1\n  ModelKit2: test:v3\n")
    assert "Unique Layers to ModelKit2 (test:v3)" in report

    fresh = make_project(tmp_path / "fresh")
    (fresh / "Kitfile").unlink()
    init = ok("init", str(fresh), "--name", "fresh", "--desc", "a test", "--author", "Ada")
    assert (
        init.out.startswith("Generated Kitfile:\n\n") and f"Saved to path '{fresh / 'Kitfile'}'" in init.out
    )
    assert "name: fresh" in (fresh / "Kitfile").read_text()
    again = cli("init", str(fresh), expect=1)
    assert "--force" in again.err


def test_pack_refuses_a_reference_loop_like_kit(tmp_path: Path, cli: Callable[..., Run]) -> None:
    cli("pack", str(make_project(tmp_path / "one")), "-t", "test-ref:model-1")
    for number, parent in ((2, "test-ref:model-1"), (3, "test-ref:model-2"), (4, "test-ref:model-3")):
        (tmp_path / f"m{number}").mkdir()
        (tmp_path / f"m{number}" / "Kitfile").write_text(
            f"manifestVersion: 1.0.0\nmodel:\n  path: {parent}\n"
        )
    cli("pack", str(tmp_path / "m2"), "-t", "test-ref:model-2")
    cli("pack", str(tmp_path / "m3"), "-t", "test-ref:model-3")
    refused = kitj("pack", str(tmp_path / "m4"), "-t", "test-ref:model-1")
    assert refused.code == 1 and refused.out == ""
    assert has_line(
        refused.err, r"^\[ERROR\] Found cycle in modelkit references: test-ref:model-1 -> test-ref:model-3"
    )


def test_flags_and_exit_codes(tmp_path: Path, cli: Callable[..., Run]) -> None:
    assert cli("--help").out.startswith("kitj: the kit command line")
    assert "--compression" in cli("pack", "--help").out
    assert "--compression" in cli("help", "pack").out
    assert "Did you mean this?\n\tpack" in cli("pakc", ".", expect=1).err
    assert "DIRECTORY" in cli("pack", expect=1).err.upper()
    assert "--colour" in cli("list", "--colour", expect=1).err
    not_found = cli("inspect", "nothing/here:v1", expect=1)
    assert not_found.err.startswith("[ERROR] ") and "nothing/here" in not_found.err
    assert "unless --all is specified" in cli("remove", expect=1).err
    assert "should not be specified" in cli("remove", "a:b", "--all", expect=1).err
    assert "cannot use --all or --force with --remote" in cli("remove", "--all", "--remote", expect=1).err
    assert 'for "--tls-verify" flag' in cli("pull", "x/y:z", "--tls-verify=maybe", expect=1).err
    assert "c.pem does not exist" in cli("pull", "127.0.0.1:1/x/y:z", "--cert", "c.pem", expect=1).err
    assert re.match(r"Version: \d+\.\d+\.\d+\n", ok("version").out)


def test_verbose_prefixes_info_and_sends_debug_to_stderr(tmp_path: Path, cli: Callable[..., Run]) -> None:
    project = make_project(tmp_path / "p")
    run = cli("-vvv", "pack", str(project), "-t", "test:v")
    assert re.search(rf"^\[INFO \] Model saved: {DIGEST}$", run.out, re.M)
    assert "[DEBUG] Using storage path:" in run.err and "[DEBUG]" not in run.out
    assert cli("pack", str(project), "--log-level", "warn").out == ""  # the info line is below warn
    home = tmp_path / "other-home"
    cli("pack", str(project), "-t", "test:elsewhere", "--config", str(home))
    assert (home / "storage").is_dir() and "elsewhere" not in cli("list").out


def test_pack_reads_the_kitfile_from_stdin(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project / "Kitfile").rename(tmp_path / "Kitfile.elsewhere")
    packed = ok("pack", str(project), "-f", "-", "-t", "test:stdin", stdin=KITFILE)
    assert saved_digest(packed)


def test_python_dash_m_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kitops_jupyter", "list", "--format", "json"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == "[]\n"


def test_progress_only_on_a_terminal(tmp_path: Path, cli: Callable[..., Run]) -> None:
    project = make_project(tmp_path / "p", {"model.bin": "w" * 200_000})
    assert KITJ is not None
    controller, terminal = os.openpty()
    try:
        proc = subprocess.Popen(
            [KITJ, "pack", str(project), "-t", "test:tty"], stderr=terminal, stdout=subprocess.PIPE, text=True
        )
        os.close(terminal)
        drawn = _read_all(controller)  # while it runs: a full terminal buffer would block the writer
        stdout = proc.communicate(timeout=120)[0]
    finally:
        os.close(controller)
    assert proc.returncode == 0 and stdout.startswith("Model saved: ")
    assert "Packing test:tty:" in drawn and "100%" in drawn
    assert cli("pack", str(project), "-t", "test:pipe").err == ""  # captured stderr is no terminal


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


# -- registry verbs ------------------------------------------------------------------------------


def test_push_pull_unpack_and_remote_list(
    tmp_path: Path,
    registry: RegistryServer,
    repo_name: str,
    cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remote = f"{registry.registry}/{repo_name}:v1"
    digest = saved_digest(cli("pack", str(make_project(tmp_path / "p")), "-t", remote))
    pushed = ok("push", remote)
    assert pushed.out == f"Pushing {remote}\nPushed {digest}\n"
    streamed = cli("pack", str(tmp_path / "p"), "-t", f"{registry.registry}/{repo_name}:v2", "--push").out
    second = saved_digest(Run(0, streamed, ""))
    assert streamed == f"Model saved: {second}\nPushed {second}\n"
    listed = cli("list", f"{registry.registry}/{repo_name}").out  # kit: no registry in REPOSITORY
    assert has_line(listed, rf"^{repo_name}\s+v1\s+Tester\s+tiny.*{digest}$")
    assert has_line(listed, rf"^{repo_name}\s+v2\s+Tester\s+tiny.*{second}$")

    monkeypatch.setenv("KITOPS_HOME", str(tmp_path / "consumer"))
    out = tmp_path / "out"
    unpacked = ok("unpack", remote, "-d", str(out), "--filter", "model")
    assert unpacked.out == f"Unpacking to {out}\n"
    assert sorted(p.name for p in out.iterdir()) == ["model.bin"]
    assert ok("pull", remote).out == f"Pulling {remote}\nPulled {digest}\n"
    assert has_line(cli("list").out, rf"{repo_name}\s+v1.*{digest}$")
    assert json.loads(cli("inspect", "--remote", remote).out)["digest"] == digest
    assert cli("diff", f"local://{remote}", f"remote://{remote}").out == "ModelKits are identical\n"
    cli("unpack", remote, "-d", str(out), "--model", "--docs", "-o")
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "model.bin"]


def test_login_reads_stdin_and_never_echoes(
    tmp_path: Path, tls_registry: RegistryServer, cli: Callable[..., Run]
) -> None:
    host, ca = tls_registry.registry, str(tls_registry.ca_file)
    user, secret = tls_registry.username, tls_registry.password
    refused = cli("login", host, "-u", user, "-p", secret, "--tls-cert", ca, expect=1)
    assert "--password-stdin" in refused.err and secret not in refused.out + refused.err
    wrong = kitj("login", host, "-u", user, "--password-stdin", "--tls-cert", ca, stdin="nope\n")
    assert wrong.code == 1 and "refused" in wrong.err and "nope" not in wrong.out + wrong.err

    logged = ok("login", host, "-u", user, "--password-stdin", "--tls-cert", ca, stdin=secret + "\n")
    assert logged.out == "Log in successful\n" and secret not in logged.out + logged.err
    remote = f"{host}/cli/login:v1"
    cli("pack", str(make_project(tmp_path / "p")), "-t", remote)
    assert cli("push", remote, "--tls-cert", ca).out.startswith(f"Pushing {remote}\nPushed sha256:")
    no_terminal = kitj("login", host, "-u", user, stdin="")
    assert no_terminal.code == 1 and "--password-stdin" in no_terminal.err
    assert "Logged out" in ok("logout", host).out
    after = cli("push", remote, "--tls-cert", ca, expect=1)
    assert secret not in after.err


def test_client_certificate_flags(
    mtls_registry: RegistryServer, repo_name: str, tmp_path: Path, cli: Callable[..., Run]
) -> None:
    assert mtls_registry.client_cert is not None
    cert, key = (str(p) for p in mtls_registry.client_cert)
    ca, remote = str(mtls_registry.ca_file), f"{mtls_registry.registry}/{repo_name}:v1"
    digest = saved_digest(cli("pack", str(make_project(tmp_path / "p")), "-t", remote))
    refused = cli("push", remote, "--tls-cert", ca, expect=1)
    assert "client certificate" in refused.err
    pushed = ok("push", remote, "--tls-cert", ca, "--cert", cert, "--key", key)
    assert pushed.out.endswith(f"Pushed {digest}\n")


def test_login_asks_with_a_hidden_prompt_on_a_terminal(tls_registry: RegistryServer, tmp_path: Path) -> None:
    """A real terminal (pty) as the command's controlling terminal: the typed password is not echoed."""
    assert KITJ is not None
    user, secret = tls_registry.username, tls_registry.password
    argv = [KITJ, "login", tls_registry.registry, "-u", user, "--tls-cert", str(tls_registry.ca_file)]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.execv(argv[0], argv)
    seen = _read_until(terminal, b"Password: ")
    os.write(terminal, secret.encode() + b"\n")
    seen += _read_until(terminal, None)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "Log in successful" in text and secret not in text


def _read_until(fd: int, marker: bytes | None, timeout: float = 120.0) -> bytes:
    """Read a terminal until ``marker`` appears (or, with None, until the other side closes)."""
    data = b""
    while marker is None or marker not in data:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no output for {timeout} s; got {data!r}"
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    return data
