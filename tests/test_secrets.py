"""Secret scanner and default exclusions: positives, negatives, notebooks, redaction, limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kitops_jupyter.core import secrets
from kitops_jupyter.core.secrets import (
    SecretFinding,
    excluded_reason,
    format_finding,
    redact,
    scan_for_secrets,
)

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
    return scan_for_secrets([tmp_path], tmp_path)


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


def test_binary_and_large_files_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\0\1\2" + GH_TOKEN.encode())
    (tmp_path / "big.txt").write_text(f"token: {GH_TOKEN}\n" + "x" * 200)
    monkeypatch.setattr(secrets, "MAX_SCAN_BYTES", 100)
    assert scan_for_secrets([tmp_path], tmp_path) == []
    monkeypatch.setattr(secrets, "MAX_SCAN_BYTES", 10_000)
    assert kinds(scan_for_secrets([tmp_path], tmp_path)) == [("big.txt", 1, "github-token")]


def test_streams_long_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_LINE_LIMIT", 64)
    text = "a" * 300 + "\n" + "b" * 100 + f" {GH_TOKEN} \n"
    found = scan(tmp_path, {"long.txt": text})
    assert kinds(found) == [("long.txt", 2, "github-token")]


def test_files_directories_and_symlinks(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(f"x = {GH_TOKEN}\n")
    (tmp_path / "b.txt").write_text(f"y = {HF_TOKEN}\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "b.txt")
    by_file = scan_for_secrets([tmp_path / "b.txt", tmp_path / "link.txt", tmp_path / "missing"], tmp_path)
    assert kinds(by_file) == [("b.txt", 1, "huggingface-token")]
    assert kinds(scan_for_secrets([tmp_path / "sub"], tmp_path)) == [("sub/a.txt", 1, "github-token")]


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


@pytest.mark.timeout(120)  # quadratic regexes took many minutes on the first line alone
def test_pathological_lines_scan_in_linear_time(tmp_path: Path) -> None:
    lines = ["a_" * 300_000, "token=" * 100_000, "x_password " * 50_000, "A=" + " " * 500_000 + "b"]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    found = {(f.kind, f.line) for f in scan_for_secrets([tmp_path], tmp_path)}
    assert found == {("dotenv-file", 0), ("credential-assignment", 2)}  # and it finished
