"""Run a real ``kit`` binary the way the golden data was recorded (shared by the opt-in live-kit tests
and scripts/golden/make_golden.py).

The binary comes from ``KITOPS_TEST_KIT``. Every run gets ``--config``/``KITOPS_HOME`` set to the given
home, ``SOURCE_DATE_EPOCH=1700000000``, ``TZ=UTC`` and umask 022; ``tmp`` is replaced by ``<TMP>`` in
its output so records do not depend on where they were made.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

ENV_VAR = "KITOPS_TEST_KIT"
SOURCE_DATE_EPOCH = "1700000000"


class LiveKit:
    def __init__(self, binary: str, tmp: Path) -> None:
        self.binary = binary
        self.tmp = tmp

    def run(self, argv: list[str], home: Path, cwd: Path) -> dict[str, Any]:
        """Run ``argv`` (``argv[0]`` is the word ``kit``); return rc, stdout and stderr (scrubbed)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KITOPS")}
        env.update(SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, KITOPS_HOME=str(home), TZ="UTC")
        old = os.umask(0o022)
        try:
            proc = subprocess.run(
                [self.binary, "--config", str(home), *argv[1:]],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
            )
        finally:
            os.umask(old)
        return {"rc": proc.returncode, "stdout": self.scrub(proc.stdout), "stderr": self.scrub(proc.stderr)}

    def scrub(self, text: str) -> str:
        for tmp in {str(self.tmp), os.path.realpath(self.tmp)}:
            text = text.replace(tmp, "<TMP>")
        return text


def saved_digest(stdout: str) -> str:
    """The manifest digest from ``kit pack``'s ``Model saved: sha256:...`` line."""
    return next(line.split()[-1] for line in stdout.splitlines() if line.startswith("Model saved:"))


def blob(home: Path, digest: str) -> bytes:
    return (home / "storage" / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()
