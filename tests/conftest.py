"""Shared fixtures: every test gets its own empty $KITOPS_HOME so nothing touches the user's store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.registry_fixtures", "tests.matrix_fixtures", "tests.browser_fixtures"]


@pytest.fixture(autouse=True)
def kitops_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("kitops-home")
    monkeypatch.setenv("KITOPS_HOME", str(home))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield home
