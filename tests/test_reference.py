"""Reference parsing like kit (docs/format.md §5.1).

``KIT_TABLE`` carries the cases of kit's ``pkg/lib/repo/util/reference_test.go`` (v1.7) as data:
input -> (registry, repository, tag-or-digest, extra tags). The remaining tables are our own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kitops_jupyter.core.reference import (
    DEFAULT_REGISTRY,
    Reference,
    display_name,
    is_valid_digest,
    parse_reference,
    split_repo_key,
)
from kitops_jupyter.errors import InvalidReference

D = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

KIT_TABLE: list[tuple[str, tuple[str, str, str], list[str]]] = [
    (
        "testregistry.io/test-organization/test-repository:test-tag",
        ("testregistry.io", "test-organization/test-repository", "test-tag"),
        [],
    ),
    (
        "testregistry.io/test-organization/test-repository:test-tag,extraTag1,extraTag2",
        ("testregistry.io", "test-organization/test-repository", "test-tag"),
        ["extraTag1", "extraTag2"],
    ),
    (
        "test-repository:test-tag,extraTag1,extraTag2",
        ("localhost", "test-repository", "test-tag"),
        ["extraTag1", "extraTag2"],
    ),
    (
        "localhost:5000/test-organization/test-repository:test-tag,extraTag1,extraTag2",
        ("localhost:5000", "test-organization/test-repository", "test-tag"),
        ["extraTag1", "extraTag2"],
    ),
    (D, ("localhost", "_", D), []),
    (
        "test-organization/test-repository:test-tag,extraTag1,extraTag2",
        ("localhost", "test-organization/test-repository", "test-tag"),
        ["extraTag1", "extraTag2"],
    ),
    ("a/b/c/d", ("localhost", "a/b/c/d", "latest"), []),
    ("test.io/a/b/c/d", ("test.io", "a/b/c/d", "latest"), []),
    (f"testrepo@{D}", ("localhost", "testrepo", D), []),
    (f"testrepo:ignoredtag@{D}", ("localhost", "testrepo", D), []),
    (f"testorg/testrepo@{D}", ("localhost", "testorg/testrepo", D), []),
    (f"testorg.com/testrepo@{D}", ("testorg.com", "testrepo", D), []),
]


@pytest.mark.parametrize(("text", "expected", "extra"), KIT_TABLE, ids=[row[0][:60] for row in KIT_TABLE])
def test_kit_reference_table(text: str, expected: tuple[str, str, str], extra: list[str]) -> None:
    ref, extra_tags = parse_reference(text)
    assert (ref.registry, ref.repository, ref.ref) == expected
    assert extra_tags == extra


def test_digest_and_tag_are_exclusive() -> None:
    ref, _ = parse_reference(f"testrepo:ignoredtag@{D}")
    assert ref.tag == "" and ref.digest == D
    assert str(ref) == f"localhost/testrepo@{D}"


@pytest.mark.parametrize(
    ("text", "registry", "repository"),
    [
        ("localhost/foo", "localhost", "localhost/foo"),  # no '.' or ':' -> part of the repository
        ("localhost:5000/foo", "localhost:5000", "foo"),
        ("registry.example.com/org/model", "registry.example.com", "org/model"),
        ("127.0.0.1:5000/m", "127.0.0.1:5000", "m"),
        ("[::1]:5000/m", "[::1]:5000", "m"),
        ("myorg/mymodel", "localhost", "myorg/mymodel"),
        ("a.b__c-d--e/f_g", "a.b__c-d--e", "f_g"),
        ("jozu.ml/org/model-v2.1_x", "jozu.ml", "org/model-v2.1_x"),
    ],
)
def test_registry_detection(text: str, registry: str, repository: str) -> None:
    ref, _ = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag) == (registry, repository, "latest")


def test_default_tag() -> None:
    assert parse_reference("m")[0].tag == "latest"
    assert parse_reference("m", default_tag=None)[0].tag == ""
    assert parse_reference("m", default_tag="v1")[0].tag == "v1"
    assert parse_reference("m:given", default_tag=None)[0].tag == "given"
    assert parse_reference(f"m@{D}", default_tag="v1")[0].tag == ""


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", "empty"),
        ("MyModel:v1", "'MyModel' must be lowercase"),
        ("org/Model", "'org/Model' must be lowercase"),
        ("-model", "must start and end with a letter or number"),
        ("model-", "must start and end with a letter or number"),
        ("a//b", "'a//b'"),
        ("a/.b", "'a/.b'"),
        ("a...b", "'a...b'"),
        ("a b", "'a b'"),
        ("reg.io/", "repository name is missing"),
        ("model:", "tag ''"),
        ("model:.v1", "tag '.v1'"),
        ("model:-v1", "tag '-v1'"),
        ("model:" + "x" * 129, "tag 'xxx"),
        ("model:v1/x", "registry 'model:v1'"),  # like kit: the part before '/' has ':'
        ("model:t\u00e9", "tag 't\u00e9'"),
        ("model@sha256:abc", "digest 'sha256:abc'"),
        ("model@" + D.upper(), "digest"),
        ("model@md5:" + "a" * 32, "digest 'md5:"),
        ("model@", "digest ''"),
        ("model:v1,", "extra tag ''"),
        ("model:v1,ok,.bad", "extra tag '.bad'"),
        ("bad_host!.io/m", "registry 'bad_host!.io'"),
        ("reg.io:port/m", "registry 'reg.io:port'"),
    ],
)
def test_invalid_references_name_the_part(text: str, names: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    message = str(info.value)
    assert names in message
    assert "e.g. 'myorg/mymodel:v1'" in message  # always shows a valid example


def test_tag_limits() -> None:
    assert parse_reference("m:" + "x" * 128)[0].tag == "x" * 128
    assert parse_reference("m:_under.score-9")[0].tag == "_under.score-9"
    assert parse_reference("m:V1")[0].tag == "V1"  # tags may be upper case, repositories not


def test_other_digest_algorithms() -> None:
    assert is_valid_digest("sha512:" + "a" * 128)
    assert is_valid_digest("sha384:" + "b" * 96)
    assert not is_valid_digest("sha256:" + "a" * 63)
    assert not is_valid_digest("sha256:" + "g" * 64)
    assert parse_reference("m@sha512:" + "a" * 128)[0].digest == "sha512:" + "a" * 128


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("myorg/model:v1", "myorg/model:v1"),
        ("localhost/foo", "localhost/foo:latest"),  # repository 'localhost/foo' keeps its own prefix
        (D, D),
        ("registry.io/org/m:1", "registry.io/org/m:1"),
        ("localhost:5000/m:1", "localhost:5000/m:1"),
    ],
)
def test_display(text: str, shown: str) -> None:
    assert parse_reference(text)[0].display() == shown


def test_display_name_like_kit() -> None:
    assert display_name("localhost/_") == ""
    assert display_name("localhost/myorg/m") == "myorg/m"
    assert display_name("docker.io/_") == "docker.io/_"


def test_reference_helpers() -> None:
    ref, _ = parse_reference("registry.io/org/m:v1")
    assert ref.repo_key == "registry.io/org/m"
    assert not ref.is_local_only
    assert parse_reference("org/m")[0].is_local_only
    assert ref.with_digest(D) == Reference("registry.io", "org/m", "", D)
    assert ref.with_digest(D).with_tag("v2") == Reference("registry.io", "org/m", "v2", "")
    assert str(ref) == "registry.io/org/m:v1"
    assert Reference(DEFAULT_REGISTRY, "m") == parse_reference("m", default_tag=None)[0]


def test_split_repo_key() -> None:
    assert split_repo_key("localhost/_") == Reference("localhost", "_")
    assert split_repo_key("reg.io:5000/a/b") == Reference("reg.io:5000", "a/b")
    for bad in ("nothing", "localhost/", "localhost/Upper"):
        with pytest.raises(InvalidReference):
            split_repo_key(bad)


# -- kit's own answers (tests/golden/kit_golden.json, `kit tag src/model:v1 <ref>` per row) --------------

GOLDEN = Path(__file__).parent / "golden" / "kit_golden.json"
SOURCE_REPO = "localhost/src/model"


def _golden_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(GOLDEN.read_text())["references"]["rows"]
    return rows


@pytest.mark.parametrize("row", _golden_rows(), ids=lambda row: repr(row["ref"])[:50])
def test_golden_kit_tag_references(row: dict[str, Any]) -> None:
    """Accept exactly what kit accepts; the repository key and tag must be the ones kit stored."""
    if row["rc"] != 0:
        with pytest.raises(InvalidReference):
            parse_reference(row["ref"])
        return
    ref, _ = parse_reference(row["ref"])
    stored = {key: tags for key, tags in row["repos_after"].items() if key != SOURCE_REPO}
    assert stored == {ref.repo_key: [ref.ref]}  # kit stores a digest destination as a "tag"
    assert row["stdout"].strip().endswith(f"tagged as {ref}")
