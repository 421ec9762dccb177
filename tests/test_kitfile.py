"""Kitfile parsing, validation, YAML output and config JSON, checked against kit's behaviour."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kitops_jupyter.core.kitfile import (
    CodeEntry,
    Dataset,
    DocEntry,
    Kitfile,
    LayerInfo,
    Model,
    ModelPart,
    Package,
    config_json,
    dump_kitfile,
    find_kitfile,
    layer_entries,
    load_kitfile,
    parse_config_json,
    parse_kitfile,
    validate_kitfile,
)
from kitops_jupyter.core.kitfile_validate import go_clean, is_modelkit_reference, path_type
from kitops_jupyter.core.yamlv3 import Timestamp
from kitops_jupyter.errors import KitfileError, NotFound
from tests.golden.cases import CASES

GOLDEN = Path(__file__).parent / "golden" / "kit_golden.json"
H = "manifestVersion: 1.0.0\n"
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def error_of(text: str) -> KitfileError:
    with pytest.raises(KitfileError) as info:
        parse_kitfile(text)
    return info.value


def validation_error(text: str) -> KitfileError:
    kitfile = parse_kitfile(text)
    with pytest.raises(KitfileError) as info:
        validate_kitfile(kitfile)
    return info.value


# ---- parsing ------------------------------------------------------------------------------------


def test_parse_full_kitfile() -> None:
    text = (
        "manifestVersion: 1.0.0\n"
        "package:\n  name: demo\n  version: 1.10\n  authors: [Jane, 42]\n  license: Apache-2.0\n"
        "model:\n  name: m\n  path: model.bin\n  framework: torch\n"
        "  parts:\n    - name: lora\n      path: lora/\n      type: adapter\n"
        "  parameters:\n    lr: 0.001\n"
        "code:\n  - path: src\n    description: training code\n"
        "datasets:\n  - name: train\n    path: data/train.csv\n    license: CC-BY-4.0\n"
        "docs:\n  - path: README.md\n"
        "prompts:\n  - name: sys\n    path: prompts/system.md\n"
        "mcpServers:\n  - name: tool\n    path: tool.mcpb\n"
    )
    kf = parse_kitfile(text)
    assert kf == Kitfile(
        manifest_version="1.0.0",
        package=Package(name="demo", version="1.10", license="Apache-2.0", authors=["Jane", "42"]),
        model=Model(
            name="m",
            path="model.bin",
            framework="torch",
            parts=[ModelPart(name="lora", path="lora/", type="adapter")],
            parameters={"lr": 0.001},
        ),
        code=[CodeEntry(path="src", description="training code")],
        datasets=[Dataset(name="train", path="data/train.csv", license="CC-BY-4.0")],
        docs=[DocEntry(path="README.md")],
        prompts=kf.prompts,
        mcp_servers=kf.mcp_servers,
    )
    assert (kf.prompts[0].name, kf.prompts[0].path) == ("sys", "prompts/system.md")
    assert (kf.mcp_servers[0].name, kf.mcp_servers[0].path) == ("tool", "tool.mcpb")


@pytest.mark.parametrize(
    ("scalar", "raw"),
    [
        ("1.10", "1.10"),
        ("1.0", "1.0"),
        ("0x1F", "0x1F"),
        ("true", "true"),
        ("2015-01-01", "2015-01-01"),
        ("'quoted'", "quoted"),
        ('"a\\tb"', "a\tb"),
        ("~", ""),
        ("null", ""),
        ("", ""),
        ("'~'", "~"),
        ("!!binary aGVsbG8=", "hello"),
        ("!!float 1", "1"),
        ("!!str 007", "007"),
    ],
)
def test_string_fields_keep_raw_scalar_text(scalar: str, raw: str) -> None:
    assert parse_kitfile(f"manifestVersion: {scalar}\n").manifest_version == raw
    assert parse_kitfile(f"{H}package:\n  version: {scalar}\n").package.version == raw


def test_nulls_vanish_from_lists_and_leave_fields_empty() -> None:
    kf = parse_kitfile(H + "package:\n  authors: [~, a, '', null]\ncode:\n  - ~\n  - path: x\nmodel:\n")
    assert kf.package.authors == ["a", ""]
    assert kf.code == [CodeEntry(path="x")]
    assert kf.model is None
    assert parse_kitfile(H + "model: {}\n").model == Model()
    assert parse_kitfile(H + "package:\n").package == Package()


def test_parameters_are_typed_like_yaml_v3() -> None:
    text = H + (
        "model:\n  parameters:\n"
        "    int: 42\n    hex: 0xFF\n    float: 1.2e+3\n    yes: yes\n    t: True\n    nul: ~\n"
        "    when: 2002-12-14\n    quoted: '1.10'\n    list: [1, two, 3.0]\n"
        "    block: |\n      test-string\n"
    )
    params = parse_kitfile(text).model.parameters  # type: ignore[union-attr]
    assert params == {
        "int": 42,
        "hex": 255,
        "float": 1200.0,
        "yes": "yes",
        "t": True,
        "nul": None,
        "when": Timestamp("2002-12-14T00:00:00Z"),
        "quoted": "1.10",
        "list": [1, "two", 3.0],
        "block": "test-string\n",
    }
    assert parse_kitfile(H + "datasets:\n  - path: d\n    parameters: {}\n").datasets[0].parameters == {}
    assert parse_kitfile(H + "model:\n  parameters: ~\n").model.parameters is None  # type: ignore[union-attr]


def test_anchors_aliases_and_merges() -> None:
    text = H + (
        "model:\n  parameters:\n"
        "    base: &b {x: 1, y: 2}\n    other:\n      <<: *b\n      y: 3\n    again: *b\n"
        "    later: &b 9\n    last: *b\n"
    )
    params = parse_kitfile(text).model.parameters  # type: ignore[union-attr]
    assert params["other"] == {"x": 1, "y": 3}
    assert params["again"] == {"x": 1, "y": 2}
    assert params["last"] == 9  # a redefined anchor wins from there on, as in yaml.v3
    merged = parse_kitfile(H + "model: &m\n  name: x\ndatasets:\n  - <<: *m\n    path: y\n")
    assert merged.datasets == [Dataset(name="x", path="y")]


def test_lines_map_fields_to_source_lines() -> None:
    kf = parse_kitfile(H + "datasets:\n  - name: a\n    path: b\n  - path: c\n")
    assert kf.lines["manifestVersion"] == 1
    assert kf.lines["datasets"] == 2
    assert kf.lines["datasets[0]"] == 3
    assert kf.lines["datasets[0].path"] == 4
    assert kf.lines["datasets[1].path"] == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            H + "datasets:\n  - name: a\n    path: b\n  - name: c\n    pathh: x\n",
            "Kitfile line 6: datasets[1].pathh is not a Kitfile field; did you mean path?",
        ),
        (H + "Package: {}\n", "Kitfile line 2: Package is not a Kitfile field; did you mean package?"),
        (
            H + "model:\n  paramters: {}\n",
            "Kitfile line 3: model.paramters is not a Kitfile field; did you mean parameters?",
        ),
        (
            H + "zzz: 1\n",
            "Kitfile line 2: zzz is not a Kitfile field; the fields allowed here are manifestVersion, package, "
            "model, code, datasets, docs, prompts, mcpServers",
        ),
        (
            H + "model:\n  parts:\n    - digest: x\n",
            "Kitfile line 4: model.parts[0].digest is not a Kitfile field",
        ),
        (H + "package:\n  name: [a]\n", "Kitfile line 3: package.name must be a string, not a list"),
        (H + "package:\n  name: {a: 1}\n", "Kitfile line 3: package.name must be a string, not a mapping"),
        (H + "package: abc\n", "Kitfile line 2: package must be a mapping of fields, not the value `abc`"),
        (H + "model: [a]\n", "Kitfile line 2: model must be a mapping of fields, not a list"),
        (
            H + "code: src\n",
            "Kitfile line 2: code must be a list (entries start with '- '), not the value `src`",
        ),
        (
            H + "code: {path: x}\n",
            "Kitfile line 2: code must be a list (entries start with '- '), not a mapping",
        ),
        (H + "code:\n  - src\n", "Kitfile line 3: code[0] must be a mapping of fields, not the value `src`"),
        (
            H + "package:\n  authors: Jozu\n",
            "Kitfile line 3: package.authors must be a list of strings, not the value `Jozu`",
        ),
        (
            H + "package:\n  authors: [[a]]\n",
            "Kitfile line 3: package.authors[0] must be a string, not a list",
        ),
        (
            H + "package:\n  name: a\n  name: b\n",
            "Kitfile line 4: package.name is defined twice (first at line 3)",
        ),
        (
            H + "package:\n  name: a\n  'name': b\n",
            "Kitfile line 4: package.name is defined twice (first at line 3)",
        ),
        (H + "manifestVersion: 2\n", "Kitfile line 2: manifestVersion is defined twice (first at line 1)"),
        (
            H + "model:\n  parameters:\n    a: 1\n    a: 2\n",
            "Kitfile line 5: model.parameters.a is defined twice",
        ),
        (
            H + "package:\n  name: !!int abc\n",
            "Kitfile line 3: package.name: cannot decode !!str `abc` as a !!int",
        ),
        (
            H + "model:\n  parameters:\n    1: one\n",
            "Kitfile line 4: model.parameters: key 1 is not a string",
        ),
        (
            H + "model:\n  parameters:\n    true: x\n",
            "Kitfile line 4: model.parameters: key true is not a string",
        ),
        (
            H + "model:\n  parameters: &p\n    a: *p\n",
            "Kitfile line 3: an anchor's value contains an alias to itself",
        ),
        (
            H + "model:\n  parameters:\n    <<: 3\n",
            "Kitfile line 4: a `<<` merge needs a mapping or a list of mappings",
        ),
        ("", "Kitfile: the Kitfile is empty"),
        ("# just a comment\n", "Kitfile: the Kitfile is empty"),
        ("---\n", "Kitfile: the Kitfile is empty"),
        ("- a\n", "Kitfile line 1: a Kitfile must be a mapping of fields, not a list"),
        ("just text\n", "Kitfile line 1: a Kitfile must be a mapping of fields, not the value `just text`"),
        (H + "model: [unclosed\n", "Kitfile line 2: invalid YAML: while parsing a flow sequence"),
        ("a: b: c\n", "Kitfile line 1: invalid YAML: mapping values are not allowed here"),
        ("\tmanifestVersion: 1\n", "Kitfile line 1: invalid YAML"),
        ("manifestVersion: \x07\n", "Kitfile line 1: invalid YAML: character U+0007 is not allowed in YAML"),
    ],
)
def test_strict_parse_errors(text: str, message: str) -> None:
    assert str(error_of(text)).startswith(message)


def test_parse_error_carries_line_and_field() -> None:
    err = error_of(H + "datasets:\n  - name: a\n    pathh: x\n")
    assert (err.source, err.line, err.field) == ("Kitfile", 4, "datasets[0].pathh")


def test_null_keys_are_skipped_like_yaml_v3() -> None:
    assert parse_kitfile(H + "~: ignored\n") == Kitfile(manifest_version="1.0.0")


def test_load_kitfile_encodings(tmp_path: Path) -> None:
    path = tmp_path / "Kitfile"
    path.write_bytes(b"\xef\xbb\xbfmanifestVersion: 1.0.0\npackage:\n  name: caf\xc3\xa9\n")
    assert load_kitfile(path).package.name == "café"
    path.write_bytes("manifestVersion: 1.0.0\n".encode("utf-16"))
    assert load_kitfile(path).manifest_version == "1.0.0"
    path.write_bytes(b"manifestVersion: 1.0.0\npackage:\n  name: caf\xe9\n")
    with pytest.raises(KitfileError, match=r"line 3: not UTF-8 text \(byte 0xe9 at offset 43\)") as info:
        load_kitfile(path)
    assert info.value.source == str(path)
    with pytest.raises(NotFound):
        load_kitfile(tmp_path / "missing")


def test_find_kitfile_order(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=re.escape("looked for Kitfile, kitfile, .kitfile")):
        find_kitfile(tmp_path)
    (tmp_path / ".kitfile").write_text(H)
    assert find_kitfile(tmp_path).name == ".kitfile"
    (tmp_path / "Kitfile").write_text(H)
    assert find_kitfile(tmp_path).name == "Kitfile"


def test_find_kitfile_skips_directories(tmp_path: Path) -> None:
    (tmp_path / "Kitfile").mkdir()
    (tmp_path / ".kitfile").write_text(H)
    assert find_kitfile(tmp_path).name == ".kitfile"


# ---- validation ---------------------------------------------------------------------------------

VALID = [
    H + "model:\n  path: model\ncode:\n  - path: model/../lib\n",
    H + "code:\n  - path: src/../lib\nprompts:\n  - path: ./skills/personal/\n",
    H + "model:\n  path: myorg/base:1.0\n",
    H + "model:\n  path: registry.io/org/base@sha256:" + "a" * 64 + "\n",
    H + "datasets:\n  - path: data\n    remotePath: s3://bucket/key\n    remoteHash: sha256:abc\n",
    H + "datasets:\n  - path: remote\n    remotePath: myorg/data:v1\n  - path: local\n",
    H + "mcpServers:\n  - name: a\n    path: a.mcpb\n  - name: b\n    path: b.mcpb\n",
    H + "model:\n  parts:\n    - path: p\n      type: " + "x" * 64 + "\n    - path: q\n      type: a.b-c_d\n",
    H + "code:\n  - path: ''\n",
    H + "code:\n  - path: data%zz\n",  # not a URL to Go, so a local path
]


@pytest.mark.parametrize("text", VALID)
def test_valid_kitfiles(text: str) -> None:
    assert validate_kitfile(parse_kitfile(text)) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            H + "model:\n  path: m.bin\ndatasets:\n  - name: d\n    path: m.bin\n",
            "Kitfile line 6: datasets[0].path: model (model.path) and dataset layer 0 (datasets[0].path) use the "
            "same path m.bin; give each layer its own path",
        ),
        (H + "code:\n  - path: test-path/\n  - path: ./test-path\n", "use the same path test-path"),
        (H + "code:\n  - path: ''\ndocs:\n  - path: .\n", "use the same path ."),
        (
            H + "code:\n  - path: /etc\n",
            "Kitfile line 3: code[0].path: absolute paths are not supported in a Kitfile (path /etc in code layer 0)",
        ),
        (
            H + "prompts:\n  - path: /tmp/skills/\n",
            "absolute paths are not supported in a Kitfile (path /tmp/skills in prompt layer 0)",
        ),
        (
            H + "datasets:\n  - path: data/../../outside\n",
            "datasets[0].path: path ../outside is outside the context directory",
        ),
        (H + "code:\n  - path: http://example.com/x\n", "code[0].path: HTTP URLs are not supported in paths"),
        (H + "model:\n  path: https://example.com/m\n", "model.path: HTTP URLs are not supported in paths"),
        (H + "docs:\n  - path: ftp://host/x\n", "docs[0].path: unrecognized URL in path: ftp://host/x"),
        (H + "code:\n  - path: s3://bucket/x\n", "code[0].path: S3 paths are not allowed here"),
        (H + "model:\n  path: s3://bucket/m\n", "model.path: S3 paths are not allowed here"),
        (
            H + "model:\n  parts:\n    - path: org/m:v1\n",
            "model.parts[0].path: ModelKit reference paths are not allowed here",
        ),
        (H + "code:\n  - path: org/m:v1\n", "code[0].path: ModelKit reference paths are not allowed here"),
        (
            H + "datasets:\n  - path: d\n    remotePath: s3://b/k\n",
            "datasets[0].remoteHash: remoteHash is required for the S3 remotePath s3://b/k",
        ),
        (
            H + "datasets:\n  - path: d\n    remoteHash: abc\n",
            "datasets[0].remoteHash: remoteHash only applies when remotePath is set",
        ),
        (
            H + "datasets:\n  - path: d\n    remotePath: http://x/y\n",
            "datasets[0].remotePath: only S3 URLs and ModelKit references",
        ),
        (
            H + "datasets:\n  - path: d\n    remotePath: local/dir\n",
            "datasets[0].remotePath: only S3 URLs and ModelKit references",
        ),
        (
            H + "datasets:\n  - path: data\n    remotePath: org/ds:v1\ncode:\n  - path: data/sub\n",
            "code[0].path: code layer 0 uses a path (data/sub) inside the path of a remote dataset (data)",
        ),
        (
            H + "model:\n  parts:\n    - name: p\n      path: p\n      type: -bad type\n",
            "model.parts[0].type: type '-bad type' is invalid",
        ),
        (
            H + "model:\n  parts:\n    - path: p\n      type: " + "x" * 65 + "\n",
            "model.parts[0].type: type is too long",
        ),
        (
            H + "mcpServers:\n  - name: s\n    path: server.zip\n",
            "mcpServers[0].path: server.zip must point to a single .mcpb file",
        ),
        (H + "mcpServers:\n  - path: s.mcpb\n", "mcpServers[0].name: an MCP server needs a name"),
        (
            H + "mcpServers:\n  - name: s\n    path: a.mcpb\n  - name: s\n    path: b.mcpb\n",
            "mcpServers[1].name: the name s is already used",
        ),
    ],
)
def test_validation_errors(text: str, message: str) -> None:
    assert message in str(validation_error(text))


def test_validation_lists_every_problem_with_lines() -> None:
    err = validation_error(H + "code:\n  - path: /abs\ndocs:\n  - path: http://x/y\n")
    assert str(err) == (
        "Kitfile: 2 problems found:\n"
        "  * line 5, docs[0].path: HTTP URLs are not supported in paths (http://x/y); copy the files into the context\n"
        "  * line 3, code[0].path: absolute paths are not supported in a Kitfile (path /abs in code layer 0); "
        "use a relative path"
    )
    assert err.field == "docs[0].path"


def test_validation_warnings() -> None:
    assert validate_kitfile(parse_kitfile("manifestVersion: 1.0\n")) == [
        "Unrecognized manifestVersion 1.0: treating Kitfile as 1.0.0"
    ]
    warnings = validate_kitfile(
        parse_kitfile(H + "datasets:\n  - path: d\n    remotePath: org/ds:v1\n    remoteHash: x\n")
    )
    assert warnings == ["remoteHash is ignored for ModelKit references in datasets (d)"]


def test_validation_without_lines_still_names_fields() -> None:
    with pytest.raises(KitfileError) as info:
        validate_kitfile(Kitfile(code=[CodeEntry(path="/x")]), "cfg")
    err = info.value
    assert str(err).startswith("cfg: code[0].path: absolute paths")
    assert err.line is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("myorg/model:1.0", True),
        ("model:latest", True),
        ("registry.io/org/model:v1", True),
        ("localhost:5000/model:v1", True),
        ("ghcr.io/org/model@sha256:" + "a" * 64, True),
        ("org/model:v1@sha256:" + "a" * 64, True),
        ("sha256:" + "b" * 64, True),
        ("model:v1,extra", True),
        ("./weights:v2", True),  # '.' makes "." the registry: kit agrees
        ("myorg/model", False),  # no ':' or '@'
        ("MyOrg/model:1.0", False),  # uppercase repository
        ("org/model:", False),  # empty tag
        ("org/model:bad tag", False),
        ("org/model@sha256:short", False),
        ("C:\\data", False),
        ("s3://bucket/key", False),
        ("http://host/x", False),
        ("data/file.csv", False),
    ],
)
def test_is_modelkit_reference(text: str, expected: bool) -> None:
    assert is_modelkit_reference(text) is expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("data/train.csv", "local"),
        ("", "local"),
        ("A_b:c", "local"),  # Go: "first path segment in URL cannot contain colon", so not a URL
        ("a:b/c", "unknown"),  # scheme "a"; and "a:b" is no registry (bad port), so no reference either
        ("s3://bucket/key", "S3"),
        ("S3://bucket/key", "S3"),
        ("S3:bucket", "S3"),  # opaque URL; lowercase "s3:bucket" would parse as repository s3, tag bucket
        ("s3://bucket/bad%zz", "local"),  # Go's url.Parse fails, so kit calls it local
        ("http://x", "unknown"),
        ("file:///x", "unknown"),
        ("file:name", "ModelKit reference"),  # repository "file", tag "name", exactly as kit sees it
        ("//host/path", "unknown"),
        ("org/m:v1", "ModelKit reference"),
    ],
)
def test_path_type(text: str, kind: str) -> None:
    assert path_type(text)[0] == kind


def test_go_clean() -> None:
    assert [go_clean(p) for p in ("", "a/", "./a", "a//b", "a/../..", "//x", "/../a")] == [
        ".",
        "a",
        "a",
        "a/b",
        "..",
        "/x",
        "/a",
    ]


# ---- output ------------------------------------------------------------------------------------


def test_dump_kitfile_exact_text() -> None:
    kf = Kitfile(
        manifest_version="1.0.0",
        package=Package(
            name="demo", version="1.10", authors=["Jane Doe", "ML: team"], description="line1\nline2"
        ),
        model=Model(
            name="m",
            path="m.bin",
            parts=[ModelPart(path="p", type="lora", layer=LayerInfo(D1, D1))],
            parameters={"b": [1, 2.5], "a": {"z": None, "k": "yes"}},
            layer=LayerInfo(D1, D2),
        ),
        code=[CodeEntry(path="src/", description="Model: v1")],
        docs=[DocEntry()],
    )
    assert dump_kitfile(kf) == (
        "manifestVersion: 1.0.0\n"
        "package:\n"
        "  name: demo\n"
        '  version: "1.10"\n'
        "  description: |-\n    line1\n    line2\n"
        "  authors: [Jane Doe, 'ML: team']\n"
        "model:\n"
        "  name: m\n"
        "  path: m.bin\n"
        "  parts:\n    - path: p\n      type: lora\n"
        '  parameters:\n    a:\n      k: "yes"\n      z: null\n    b:\n      - 1\n      - 2.5\n'
        "code:\n  - path: src/\n    description: 'Model: v1'\n"
        'docs:\n  - path: ""\n'
    )


def test_dump_minimal_and_empty_model() -> None:
    assert dump_kitfile(Kitfile()) == 'manifestVersion: ""\n'
    assert (
        dump_kitfile(Kitfile(manifest_version="1.0.0", model=Model()))
        == "manifestVersion: 1.0.0\nmodel: {}\n"
    )


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.kitfile and not c.expect_error))
def test_load_dump_load_round_trip(name: str) -> None:
    text = CASES[name].kitfile
    assert text is not None
    first = parse_kitfile(text)
    again = parse_kitfile(dump_kitfile(first))
    assert again == first
    assert dump_kitfile(again) == dump_kitfile(first)


def test_config_json_exact_bytes() -> None:
    assert config_json(Kitfile()) == b'{"manifestVersion":"","package":{}}'
    kf = Kitfile(
        manifest_version="1.0.0",
        package=Package(name="x", authors=[]),
        model=Model(
            path="m",
            parameters={"b": 1.0, "a": [Timestamp("2002-12-14T00:00:00Z"), "<&>"]},
            layer=LayerInfo(D1, D2),
        ),
        datasets=[Dataset(name="d", path="d", remote_path="s3://b/k", remote_hash="h")],
        docs=[DocEntry(layer=LayerInfo(D1, ""))],
    )
    assert (
        config_json(kf)
        == (
            '{"manifestVersion":"1.0.0","package":{"name":"x"},'
            '"model":{"path":"m","parameters":{"a":["2002-12-14T00:00:00Z","\\u003c\\u0026\\u003e"],"b":1},'
            f'"digest":"{D1}","diffId":"{D2}"}},'
            '"datasets":[{"name":"d","path":"d","remotePath":"s3://b/k","remoteHash":"h"}],'
            f'"docs":[{{"path":"","digest":"{D1}"}}]}}'
        ).encode()
    )


def test_config_json_parameters_from_yaml() -> None:
    # kit's pkg/artifact/testdata/parameters: a block literal becomes a JSON string with its newline.
    kf = parse_kitfile(H + "model:\n  parameters: |\n    test-string\n")
    assert (
        config_json(kf) == b'{"manifestVersion":"1.0.0","package":{},"model":{"parameters":"test-string\\n"}}'
    )


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_config_json_rejects_values_json_cannot_hold(value: str) -> None:
    kf = parse_kitfile(H + f"model:\n  parameters:\n    x: {value}\n")
    with pytest.raises(KitfileError, match=r"model\.parameters\.x holds .*JSON cannot represent"):
        config_json(kf)


def test_parse_config_json_like_go() -> None:
    data = (
        b'{"manifestVersion":"1.0.0","unknown":{"x":1},"Package":{"NAME":"n","authors":["a",null]},'
        b'"model":{"path":"m","parameters":{"n":1,"k":{"a":1,"a":2}},"digest":"d1","diffId":"d2"},'
        b'"code":[null,{"path":"c"}],"docs":null,"datasets":[{"path":"x","diffId":null}]}'
    )
    kf = parse_config_json(data, "config")
    assert kf.package == Package(name="n", authors=["a", ""])
    assert kf.model == Model(path="m", parameters={"n": 1.0, "k": {"a": 2.0}}, layer=LayerInfo("d1", "d2"))
    assert isinstance(kf.model.parameters["n"], float)
    assert kf.code == [CodeEntry(), CodeEntry(path="c")]
    assert kf.docs == []
    assert kf.datasets == [Dataset(path="x", layer=LayerInfo())]
    assert parse_config_json(b"null", "c") == Kitfile()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "config: invalid config JSON"),
        (b"[]", "config: the config must be a JSON object"),
        (b'{"manifestVersion":1}', "config: manifestVersion must be a string"),
        (b'{"code":{"path":"x"}}', "config: code must be a JSON array"),
        (b'{"model":{"parameters":NaN}}', "config: invalid config JSON"),
        (b'{"model":{"parameters":1e400}}', "config: model.parameters must be a number that fits a float64"),
    ],
)
def test_parse_config_json_errors(data: bytes, message: str) -> None:
    with pytest.raises(KitfileError, match=re.escape(message)):
        parse_config_json(data, "config")


def test_layer_entries_in_pack_order() -> None:
    kf = parse_kitfile(
        H + "docs:\n  - path: README.md\nprompts:\n  - path: p.md\ndatasets:\n  - path: d\n"
        "  - path: r\n    remotePath: org/ds:v1\ncode:\n  - path: c\n"
        "model:\n  path: m\n  parts:\n    - path: p1\n"
    )
    assert [(base, vars(entry)["path"]) for base, entry in layer_entries(kf)] == [
        ("model", "m"),
        ("modelpart", "p1"),
        ("code", "c"),
        ("dataset", "d"),
        ("docs", "README.md"),
        ("code", "p.md"),
    ]
    referenced = parse_kitfile(H + "model:\n  path: org/base:v1\n  parts:\n    - path: p\n")
    assert [base for base, _ in layer_entries(referenced)] == ["modelpart"]
    assert [base for base, _ in layer_entries(parse_kitfile(H + "model:\n  name: no-path\n"))] == []


# ---- golden data from the real kit ---------------------------------------------------------------


def _golden_cases() -> dict[str, dict[str, object]]:
    cases: dict[str, dict[str, object]] = json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]
    return cases


PACKED = sorted(name for name, case in _golden_cases().items() if not case["expect_error"])


@pytest.mark.parametrize("name", PACKED)
def test_golden_config_and_unpacked_kitfile(name: str) -> None:
    golden = _golden_cases()[name]
    config = str(golden["config"])
    kitfile_text = CASES[name].kitfile
    assert kitfile_text is not None
    ours = parse_kitfile(kitfile_text)
    validate_kitfile(ours)
    theirs = parse_config_json(config.encode(), name)
    for (base, entry), (their_base, their_entry) in zip(
        layer_entries(ours), layer_entries(theirs), strict=True
    ):
        assert base == their_base
        entry.layer = their_entry.layer  # type: ignore[attr-defined]
    assert config_json(ours) == config.encode()
    assert dump_kitfile(theirs) == golden["unpack_kitfile"]
    if name != "params_types":  # its 12345678901234567890 is a float64 after a JSON round trip, in Go too
        assert config_json(theirs) == config.encode()


REJECTED = {
    "err_unknown_field": "model.weights is not a Kitfile field",
    "err_duplicate_path": "use the same path m.bin",
    "err_absolute_path": "absolute paths are not supported in a Kitfile (path /etc in code layer 0)",
    "err_part_type": "type '-bad type' is invalid",
    "err_int_param_key": "key 1 is not a string",
    "err_inf_param": "holds inf",
    "err_nan_param": "holds nan",
    "err_yaml_syntax": "invalid YAML",
    "err_string_as_list": "code must be a list",
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_golden_rejections(name: str) -> None:
    assert _golden_cases()[name]["expect_error"]
    text = CASES[name].kitfile
    assert text is not None
    with pytest.raises(KitfileError, match=re.escape(REJECTED[name])):
        kf = parse_kitfile(text)
        validate_kitfile(kf)
        config_json(kf)


def test_golden_prompts_are_newer_than_kit_1_7() -> None:
    # kit v1.7 rejects `prompts` as an unknown field; newer kit (and we) accept it.
    assert _golden_cases()["err_prompts"]["expect_error"]
    text = CASES["err_prompts"].kitfile
    assert text is not None
    assert [p.path for p in parse_kitfile(text).prompts] == ["p.md"]


# -- size limits ------------------------------------------------------------------------------


def test_a_kitfile_over_one_mib_is_refused_before_parsing(tmp_path: Path) -> None:
    from kitops_jupyter.core.kitfile import MAX_KITFILE_BYTES, load_kitfile

    keys = "".join(f"k{i}: v\n" for i in range(400_000))  # about 4 MiB of plain keys, no alias
    path = tmp_path / "Kitfile"
    path.write_text("manifestVersion: 1.0.0\n" + keys)
    size = path.stat().st_size
    expected = (
        f"the Kitfile is {size} bytes, more than the {MAX_KITFILE_BYTES} bytes (1 MiB) a Kitfile may have"
    )
    with pytest.raises(KitfileError, match=re.escape(expected)):
        load_kitfile(path)
    with pytest.raises(KitfileError, match="more than the 1048576 bytes"):
        parse_kitfile(path.read_text())


def test_pack_refuses_a_huge_kitfile_up_front(tmp_path: Path) -> None:
    from kitops_jupyter.core.packer import pack
    from kitops_jupyter.core.store import LocalStore

    (tmp_path / "Kitfile").write_text("manifestVersion: 1.0.0\n" + "# padding\n" * 120_000)
    with pytest.raises(KitfileError, match=r"the Kitfile is 1200023 bytes, more than .* \(1 MiB\)"):
        pack(tmp_path, LocalStore(tmp_path / "home"))


def test_an_alias_bomb_names_aliases_and_the_limit() -> None:
    lines = [
        "manifestVersion: 1.0.0",
        "model:",
        "  path: m.bin",
        "  parameters:",
        "    a0: &a0 [x, x, x, x, x, x, x, x, x, x]",
    ]
    lines += [f"    a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    with pytest.raises(
        KitfileError, match=r"expands to more than 1000000 values through its aliases \(\*name\)"
    ):
        parse_kitfile("\n".join(lines) + "\n")
