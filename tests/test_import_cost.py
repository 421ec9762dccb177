"""The first remote calls in a fresh process (push, remote list, pull) import only what they use.

``oras.provider`` imports jsonschema, whose URI-grammar dependency compiles parsers at import time
(seconds on a busy machine); the client runs the token flow itself and imports no oras module.
Config blobs are JSON, so PyYAML stays out too, and a remote list alone loads no push/pull code.
Checked on ``sys.modules`` and on ``python -X importtime`` output of a real push, remote list and pull
in a new interpreter, not by timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kitops_jupyter.core.registry import push
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
    "kitops_jupyter.core.registry.referrers",  # remote inspect, signing
    "kitops_jupyter.core.registry.streamupload",  # pack --push
)
# and what a remote list alone does not need either: the push and pull machinery
NOT_FOR_LIST = (
    "kitops_jupyter.core.registry.transfer",
    "kitops_jupyter.core.registry.uploads",
    "kitops_jupyter.core.registry.mounts",
    "kitops_jupyter.core.bloblocations",
)

# and what ``%load_ext kitops_jupyter`` plus a remote ``%kit list`` do not need: kernel capture (pandas
# probes, pickling, pins), layer rows, data diffs
NOT_FOR_MAGIC_LIST = (
    "kitops_jupyter.adapter_helpers.capture.kitfile_builder",
    "kitops_jupyter.adapter_helpers.capture.dataframes",
    "kitops_jupyter.adapter_helpers.capture.models",
    "kitops_jupyter.adapter_helpers.capture.notebook",
    "kitops_jupyter.core.layerrows",
    "kitops_jupyter.core.datadiff",
)

# An IPython shell stands in for a fresh kernel: only what the extension and the verb add is counted.
MAGIC_CHILD = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
before = set(sys.modules)
shell.run_line_magic("load_ext", "kitops_jupyter")
listed = shell.run_line_magic("kit", "list " + sys.argv[2].rsplit(":", 1)[0])
print(json.dumps({"listed": [m.digest for m in listed], "modules": sorted(set(sys.modules) - before)}))
"""

CHILD = """
import json, sys
from kitops_jupyter import api
kit = api.Kit(home=sys.argv[1])
result = {}
if "push" in sys.argv[3]:
    result["pushed"] = kit.push("test/model:v1", sys.argv[2]).digest
if "list" in sys.argv[3]:
    result["listed"] = [m.digest for m in kit.list_modelkits(sys.argv[2].rsplit(":", 1)[0])]
if "pull" in sys.argv[3]:
    result["pulled"] = api.Kit(home=sys.argv[1] + "-pulled").pull(sys.argv[2]).digest
print(json.dumps({**result, "modules": sorted(sys.modules)}))
"""


def _run_child(home: Path, ref: str, verbs: str, child: str = CHILD) -> tuple[dict[str, object], set[str]]:
    """Run ``verbs`` (push, list, pull) in a new interpreter: its results and every module it imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KITOPS_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", child, str(home), ref, verbs],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    imported = {
        line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")
    }
    return result, imported | set(result["modules"])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules for name in names if m == name or m.startswith(name + "."))


def test_first_remote_call_imports_no_heavy_modules(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    digest, _ = make_modelkit(LocalStore(home))
    ref = f"{registry.registry}/{repo_name}:v1"
    result, modules = _run_child(home, ref, "push,list,pull")
    assert result["pushed"] == digest and result["listed"] == [digest] and result["pulled"] == digest
    assert "kitops_jupyter.core.registry.challenge" in modules  # the token flow is ours: no oras module
    assert not _loaded(modules, ("oras",))
    assert _loaded(modules, HEAVY) == []


def _pushed(registry: RegistryServer, repo_name: str, tmp_path: Path) -> tuple[str, str]:
    """A ModelKit pushed from another store: its digest and remote reference."""
    digest, _ = make_modelkit(LocalStore(tmp_path / "source"))
    ref = f"{registry.registry}/{repo_name}:v1"
    push(LocalStore(tmp_path / "source"), "test/model:v1", ref)
    return digest, ref


def test_a_first_remote_list_imports_no_push_or_pull_machinery(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    digest, ref = _pushed(registry, repo_name, tmp_path)
    result, modules = _run_child(tmp_path / "home", ref, "list")
    assert result["listed"] == [digest]
    assert "kitops_jupyter.core.registry.remote" in modules  # the child did list remotely
    assert _loaded(modules, HEAVY + NOT_FOR_LIST) == []


def test_loading_the_extension_and_a_first_remote_list_import_no_heavy_modules(
    registry: RegistryServer, repo_name: str, tmp_path: Path
) -> None:
    digest, ref = _pushed(registry, repo_name, tmp_path)
    result, _ = _run_child(tmp_path / "home", ref, "list", MAGIC_CHILD)
    modules = set(result["modules"])  # type: ignore[call-overload]
    assert result["listed"] == [digest]
    assert "kitops_jupyter.magics.magic" in modules and "kitops_jupyter.core.registry.remote" in modules
    beyond_ipython = tuple(name for name in HEAVY if name != "IPython")
    assert _loaded(modules, beyond_ipython + NOT_FOR_LIST + NOT_FOR_MAGIC_LIST) == []
