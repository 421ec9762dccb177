"""Rebuild tests/golden/kit_*.json from a real ``kit`` binary.

Usage (from the repository root)::

    KITOPS_TEST_KIT=/path/to/kit .venv/bin/python scripts/golden/make_golden.py [--out DIR] [--big]

Writes ``kit_golden.json``, ``kit_random_layouts.json`` and ``kit_init_layouts.json`` into ``--out``
(default ``tests/golden``; use a scratch directory and ``diff`` to check a kit against the committed
files). The recorded data came from kit 1.7.0-19-ga041892 (see ``_about`` in kit_golden.json for the
exact build); another kit version gives other digests and messages.

Every kit run gets a fresh ``KITOPS_HOME`` (passed as ``--config`` too), ``SOURCE_DATE_EPOCH=1700000000``,
``TZ=UTC`` and umask 022; temporary paths in outputs become ``<TMP>``. The 8 GiB sparse case
``big_sparse`` takes minutes and writes 8 GiB into the store, so its recorded entry is kept unless
``--big`` is given.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.golden.cases import CASES, build_case, case_files  # noqa: E402
from tests.golden.livekit import ENV_VAR, LiveKit, blob, saved_digest  # noqa: E402

TAR_B64_LIMIT = 64 * 1024
BIG_CASES = {"big_sparse"}


def members(path: Path) -> list[dict[str, Any]]:
    out = []
    with tarfile.open(path, "r:") as tf:
        for m in tf:
            row: dict[str, Any] = {
                "name": m.name,
                "type": m.type.decode(),
                "mode": oct(m.mode),
                "size": m.size,
                "uid": m.uid,
                "gid": m.gid,
                "mtime": m.mtime,
            }
            if m.linkname:
                row["linkname"] = m.linkname
            if m.pax_headers:
                row["pax"] = dict(m.pax_headers)
            out.append(row)
    return out


def headers(path: Path) -> list[dict[str, Any]]:
    """Raw USTAR name/prefix/size fields of every header block (data blocks are skipped)."""
    rows = []
    with open(path, "rb") as f:
        offset = 0
        while True:
            block = f.read(512)
            if len(block) < 512 or block == b"\0" * 512:
                break
            size = tarfile.nti(block[124:136])
            rows.append({
                "offset": offset,
                "typeflag": block[156:157].decode("latin-1"),
                "name_field": block[0:100].rstrip(b"\0").decode("utf-8", "replace"),
                "prefix_field": block[345:500].rstrip(b"\0").decode("utf-8", "replace"),
                "size_field": block[124:136].decode("latin-1"),
            })  # fmt: skip
            skip = (size + 511) // 512 * 512
            f.seek(skip, 1)
            offset += 512 + skip
    return rows


def layer_record(home: Path, desc: dict[str, Any], big: bool) -> dict[str, Any]:
    path = home / "storage" / "blobs" / "sha256" / desc["digest"].split(":", 1)[1]
    annotations = desc.get("annotations")
    row: dict[str, Any] = {
        "mediaType": desc["mediaType"],
        "digest": desc["digest"],
        "size": desc["size"],
        "annotations": annotations,
        "filepath_annotation": (annotations or {}).get("org.cncf.model.filepath"),
        "members": members(path),
        "headers": headers(path),
    }
    if desc["size"] <= TAR_B64_LIMIT and not big:
        row["tar_b64"] = base64.b64encode(path.read_bytes()).decode()
    return row


def pack_case(kit: LiveKit, name: str, work: Path, old: dict[str, Any] | None) -> dict[str, Any]:
    case = CASES[name]
    big = name in BIG_CASES
    base = work / name
    ctx = base / "ctx" / name
    build_case(name, ctx)
    home = base / "home"
    rec: dict[str, Any] = {"note": case.note, "expect_error": case.expect_error}
    argv = ["kit", "pack", name, "-t", f"golden/{name}:v1", "--progress", "none"]
    rec["pack"] = kit.run(argv, home, ctx.parent)
    if rec["pack"]["rc"] != 0:
        return rec
    if big and old is not None:
        rec["pack_seconds_approx"] = old.get("pack_seconds_approx")
    digest = saved_digest(rec["pack"]["stdout"])
    manifest_text = blob(home, digest).decode()
    manifest = json.loads(manifest_text)
    rec["manifest_digest"] = digest
    rec["manifest"] = manifest_text
    rec["config_digest"] = manifest["config"]["digest"]
    rec["config"] = blob(home, manifest["config"]["digest"]).decode()
    rec["layers"] = [layer_record(home, d, big) for d in manifest.get("layers") or []]
    if big:
        first = (
            (home / "storage" / "blobs" / "sha256" / manifest["layers"][0]["digest"][7:])
            .open("rb")
            .read(1536)
        )
        rec["first_1536_bytes_hex"] = first.hex()
    out = base / "unpacked"
    unpack = kit.run(
        ["kit", "unpack", f"golden/{name}:v1", "-d", str(out), "--filter", "kitfile"], home, base
    )
    rec["unpack_kitfile"] = (out / "Kitfile").read_text() if unpack["rc"] == 0 else unpack
    if not big:
        rec["gzip"] = gzip_pack(kit, name, base, [d["digest"] for d in manifest.get("layers") or []])
    shutil.rmtree(base)
    return rec


def gzip_pack(kit: LiveKit, name: str, base: Path, plain_digests: list[str]) -> dict[str, Any]:
    home = base / "home-gzip"
    argv = ["kit", "pack", name, "-t", f"golden/{name}:v1", "--progress", "none", "--compression", "gzip"]
    res = kit.run(argv, home, base / "ctx")
    manifest_text = blob(home, saved_digest(res["stdout"])).decode()
    manifest = json.loads(manifest_text)
    config_text = blob(home, manifest["config"]["digest"]).decode()
    config = json.loads(config_text)
    diff_ids = [x["diffId"] for x in _config_layers(config)]
    return {
        "manifest": manifest_text,
        "config": config_text,
        "layers": [{k: d[k] for k in ("mediaType", "digest", "size")} for d in manifest.get("layers") or []],
        "diffIds": diff_ids,
        "diffIds_equal_uncompressed_digests": diff_ids == plain_digests,
    }


def _config_layers(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Layer entries of a v1.7 config in pack order (model, code, datasets, docs)."""
    rows: list[dict[str, Any]] = []
    model = config.get("model")
    if model:
        rows += [model] if model.get("diffId") else []
        rows += model.get("parts") or []
    for key in ("code", "datasets", "docs"):
        rows += config.get(key) or []
    return [r for r in rows if r.get("diffId")]


