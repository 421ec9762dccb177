"""Secret-safe packaging: names never packed by default, and a scanner for secrets in file contents.

Two halves. :func:`excluded_reason` says, from a file or directory *name* alone, why it should stay out
of a generated Kitfile (credentials files, VCS and cache directories, virtual environments, kit's OS
junk list). :func:`scan_for_secrets` reads files that are about to be packed and reports lines that
look like credentials: private keys, cloud and service tokens, literal password/token/api-key
assignments, dotenv values, docker ``config.json`` auths, ``.netrc`` passwords, and the same inside
notebook cells and outputs.

A finding never carries the secret: its excerpt names the kind and shows at most the first four
characters of a long value followed by ``…`` (values shorter than 12 characters are hidden entirely).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_SCAN_BYTES",
    "OS_JUNK_NAMES",
    "SecretFinding",
    "excluded_reason",
    "format_finding",
    "redact",
    "scan_for_secrets",
]

MAX_SCAN_BYTES = 50 * 1024 * 1024  # larger files are not scanned
_SNIFF_BYTES = 8192  # a NUL byte in this prefix marks a file as binary
_LINE_LIMIT = 1 << 20  # read at most 1 MiB per line chunk so one huge line cannot exhaust memory
_OVERLAP = 512  # characters of a cut line carried into its next piece

# kit's own list (newest ``pkg/lib/filesystem/ignore/osfiles.go``), compared case-insensitively.
OS_JUNK_NAMES = frozenset(
    [
        ".ds_store",
        ".appledouble",
        ".lsoverride",
        ".spotlight-v100",
        ".trashes",
        "thumbs.db",
        "desktop.ini",
        "$recycle.bin",
        "ehthumbs.db",
    ]
)
_ANY_KIND = dict.fromkeys((".git", ".hg", ".svn"), "version-control metadata")
_DIR_NAMES = {
    ".ipynb_checkpoints": "Jupyter checkpoint copies",
    "__pycache__": "Python bytecode cache",
    ".venv": "virtual environment",
    "venv": "virtual environment",
    "node_modules": "Node.js dependencies",
    ".aws": "cloud credentials directory",
    ".kube": "Kubernetes credentials directory",
    ".docker": "Docker credentials directory",
}
_FILE_NAMES = {
    ".netrc": "credentials file",
    "_netrc": "credentials file",
    ".pypirc": "credentials file",
    ".npmrc": "credentials file",
    "credentials.json": "credentials file",
}
_SSH_KEY_PREFIXES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")


def excluded_reason(name: str, is_dir: bool) -> str | None:
    """Why a file or directory called ``name`` is left out by default, or ``None`` to keep it."""
    low = name.lower()
    if low in OS_JUNK_NAMES:
        return "OS junk file (kit init skips it too)"
    if low in _ANY_KIND:
        return _ANY_KIND[low]
    if is_dir:
        return _DIR_NAMES.get(low)
    if low == ".env" or low.startswith(".env."):
        return "dotenv file (usually holds secrets)"
    if low in _FILE_NAMES:
        return _FILE_NAMES[low]
    if low.startswith(_SSH_KEY_PREFIXES):
        return "SSH key"
    if low.endswith((".pem", ".key")):
        return "private key or certificate"
    return None


@dataclass(frozen=True)
class SecretFinding:
    """One suspected secret. ``line`` is 1-based (within the cell text for notebooks; 0 = whole file);
    ``cell`` is the notebook cell index and ``in_output`` tells a cell's outputs from its source."""

    path: str
    line: int
    kind: str
    excerpt_redacted: str
    cell: int | None = None
    in_output: bool = False


def redact(value: str) -> str:
    """First four characters and ``…`` for values of 12+ characters, else just ``…``."""
    return value[:4] + "…" if len(value) >= 12 else "…"


def format_finding(f: SecretFinding) -> str:
    """``path:line: excerpt`` with the notebook cell when there is one (safe to print)."""
    where = f.path if f.cell is None else f"{f.path} cell {f.cell}{' output' if f.in_output else ''}"
    return f"{where}:{f.line}: {f.excerpt_redacted}"


# ---- line detectors ---------------------------------------------------------------------------------

_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("github-token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}")),
)
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_AWS_SECRET = re.compile(
    r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)
