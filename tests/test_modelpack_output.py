"""``pack --use-model-pack``: a CNCF model-spec ModelKit (config validated against the model-spec JSON
schema in ``golden/modelpack``), read back locally and round-tripped through a real registry."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from kitops_jupyter import api
from kitops_jupyter.core import mediatypes
from kitops_jupyter.errors import PackError
from tests.registry_fixtures import RegistryServer

SCHEMA = json.loads((Path(__file__).parent / "golden" / "modelpack" / "config-schema.json").read_text())
KITFILE = """manifestVersion: 1.0.0
package:
  name: churn
  version: 1.2.0
  description: churn model
  license: Apache-2.0
  authors: [Ada]
model:
  name: clf
  path: model.bin
  format: joblib
  license: MIT
  parts:
    - path: config.json
datasets:
  - name: train
    path: data/train.csv
    license: CC-BY-4.0
code:
  - path: src/
docs:
  - path: README.md
"""


def _context(root: Path, kitfile: str = KITFILE) -> Path:
    root.mkdir(parents=True)
    (root / "Kitfile").write_text(kitfile)
    (root / "model.bin").write_bytes(b"\x01" * 4096)
    (root / "config.json").write_text("{}")
    (root / "data").mkdir()
    (root / "data" / "train.csv").write_text("a,b\n1,2\n")
    (root / "src").mkdir()
    (root / "src" / "train.py").write_text("print('hi')\n")
    (root / "README.md").write_text("# churn\n")
    return root


def test_model_pack_layout_and_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1782820800")
    kit = api.Kit(tmp_path / "home")
    plain = kit.pack(_context(tmp_path / "ctx"), tag="churn:kit")
    packed = kit.pack(tmp_path / "ctx", tag="churn:mp", use_model_pack=True)
    manifest = packed.manifest
    assert manifest.artifact_type == "application/vnd.cncf.model.manifest.v1+json"
    assert manifest.config.media_type == "application/vnd.cncf.model.config.v1+json"
    assert [layer.media_type for layer in manifest.layers] == [
        "application/vnd.cncf.model.weight.v1.tar",
        "application/vnd.cncf.model.weight.config.v1.tar",
        "application/vnd.cncf.model.code.v1.tar",
        "application/vnd.cncf.model.dataset.v1.tar",
        "application/vnd.cncf.model.doc.v1.tar",
    ]
    # Same layer blobs as the Kit-format pack; only the media types and config differ.
    assert [layer.digest for layer in manifest.layers] == [layer.digest for layer in plain.manifest.layers]
    assert manifest.kind == "modelpack"
    config = json.loads(kit.store.open_blob(manifest.config.digest).read())
    jsonschema.validate(config, SCHEMA)
    assert config == {
        "descriptor": {
            "createdAt": "2026-06-30T12:00:00Z",
            "authors": ["Ada"],
            "name": "churn",
            "version": "1.2.0",
            "licenses": ["Apache-2.0", "CC-BY-4.0", "MIT"],
            "title": "churn",
            "description": "churn model",
        },
        "modelfs": {"type": "layers", "diffIds": [layer.digest for layer in manifest.layers]},
        "config": {"format": "joblib"},
    }
    kitfile_json = (manifest.annotations or {})[mediatypes.ANNOTATION_KITFILE]
    assert kitfile_json == kit.store.open_blob(plain.manifest.config.digest).read().decode()
    assert kit.info("churn:mp") == kit.info("churn:kit")  # the Kitfile reads back from the annotation


def test_model_pack_refuses_what_the_spec_cannot_hold(tmp_path: Path) -> None:
    context = _context(tmp_path / "ctx", KITFILE + "mcpServers:\n  - name: tools\n    path: tools.mcpb\n")
    (context / "tools.mcpb").write_bytes(b"PK\x03\x04")
    with pytest.raises(PackError, match="mcpServers"):
        api.Kit(tmp_path / "home").pack(context, tag="x:v1", use_model_pack=True)


def test_model_pack_round_trip_through_a_registry(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    ref = f"{registry.registry}/{repo_name}:mp"
    source = api.Kit(tmp_path / "src")
    packed = source.pack(_context(tmp_path / "ctx"), tag=ref, use_model_pack=True)
    source.push(ref)
    remote = source.inspect(ref, remote=True)
    assert remote.digest == packed.digest and remote.manifest.kind == "modelpack"
    [listed] = source.list_modelkits(f"{registry.registry}/{repo_name}")
    assert listed.digest == packed.digest
    target = api.Kit(tmp_path / "dst")
    pulled = target.pull(ref)
    assert pulled.kitfile.package.name == "churn"
    target.unpack(ref, tmp_path / "out")
    for name in ("model.bin", "config.json", "data/train.csv", "src/train.py", "README.md"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ctx" / name).read_bytes()
    api.Kit(tmp_path / "direct").unpack(ref, tmp_path / "direct-out", filters=["datasets:train"])
    assert (tmp_path / "direct-out" / "data" / "train.csv").read_text() == "a,b\n1,2\n"
    assert not (tmp_path / "direct-out" / "model.bin").exists()
