"""``kit list`` / ``inspect`` / ``info`` / ``diff`` text, compared with what kit 1.7 printed.

The expected strings were captured from kit 1.7.0-19-ga041892 on the ModelKits whose manifests
appear here (``KIT17_MANIFEST`` packed from a model + dataset Kitfile; ``KIT17_MANIFEST_TWO`` the
same with a changed dataset and an added docs layer; tags ``demo/one:v1,v2``, ``other:x`` and an
untagged copy under ``localhost/_``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from kitops_jupyter.core import listing
from kitops_jupyter.core.manifest import Descriptor, Manifest
from kitops_jupyter.core.store import LocalStore
from tests.test_manifest import KIT17_DIGEST, KIT17_MANIFEST
from tests.test_store import _place_kit_blobs, make_kit, ref

if TYPE_CHECKING:
    from kitops_jupyter.core.kitfile import Kitfile

KIT17_CONFIG = (
    b'{"manifestVersion":"1.0.0","package":{"name":"demo","authors":["Jane Doe"]},"model":{"name":"m",'
    b'"path":"model.bin","digest":"sha256:88a9758bc05a8703be0d507f1baf709f8644c92b1225415d78c570b5e0ff368a",'
    b'"diffId":"sha256:88a9758bc05a8703be0d507f1baf709f8644c92b1225415d78c570b5e0ff368a"},"datasets":[{"name":"d",'
    b'"path":"data/x.csv","digest":"sha256:eb82ac4430b94a2722efdf114abcea2e2d730362f7a100b7d3348c7cdf94a418",'
    b'"diffId":"sha256:eb82ac4430b94a2722efdf114abcea2e2d730362f7a100b7d3348c7cdf94a418"}]}'
)
KIT17_MANIFEST_TWO = (
    b'{"schemaVersion":2,"config":{"mediaType":"application/vnd.kitops.modelkit.config.v1+json",'
    b'"digest":"sha256:8cf05633e16ccdb499429f9af916e97e2de9f5d252644da7fbadaa1fa0f7629e","size":690},'
    b'"layers":[{"mediaType":"application/vnd.kitops.modelkit.model.v1.tar",'
    b'"digest":"sha256:88a9758bc05a8703be0d507f1baf709f8644c92b1225415d78c570b5e0ff368a","size":2048},'
    b'{"mediaType":"application/vnd.kitops.modelkit.dataset.v1.tar",'
    b'"digest":"sha256:c35d18ab0fcd590f64bfa93826504f07e4a99903ff4936bed5c3b9d07bb1dec8","size":2560},'
    b'{"mediaType":"application/vnd.kitops.modelkit.docs.v1.tar",'
    b'"digest":"sha256:a66c9d2fdc7addf19459e9e038c05238b009d8b612c4458a523ed9154ffe7d57","size":2048}],'
    b'"annotations":{"ml.kitops.modelkit.cli-version":"1.7.0-19-ga041892"}}'
)
DIGEST = "sha256:" + KIT17_DIGEST

KIT_LIST = (
    "REPOSITORY   TAG      MAINTAINER   NAME   SIZE      DIGEST\n"
    f"<none>       <none>   Jane Doe     demo   4.5 KiB   {DIGEST}\n"
    f"demo/one     v1       Jane Doe     demo   4.5 KiB   {DIGEST}\n"
    f"demo/one     v2       Jane Doe     demo   4.5 KiB   {DIGEST}\n"
    f"other        x        Jane Doe     demo   4.5 KiB   {DIGEST}\n"
)


def _json_entry(repo: str, tags: list[str] | None) -> str:
    tag_text = "null" if tags is None else "[\n" + ",\n".join(f'      "{t}"' for t in tags) + "\n    ]"
    return (
        f'  {{\n    "repo": "{repo}",\n    "digest": "{DIGEST}",\n    "tags": {tag_text},\n'
        '    "modelName": "demo",\n    "size": "4.5 KiB",\n    "author": "Jane Doe"\n  }'
    )


KIT_LIST_JSON = (
    "[\n"
    + ",\n".join(
        [
            _json_entry("\\u003cnone\\u003e", None),
            _json_entry("demo/one", ["v1", "v2"]),
            _json_entry("other", ["x"]),
        ]
    )
    + "\n]\n"
)

KIT_DIFF = """Comparing:
  ModelKit1: localhost/demo/one:v1
  ModelKit2: localhost/demo/two:v1

