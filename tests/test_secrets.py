"""Secret scanner and default exclusions: positives, negatives, notebooks, redaction, limits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from kitops_jupyter.core import secrets, secretscan
from kitops_jupyter.core.secrets import SecretFinding, excluded_reason, format_finding, redact
from kitops_jupyter.core.secretscan import scan_for_secrets

# Built by concatenation so this test file itself does not look like it holds live credentials.
AWS_ID = "AKIA" + "Q3EXAMPLE7ZXCVBN"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYZEXAMPLEK1"
GH_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
GH_PAT = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnop"
HF_TOKEN = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
SLACK_TOKEN = "xoxb-" + "123456789012-abcdefABCDEF"
PASSWORD = "Tr0ub4dor&3horse"
DOCKER_AUTH = "dXNlcjpzM2NyZXQtcGFzc3dvcmQ="
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7secretbody\n-----END RSA PRIVATE KEY-----\n"
ALL_SECRETS = (AWS_ID, AWS_SECRET, GH_TOKEN, GH_PAT, HF_TOKEN, SLACK_TOKEN, PASSWORD, DOCKER_AUTH)


def scan(tmp_path: Path, files: dict[str, str | bytes]) -> list[SecretFinding]:
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return scan_for_secrets([tmp_path], tmp_path).findings


def kinds(findings: list[SecretFinding]) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.kind) for f in findings]


def assert_no_leak(findings: list[SecretFinding]) -> None:
    for finding in findings:
        text = " ".join(
            [repr(finding), str(finding), format_finding(finding), *map(str, vars(finding).values())]
        )
        for secret in ALL_SECRETS:
            assert secret not in text
        assert "secretbody" not in text


# ---- exclusions by name --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "is_dir"),
    [
        (".env", False),
        (".env.local", False),
        (".ENV", False),
        (".netrc", False),
        (".pypirc", False),
        (".npmrc", False),
        ("id_rsa", False),
        ("id_rsa.pub", False),
        ("id_ed25519", False),
        ("server.pem", False),
        ("tls.key", False),
        ("credentials.json", False),
        (".DS_Store", False),
        ("thumbs.db", False),
        ("desktop.ini", False),
        ("$RECYCLE.BIN", True),
        (".Trashes", True),
        (".git", True),
        (".git", False),
        (".hg", True),
        (".svn", True),
        (".ipynb_checkpoints", True),
        ("__pycache__", True),
        (".venv", True),
        ("venv", True),
        ("node_modules", True),
        (".aws", True),
        (".kube", True),
        (".docker", True),
    ],
)
def test_excluded_names(name: str, is_dir: bool) -> None:
    assert excluded_reason(name, is_dir)


@pytest.mark.parametrize(
    ("name", "is_dir"),
    [
        ("env", False),
        ("environment.yml", False),
        ("train.py", False),
        ("keys.txt", False),
        ("config.json", False),
        ("venv", False),  # a file called venv is not a virtual environment
        ("src", True),
        ("credentials.json", True),
        ("model.keras", False),
    ],
)
def test_kept_names(name: str, is_dir: bool) -> None:
    assert excluded_reason(name, is_dir) is None


# ---- positives ---------------------------------------------------------------------------------------------


def test_detects_each_kind(tmp_path: Path) -> None:
    found = scan(
        tmp_path,
        {
            "keys/deploy.txt": PRIVATE_KEY,
            "cfg/aws.ini": f"[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n",
            "ci.sh": f"export GH={GH_TOKEN}\nexport PAT={GH_PAT}\n",
            "hub.py": f'login("{HF_TOKEN}")\n',
            "notify.yaml": f"slack: {SLACK_TOKEN}\n",
            "settings.py": f'DB_PASSWORD = "{PASSWORD}"\n',
            "app.yaml": f"database:\n  password: {PASSWORD}\n",
            "params.json": f'{{"api_key": "{PASSWORD}"}}\n',
        },
    )
    assert kinds(found) == [
        ("app.yaml", 2, "credential-assignment"),
        ("cfg/aws.ini", 2, "aws-access-key-id"),
        ("cfg/aws.ini", 3, "aws-secret-access-key"),
        ("ci.sh", 1, "github-token"),
        ("ci.sh", 2, "github-token"),
        ("hub.py", 1, "huggingface-token"),
        ("keys/deploy.txt", 1, "private-key"),
        ("notify.yaml", 1, "slack-token"),
        ("params.json", 1, "credential-assignment"),
        ("settings.py", 1, "credential-assignment"),
    ]
    assert_no_leak(found)


def test_dotenv_netrc_docker(tmp_path: Path) -> None:
    found = scan(
        tmp_path,
        {
            ".env": f"# comment\nexport HF={HF_TOKEN}\nSERVICE_URL=https://api.internal.test/v1\nEMPTY=\nDEBUG=1\n",
            ".netrc": f"machine registry.example.org login me password {PASSWORD}\n",
            ".docker/config.json": json.dumps({"auths": {"r.example.org": {"auth": DOCKER_AUTH}}}, indent=2),
        },
    )
    assert kinds(found) == [
        (".docker/config.json", 4, "docker-auth"),
        (".env", 0, "dotenv-file"),
        (".env", 2, "huggingface-token"),
        (".env", 3, "dotenv-value"),
        (".netrc", 1, "netrc-password"),
    ]
    assert_no_leak(found)


def test_notebook_sources_and_outputs(tmp_path: Path) -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Training\n"]},
            {
                "cell_type": "code",
                "source": ["import os\n", f'os.environ["HF_TOKEN"] = "{HF_TOKEN}"\n'],
                "outputs": [],
            },
            {
                "cell_type": "code",
                "source": "print(cfg)",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["ok\n", f"key={AWS_ID}\n"]},
                    {"output_type": "execute_result", "data": {"text/plain": [f"'{GH_TOKEN}'"]}},
                    {"output_type": "display_data", "data": {"application/json": {"api_token": PASSWORD}}},
                    {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo" + AWS_ID}},
                ],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    found = scan(tmp_path, {"nb/train.ipynb": json.dumps(nb)})
    got = [(f.cell, f.in_output, f.line, f.kind) for f in found]
    assert got == [
        (1, False, 2, "huggingface-token"),
        (2, True, 2, "aws-access-key-id"),
        (2, True, 1, "github-token"),
        (2, True, 2, "credential-assignment"),
    ]
    assert all(f.path == "nb/train.ipynb" for f in found)
    assert "cell 2 output" in format_finding(found[1])
    assert_no_leak(found)


def test_invalid_notebook_is_read_as_text(tmp_path: Path) -> None:
    found = scan(tmp_path, {"broken.ipynb": f'{{"cells": [ "{GH_TOKEN}"\n'})
    assert kinds(found) == [("broken.ipynb", 1, "github-token")]


# ---- negatives ---------------------------------------------------------------------------------------------


def test_no_false_positives_in_code(tmp_path: Path) -> None:
    code = "\n".join(
        [
            "from getpass import getpass",
            "password = getpass()",
            'token=os.environ["HF_TOKEN"]',
            'api_key = os.getenv("OPENAI_API_KEY")',
            "secret = load_secret(name)",
            'password = input("Password: ")',
            "if password == 'abc':",
            'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
            "max_tokens = 4096",
            'pad_token = "<|endoftext|>"',
            'password = "changeme-please"',
            'api_key = "YOUR_API_KEY_HERE"',
            'token = "${HF_TOKEN}"',
            "passwd = None",
        ]
    )
    found = scan(
        tmp_path,
        {
            "train.py": code + "\n",
            "tokenizer_config.json": '{"pad_token": "<pad>", "eos_token": "</s>", "tokenizer_class": "GPT2Tokenizer"}\n',
            "config.yaml": "tokenizer: bert-base-uncased-v2\nsecret_name: my-k8s-secret\npassword: ${DB_PASSWORD}\n",
            "run.sh": "PWD=/home/user/project\nTOKEN=$(cat /run/secrets/token)\npassword = getpass()\n",
            "README.md": "Set `HF_TOKEN` in your environment; never commit passwords.\n",
            "notes.txt": "password = getpass()\ntoken=os.environ['X']\n",
        },
    )
    assert found == []


def test_binary_files_are_reported_not_skipped_silently(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\0\1\2" + GH_TOKEN.encode())
    (tmp_path / "notes.txt").write_text(f"token: {GH_TOKEN}\n")
    result = scan_for_secrets([tmp_path], tmp_path)
    assert kinds(result.findings) == [("notes.txt", 1, "github-token")]
    assert [(u.path, u.reason) for u in result.unscanned] == [("weights.bin", "binary")]


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    result = secretscan.scan_files([("gone.txt", tmp_path / "gone.txt")])
    assert result.findings == [] and [u.path for u in result.unscanned] == ["gone.txt"]
    assert result.unscanned[0].reason.startswith("unreadable: ")


@pytest.mark.parametrize("block", [64, 100, 1 << 20])
def test_streams_long_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    monkeypatch.setattr(secretscan, "BLOCK_CHARS", block)
    text = "a" * 300 + "\n" + "b" * 100 + f" {GH_TOKEN} \n" + "c\n" * 80 + f"k = {HF_TOKEN}\n"
    found = scan(tmp_path, {"long.txt": text})
    assert kinds(found) == [("long.txt", 2, "github-token"), ("long.txt", 83, "huggingface-token")]


def test_large_csv_is_streamed_not_skipped(tmp_path: Path) -> None:
    """A token near the end of a 66 MiB CSV is found, and the scan's memory does not grow with the file."""
    import tracemalloc

    row = "1234,5678,abcdefgh,ijklmnop,qrstuvwx,0.125,0.250\n"
    blocks = (66 << 20) // (len(row) * 1000) + 1
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        for _ in range(blocks):
            fh.write(row * 1000)
        fh.write(f"9,9,{GH_TOKEN},x,y,0,0\n")
    assert path.stat().st_size > 66 << 20
    tracemalloc.start()
    try:
        found = scan_for_secrets([path], tmp_path).findings
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kinds(found) == [("big.csv", blocks * 1000 + 1, "github-token")]
    assert peak < 16 << 20, f"peak {peak} bytes"


