"""``mcpServers`` as newest kit packs them: each ``.mcpb`` file a raw, uncompressed layer after every
other layer, listed, filtered (``--filter mcpservers``), unpacked with its mode, through a real registry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kitops_jupyter import api
from kitops_jupyter.errors import KitfileError, PackError
from tests.registry_fixtures import RegistryServer

KITFILE = """manifestVersion: 1.0.0
package:
  name: agent
model:
  path: model.bin
code:
  - path: .
mcpServers:
  - name: tools
    path: servers/tools.mcpb
    description: the agent's tools
"""


def _context(root: Path, kitfile: str = KITFILE) -> Path:
    (root / "servers").mkdir(parents=True)
    (root / "Kitfile").write_text(kitfile)
    (root / "model.bin").write_bytes(b"\x02" * 3000)
    (root / "main.py").write_text("print('agent')\n")
    server = root / "servers" / "tools.mcpb"
    server.write_bytes(b"PK\x03\x04" + b"mcp bundle" * 100)
    server.chmod(0o750)
    return root


def test_mcp_server_is_a_raw_layer(tmp_path: Path) -> None:
    context = _context(tmp_path / "ctx")
    kit = api.Kit(tmp_path / "home")
    packed = kit.pack(context, tag="agent:v1", compression="gzip")
    layers = packed.manifest.layers
    assert [layer.media_type for layer in layers] == [
        "application/vnd.kitops.modelkit.model.v1.tar+gzip",
        "application/vnd.kitops.modelkit.code.v1.tar+gzip",
        "application/vnd.kitops.modelkit.mcpb.v1.raw",  # never compressed
    ]
    raw = layers[-1]
    data = (context / "servers" / "tools.mcpb").read_bytes()
    assert raw.digest == "sha256:" + hashlib.sha256(data).hexdigest() and raw.size == len(data)
    notes = raw.annotations or {}
    assert notes["org.cncf.model.filepath"] == "servers/tools.mcpb"
    meta = json.loads(notes["org.cncf.model.file.metadata+json"])
    assert (meta["name"], meta["mode"], meta["size"], meta["typeflag"]) == (
        "servers/tools.mcpb",
        0o750,
        len(data),
        48,
    )
    server = packed.kitfile.mcp_servers[0]
    assert server.layer is not None and server.layer.digest == server.layer.diff_id == raw.digest
    # The catch-all code layer leaves the server's file to its own layer.
    code = kit.store.open_blob(layers[1].digest).read()
    import gzip

    assert b"tools.mcpb" not in gzip.decompress(code) and b"main.py" in gzip.decompress(code)


def test_mcp_path_errors_name_the_field(tmp_path: Path) -> None:
    context = _context(tmp_path / "ctx", KITFILE.replace("servers/tools.mcpb", "servers/missing.mcpb"))
    with pytest.raises(PackError, match=r"mcpServers\[0\]\.path: servers/missing\.mcpb does not exist"):
        api.Kit(tmp_path / "home").pack(context, tag="agent:v1")
    bad = _context(tmp_path / "ctx2", KITFILE.replace("servers/tools.mcpb", "servers/tools.zip"))
    with pytest.raises(KitfileError, match=r"\.mcpb"):
        api.Kit(tmp_path / "home").pack(bad, tag="agent:v1")


def test_mcp_layer_round_trip_and_filter(registry: RegistryServer, repo_name: str, tmp_path: Path) -> None:
    context = _context(tmp_path / "ctx")
    ref = f"{registry.registry}/{repo_name}:v1"
    source = api.Kit(tmp_path / "src")
    packed = source.pack(context, tag=ref)
    source.push(ref)
    [listed] = source.list_modelkits(f"{registry.registry}/{repo_name}")
    assert listed.digest == packed.digest
    # Straight from the registry, only the MCP server layer.
    api.Kit(tmp_path / "remote").unpack(ref, tmp_path / "only-mcp", filters=["mcpservers"])
    unpacked = tmp_path / "only-mcp" / "servers" / "tools.mcpb"
    assert unpacked.read_bytes() == (context / "servers" / "tools.mcpb").read_bytes()
    assert unpacked.stat().st_mode & 0o777 == 0o750
    assert (
        not (tmp_path / "only-mcp" / "model.bin").exists()
        and not (tmp_path / "only-mcp" / "main.py").exists()
    )
    api.Kit(tmp_path / "named").unpack(ref, tmp_path / "named-out", filters=["mcpservers:tools"])
    assert (tmp_path / "named-out" / "servers" / "tools.mcpb").is_file()
    # Pulled, then unpacked whole from the store.
    target = api.Kit(tmp_path / "dst")
    assert target.pull(ref).kitfile.mcp_servers[0].name == "tools"
    target.unpack(ref, tmp_path / "all")
    for name in ("model.bin", "main.py", "servers/tools.mcpb"):
        assert (tmp_path / "all" / name).read_bytes() == (context / name).read_bytes()
