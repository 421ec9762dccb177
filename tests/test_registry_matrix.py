"""The remote verbs on the registry servers of the compatibility matrix besides Debian's 2.8 (which
the other registry tests use): CNCF distribution v3 with token auth and go-containerregistry's
registry (``crane registry serve``)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from kitops_jupyter import api
from kitops_jupyter.core.registry import (
    RegistryOptions,
    fetch_modelkit,
    pull,
    push,
    remote_list,
    remote_unpack,
)
from kitops_jupyter.core.store import LocalStore
from tests.registry_fixtures import make_modelkit


@pytest.fixture(params=["distribution-v3-token", "crane"])
def server(request: pytest.FixtureRequest) -> tuple[str, RegistryOptions]:
    """``(address, options)`` of one matrix server; token auth logs in as ``writer``."""
    if request.param == "crane":
        return request.getfixturevalue("crane_registry").address, RegistryOptions()
    token_registry = request.getfixturevalue("v3_token_registry")
    return token_registry.address, token_registry.options("writer")


def test_push_pull_list_inspect_unpack(server: tuple[str, RegistryOptions], tmp_path: Path) -> None:
    address, options = server
    src = LocalStore(tmp_path / "src")
    model = secrets.token_bytes(300_000)
    digest, manifest = make_modelkit(
        src, model=model, dataset=secrets.token_bytes(1000)
    )  # crane shares blobs
    repo = f"team/{secrets.token_hex(4)}"
    ref = f"{address}/{repo}:v1"
    pushed = push(src, "test/model:v1", ref, tags=["latest"], options=options)
    assert pushed.digest == digest and len(pushed.uploaded) == 3

    dst = LocalStore(tmp_path / "dst")
    assert pull(dst, ref, options=options).digest == digest
    for blob in manifest.blob_descriptors():
        assert dst.blob_path(blob.digest).read_bytes() == src.blob_path(blob.digest).read_bytes()
    listed = remote_list(f"{address}/{repo}", options=options)
    assert sorted((k.reference.tag, k.digest) for k in listed) == [("latest", digest), ("v1", digest)]
    assert fetch_modelkit(ref, options=options).kitfile.datasets[0].name == "train"
    inspected = api.Kit(network=options).inspect(ref, remote=True)
    assert inspected.digest == digest and inspected.referrers is not None and inspected.referrers.items == []
    remote_unpack(ref, tmp_path / "out", filters=["model"], options=options)
    assert (tmp_path / "out" / "model.bin").read_bytes() == model
    assert not (tmp_path / "out" / "data").exists()
