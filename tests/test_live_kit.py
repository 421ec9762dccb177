"""Opt-in comparison with a live ``kit`` binary: set ``KITOPS_TEST_KIT=/path/to/kit`` to run it.

For every golden case both the live kit and our engine pack the same context; the layer digests and
config digest must agree, kit must list and unpack what we stored (our store is its store), and a full
unpack by kit and by us must write the same tree. See tests/golden/README.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kitops_jupyter.api import Kit
from kitops_jupyter.core import listing
from tests.golden.cases import build_case
from tests.golden.livekit import ENV_VAR, LiveKit, blob, saved_digest
from tests.test_pack_golden import PACKED

KIT_BINARY = os.environ.get(ENV_VAR, "")
pytestmark = pytest.mark.skipif(
    not KIT_BINARY, reason=f"opt-in: set {ENV_VAR} to a kit binary to compare with it"
)


def _tree(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """Every entry with its kind, permission bits and content. Only the 0o777 bits: we drop setuid,
    setgid and sticky on unpack on purpose (core/extract.py), kit keeps them."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = ("link", 0, os.readlink(p).encode())
        elif p.is_dir():
            out[rel] = ("dir", p.stat().st_mode & 0o777, b"")
        else:
            out[rel] = ("file", p.stat().st_mode & 0o777, p.read_bytes())
    return out


@pytest.mark.parametrize("name", PACKED)
def test_pack_list_and_unpack_agree_with_live_kit(tmp_path: Path, name: str) -> None:
    live = LiveKit(KIT_BINARY, tmp_path)
    context = tmp_path / "ctx" / name
    build_case(name, context)
    tag = f"golden/{name.replace('_', '-')}:v1"

    kit_home = tmp_path / "kit-home"
    packed = live.run(["kit", "pack", name, "-t", tag, "--progress", "none"], kit_home, context.parent)
    assert packed["rc"] == 0, packed["stderr"]
    theirs = json.loads(blob(kit_home, saved_digest(packed["stdout"])))

    ours_kit = Kit(tmp_path / "our-home")
    ours = ours_kit.pack(context, tag=tag, allow_secrets=True)
    assert [layer.digest for layer in ours.manifest.layers] == [
        d["digest"] for d in theirs.get("layers") or []
    ]
    assert ours.manifest.config.digest == theirs["config"]["digest"]

    for argv, ours_text in (
        (["kit", "list"], listing.list_table(ours_kit.list_modelkits())),
        (["kit", "list", "--format", "json"], listing.list_json(ours_kit.list_modelkits())),
    ):
        listed = live.run(argv, tmp_path / "our-home", tmp_path)
        assert listed["rc"] == 0, listed["stderr"]
        assert listed["stdout"] == ours_text
    assert [row["digest"] for row in json.loads(ours_text)] == [ours.descriptor.digest]

    # kit unpacks our store exactly as it unpacks its own (kit 1.7 fails on some of its own layers,
    # e.g. a file kept by a .kitignore negation whose parent directory has no entry).
    results = []
    for home in (kit_home, tmp_path / "our-home"):
        out = tmp_path / f"unpacked-by-kit-from-{home.name}"
        res = live.run(["kit", "unpack", tag, "-d", str(out)], home, tmp_path)
        results.append(
            (res["rc"], res["stderr"].replace(out.name, "<OUT>"), _tree(out) if out.exists() else {})
        )
    assert results[0] == results[1]
    by_us = tmp_path / "unpacked-by-us"
    ours_kit.unpack(tag, by_us)
    if results[1][0] == 0:
        assert _tree(by_us) == results[1][2]
