"""Interop with skopeo: it must read and copy what we push, and we must pull what it copied from an
OCI image layout we wrote.

``skopeo inspect`` without ``--raw`` refuses every non-image artifact ("unsupported image-specific
operation on artifact with type ..."), so the manifest and config are inspected with ``--raw``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.digest import digest_file, hex_of
from kitops_jupyter.core.registry.transfer import pull, push
from kitops_jupyter.core.store import LocalStore
from tests.registry_fixtures import RegistryServer, make_modelkit

SKOPEO = shutil.which("skopeo")  # scripts/setup installs it; a missing one fails these tests


def skopeo(*args: str) -> str:
    assert SKOPEO is not None, "skopeo is not installed: run scripts/setup"
    proc = subprocess.run(
        [SKOPEO, "--insecure-policy", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def write_oci_layout(store: LocalStore, digest: str, directory: Path, tag: str) -> None:
    """An OCI image layout holding one ModelKit from ``store``."""
    manifest = store.read_manifest(digest)
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for desc in [*manifest.blob_descriptors()]:
        shutil.copyfile(store.blob_path(desc.digest), blobs / hex_of(desc.digest))
    data = store.read_blob(digest)
    (blobs / hex_of(digest)).write_bytes(data)
    (directory / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    entry = {
        "mediaType": mediatypes.MANIFEST,
        "digest": digest,
        "size": len(data),
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }
    (directory / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))


def test_skopeo_reads_and_copies_what_we_push(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "src")
    digest, manifest = make_modelkit(store)
    ref = f"{registry.registry}/{repo_name}:v1"
    push(store, "test/model:v1", ref)

    raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{ref}")
    assert raw.encode() == store.read_blob(digest)
    config = skopeo("inspect", "--raw", "--config", "--tls-verify=false", f"docker://{ref}")
    assert config.encode() == store.read_blob(manifest.config.digest)

    out = tmp_path / "copied"
    skopeo("copy", "--src-tls-verify=false", f"docker://{ref}", f"oci:{out}:v1")
    index = json.loads((out / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest
    for desc in manifest.blob_descriptors():
        assert digest_file(out / "blobs" / "sha256" / hex_of(desc.digest))[0] == desc.digest


def test_we_pull_what_skopeo_copied_from_an_oci_layout(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    src = LocalStore(tmp_path / "src")
    digest, manifest = make_modelkit(src)
    layout = tmp_path / "layout"
    write_oci_layout(src, digest, layout, "v1")
    ref = f"{registry.registry}/{repo_name}:from-skopeo"
    skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", f"docker://{ref}")

    dst = LocalStore(tmp_path / "dst")
    result = pull(dst, ref)
    assert result.digest == digest and result.kind == "kit"
    for desc in manifest.blob_descriptors():
        assert dst.blob_path(desc.digest).read_bytes() == src.blob_path(desc.digest).read_bytes()
    assert dst.read_kitfile(dst.read_manifest(digest)).package.name == "test-model"
