"""Memory stays flat whatever the file size: pack and unpack a 512 MiB file in a fresh process and
check its peak RSS (VmHWM). Not a timing test: only memory is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SIZE = 512 * 1024 * 1024
LIMIT_MB = 100  # issue 2's bound for packing; the file alone would be 512 MB if it were read whole

CHILD = r"""
import json, sys
from pathlib import Path
from kitops_jupyter.api import Kit

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

project, out, compression = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
kit = Kit(Path(sys.argv[4]))
kit.pack(project, tag="mem/test:v1", compression=compression)
after_pack = peak_mb()
kit.unpack("mem/test:v1", out)
print(json.dumps({"pack": after_pack, "unpack": peak_mb()}))
"""


def _run(tmp_path: Path, compression: str) -> dict[str, float]:
    project = tmp_path / "project"
    project.mkdir()
    with open(project / "weights.bin", "wb") as f:
        f.truncate(SIZE)  # sparse: cheap to create, still 512 MiB to read, hash and write
    (project / "Kitfile").write_text("manifestVersion: 1.0.0\nmodel:\n  name: big\n  path: weights.bin\n")
    args = [str(project), str(tmp_path / "out"), compression, str(tmp_path / "home")]
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True, env=os.environ
    )
    assert (tmp_path / "out" / "weights.bin").stat().st_size == SIZE
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_pack_and_unpack_of_a_large_file_keep_memory_flat(tmp_path: Path) -> None:
    peaks = _run(tmp_path, "none")
    assert peaks["pack"] < LIMIT_MB, peaks
    assert peaks["unpack"] < LIMIT_MB, peaks


def test_compressed_pack_keeps_memory_flat(tmp_path: Path) -> None:
    peaks = _run(tmp_path, "zstd")
    assert peaks["pack"] < LIMIT_MB, peaks
    assert peaks["unpack"] < LIMIT_MB, peaks