def storage_files(home: Path) -> dict[str, str]:
    storage = home / "storage"
    return {p.name: p.read_text() for p in sorted(storage.iterdir()) if p.is_file()}


STORAGE_STEPS = [
    (
        "pack titanic with two tags",
        ["kit", "pack", "titanic", "-t", "localhost/golden/case:v1,v2", "--progress", "none"],
    ),
    (
        "tag within the same repository",
        ["kit", "tag", "localhost/golden/case:v1", "localhost/golden/case:v3"],
    ),
    ("tag into another repository", ["kit", "tag", "localhost/golden/case:v1", "other/repo:latest"]),
    ("pack sizes without a tag", ["kit", "pack", "sizes", "--progress", "none"]),
    ("remove one tag", ["kit", "remove", "localhost/golden/case:v2"]),
    ("remove repository entry from other/repo", ["kit", "remove", "other/repo:latest"]),
]


def storage_section(kit: LiveKit, work: Path, old: dict[str, Any]) -> dict[str, Any]:
    base = work / "storage"
    for name in ("titanic", "sizes"):
        build_case(name, base / name)
    home = base / "home"
    steps = []
    outputs: dict[str, Any] = {}
    for label, argv in STORAGE_STEPS:
        if label == "remove one tag":
            for key, out_argv in _outputs_argv(old).items():
                if key != "list_after_remove":
                    outputs[key] = {"argv": out_argv, **kit.run(out_argv, home, base)}
        steps.append(
            {"label": label, "argv": argv, **kit.run(argv, home, base), "storage_files": storage_files(home)}
        )
    outputs["list_after_remove"] = kit.run(["kit", "list"], home, base)
    shutil.rmtree(base)
    return {"note": old["note"], "steps": steps, "outputs": outputs}


def _outputs_argv(old: dict[str, Any]) -> dict[str, list[str]]:
    return {k: v["argv"] for k, v in old["outputs"].items() if "argv" in v}


def repos(home: Path) -> dict[str, list[str]]:
    out = {}
    for p in sorted((home / "storage").glob("*-tags.json")):
        key = base64.b64decode(p.name[: -len("-tags.json")]).decode()
        out[key] = list(json.loads(p.read_text()))
    return dict(sorted(out.items()))


def references_section(kit: LiveKit, work: Path, old: dict[str, Any]) -> dict[str, Any]:
    base = work / "refs"
    build_case("titanic", base / "titanic")
    seed = base / "seed"
    kit.run(["kit", "pack", "titanic", "-t", "src/model:v1", "--progress", "none"], seed, base)
    rows = []
    for row in old["rows"]:
        home = base / "home"
        shutil.copytree(seed, home, symlinks=True)
        res = kit.run(["kit", "tag", "src/model:v1", row["ref"]], home, base)
        rows.append({"ref": row["ref"], **res, "repos_after": repos(home)})
        shutil.rmtree(home)
    shutil.rmtree(base)
    return {"note": old["note"], "rows": rows}


