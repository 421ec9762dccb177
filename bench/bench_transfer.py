"""Push/pull throughput of kitops-jupyter against ``skopeo copy`` on a loopback docker-registry.

    .venv/bin/python bench/bench_transfer.py --size-mib 1024

Builds a ModelKit with one incompressible layer of ``--size-mib`` MiB in a temporary store, starts
``docker-registry`` on 127.0.0.1, and in the same run times:

- skopeo push  (``skopeo copy oci:<layout> docker://...``, the same blobs as an OCI layout)
- our push     (``push()`` in a fresh subprocess, peak RSS measured there)
- our re-push  (the unchanged ModelKit again: existence checks only)
- skopeo pull  (``skopeo copy docker://... oci:<dir>``)
- our pull     (``pull()`` into an empty store in a fresh subprocess)

and prints seconds, MiB/s, the ratio to skopeo (>1 means faster) and peak RSS.
Targets (issue 3): push >= 1.0x skopeo, pull >= 1.5x skopeo, peak RSS < 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kitops_jupyter.core import mediatypes  # noqa: E402
from kitops_jupyter.core.digest import hex_of  # noqa: E402
from kitops_jupyter.core.gojson import dumps  # noqa: E402
from kitops_jupyter.core.manifest import Descriptor, build_manifest  # noqa: E402
from kitops_jupyter.core.store import LocalStore  # noqa: E402
from tests.registry_fixtures import start_registry  # noqa: E402

MiB = 1 << 20
CHILD = """
import json, sys, time
from pathlib import Path
from kitops_jupyter.core.registry.client import RegistryOptions
from kitops_jupyter.core.registry.transfer import pull, push
from kitops_jupyter.core.store import LocalStore
args = json.loads(sys.argv[1])
options = RegistryOptions(concurrency=args["concurrency"])
start = time.perf_counter()
if args["verb"] == "push":
    push(LocalStore(Path(args["home"])), "bench/model:v1", args["ref"], options=options)
else:
    pull(LocalStore(Path(args["home"])), args["ref"], options=options)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds}))
"""


def build_modelkit(store: LocalStore, size: int) -> str:
    """One model layer (a tar holding ``size`` random bytes) + config + manifest; returns the digest."""
    import hashlib
    import tarfile

    tmp = store.ingest_dir() / "bench-layer"
    header = tarfile.TarInfo("model.bin")
    header.size, header.mode = size, 0o644
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for chunk in _tar_pieces(header, size):
            out.write(chunk)
            digest.update(chunk)
    layer_digest = "sha256:" + digest.hexdigest()
    layer_size = tmp.stat().st_size
    store.add_blob_file(tmp, layer_digest, verified=True)
    kitfile = {
        "manifestVersion": "1.0.0",
        "package": {"name": "bench"},
        "model": {"name": "bench", "path": "model.bin", "digest": layer_digest, "diffId": layer_digest},
    }
    config = dumps(kitfile)
    config_desc = Descriptor(mediatypes.KIT_CONFIG, store.write_blob(config), len(config))
    layer = Descriptor(mediatypes.layer_media_type("model", "none"), layer_digest, layer_size)
    manifest = build_manifest(config_desc, [layer], "bench", None)
    return store.put_manifest("localhost/bench/model", manifest.encode(), ["v1"]).digest


def _tar_pieces(header: object, size: int):  # type: ignore[no-untyped-def]
    import tarfile

    yield header.tobuf(format=tarfile.USTAR_FORMAT)  # type: ignore[attr-defined]
    left = size
    while left:
        piece = os.urandom(min(8 * MiB, left))
        left -= len(piece)
        yield piece
    yield b"\0" * ((-size) % 512) + b"\0" * 1024


def oci_layout(store: LocalStore, digest: str, directory: Path) -> None:
    """The ModelKit as an OCI layout for skopeo (blobs hard-linked, no copy)."""
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    manifest = store.read_manifest(digest)
    for desc in [*manifest.blob_descriptors()]:
        os.link(store.blob_path(desc.digest), blobs / hex_of(desc.digest))
    data = store.read_blob(digest)
    (blobs / hex_of(digest)).write_bytes(data)
    (directory / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    entry = {"mediaType": mediatypes.MANIFEST, "digest": digest, "size": len(data)}
    entry["annotations"] = {"org.opencontainers.image.ref.name": "v1"}  # type: ignore[assignment]
    (directory / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))


def measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run ``command``; seconds, peak RSS in bytes (the process's VmHWM, sampled until it exits), stdout."""
    import psutil

    os.sync()  # flush earlier steps' writes so each step is timed on its own
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _high_water(watched))
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{err}")
    return seconds, peak, out


