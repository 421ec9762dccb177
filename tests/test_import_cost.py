"""The first remote calls in a fresh process (push, remote list, pull) import only what they use.

``oras.provider`` imports jsonschema, whose URI-grammar dependency compiles parsers at import time
(seconds on a busy machine); the client runs the token flow itself and imports no oras module.
Checked on ``sys.modules`` and on ``python -X importtime`` output of a real push and remote list in a new interpreter, not by timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kitops_jupyter.core.store import LocalStore
from tests.registry_fixtures import RegistryServer, make_modelkit

ROOT = Path(__file__).resolve().parent.parent
# imported by nothing a push or a remote list needs: schema validation, compressors, fsspec, DataFrames
HEAVY = (
    "oras.provider",
    "oras.oci",
    "oras.schemas",
    "jsonschema",
    "rfc3987_syntax",
    "lark",
    "zstandard",
    "isal",
    "fsspec",
    "pandas",
    "IPython",
    "cryptography",  # only signing and verifying use it
    "yaml",  # config blobs are JSON: Kitfile YAML is read and written only by pack, init, info
    # and of our own: packing, secret scanning, signing, kit init and extraction load when used
    "kitops_jupyter.core.packer",
    "kitops_jupyter.core.secretscan",
    "kitops_jupyter.core.signing",
    "kitops_jupyter.core.generate",
    "kitops_jupyter.core.extract",
    "kitops_jupyter.core.kitfile_codec",
    "kitops_jupyter.core.yamlv3",
)

CHILD = """
import json, sys
from kitops_jupyter import api
kit = api.Kit(home=sys.argv[1])
pushed = kit.push("test/model:v1", sys.argv[2])
listed = kit.list_modelkits(sys.argv[2].rsplit(":", 1)[0])
pulled = api.Kit(home=sys.argv[1] + "-pulled").pull(sys.argv[2])
print(json.dumps({"pushed": pushed.digest, "listed": [m.digest for m in listed], "pulled": pulled.digest,
                  "modules": sorted(sys.modules)}))
"""


def _run_child(home: Path, ref: str) -> tuple[dict[str, object], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", CHILD, str(home), ref],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_first_remote_call_imports_no_heavy_modules(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    digest, _ = make_modelkit(LocalStore(home))
    ref = f"{registry.registry}/{repo_name}:v1"
    result, importtime = _run_child(home, ref)
    assert result["pushed"] == digest and result["listed"] == [digest] and result["pulled"] == digest
    modules = set(result["modules"])  # type: ignore[arg-type]
    assert "kitops_jupyter.core.registry.challenge" in modules  # the token flow is ours: no oras module
    assert not {m for m in modules if m == "oras" or m.startswith("oras.")}
    imported = {
        line.split("|")[-1].strip() for line in importtime.splitlines() if line.startswith("import time:")
    }
    for heavy in HEAVY:
        assert not {m for m in modules | imported if m == heavy or m.startswith(heavy + ".")}, heavy