# A credential-naming key word right before ``=``/``:``; the rest of the key is found by looking back, so
# matching stays linear even on megabyte-long lines.
_KEYWORD = re.compile(r"(?i)(password|passwd|token|secret|api[_-]?key|apikey|access[_-]?key)[\"']?\s*[:=]\s*")
_KEY_HEAD = re.compile(r"[A-Za-z0-9_.-]{0,64}$")
_QUOTED_VALUE = re.compile(r"([\"'])([^\"'\n]{8,})\1")
_BARE_VALUE = re.compile(r"[^\s\"'#;,]{8,}")
_DOCKER_AUTH = re.compile(r"\"(auth|identitytoken|registrytoken|password)\"\s*:\s*\"([^\"]{8,})\"")
_NETRC_PASSWORD = re.compile(r"(?:^|\s)password\s+(\S+)")
_DOTENV = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(.*)")
_QUOTES = "\"'"
_CODE_LIKE = re.compile(r"^[A-Za-z_][\w.]*\s*[(\[]")
_PLACEHOLDERS = tuple(
    [
        "your",
        "example",
        "placeholder",
        "changeme",
        "change_me",
        "xxxx",
        "****",
        "dummy",
        "redacted",
        "<",
        "${",
        "{{",
        "%(",
        "[",
    ]
)
# Suffixes whose unquoted right-hand sides are program expressions, not literals.
_CODE_SUFFIXES = tuple(
    [
        ".py",
        ".ipynb",
        ".r",
        ".jl",
        ".js",
        ".ts",
        ".java",
        ".go",
        ".scala",
        ".rb",
        ".rs",
        ".c",
        ".cc",
        ".cpp",
        ".h",
        ".kt",
        ".swift",
        ".m",
        ".php",
    ]
)


def _is_placeholder(value: str) -> bool:
    """Template values (``<token>``, ``${VAR}``, ``changeme``, ``xxxx``) and code (``getpass()``)."""
    low = value.lower()
    return len(set(value)) <= 2 or bool(_CODE_LIKE.match(value)) or any(p in low for p in _PLACEHOLDERS)


@dataclass(frozen=True)
class _Mode:
    """How lines of one text are read: code (only quoted literals count), dotenv, netrc, docker."""

    code: bool = False
    dotenv: bool = False
    netrc: bool = False
    docker: bool = False


def _specific(line: str, mode: _Mode) -> Iterator[tuple[str, str]]:
    """(kind, excerpt) for detectors that recognise a secret by its shape."""
    m = _PRIVATE_KEY.search(line)
    if m:
        yield "private-key", f"private-key: {m.group(0)}"
    for kind, pattern in _TOKEN_PATTERNS:
        for tok in pattern.finditer(line):
            yield kind, f"{kind}: {redact(tok.group(0))}"
    for sec in _AWS_SECRET.finditer(line):
        yield "aws-secret-access-key", f"aws-secret-access-key: {redact(sec.group(1))}"
    if mode.docker:
        for auth in _DOCKER_AUTH.finditer(line):
            yield "docker-auth", f'docker-auth: "{auth.group(1)}": {redact(auth.group(2))}'
    if mode.netrc:
        for pw in _NETRC_PASSWORD.finditer(line):
            yield "netrc-password", f"netrc-password: password {redact(pw.group(1))}"


def _generic(line: str, mode: _Mode) -> Iterator[tuple[str, str]]:
    """(kind, excerpt) for ``key = literal`` assignments whose key names a credential."""
    for m in _KEYWORD.finditer(line):
        head = _KEY_HEAD.search(line, max(0, m.start() - 64), m.start())
        key = (head.group(0) if head else "") + m.group(1)
        value = _QUOTED_VALUE.match(line, m.end())
        bare = None if value or mode.code else _BARE_VALUE.match(line, m.end())
        literal = value.group(2) if value else bare.group(0) if bare else ""
        if literal and not _is_placeholder(literal):
            yield "credential-assignment", f"credential-assignment: {key}={redact(literal)}"
            return


def _dotenv(line: str) -> Iterator[tuple[str, str]]:
    m = _DOTENV.match(line)
    value = m.group(2).strip().strip(_QUOTES) if m else ""
    if m and value and not _is_placeholder(value):
        yield "dotenv-value", f"dotenv-value: {m.group(1)}={redact(value)}"


def _scan_line(line: str, mode: _Mode) -> list[tuple[str, str]]:
    """Specific detectors first; the generic and dotenv rules only when nothing specific matched."""
    found = list(_specific(line, mode))
    if not found:
        found = list(_generic(line, mode))
    if not found and mode.dotenv:
        found = list(_dotenv(line))
    return found


