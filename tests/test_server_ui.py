"""What the sidebar relies on, without a browser: UI hints, job cancel, the store fingerprint, compare."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from kitops_jupyter import errors
from kitops_jupyter.api import Kit
from kitops_jupyter.core.registry.http_errors import connection_error
from kitops_jupyter.server import errormap, views
from kitops_jupyter.server.jobs import JobManager
from tests.browser_fixtures import write_project

CLI_WORDS = (
    "overwrite=True",
    "(-o)",
    "plain_http",
    "--plain-http",
    "kit list",
    "kit init",
    "%kit",
    "tls_verify",
)


def test_error_bodies_name_sidebar_controls_instead_of_cli_flags(tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    cases = []
    for call in (
        lambda: kit.get("nobody/nothing:v0"),  # not in local storage; "check `kit list`"
        lambda: kit.pack(tmp_path),  # no Kitfile; "create one with kit init"
    ):
        try:
            call()
        except errors.KitError as exc:
            cases.append(errormap.error_body(exc))
    unpack = errors.UnpackError(
        "model.bin exists; use overwrite=True (-o) to replace or ignore_existing=True (-i)"
    )
    https = errors.RegistryUnreachable(
        "TLS handshake with http://h:5000/v2/ failed: the registry does not speak HTTPS; if it is a plain "
        "HTTP registry, pass plain_http=True (%kit ... --plain-http) for h:5000"
    )
    cases += [errormap.error_body(unpack), errormap.error_body(https)]
    hints = [body["hint"] for body in cases]
    assert hints == [
        "Click a ModelKit in the list, or Pull it from its registry first.",
        "Add a Kitfile to the folder (the notebook panel or a %%kitfile cell writes one), then pack again.",
        "Tick Overwrite to replace the existing files, or unpack into an empty folder.",
        "Open KitOps Settings (the gear) and turn on Plain HTTP for this registry.",
    ]
    for body in cases:
        assert not [word for word in CLI_WORDS if word in body["message"]], body["message"]
    assert cases[0]["message"].startswith("ModelKit nobody/nothing:v0 is not in local storage")
    assert cases[3]["message"].endswith("the registry does not speak HTTPS")


def test_a_refused_connection_hints_at_the_address_not_a_reference() -> None:
    import requests

    body = errormap.error_body(
        connection_error(requests.ConnectionError("Connection refused"), "h:1/v2/", "h:1", False)
    )
    assert "Plain HTTP in KitOps Settings" in body["hint"] and "plain_http" not in body["message"]
    bad_filter = errormap.error_body(errors.InvalidArgument("invalid filter 'models:x': unknown layer type"))
    assert bad_filter["hint"] == "Correct the field named in the message and try again."


def test_cancel_stops_a_running_job_at_its_next_progress_report() -> None:
    jobs = JobManager(max_workers=1)
    started, release, stopped = threading.Event(), threading.Event(), threading.Event()

    def work(progress: object) -> dict[str, object]:
        started.set()
        release.wait(10)
        try:
            progress(1, 2)  # type: ignore[operator]
        except errors.KitError:
            stopped.set()
            raise
        return {"ok": True}

    job = jobs.submit("push", "a/b:v1", work)
    assert started.wait(10)
    cancelled = jobs.cancel(job["id"])
    assert cancelled["state"] == "cancelled" and cancelled["finished"] is not None
    release.set()
    assert stopped.wait(10)
    assert jobs.wait(job["id"])["state"] == "cancelled"  # the late failure does not overwrite it
    assert jobs.cancel(job["id"])["state"] == "cancelled"
    jobs.shutdown()


def test_fingerprint_changes_when_another_process_packs(tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    empty = kit.fingerprint()
    project = write_project(tmp_path / "p")
    code = f"from kitops_jupyter.api import Kit; Kit(home={str(tmp_path / 'home')!r}).pack({str(project)!r}, tag='a/b:v1')"
    subprocess.run([sys.executable, "-c", code], check=True)
    packed = kit.fingerprint()
    assert packed != empty and kit.fingerprint() == packed
    kit.remove("a/b:v1")
    assert kit.fingerprint() not in (packed,)


def test_compare_marks_changed_and_unchanged_layers(tmp_path: Path) -> None:
    kit = Kit(home=tmp_path / "home")
    first = write_project(tmp_path / "a", model=b"one")
    kit.pack(first, tag="cmp/a:v1")
    (first / "model.bin").write_bytes(b"two")
    kit.pack(first, tag="cmp/a:v2")
    diff = views.diff("cmp/a:v1", "cmp/a:v2", kit.get("cmp/a:v1"), kit.get("cmp/a:v2"))
    changes = {(row["kind"], row["path"]): row["change"] for row in diff["layers"]}
    assert changes == {("model", "model.bin"): "changed", ("dataset", "data/train.csv"): "same"}
    assert not diff["identical"]
