"""Secret-safe packaging: names never packed by default, and the detectors for secrets in text.

Two halves. :func:`excluded_reason` says, from a file or directory *name* alone, why it should stay out
of a generated Kitfile (credentials files, VCS and cache directories, virtual environments, kit's OS
junk list). :func:`scan_line` reports what in one line of text looks like a credential: private keys,
cloud and service tokens, literal password/token/api-key assignments, dotenv values, docker
``config.json`` auths, ``.netrc`` passwords; :func:`aws_secret_candidates` the 40-character AWS
secret access keys that carry no keyword (trusted only next to an access key id, see
:mod:`.secretscan`, which reads whole files, notebooks and Parquet columns with these detectors).

A finding never carries the secret: its excerpt names the kind and shows at most the first four
characters of a long value followed by ``…`` (values shorter than 12 characters are hidden entirely).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "CODE_SUFFIXES",
    "OS_JUNK_NAMES",
    "LineMode",
    "SecretFinding",
    "aws_key_id_in",
    "aws_secret_candidates",
    "excluded_reason",
    "format_finding",
    "redact",
    "scan_line",
    "scan_lines",
    "triggered",
]

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
    """One suspected secret. ``line`` is 1-based (within the cell text for notebooks, the row for a
    Parquet column; 0 = whole file); ``cell`` is the notebook cell index, ``in_output`` tells a cell's
    outputs from its source, ``column`` names the Parquet column."""

    path: str
    line: int
    kind: str
    excerpt_redacted: str
    cell: int | None = None
    in_output: bool = False
    column: str | None = None


def redact(value: str) -> str:
    """First four characters and ``…`` for values of 12+ characters, else just ``…``."""
    return value[:4] + "…" if len(value) >= 12 else "…"


def format_finding(f: SecretFinding) -> str:
    """``path:line: excerpt`` with the notebook cell or Parquet column when there is one (safe to print)."""
    where = f.path if f.cell is None else f"{f.path} cell {f.cell}{' output' if f.in_output else ''}"
    if f.column is not None:
        where = f"{f.path} column {f.column!r} row"
    return f"{where}:{f.line}: {f.excerpt_redacted}"


# ---- line detectors ---------------------------------------------------------------------------------

_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-access-key-id", _AWS_KEY_ID),
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
# An AWS secret access key on its own: 40 base64 characters, standing alone.
_BASE64_40 = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# A cheap first pass: only text holding one of these words (lower-cased) can match a detector of
# scan_line, so most of a large file is skipped at the speed of a substring search (a case-insensitive
# regex alternation is a hundred times slower). Keep in step with the detectors above and below.
_TRIGGER_WORDS = (
    "akia",
    "asia",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "hf_",
    "xox",
    "hooks.slack",
    "private key",
    "passw",
    "token",
    "secret",
    "api_key",
    "api-key",
    "apikey",
    "access_key",
    "access-key",
    "accesskey",
    "auth",
)


def triggered(text: str) -> bool:
    """Whether ``text`` may hold something :func:`scan_line` reports (false means it surely does not)."""
    low = text.lower()
    return any(word in low for word in _TRIGGER_WORDS)


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
CODE_SUFFIXES = tuple(
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
class LineMode:
    """How lines of one text are read: code (only quoted literals count), dotenv, netrc, docker, and
    an AWS credentials file (any lone 40-character key counts). The special files are small and every
    line of them is read; elsewhere only lines that :func:`triggered` picks."""

    code: bool = False
    dotenv: bool = False
    netrc: bool = False
    docker: bool = False
    aws_credentials: bool = False

    @property
    def every_line(self) -> bool:
        return self.dotenv or self.netrc or self.docker or self.aws_credentials


def _specific(line: str, mode: LineMode) -> Iterator[tuple[str, str]]:
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


def _generic(line: str, mode: LineMode) -> Iterator[tuple[str, str]]:
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


def scan_line(line: str, mode: LineMode) -> list[tuple[str, str]]:
    """(kind, excerpt) pairs: specific detectors first; the generic and dotenv rules only when nothing
    specific matched. Excerpts never hold a secret (see :func:`redact`)."""
    found = list(_specific(line, mode))
    if not found:
        found = list(_generic(line, mode))
    if not found and mode.dotenv:
        found = list(_dotenv(line))
    return found


def scan_lines(lines: Iterable[str], mode: LineMode) -> Iterator[tuple[int, str, str]]:
    """(line number, kind, excerpt) over short texts held in memory (notebook cells, a Kitfile)."""
    lines = list(lines)
    for number, line in enumerate(lines, start=1):
        for kind, excerpt in scan_line(line, mode):
            yield number, kind, excerpt
    near_ids = [n for n, line in enumerate(lines, start=1) if aws_key_id_in(line)]
    for number, line in enumerate(lines, start=1):
        if mode.aws_credentials or any(abs(number - n) <= AWS_NEAR_LINES for n in near_ids):
            for kind, excerpt in aws_secret_candidates(line):
                yield number, kind, excerpt


AWS_NEAR_LINES = 2  # a lone AWS secret counts within this many lines of an access key id


def aws_key_id_in(text: str) -> bool:
    """Whether ``text`` holds an AWS access key id (``AKIA…``/``ASIA…``)."""
    return ("AKIA" in text or "ASIA" in text) and _AWS_KEY_ID.search(text) is not None


def aws_secret_candidates(line: str) -> Iterator[tuple[str, str]]:
    """(kind, excerpt) for 40-character base64 values that look random (upper, lower and digits), as
    AWS secret access keys do; only meaningful next to an access key id or in a credentials file."""
    for m in _BASE64_40.finditer(line):
        value = m.group(0)
        if (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and any(c.isdigit() for c in value)
        ):
            yield "aws-secret-access-key", f"aws-secret-access-key: {redact(value)}"
