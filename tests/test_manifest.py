"""Descriptor/Manifest encoding (byte-exact with kit), parsing, kind, and the created timestamp."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.manifest import Descriptor, Manifest, build_manifest, created_timestamp
from kitops_jupyter.errors import InvalidArgument, StoreError

# Written by kit 1.7.0-19-ga041892 (`kit pack`, model + dataset); its sha256 is the manifest digest.
KIT17_MANIFEST = (
    b'{"schemaVersion":2,"config":{"mediaType":"application/vnd.kitops.modelkit.config.v1+json",'
    b'"digest":"sha256:630aafdb717e46917378ab4bb31b94194aaabc1bcb387191ea699fe97632cb63","size":494},'
    b'"layers":[{"mediaType":"application/vnd.kitops.modelkit.model.v1.tar",'
    b'"digest":"sha256:88a9758bc05a8703be0d507f1baf709f8644c92b1225415d78c570b5e0ff368a","size":2048},'
    b'{"mediaType":"application/vnd.kitops.modelkit.dataset.v1.tar",'
    b'"digest":"sha256:eb82ac4430b94a2722efdf114abcea2e2d730362f7a100b7d3348c7cdf94a418","size":2560}],'
    b'"annotations":{"ml.kitops.modelkit.cli-version":"1.7.0-19-ga041892"}}'
)
KIT17_DIGEST = "f5adfad288ec6c44b98adee71c76efd1e595cfb138d0692a8210342a11e1b03e"

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64


def test_kit_manifest_round_trips_byte_exact() -> None:
    assert hashlib.sha256(KIT17_MANIFEST).hexdigest() == KIT17_DIGEST
    manifest = Manifest.parse(KIT17_MANIFEST, "kit manifest")
    assert manifest.encode() == KIT17_MANIFEST
    assert manifest.kind == "kit"
    assert manifest.media_type is None and manifest.artifact_type is None
    assert manifest.cli_version == "1.7.0-19-ga041892"
    assert [layer.size for layer in manifest.layers] == [2048, 2560]


def test_newest_layout_exact_bytes() -> None:
    config = Descriptor(mediatypes.KIT_CONFIG, A, 498)
    layer = Descriptor(
        mediatypes.layer_media_type("model", "none"), B, 10752, {mediatypes.ANNOTATION_FILEPATH: "m.bin"}
    )
    manifest = build_manifest(config, [layer], "1.15.0", "2026-06-30T12:00:00Z")
    expected = (
        '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
        '"artifactType":"application/vnd.kitops.modelkit.manifest.v1+json",'
        f'"config":{{"mediaType":"application/vnd.kitops.modelkit.config.v1+json","digest":"{A}","size":498}},'
        f'"layers":[{{"mediaType":"application/vnd.kitops.modelkit.model.v1.tar","digest":"{B}","size":10752,'
        '"annotations":{"org.cncf.model.filepath":"m.bin"}}],'
        '"annotations":{"ml.kitops.modelkit.cli-version":"1.15.0","org.opencontainers.image.created":"2026-06-30T12:00:00Z"}}'
    )
    assert manifest.encode() == expected.encode()
    assert Manifest.parse(manifest.encode(), "x") == manifest


def test_empty_layers_newest_is_list_old_null_is_kept() -> None:
    config = Descriptor(mediatypes.KIT_CONFIG, A, 1)
    assert b'"layers":[]' in build_manifest(config, [], "1", None).encode()
    old = f'{{"schemaVersion":2,"config":{{"mediaType":"{mediatypes.KIT_CONFIG}","digest":"{A}","size":1}},"layers":null}}'
    parsed = Manifest.parse(old.encode(), "old")
    assert parsed.layers == [] and parsed.encode() == old.encode()
    assert (parsed.created, parsed.cli_version) == ("", "unknown")  # no annotations at all


def test_build_manifest_without_created() -> None:
    manifest = build_manifest(Descriptor(mediatypes.KIT_CONFIG, A, 1), [], "0.1.0", None)
    assert manifest.annotations == {mediatypes.ANNOTATION_CLI_VERSION: "0.1.0"}
    assert (manifest.created, manifest.cli_version) == ("", "0.1.0")
    assert manifest.kind == "kit"


def test_annotation_maps_are_key_sorted() -> None:
    desc = Descriptor("t", A, 1, {"z": "1", "a": "2", "B": "3"})
    assert (
        desc.encode()
        == f'{{"mediaType":"t","digest":"{A}","size":1,"annotations":{{"B":"3","a":"2","z":"1"}}}}'.encode()
    )
    manifest = Manifest(Descriptor("c", A, 1), [], annotations={"y": "1", "x": "<&>"})
    assert manifest.encode().endswith(b'"annotations":{"x":"\\u003c\\u0026\\u003e","y":"1"}}')


def test_descriptor_go_field_order_and_omitempty() -> None:
    full = Descriptor(
        "t",
        A,
        5,
        {"k": "v"},
        urls=("http://u",),
        data="aGk=",
        platform={"os": "linux", "architecture": "amd64"},
        artifact_type="at",
    )
    expected = (
        f'{{"mediaType":"t","digest":"{A}","size":5,"urls":["http://u"],"annotations":{{"k":"v"}},'
        '"data":"aGk=","platform":{"architecture":"amd64","os":"linux"},"artifactType":"at"}'
    )
    assert full.encode() == expected.encode()
    assert Descriptor.from_json_obj(full.to_json_obj()) == full
    assert Descriptor("t", A, 0, {}).encode() == f'{{"mediaType":"t","digest":"{A}","size":0}}'.encode()
    assert full.plain() == Descriptor("t", A, 5)
    assert len({full, full.plain(), Descriptor("t", A, 5)}) == 2  # hashable despite its dicts


def test_subject_is_kept() -> None:
    manifest = Manifest(Descriptor("c", A, 1), [Descriptor("l", B, 2)], subject=Descriptor("s", C, 3))
    assert (
        b'"layers":[{"mediaType":"l","digest":"' + B.encode() + b'","size":2}],"subject":{'
        in manifest.encode()
    )
    assert Manifest.parse(manifest.encode(), "x") == manifest


@pytest.mark.parametrize(
    ("artifact_type", "config_type", "kind"),
    [
        (None, mediatypes.KIT_CONFIG, "kit"),
        (mediatypes.KIT_ARTIFACT, "application/octet-stream", "kit"),
        (mediatypes.MODELPACK_ARTIFACT, "application/vnd.oci.empty.v1+json", "modelpack"),
        (None, mediatypes.MODELPACK_CONFIG, "modelpack"),
        (None, "application/vnd.oci.image.config.v1+json", None),
        ("application/vnd.other", "application/vnd.other.config", None),
    ],
)
def test_kind(artifact_type: str | None, config_type: str, kind: str | None) -> None:
    assert Manifest(Descriptor(config_type, A, 1), [], artifact_type=artifact_type).kind == kind


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"{not json", "not valid manifest JSON"),
        (b"\xff\xfe", "not valid manifest JSON"),
        (b"[]", "must be a JSON object"),
        (b'{"schemaVersion":1}', "schemaVersion 1"),
        (b'{"schemaVersion":2}', "no 'config'"),
        (b'{"schemaVersion":2,"config":{"mediaType":"c","digest":"sha256:12","size":1}}', "'digest'"),
        (f'{{"schemaVersion":2,"config":{{"digest":"{A}","size":-1}}}}'.encode(), "'size'"),
        (f'{{"schemaVersion":2,"config":{{"digest":"{A}","size":true}}}}'.encode(), "'size'"),
        (
            f'{{"schemaVersion":2,"config":{{"digest":"{A}","size":1}},"layers":{{}}}}'.encode(),
            "'layers' must be a list",
        ),
        (f'{{"schemaVersion":2,"config":{{"digest":"{A}","size":1}},"layers":[1]}}'.encode(), "layers[0]"),
        (
            f'{{"schemaVersion":2,"config":{{"digest":"{A}","size":1}},"annotations":{{"a":1}}}}'.encode(),
            "annotations",
        ),
        (f'{{"schemaVersion":2,"mediaType":5,"config":{{"digest":"{A}","size":1}}}}'.encode(), "'mediaType'"),
    ],
)
def test_parse_rejects_bad_shapes_naming_the_source(data: bytes, needle: str) -> None:
    with pytest.raises(StoreError) as info:
        Manifest.parse(data, "manifest sha256:feed")
    assert needle in str(info.value)
    assert str(info.value).startswith("manifest sha256:feed")


def test_created_timestamp_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1782820800")
    assert created_timestamp() == "2026-06-30T12:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert created_timestamp() == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize("value", ["soon", "1.5", "1e9", " ", " 5", "1_000", "99999999999999999999"])
def test_created_timestamp_rejects_non_integers(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(InvalidArgument, match="integer number of seconds"):
        created_timestamp()


def test_created_timestamp_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    stamp = created_timestamp()
    assert len(stamp) == 20 and stamp.endswith("Z") and stamp[10] == "T"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")  # empty counts as unset
    assert created_timestamp().endswith("Z")


# -- every manifest kit wrote for the golden cases (tests/golden/kit_golden.json) ------------------------

GOLDEN = Path(__file__).parent / "golden" / "kit_golden.json"


def _golden_manifests() -> list[tuple[str, str, str]]:
    cases = json.loads(GOLDEN.read_text())["cases"]
    found = []
    for name, case in cases.items():
        for variant, data in (("none", case), ("gzip", case.get("gzip") or {})):
            if "manifest" in data:
                found.append((f"{name}/{variant}", data["manifest"], data.get("manifest_digest", "")))
    return found


@pytest.mark.parametrize(("name", "text", "digest"), _golden_manifests(), ids=lambda v: str(v)[:40])
def test_golden_manifests_round_trip(name: str, text: str, digest: str) -> None:
    data = text.encode("utf-8")
    manifest = Manifest.parse(data, name)
    assert manifest.encode() == data
    assert manifest.kind == "kit"
    if digest:
        assert "sha256:" + hashlib.sha256(data).hexdigest() == digest