def _scan_lines(lines: Iterable[str], mode: _Mode) -> Iterator[tuple[int, str, str]]:
    for number, line in enumerate(lines, start=1):
        for kind, excerpt in _scan_line(line, mode):
            yield number, kind, excerpt


# ---- files --------------------------------------------------------------------------------------------


def _mode_for(rel: str) -> _Mode:
    name = rel.rsplit("/", 1)[-1].lower()
    return _Mode(
        code=name.endswith(_CODE_SUFFIXES),
        dotenv=name == ".env" or name.startswith(".env.") or name.endswith(".env"),
        netrc=name in (".netrc", "_netrc"),
        docker=name == "config.json" or "/.docker/" in f"/{rel.lower()}",
    )


def _is_scannable(path: Path) -> bool:
    try:
        if path.stat().st_size > MAX_SCAN_BYTES:
            return False
        with path.open("rb") as fh:
            return b"\0" not in fh.read(_SNIFF_BYTES)
    except OSError:
        return False


def _numbered(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a text file, streamed. A line longer than ``_LINE_LIMIT`` arrives in pieces
    with the same number; each piece repeats the previous piece's tail so no token is cut in two."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        number, tail = 1, ""
        while chunk := fh.readline(_LINE_LIMIT):
            yield number, tail + chunk
            ended = chunk.endswith(("\n", "\r"))
            number, tail = (number + 1, "") if ended else (number, chunk[-_OVERLAP:])


def _scan_text_file(path: Path, rel: str) -> Iterator[SecretFinding]:
    mode = _mode_for(rel)
    if mode.dotenv:
        yield SecretFinding(rel, 0, "dotenv-file", "dotenv-file: environment file, usually holds secrets")
    seen: set[tuple[int, str, str]] = set()
    for number, line in _numbered(path):
        for kind, excerpt in _scan_line(line, mode):
            if (number, kind, excerpt) not in seen:
                seen.add((number, kind, excerpt))
                yield SecretFinding(rel, number, kind, excerpt)


def _cell_text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _output_texts(output: Any) -> Iterator[str]:
    if not isinstance(output, dict):
        return
    yield _cell_text(output.get("text"))
    yield "\n".join(t for t in output.get("traceback") or [] if isinstance(t, str))
    data = output.get("data")
    for mime, value in data.items() if isinstance(data, dict) else ():
        if mime.endswith("json") and not isinstance(value, (str, list)):
            yield json.dumps(value, indent=1)
        elif mime.startswith("text/") or mime.endswith("json"):
            yield _cell_text(value)


def _scan_notebook(path: Path, rel: str) -> Iterator[SecretFinding]:
    try:
        with path.open("rb") as fh:
            nb = json.load(fh)
    except (OSError, ValueError):
        yield from _scan_text_file(path, rel)  # not a valid notebook: read it as text
        return
    cells = nb.get("cells") if isinstance(nb, dict) else None
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        if not isinstance(cell, dict):
            continue
        source_mode = _Mode(code=cell.get("cell_type") == "code")
        for number, kind, excerpt in _scan_lines(_cell_text(cell.get("source")).splitlines(), source_mode):
            yield SecretFinding(rel, number, kind, excerpt, cell=index)
        for output in cell.get("outputs") or []:
            for text in _output_texts(output):
                for number, kind, excerpt in _scan_lines(text.splitlines(), _Mode()):
                    yield SecretFinding(rel, number, kind, excerpt, cell=index, in_output=True)


def _files_under(path: Path) -> list[Path]:
    """Regular files at or under ``path`` (symbolic links are not followed nor scanned)."""
    if path.is_symlink() or not path.is_dir():
        return [path] if path.is_file() and not path.is_symlink() else []
    found = [Path(d, name) for d, _, names in os.walk(path) for name in names]
    return [f for f in found if not f.is_symlink()]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def scan_for_secrets(paths: Iterable[Path], root: Path) -> list[SecretFinding]:
    """Scan files (directories are walked) for secrets; paths in findings are relative to ``root``.

    Files larger than :data:`MAX_SCAN_BYTES`, binary files (a NUL byte in the first 8 KiB),
    symbolic links and unreadable files are skipped. Notebooks are parsed and each cell's source and
    outputs are scanned separately.
    """
    findings: list[SecretFinding] = []
    files = {_relative(path, root): path for given in paths for path in _files_under(Path(given))}
    for rel, path in sorted(files.items()):
        if not _is_scannable(path):
            continue
        scan = _scan_notebook if rel.lower().endswith(".ipynb") else _scan_text_file
        try:
            findings.extend(scan(path, rel))
        except OSError:
            continue
    return findings