Configurations:
---------------------------------------
Configs differ:
  ModelKit1 Config Digest: sha256:630aafdb71
  ModelKit2 Config Digest: sha256:8cf05633e1

Annotations:
---------------------------------------
  Annotations are identical{TRAILING}

Shared Layers
---------------------------------------
Type    | Digest             | Size
Model   | sha256:88a9758bc0  | 2.0 KiB

Unique Layers to ModelKit1 (localhost/demo/one:v1)
---------------------------------------
Type    | Digest             | Size
Dataset | sha256:eb82ac4430  | 2.5 KiB

Unique Layers to ModelKit2 (localhost/demo/two:v1)
---------------------------------------
Type    | Digest             | Size
Dataset | sha256:c35d18ab0f  | 2.5 KiB
Docs    | sha256:a66c9d2fdc  | 2.0 KiB

""".format(TRAILING=" ")  # kit prints a trailing space there


@dataclass
class _Package:
    name: str = ""
    authors: list[str] = field(default_factory=list)


@dataclass
class _Kitfile:
    """Just the fields the list row reads; stands in for kitfile.Kitfile."""

    package: _Package


def stand_in(name: str, authors: list[str]) -> Kitfile:
    return cast("Kitfile", _Kitfile(_Package(name, authors)))


def kit17_infos() -> list[listing.ModelInfo]:
    manifest = Manifest.parse(KIT17_MANIFEST, "kit")
    kitfile = stand_in("demo", ["Jane Doe"])
    rows = [("<none>", []), ("demo/one", ["v1", "v2"]), ("other", ["x"])]
    return [listing.model_info(repo, DIGEST, tags, manifest, kitfile) for repo, tags in rows]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1535, "1.4 KiB"),
        (1536, "1.5 KiB"),
        (4608, "4.5 KiB"),
        ((1 << 20) - 1, "1023.9 KiB"),  # floored, never "1024.0 KiB"
        (1 << 20, "1.0 MiB"),
        (int(2.99 * (1 << 30)), "2.9 GiB"),
        (5 << 40, "5.0 TiB"),
        (3 << 50, "3.0 PiB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert listing.format_size(size) == text


def test_list_table_matches_kit() -> None:
    assert listing.list_table(kit17_infos()) == KIT_LIST


def test_list_json_matches_kit() -> None:
    assert listing.list_json(kit17_infos()) == KIT_LIST_JSON
    assert listing.list_json([]) == "[]\n"


def test_list_table_empty_and_placeholders() -> None:
    assert listing.list_table([]) == "REPOSITORY   TAG   MAINTAINER   NAME   SIZE   DIGEST\n"
    info = listing.model_info("r", DIGEST, [], None, None)
    assert (info.model_name, info.author, info.size, info.rows()[0][1]) == (
        "<none>",
        "<none>",
        "0 B",
        "<none>",
    )
    assert listing.model_info("r", DIGEST, [], None, stand_in("", [])).model_name == "<none>"


def test_go_indent_matches_kit_inspect_layout() -> None:
    compact = (
        (b'{"digest":"' + DIGEST.encode() + b'","cliVersion":"1.7.0-19-ga041892","kitfile":' + KIT17_CONFIG)
        + b',"manifest":'
        + KIT17_MANIFEST
        + b"}"
    )
    text = listing.go_indent(compact.decode())
    assert json.loads(text) == json.loads(compact)
    assert text.startswith('{\n  "digest": "sha256:f5adfad2')
    assert (
        '    "package": {\n      "name": "demo",\n      "authors": [\n        "Jane Doe"\n      ]\n    },'
        in text
    )
    assert text.endswith('"ml.kitops.modelkit.cli-version": "1.7.0-19-ga041892"\n    }\n  }\n}')
    assert json.dumps(json.loads(compact), indent=2) == text  # ASCII-only data: same as Python's indent


@pytest.mark.parametrize(
    ("compact", "indented"),
    [
        ("[]", "[]"),
        ("{}", "{}"),
        ('{"a":[],"b":{},"c":[1,{}]}', '{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    {}\n  ]\n}'),
        ('["a\\"b,:{[","\\\\"]', '[\n  "a\\"b,:{[",\n  "\\\\"\n]'),
        ('{"x":null}', '{\n  "x": null\n}'),
    ],
)
def test_go_indent_edge_cases(compact: str, indented: str) -> None:
    assert listing.go_indent(compact) == indented


def test_diff_matches_kit() -> None:
    one = Manifest.parse(KIT17_MANIFEST, "one")
    two = Manifest.parse(KIT17_MANIFEST_TWO, "two")
    diff = listing.diff_manifests(one, two)
    assert not diff.identical and not diff.same_config and diff.annotations_match
    assert listing.format_diff(diff, "localhost/demo/one:v1", "localhost/demo/two:v1") == KIT_DIFF


def test_diff_identical_and_annotation_changes() -> None:
    one = Manifest.parse(KIT17_MANIFEST, "one")
    assert listing.format_diff(listing.diff_manifests(one, one), "a", "b") == "ModelKits are identical\n"
    other = Manifest(
        one.config, one.layers[::-1], annotations={"ml.kitops.modelkit.cli-version": "2", "x": "y"}
    )
    diff = listing.diff_manifests(one, other)
    assert diff.same_config and not diff.identical
    assert diff.annotation_changes == {
        "ml.kitops.modelkit.cli-version": ("1.7.0-19-ga041892", "2"),
        "x": (None, "y"),
    }
    assert [d.digest for d in diff.shared] == [one.layers[1].digest, one.layers[0].digest]  # by media type
    assert diff.only_a == [] and diff.only_b == []
    text = listing.format_diff(diff, "a", "b")
    assert "  Configs are identical (Digest: sha256:630aafdb71)\n\n" in text
    assert "  Annotations does not match\n\n" in text
    assert "Unique Layers to ModelKit1 (a)\n---------------------------------------\n<none>\n\n" in text


def test_diff_unknown_media_type_row() -> None:
    config = Descriptor("c", "sha256:" + "0" * 64, 1)
    odd = Manifest(config, [Descriptor("application/octet-stream", "sha256:" + "1" * 64, 10)])
    text = listing.format_diff(listing.diff_manifests(odd, Manifest(config, [])), "a", "b")
    assert "        | sha256:1111111111  | 10 B\n" in text


# -- with the real Kitfile module -------------------------------------------


def _kitfile_module() -> Any:
    from kitops_jupyter.core import kitfile

    return kitfile


def test_inspect_json_matches_kit() -> None:
    kitfile = _kitfile_module().parse_config_json(KIT17_CONFIG, "config")
    text = listing.inspect_json(DIGEST, Manifest.parse(KIT17_MANIFEST, "kit"), kitfile)
    compact = (
        (b'{"digest":"' + DIGEST.encode() + b'","cliVersion":"1.7.0-19-ga041892","kitfile":' + KIT17_CONFIG)
        + b',"manifest":'
        + KIT17_MANIFEST
        + b"}"
    )
    assert text == listing.go_indent(compact.decode()) + "\n"


def test_info_yaml_matches_kit() -> None:
    kitfile = _kitfile_module().parse_config_json(KIT17_CONFIG, "config")
    assert listing.info_yaml(kitfile) == (
        "manifestVersion: 1.0.0\npackage:\n  name: demo\n  authors: [Jane Doe]\nmodel:\n  name: m\n"
        "  path: model.bin\ndatasets:\n  - name: d\n    path: data/x.csv\n"
    )


def test_list_local_reads_the_store(tmp_path: Path) -> None:
    _kitfile_module()
    store = LocalStore(tmp_path / "home")
    kit = make_kit(store, "localhost/org/m", ["v1"], [b"x" * 2000], name="pyk", author="Ann")
    make_kit(store, "localhost/_", [], [b"y"], name="", author="")
    infos = listing.list_local(store)
    assert [(i.repo, i.tags, i.model_name, i.author) for i in infos] == [
        ("<none>", [], "<none>", "<none>"),
        ("org/m", ["v1"], "pyk", "Ann"),
    ]
    assert infos[1].digest == kit.digest and infos[1].size == "1.9 KiB"


# -- kit's output for the golden store (tests/golden/kit_golden.json) -------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "kit_golden.json"


def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


def _golden_store(tmp_path: Path, golden: dict[str, Any], *, removed: bool) -> LocalStore:
    """The store kit listed: titanic as golden/case:v1,v2,v3 and other/repo:latest, sizes untagged."""
    store = LocalStore(tmp_path / "home")
    titanic = _place_kit_blobs(store, golden["cases"]["titanic"])
    store.put_manifest("localhost/localhost/golden/case", titanic, ["v1", "v2", "v3"])
    store.tag(ref("localhost/golden/case:v1"), ref("other/repo:latest"))
    store.put_manifest("localhost/_", _place_kit_blobs(store, golden["cases"]["sizes"]), [])
    if removed:
        store.remove(ref("localhost/golden/case:v2"))
        store.remove(ref("other/repo:latest"))
    return store


def _infos(store: LocalStore) -> list[listing.ModelInfo]:
    infos = []
    for entry in store.entries():
        manifest = store.read_manifest(entry.descriptor.digest)
        package = json.loads(store.read_blob(manifest.config.digest)).get("package", {})
        kitfile = stand_in(package.get("name", ""), package.get("authors", []))
        infos.append(
            listing.model_info(entry.display_repo, entry.descriptor.digest, entry.tags, manifest, kitfile)
        )
    return infos


def test_golden_list(tmp_path: Path) -> None:
    golden = _golden()
    store = _golden_store(tmp_path, golden, removed=False)
    infos = _infos(store)
    assert listing.list_table(infos) == golden["storage"]["outputs"]["list"]["stdout"]
    assert listing.list_json(infos) == golden["storage"]["outputs"]["list_json"]["stdout"]
    assert listing.list_local(store) == infos


def test_golden_list_after_remove(tmp_path: Path) -> None:
    golden = _golden()
    infos = _infos(_golden_store(tmp_path / "after", golden, removed=True))
    assert listing.list_table(infos) == golden["storage"]["outputs"]["list_after_remove"]["stdout"]


def test_golden_inspect_layout() -> None:
    golden = _golden()
    titanic = golden["cases"]["titanic"]
    compact = (
        f'{{"digest":"{titanic["manifest_digest"]}","cliVersion":"1.7.0-19-ga041892",'
        f'"kitfile":{titanic["config"]},"manifest":{titanic["manifest"]}}}'
    )
    assert listing.go_indent(compact) + "\n" == golden["storage"]["outputs"]["inspect"]["stdout"]


def test_golden_inspect_and_info_with_kitfile() -> None:
    kitfile_module = _kitfile_module()
    golden = _golden()
    titanic = golden["cases"]["titanic"]
    kitfile = kitfile_module.parse_config_json(titanic["config"].encode(), "config")
    manifest = Manifest.parse(titanic["manifest"].encode(), "manifest")
    outputs = golden["storage"]["outputs"]
    assert listing.inspect_json(titanic["manifest_digest"], manifest, kitfile) == outputs["inspect"]["stdout"]
    assert listing.info_yaml(kitfile) == outputs["info"]["stdout"]
