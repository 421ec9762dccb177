"""Server extension parts without a server: error mapping, jobs, root confinement, import boundaries."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kitops_jupyter import errors
from kitops_jupyter.api import Descriptor, layer_row
from kitops_jupyter.errors import OutsideRoot
from kitops_jupyter.server import errormap
from kitops_jupyter.server.context import resolve_inside
from kitops_jupyter.server.jobs import JobManager
from kitops_jupyter.server.views import _reference, layer_json

SERVER_DIR = Path(errormap.__file__).parent


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.NotFound("x"), 404),
        (errors.InvalidArgument("x"), 400),
        (errors.InvalidReference("x"), 400),
        (errors.KitfileError("x", line=3), 400),
        (errors.AuthenticationFailed("x"), 401),
        (errors.Denied("x"), 403),
        (errors.RegistryError("x"), 502),
        (errors.RegistryUnreachable("x"), 502),
        (errors.NotAModelKit("x"), 502),
        (errors.StoreError("x"), 500),
        (errors.IntegrityError("x"), 422),
        (errors.PackError("x"), 400),
        (errors.SecretsFound("x", findings=["a.py:1: github-token: ghp_…"], unscanned=[]), 409),
        (errors.UnpackError("x"), 409),
        (errors.UnsafeArchive("x"), 422),
        (errors.KitError("x"), 500),
        (OutsideRoot("x"), 403),
        (ValueError("x"), 500),
    ],
)
def test_every_error_family_maps_to_its_status(error: Exception, status: int) -> None:
    assert errormap.status_for(error) == status
    body = errormap.error_body(error)
    assert body["status"] == status and body["error"] == type(error).__name__ and body["hint"]


def test_user_errors_get_their_own_hint_not_the_server_log() -> None:
    for error in (
        errors.PackError("x"),
        errors.UnpackError("x"),
        errors.UnsafeArchive("x"),
        errors.StoreError("x"),
    ):
        assert "server log" not in errormap.error_body(error)["hint"], error


def test_secrets_found_carries_its_findings_for_a_pack_anyway_step() -> None:
    found = errors.SecretsFound(
        "pack stopped", findings=["a.py:1: github-token: ghp_…"], unscanned=["w.bin (binary)"]
    )
    body = errormap.error_body(found)
    assert body["details"] == {"findings": ["a.py:1: github-token: ghp_…"], "unscanned": ["w.bin (binary)"]}
    assert "details" not in errormap.error_body(errors.PackError("x"))


def test_error_body_keeps_the_kit_message_and_marks_unexpected_errors() -> None:
    message = "ModelKit a/b:v1 is not in local storage; pull it"
    assert errormap.error_body(errors.NotFound(message))["message"] == message
    assert errormap.error_body(KeyError("k"))["message"] == "unexpected error: 'k'"
    assert errormap.http_error_body(403, "Forbidden")["error"] == "Forbidden"


def test_job_succeeds_with_progress_and_result() -> None:
    jobs = JobManager(max_workers=1)
    seen = threading.Event()

    def work(progress: object) -> dict[str, object]:
        progress(5, 10)  # type: ignore[operator]
        seen.set()
        return {"ok": True}

    started = jobs.submit("pack", "folder", work)
    assert started["state"] == "running" and started["kind"] == "pack" and started["target"] == "folder"
    done = jobs.wait(started["id"])
    assert seen.is_set() and done["state"] == "succeeded" and done["result"] == {"ok": True}
    assert (done["done"], done["total"]) == (10, 10) and done["finished"] >= done["started"]
    assert started["amount"] == "" and done["amount"] == "10 B / 10 B"  # sizes as kit prints them
    jobs.shutdown()


def test_job_failures_carry_the_mapped_error() -> None:
    jobs = JobManager(max_workers=1)

    def missing(_: object) -> dict[str, object]:
        raise errors.NotFound("no such ModelKit a/b:v1")

    def bug(_: object) -> dict[str, object]:
        raise ZeroDivisionError("division by zero")

    kit_failure = jobs.wait(jobs.submit("pull", "a/b:v1", missing)["id"])
    assert kit_failure["state"] == "failed" and kit_failure["error"]["status"] == 404
    assert kit_failure["error"]["message"] == "no such ModelKit a/b:v1"
    crash = jobs.wait(jobs.submit("pull", "a/b:v1", bug)["id"])
    assert crash["state"] == "failed" and crash["error"]["status"] == 500
    assert crash["error"]["error"] == "ZeroDivisionError"
    jobs.shutdown()


def test_unknown_job_is_not_found_and_old_jobs_are_forgotten() -> None:
    jobs = JobManager(max_workers=1, keep=3)
    ids = [jobs.submit("pack", str(i), lambda _: {})["id"] for i in range(6)]
    for job_id in ids:
        if job_id in {job["id"] for job in jobs.list()}:
            jobs.wait(job_id)
    jobs.submit("pack", "last", lambda _: {})
    assert len(jobs.list()) <= 4
    with pytest.raises(errors.NotFound):
        jobs.get("feedface")
    jobs.shutdown()


def test_resolve_inside_accepts_the_root_and_folders_below(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert resolve_inside(tmp_path, "") == tmp_path.resolve()
    assert resolve_inside(tmp_path, "a/b") == (tmp_path / "a" / "b").resolve()
    assert resolve_inside(tmp_path, "a/../a/new") == (tmp_path / "a" / "new").resolve()
    assert resolve_inside(tmp_path, str(tmp_path / "a")) == (tmp_path / "a").resolve()


@pytest.mark.parametrize("path", ["..", "a/../..", "/", "/etc", "../sibling"])
def test_resolve_inside_refuses_paths_that_leave_the_root(tmp_path: Path, path: str) -> None:
    (tmp_path / "root" / "a").mkdir(parents=True)
    with pytest.raises(OutsideRoot, match="outside the Jupyter server's root directory"):
        resolve_inside(tmp_path / "root", path)


def test_resolve_inside_refuses_symlinks_out(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "root" / "door").symlink_to(tmp_path / "secret")
    with pytest.raises(OutsideRoot):
        resolve_inside(tmp_path / "root", "door")


def _kind(media_type: str) -> str:
    return layer_row(Descriptor(media_type, "sha256:" + "0" * 64, 1)).type


def test_layer_kinds_and_references() -> None:
    assert _kind("application/vnd.kitops.modelkit.model.v1.tar+gzip") == "model"
    assert _kind("application/vnd.kitops.modelkit.dataset.v1.tar") == "dataset"
    assert _kind("application/vnd.cncf.model.weight.v1.tar") == "model"
    assert _kind("application/octet-stream") == "other"
    assert _reference("org/m", "v1", "sha256:ab") == "org/m:v1"
    assert _reference("org/m", "", "sha256:ab") == "org/m@sha256:ab"
    assert _reference("<none>", "", "sha256:ab") == "sha256:ab"


def test_sizes_reach_the_sidebar_as_kit_prints_them() -> None:
    """kit rounds down (2047 bytes is 1.9 KiB); the sidebar shows the server's text, not its own rounding."""
    row = layer_row(Descriptor("application/vnd.kitops.modelkit.model.v1.tar", "sha256:" + "0" * 64, 2047))
    assert layer_json(row)["size"] == 2047 and layer_json(row)["sizeText"] == "1.9 KiB"


def test_importing_the_package_and_the_server_hooks_imports_no_jupyter_server() -> None:
    code = (
        "import sys, kitops_jupyter, kitops_jupyter.server as s;"
        "assert s._jupyter_server_extension_points() == [{'module': 'kitops_jupyter.server'}];"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('jupyter_server', 'tornado', 'jupyterlab'));"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_server_modules_import_no_other_adapter() -> None:
    for module in SERVER_DIR.glob("*.py"):
        tree = ast.parse(module.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [
            f"{n.module or ''}.{a.name}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            for a in n.names
        ]
        bad = [name for name in names if "magics" in name.split(".") or "panel" in name.split(".")]
        assert not bad, f"{module.name} imports another adapter: {bad}"


def test_server_modules_stay_small() -> None:
    for module in SERVER_DIR.glob("*.py"):
        assert len(module.read_text().splitlines()) < 400, module.name