def test_csv_with_a_nul_byte_is_read_as_text(tmp_path: Path) -> None:
    found = scan(tmp_path, {"export.csv": b"id,note\n1,\0broken\n2," + GH_TOKEN.encode() + b"\n"})
    assert kinds(found) == [("export.csv", 3, "github-token")]


def test_files_directories_and_symlinks(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(f"x = {GH_TOKEN}\n")
    (tmp_path / "b.txt").write_text(f"y = {HF_TOKEN}\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "b.txt")
    by_file = scan_for_secrets([tmp_path / "b.txt", tmp_path / "link.txt", tmp_path / "missing"], tmp_path)
    assert kinds(by_file.findings) == [("b.txt", 1, "huggingface-token")]
    assert kinds(scan_for_secrets([tmp_path / "sub"], tmp_path).findings) == [
        ("sub/a.txt", 1, "github-token")
    ]


# ---- redaction -----------------------------------------------------------------------------------------------


def test_redact() -> None:
    assert redact(GH_TOKEN) == "ghp_…"
    assert redact("short-pass") == "…"
    assert redact("") == "…"


def test_excerpts_name_kind_and_redacted_value(tmp_path: Path) -> None:
    found = scan(tmp_path, {"s.py": f'db_password = "{PASSWORD}"\nk = "{AWS_ID}"\n'})
    assert [f.excerpt_redacted for f in found] == [
        f"credential-assignment: db_password={PASSWORD[:4]}…",
        "aws-access-key-id: AKIA…",
    ]
    assert_no_leak(found)


def test_pathological_lines_are_scanned_to_the_end(tmp_path: Path) -> None:
    # Quadratic regexes took many minutes on the first line alone: the suite's own timeout stops them.
    lines = ["a_" * 300_000, "token=" * 100_000, "x_password " * 50_000, "A=" + " " * 500_000 + "b"]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    found = {(f.kind, f.line) for f in scan_for_secrets([tmp_path], tmp_path).findings}
    assert found == {("dotenv-file", 0), ("credential-assignment", 2)}  # and it finished


# ---- AWS secret access keys without a keyword --------------------------------------------------------------

SHA1 = "3f786850e387550fdab836ed7e6dc881de23001b"  # 40 hex characters: a digest, not a key


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"keys.csv": f"user,id,key\nbob,{AWS_ID},{AWS_SECRET}\n"},
            [("keys.csv", 2, "aws-access-key-id"), ("keys.csv", 2, "aws-secret-access-key")],
        ),
        (
            {"s3.py": f'creds = (\n    "{AWS_ID}",\n    "{AWS_SECRET}",\n)\n'},
            [("s3.py", 2, "aws-access-key-id"), ("s3.py", 3, "aws-secret-access-key")],
        ),
        (
            {"s3.py": f'secret_value = (\n    "{AWS_SECRET}",\n    "{AWS_ID}",\n)\n'},
            [("s3.py", 2, "aws-secret-access-key"), ("s3.py", 3, "aws-access-key-id")],
        ),
        (
            {".aws/credentials": f"[prod]\nkey_id={AWS_ID[:3]}\nvalue={AWS_SECRET}\n"},
            [(".aws/credentials", 3, "aws-secret-access-key")],
        ),
    ],
)
def test_aws_secret_next_to_an_access_key_id(
    tmp_path: Path, files: dict[str, str], expected: list[tuple[str, int, str]]
) -> None:
    found = scan(tmp_path, files)
    assert kinds(found) == expected
    assert_no_leak(found)


