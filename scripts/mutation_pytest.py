"""pytest plugin of scripts/mutation (loaded with ``-p mutation_pytest``), in one of two modes.

``KITJ_MUTATION_MAP=FILE``: record, per test, the lines of kitops_jupyter it runs (coverage.py with one
context per test: switched in this process, and passed to subprocesses such as kernels through
``KITJ_MUTATION_CONTEXT``, which the coverage configuration reads as its static context), plus each
test's duration and whether it passed; the outcomes go to FILE as JSON.

``KITJ_MUTATION_SELECT=FILE``: run only the test ids listed in FILE (one a line), in that order, so the
cheapest tests covering a mutant run first and ``-x`` stops at the first that kills it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

_MAP = os.environ.get("KITJ_MUTATION_MAP")
_SELECT = os.environ.get("KITJ_MUTATION_SELECT")
_cov: Any = None
if _MAP:
    import coverage

    # Normally already started at interpreter start-up (sitecustomize or coverage's own .pth, reading
    # COVERAGE_PROCESS_START), as in every subprocess; otherwise started here, before conftest imports
    # the package.
    coverage.process_startup()
    _cov = coverage.Coverage.current()

_outcomes: dict[str, dict[str, Any]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    if _cov is None:
        yield
        return
    os.environ["KITJ_MUTATION_CONTEXT"] = item.nodeid
    _cov.switch_context(item.nodeid)
    started = time.monotonic()
    yield
    _outcomes.setdefault(item.nodeid, {"failed": False})["duration"] = time.monotonic() - started
    _cov.switch_context("")
    os.environ["KITJ_MUTATION_CONTEXT"] = ""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _cov is not None and (report.failed or report.skipped):
        _outcomes.setdefault(report.nodeid, {"failed": False})["failed"] = True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _SELECT:
        return
    wanted = [line for line in Path(_SELECT).read_text().splitlines() if line]
    order = {nodeid: i for i, nodeid in enumerate(wanted)}
    keep = sorted((item for item in items if item.nodeid in order), key=lambda item: order[item.nodeid])
    dropped = [item for item in items if item.nodeid not in order]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _cov is None or not _MAP:
        return
    _cov.stop()
    _cov.save()
    Path(_MAP).write_text(json.dumps(_outcomes))
