"""The module-level API mirrors ``Kit``'s methods (same signatures, so type checkers and ``help()`` see
them)) and listing has one name."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from kitops_jupyter import api
from tests.registry_fixtures import make_modelkit


@pytest.mark.parametrize(
    "name", ["pack", "list_modelkits", "unpack", "push", "pull", "load_dataset", "verify"]
)
def test_module_functions_have_the_method_signature(name: str) -> None:
    method = inspect.signature(getattr(api.Kit, name))
    function = inspect.signature(getattr(api, name))
    assert list(function.parameters) == list(method.parameters)[1:]  # all but self
    assert getattr(api, name).__doc__ == getattr(api.Kit, name).__doc__


def test_module_function_uses_the_default_kit(kitops_home: Path) -> None:
    make_modelkit(api.default_kit().store, "localhost/surface/model", "v1")
    assert [(i.repo, i.tags) for i in api.list_modelkits()] == [("surface/model", ["v1"])]


def test_kit_list_is_a_deprecated_alias(kitops_home: Path) -> None:
    kit = api.Kit(kitops_home)
    make_modelkit(kit.store, "localhost/surface/model", "v1")
    with pytest.warns(DeprecationWarning, match="list_modelkits"):
        listed = kit.list()
    assert [i.digest for i in listed] == [i.digest for i in kit.list_modelkits()] and len(listed) == 1