@pytest.mark.parametrize(
    "text",
    [
        f"{AWS_SECRET}\n",  # no access key id anywhere
        f"{AWS_ID}\n\n\n\n\n{AWS_SECRET}\n",  # five lines away
        f"{AWS_ID},{SHA1}\n",  # a hex digest next to an id
        f"{AWS_ID},{AWS_SECRET}x\n",  # 41 characters: not a key
    ],
)
def test_lone_40_character_values_without_an_id_nearby_are_not_aws_secrets(tmp_path: Path, text: str) -> None:
    found = scan(tmp_path, {"data.txt": text})
    assert "aws-secret-access-key" not in {f.kind for f in found}


def test_aws_pair_across_a_block_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secretscan, "BLOCK_CHARS", 64)
    text = "x\n" * 40 + f"{AWS_ID}\n" + "y" * 70 + "\n" + f"{AWS_SECRET}\n"
    found = scan(tmp_path, {"pair.txt": text})
    assert kinds(found) == [("pair.txt", 41, "aws-access-key-id"), ("pair.txt", 43, "aws-secret-access-key")]


# ---- every pattern: one positive, one near miss -------------------------------------------------------------
# The table is checked against core/secrets.py itself: a detector (a regex there) without a case here, or
# a trigger word that no positive case contains, fails test_every_detector_has_a_case.

