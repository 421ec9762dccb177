"""server/openapi.yaml describes exactly the routes and methods of server/routes.py, and is well formed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

import kitops_jupyter
from kitops_jupyter.server import handlers
from kitops_jupyter.server.routes import NAMESPACE, ROUTES

SPEC_PATH = Path(handlers.__file__).with_name("openapi.yaml")
VERBS = ("get", "post", "put", "patch", "delete", "head")


def spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return data


def implemented(cls: type) -> set[str]:
    """Verbs a handler defines itself (anywhere below KitopsHandler in its MRO)."""
    own = [
        c for c in cls.__mro__ if issubclass(c, handlers.KitopsHandler) and c is not handlers.KitopsHandler
    ]
    return {verb for verb in VERBS if any(verb in vars(c) for c in own)}


def code_routes() -> set[tuple[str, str]]:
    found = set()
    for pattern, cls in ROUTES:
        path = "/" + NAMESPACE + "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
        found |= {(path, verb) for verb in implemented(cls)}
    return found


def spec_routes() -> set[tuple[str, str]]:
    return {(path, verb) for path, item in spec()["paths"].items() for verb in item if verb in VERBS}


def test_every_route_in_code_is_documented() -> None:
    missing = code_routes() - spec_routes()
    assert not missing, f"add these to {SPEC_PATH.name}: {sorted(missing)}"


def test_every_documented_route_exists_in_code() -> None:
    extra = spec_routes() - code_routes()
    assert not extra, f"{SPEC_PATH.name} documents routes routes.py lacks: {sorted(extra)}"


def test_every_handler_has_a_verb() -> None:
    assert all(implemented(cls) for _, cls in ROUTES)
    assert len(code_routes()) >= 11


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_every_ref_resolves() -> None:
    document = spec()
    for ref in _refs(document):
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"unresolved {ref}"
            node = node[part]


def test_operations_declare_path_parameters_and_auth_failure() -> None:
    for path, item in spec()["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for verb, operation in item.items():
            declared = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "path"}
            assert declared == names, f"{verb.upper()} {path}: path parameters {declared} != {names}"
            assert "403" in operation["responses"], (
                f"{verb.upper()} {path} must document 403 (not authenticated)"
            )
            assert operation.get("operationId"), f"{verb.upper()} {path} needs an operationId"


def test_spec_version_is_the_package_version() -> None:
    document = spec()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == kitops_jupyter.__version__
