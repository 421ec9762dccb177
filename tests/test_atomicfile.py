"""Files are replaced atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from kitops_jupyter.core.atomicfile import write_bytes


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    write_bytes(target, b"old", mode=0o644)
    with pytest.raises(TypeError):
        write_bytes(target, "not bytes", mode=0o644)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old" and (target.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.json"]  # no temp file left