ASIA_ID = "ASIA" + "Q3EXAMPLE7ZXCVBN"  # temporary (STS) credentials
HELPER_PATTERNS = {  # regexes of core/secrets.py that recognise no secret alone: parts of a detector
    "_KEY_HEAD": "the rest of a credential key, before the keyword",
    "_QUOTED_VALUE": "a quoted value after a keyword (credential-assignment)",
    "_BARE_VALUE": "an unquoted value after a keyword (credential-assignment)",
    "_CODE_LIKE": "a call or subscript, not a literal (credential-assignment placeholder)",
}


def _token(kind: str, snippet: str) -> re.Pattern[str]:
    (found,) = [p for k, p in secrets._TOKEN_PATTERNS if k == kind and snippet in p.pattern]
    return found


@dataclass(frozen=True)
class Case:
    detector: re.Pattern[str]
    kind: str
    file: str
    positive: str
    near_miss: str


# One row per rule: pattern, kind, file, a secret it finds, a near miss it must not (`# fmt: skip`).
CASES = {
    "aws-id-akia": Case(secrets._AWS_KEY_ID, "aws-access-key-id", "k.txt", f"id {AWS_ID}\n", f"id {AWS_ID[:-1]}\n"),
    "aws-id-asia": Case(secrets._AWS_KEY_ID, "aws-access-key-id", "k.txt", f"id {ASIA_ID}\n", f"id {ASIA_ID.lower()}\n"),
    **{
        f"github-{prefix}": Case(_token("github-token", "gh[pousr]"), "github-token", "k.txt",
                                 f"x {prefix}{GH_TOKEN[4:]}\n", f"x {prefix}{GH_TOKEN[4:20]}\n")
        for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
    },
    "github-pat": Case(_token("github-token", "github_pat_"), "github-token", "k.txt", f"x {GH_PAT}\n", "x github_pat_short\n"),
    "huggingface": Case(_token("huggingface-token", "hf_"), "huggingface-token", "k.txt", f"x {HF_TOKEN}\n",
                        f"x {HF_TOKEN[:12]}\n"),
    **{
        f"slack-{prefix}": Case(_token("slack-token", "xox"), "slack-token", "k.txt", f"x {prefix}{SLACK_TOKEN[5:]}\n",
                                f"x {prefix}1234\n")
        for prefix in ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-")
    },
    "slack-webhook": Case(_token("slack-webhook", "hooks"), "slack-webhook", "k.txt",
                          "url https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnop\n",
                          "url https://hooks.slack.com/services/T0\n"),
    "private-key-rsa": Case(secrets._PRIVATE_KEY, "private-key", "k.txt", PRIVATE_KEY, "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n"),
    "private-key-pgp": Case(secrets._PRIVATE_KEY, "private-key", "k.txt", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n",
                            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"),
    "aws-secret-keyword": Case(secrets._AWS_SECRET, "aws-secret-access-key", "k.ini",
                               f"aws_secret_access_key = {AWS_SECRET}\n", 'aws_secret_access_key = "YOUR_SECRET_KEY"\n'),
    "aws-secret-beside-id": Case(secrets._BASE64_40, "aws-secret-access-key", "keys.csv", f"{AWS_ID},{AWS_SECRET}\n",
                                 f"{AWS_ID},{SHA1}\n"),
    "docker-auth": Case(secrets._DOCKER_AUTH, "docker-auth", "config.json", f'{{"auth": "{DOCKER_AUTH}"}}\n',
                        '{"auth": ""}\n'),
    "netrc-password": Case(secrets._NETRC_PASSWORD, "netrc-password", ".netrc",
                           f"machine r login me password {PASSWORD}\n", "machine r login me\n"),
    **{
        f"assignment-{word}": Case(secrets._KEYWORD, "credential-assignment", "k.yaml", f"db_{word}: {PASSWORD}\n",
                                   f"db_{word}: ${{DB_SECRET}}\n")
        for word in ("password", "passwd", "token", "secret", "api_key", "api-key", "apikey", "access_key",
                     "access-key", "accesskey")
    },
    "assignment-in-code": Case(secrets._KEYWORD, "credential-assignment", "s.py", f'db_password = "{PASSWORD}"\n',
                               "db_password = getpass()\n"),
    "dotenv-value": Case(secrets._DOTENV, "dotenv-value", ".env", f"SERVICE_URL_X={PASSWORD}\n", "SERVICE_URL_X=\n"),
    "docker-auth-token": Case(secrets._DOCKER_AUTH, "docker-auth", "config.json",
                              f'{{"identitytoken": "{DOCKER_AUTH}"}}\n', '{"identitytoken": "<token>"}\n'),
}  # fmt: skip


def test_every_detector_has_a_case() -> None:
    module = {name: value.pattern for name, value in vars(secrets).items() if isinstance(value, re.Pattern)}
    assert set(HELPER_PATTERNS) <= set(module)
    detectors = {p for name, p in module.items() if name not in HELPER_PATTERNS}
    detectors |= {p.pattern for _, p in secrets._TOKEN_PATTERNS}
    assert detectors - {case.detector.pattern for case in CASES.values()} == set()
    positives = " ".join(case.positive.lower() for case in CASES.values())
    assert [word for word in secrets._TRIGGER_WORDS if word not in positives] == []


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_detector_finds_its_positive_and_not_its_near_miss(tmp_path: Path, case: Case) -> None:
    (tmp_path / "yes").mkdir()
    (tmp_path / "no").mkdir()
    found = scan(tmp_path / "yes", {case.file: case.positive})
    assert (case.file, 1, case.kind) in kinds(found)
    assert_no_leak(found)
    assert case.kind not in {f.kind for f in scan(tmp_path / "no", {case.file: case.near_miss})}


# ---- Parquet ------------------------------------------------------------------------------------------------


def test_parquet_string_columns_are_scanned(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "id": list(range(5000)),
            "note": ["fine"] * 4999 + [f"token {GH_TOKEN}"],
            "key_id": [None] * 4000 + [AWS_ID] + [None] * 999,
            "value": [""] * 4000 + [AWS_SECRET] + [""] * 999,
            "clean": ["nothing here"] * 5000,
        }
    )
    pq.write_table(table, tmp_path / "rows.parquet", row_group_size=1000)
    result = scan_for_secrets([tmp_path], tmp_path)
    got = sorted((f.line, f.column, f.kind) for f in result.findings)
    assert got == [
        (4001, "key_id", "aws-access-key-id"),
        (4001, "value", "aws-secret-access-key"),
        (5000, "note", "github-token"),
    ]
    assert "column 'note' row:5000" in format_finding(next(f for f in result.findings if f.column == "note"))
    assert result.unscanned == []
    assert_no_leak(result.findings)


def test_parquet_without_secrets_and_with_nested_or_broken_data(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"n": [1, 2], "s": ["a", "b"]}), tmp_path / "clean.parquet")
    pq.write_table(pa.table({"tags": [["x"], ["y"]]}), tmp_path / "nested.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1" + b"\0" * 20)
    result = scan_for_secrets([tmp_path], tmp_path)
    assert result.findings == []
    reasons = {u.path: u.reason for u in result.unscanned}
    assert set(reasons) == {"broken.parquet", "nested.parquet"}
    assert reasons["nested.parquet"] == "nested Parquet columns not scanned: tags"
    assert reasons["broken.parquet"].startswith("unreadable Parquet file")