def _high_water(proc: object) -> int:
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text()  # type: ignore[attr-defined]
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration, ValueError):
        try:
            return int(proc.memory_info().rss)  # type: ignore[attr-defined]
        except Exception:
            return 0


def run_skopeo(*args: str) -> tuple[float, float, int]:
    seconds, peak, _ = measured(["skopeo", "--insecure-policy", *args])
    return seconds, seconds, peak


def run_ours(verb: str, home: Path, ref: str, concurrency: int) -> tuple[float, float, int]:
    """Our push/pull in a fresh interpreter: seconds inside (imports excluded), wall seconds, peak RSS."""
    payload = json.dumps({"verb": verb, "home": str(home), "ref": ref, "concurrency": concurrency})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    wall, peak, out = measured([sys.executable, "-c", CHILD, payload], env)
    return float(json.loads(out.strip().splitlines()[-1])["seconds"]), wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024, help="layer size in MiB (default 1024)")
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None, help="where to put stores and the registry")
    args = parser.parse_args()
    if not shutil.which("skopeo"):
        raise SystemExit("skopeo is not installed: run scripts/setup")
    work = Path(tempfile.mkdtemp(prefix="kit-bench-", dir=args.workdir))
    try:
        bench(work, args.size_mib * MiB, args.concurrency)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(work: Path, size: int, concurrency: int) -> None:
    print(f"building a {size // MiB} MiB incompressible ModelKit in {work} ...", flush=True)
    src = LocalStore(work / "src")
    digest = build_modelkit(src, size)
    oci_layout(src, digest, work / "layout")
    server = start_registry(work / "registry")
    host = server.registry
    rows: list[tuple[str, float, float, int]] = []
    try:
        rows.append(
            (
                "skopeo push",
                *run_skopeo(
                    "copy",
                    "--dest-tls-verify=false",
                    f"oci:{work / 'layout'}:v1",
                    f"docker://{host}/bench/skopeo:v1",
                ),
            )
        )
        rows.append(("our push", *run_ours("push", work / "src", f"{host}/bench/ours:v1", concurrency)))
        rows.append(
            ("our re-push (unchanged)", *run_ours("push", work / "src", f"{host}/bench/ours:v1", concurrency))
        )
        rows.append(
            (
                "skopeo pull",
                *run_skopeo(
                    "copy",
                    "--src-tls-verify=false",
                    f"docker://{host}/bench/ours:v1",
                    f"oci:{work / 'skopeo-out'}:v1",
                ),
            )
        )
        rows.append(("our pull", *run_ours("pull", work / "dst", f"{host}/bench/ours:v1", concurrency)))
    finally:
        server.stop()
    report(rows, size)


def report(rows: list[tuple[str, float, float, int]], size: int) -> None:
    """``seconds`` is the transfer (our imports excluded); ``wall`` includes process start-up."""
    times = {name: seconds for name, seconds, _, _ in rows}
    baseline = {"our push": times["skopeo push"], "our pull": times["skopeo pull"]}
    print(f"\n{'operation':<26}{'seconds':>9}{'wall':>8}{'MiB/s':>8}{'vs skopeo':>11}{'peak RSS MB':>13}")
    for name, seconds, wall, rss in rows:
        ratio = f"{baseline[name] / seconds:.2f}x" if name in baseline else ""
        rate = f"{size / MiB / seconds:.0f}" if "re-push" not in name else "-"
        print(f"{name:<26}{seconds:>9.2f}{wall:>8.2f}{rate:>8}{ratio:>11}{rss / 1e6:>13.1f}")
    print("\ntargets: push >= 1.0x skopeo, pull >= 1.5x skopeo, peak RSS < 150 MB")


if __name__ == "__main__":
    main()
