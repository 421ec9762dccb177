"""One secret policy for every entry point: ``api.pack`` scans exactly what it would pack and refuses
on a finding (nothing is written) unless ``allow_secrets=True``; what could not be scanned is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from kitops_jupyter import api
from kitops_jupyter.errors import SecretsFound

# Built by concatenation so this file itself does not look like it holds live credentials.
AWS_ID = "AKIA" + "Q3EXAMPLE7ZXCVBN"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYZEXAMPLEK1"
GH_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
KEY_HEADER = "-----BEGIN OPENSSH " + "PRIVATE KEY-----"


def leaky_project(folder: Path) -> Path:
    """The issue's folder: a .env with tokens, a private key, an AWS key pair in train.py, weights."""
    folder.mkdir(parents=True)
    (folder / ".env").write_text(f"GITHUB_TOKEN={GH_TOKEN}\n")
    (folder / "deploy_key").write_text(f"{KEY_HEADER}\nb3BlbnNzaC1rZXktdjEAAAAA\n")
    (folder / "train.py").write_text(f'boto3.client("s3", "{AWS_ID}",\n             "{AWS_SECRET}")\n')
    (folder / "model.bin").write_bytes(b"\0\1\2weights")
    (folder / "Kitfile").write_text(
        "manifestVersion: 1.0.0\npackage:\n  name: leaky\nmodel:\n  path: model.bin\ncode:\n  - path: .\n"
    )
    return folder


def test_api_pack_refuses_secrets_and_writes_nothing(tmp_path: Path) -> None:
    kit = api.Kit(tmp_path / "home")
    project = leaky_project(tmp_path / "proj")
    with pytest.raises(SecretsFound) as info:
        kit.pack(project, tag="team/leaky:v1")
    found = info.value
    assert sorted(f.split(":")[0] for f in found.findings) == [
        ".env",
        ".env",
        "deploy_key",
        "train.py",
        "train.py",
    ]
    assert any("aws-secret-access-key" in f for f in found.findings)
    assert found.unscanned == ["model.bin (binary)"]
    message = str(found)
    assert "pack stopped: 5 possible secret(s)" in message and "allow_secrets=True" in message
    for secret in (AWS_ID, AWS_SECRET, GH_TOKEN, "b3BlbnNzaC1rZXktdjEAAAAA"):
        assert secret not in message and secret not in repr(found.details)
    assert kit.list_modelkits() == []
    assert not list((tmp_path / "home" / "storage" / "blobs").rglob("sha256/*"))  # no layer was written


def test_allow_secrets_packs_and_reports_what_was_allowed(tmp_path: Path) -> None:
    kit = api.Kit(tmp_path / "home")
    project = leaky_project(tmp_path / "proj")
    result = kit.pack(project, tag="team/leaky:v1", allow_secrets=True)
    assert kit.get("team/leaky:v1").digest == result.digest
    assert {f.path for f in result.secrets} == {".env", "deploy_key", "train.py"}
    assert [(u.path, u.reason) for u in result.unscanned] == [("model.bin", "binary")]
    assert any(w.startswith("packed with 5 possible secret(s), as allowed") for w in result.warnings)


def test_the_kitfile_text_and_only_packed_files_are_scanned(tmp_path: Path) -> None:
    kit = api.Kit(tmp_path / "home")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "model.bin").write_bytes(b"\0weights")
    (project / "unpacked.txt").write_text(f"token: {GH_TOKEN}\n")  # not named by the Kitfile
    text = f"manifestVersion: 1.0.0\npackage:\n  name: x\n  description: 'token: {GH_TOKEN}'\nmodel:\n  path: model.bin\n"
    with pytest.raises(SecretsFound) as info:
        kit.pack(project, kitfile_text=text)
    assert [f.split(":")[0] for f in info.value.findings] == ["Kitfile"]
    plain = text.replace(f"token: {GH_TOKEN}", "a model")
    assert kit.pack(project, kitfile_text=plain).digest


def test_kitignored_files_are_neither_packed_nor_scanned(tmp_path: Path) -> None:
    kit = api.Kit(tmp_path / "home")
    project = leaky_project(tmp_path / "proj")
    (project / ".kitignore").write_text(".env\ndeploy_key\ntrain.py\n")
    assert kit.pack(project, tag="team/clean:v1").digest