def init_case(kit: LiveKit, name: str, work: Path, old: dict[str, Any]) -> dict[str, Any]:
    case_name = name.split("@")[0]
    base = work / "init" / name.replace("@", "_")
    ctx = base / "ctx"
    build_case(case_name, ctx)
    rec: dict[str, Any] = {"note": old["note"], "argv": old["argv"], "cwd": old["cwd"]}
    if "files" in old:
        rec["files"] = [[p, kind, oct(mode), size] for p, kind, mode, size in case_files(case_name)]
    cwd = ctx if old["cwd"] == "<case dir>" else base
    rec.update(kit.run(old["argv"], base / "home", cwd))
    kitfile = ctx / "Kitfile"
    rec["kitfile"] = kitfile.read_text() if kitfile.exists() else None
    shutil.rmtree(base)
    return rec


def random_layouts(kit: LiveKit, work: Path) -> dict[str, list[str]]:
    from tests.test_layerwrite import random_layout

    digests: dict[str, list[str]] = {}
    for seed in range(40):
        base = work / f"fuzz{seed}"
        random_layout(base / "ctx", seed)
        home = base / "home"
        res = kit.run(["kit", "pack", "ctx", "--progress", "none"], home, base)
        if res["rc"] != 0:
            raise SystemExit(f"seed {seed}: kit pack failed: {res['stderr']}")
        config = json.loads(
            blob(home, json.loads(blob(home, saved_digest(res["stdout"])))["config"]["digest"])
        )
        digests[str(seed)] = [c["digest"] for c in config["code"]]
        shutil.rmtree(base)
    return digests


def init_layouts(kit: LiveKit, work: Path) -> dict[str, str]:
    from tests.test_generate import LIVE_LAYOUTS, build

    out = {}
    for name in sorted(LIVE_LAYOUTS):
        base = work / f"layout-{name}"
        ctx = build(base / "ctx", LIVE_LAYOUTS[name])
        argv = ["kit", "init", ".", "--name", "live", "--desc", "kit init check", "--author", "tester"]
        res = kit.run(argv, base / "home", ctx)
        if res["rc"] != 0:
            raise SystemExit(f"layout {name}: kit init failed: {res['stderr']}")
        out[name] = (ctx / "Kitfile").read_text()
        shutil.rmtree(base)
    return out


def dump(path: Path, data: Any, *, small: bool = False) -> None:
    """The committed formatting: the two small files are ASCII-escaped without a final newline."""
    text = json.dumps(data, indent=1, ensure_ascii=small)
    path.write_text(text if small else text + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "golden")
    parser.add_argument("--big", action="store_true", help="re-pack the 8 GiB big_sparse case")
    parser.add_argument("--kit", default=os.environ.get(ENV_VAR), help="default: $KITOPS_TEST_KIT")
    args = parser.parse_args()
    if not args.kit:
        parser.error("set KITOPS_TEST_KIT (or --kit) to a kit binary")
    golden_dir = ROOT / "tests" / "golden"
    old = json.loads((golden_dir / "kit_golden.json").read_text())
    old_random = json.loads((golden_dir / "kit_random_layouts.json").read_text())
    old_init = json.loads((golden_dir / "kit_init_layouts.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        work = Path(tmp)
        kit = LiveKit(args.kit, work)
        version = subprocess.run([args.kit, "version"], capture_output=True, text=True, check=True).stdout
        about = dict(old["_about"])
        if version != about["kit_version_output"]:
            print(f"note: this kit is not the recorded one:\n{version}", file=sys.stderr)
            about["kit_version_output"] = version
        about["generated_by"] = "scripts/golden/make_golden.py"
        cases = {}
        for name in CASES:
            if name in BIG_CASES and not args.big:
                cases[name] = old["cases"][name]
                continue
            print(f"pack {name}", file=sys.stderr)
            cases[name] = pack_case(kit, name, work, old["cases"].get(name))
        golden = {
            "_about": about,
            "cases": cases,
            "storage": storage_section(kit, work, old["storage"]),
            "references": references_section(kit, work, old["references"]),
            "init_cases": {n: init_case(kit, n, work, old["init_cases"][n]) for n in old["init_cases"]},
        }
        dump(args.out / "kit_golden.json", golden)
        dump(
            args.out / "kit_random_layouts.json",
            {"_about": old_random["_about"], "digests": random_layouts(kit, work)},
            small=True,
        )
        dump(
            args.out / "kit_init_layouts.json",
            {"_about": old_init["_about"], "layouts": init_layouts(kit, work)},
            small=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
