"""Issue 10 in one command: our pack/push/pull beside ``kit`` (or skopeo), the layer cache, pack --push,
the first remote call in a fresh process, and a throttled single vs parallel ranged pull.

    KIT=/path/to/kit .venv/bin/python bench/bench_speed.py --size-mib 1024 --rounds 3
    .venv/bin/python bench/bench_speed.py --registry-binary /path/to/distribution-v3/registry

Every measured step is a fresh process (wall time and peak RSS, ``VmHWM``), run interleaved with its
baseline in each round; the table shows medians over ``--rounds``. With ``KIT`` set the baseline is the
real ``kit`` (pack none/gzip, push, re-push, pull, re-pack, first remote list); without it, skopeo for
push and pull. The registry is Debian's ``docker-registry`` on 127.0.0.1 unless ``--registry-binary``
names another distribution build. The throttled pull goes through ``throttle_proxy.py`` (40 MB/s per
connection, +20 ms each way) with one stream (``range_parts=1``) and with 8 ranges.

Targets: push <= 0.8x kit, pull <= 0.7x kit, peak RSS < 150 MB, re-pack unchanged <= 5% of the first
pack, pack --push <= 1.25x push alone, first remote call's imports < 0.2 s, ranged >= 3x single stream.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_transfer import measured, oci_layout  # noqa: E402
from throttle_proxy import ThrottleProxy  # noqa: E402

from kitops_jupyter.core.reference import parse_reference  # noqa: E402
from kitops_jupyter.core.store import LocalStore  # noqa: E402
from kitops_jupyter.devregistry import start_registry  # noqa: E402

MiB = 1 << 20
KITFILE = """manifestVersion: 1.0.0
package:
  name: bench
model:
  name: bench
  path: model.bin
datasets:
  - name: small
    path: data.csv
"""

# One child per measured step: imports are inside the timed process, as for a user.
CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
from kitops_jupyter import api
args = json.loads(sys.argv[1])
kit = api.Kit(home=args["home"], network=api.NetworkOptions(**args.get("network", {})))
imported = time.perf_counter() - t0
verb = args["verb"]


def run():
    if verb == "pack":
        kit.pack(args["context"], tag=args["ref"], compression=args["compression"], cache=args["cache"])
    elif verb == "packpush":
        kit.pack(args["context"], tag=args["ref"], push=True, cache=False)
    elif verb == "push":
        kit.push(args["ref"], args.get("to"))
    elif verb == "pull":
        kit.pull(args["ref"])
    elif verb == "list":
        assert kit.list_modelkits(args["ref"])


cpu0 = os.times()
run()
cpu1 = os.times()
timings = {"imported": imported, "seconds": time.perf_counter() - t0,
           "user": cpu1.user - cpu0.user, "sys": cpu1.system - cpu0.system}
if args.get("again"):  # the same call again, as in a kernel that made it before: no imports, no setup
    again = time.perf_counter()
    run()
    timings["again"] = time.perf_counter() - again
print(json.dumps(timings))
"""

# Another process writing a file as the registry writes an upload (32 KiB pieces): measures what
# writing beside another writer costs on this machine, the cost pack --push pays and a push does not.
WRITER = r"""
import sys
piece, left = bytes(32 << 10), int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    while left > 0:
        left -= f.write(piece[:left])
"""


# Children import the package from bytecode compiled once beforehand (compile_package), as from an
# installed wheel (pip compiles it at install time), not from sources recompiled on every start.
PYCACHE: Path | None = None
REGISTRY_PID = 0  # the registry's CPU seconds per step show how much of a transfer is its own work


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    if PYCACHE is not None:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def compile_package(cache: Path) -> None:
    global PYCACHE
    PYCACHE = cache
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "kitops_jupyter")], env=child_env(), check=True
    )


def registry_cpu() -> float:
    """User + system CPU seconds the registry process has used so far."""
    if not REGISTRY_PID:
        return 0.0
    fields = Path(f"/proc/{REGISTRY_PID}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ours(verb: str, home: Path, ref: str, **extra: object) -> tuple[float, int, dict[str, float]]:
    """Our verb in a fresh interpreter: wall seconds, peak RSS, and the child's own timings
    (``imported``: importing the API; ``seconds``: imports plus the verb; ``again``, for a list:
    the same list run a second time in the process; ``registry``: the registry's CPU seconds meanwhile)."""
    payload = json.dumps({"verb": verb, "home": str(home), "ref": ref, **extra})
    before = registry_cpu()
    wall, peak, out = measured([sys.executable, "-c", CHILD, payload], child_env())
    timings = json.loads(out.strip().splitlines()[-1])
    timings["registry"] = registry_cpu() - before
    return wall, peak, timings


# The target's own setting: the first remote operation in a fresh Jupyter kernel, which has already
# imported what ipykernel needs. ``{first}`` runs once, ``{again}`` is the same call a second time.
KERNEL_CELL = """
import json, time
t0 = time.perf_counter()
{first}
first = time.perf_counter() - t0
t0 = time.perf_counter()
{again}
print(json.dumps({{"first": first, "again": time.perf_counter() - t0}}))
"""
KERNEL_WAYS = {
    "%kit list": (
        'get_ipython().run_line_magic("load_ext", "kitops_jupyter")\n'
        'assert get_ipython().run_line_magic("kit", "list {repo}")',
        'assert get_ipython().run_line_magic("kit", "list {repo}")',
    ),
    "api list": (
        "from kitops_jupyter import api\nassert api.Kit().list_modelkits('{repo}')",
        "assert api.Kit().list_modelkits('{repo}')",
    ),
}


def in_fresh_kernel(home: Path, way: str, repo: str) -> float:
    """Seconds the first remote list in a new kernel took beyond a second identical one (imports and
    one-time setup), with ``way`` from ``KERNEL_WAYS``."""
    from jupyter_client.manager import start_new_kernel

    first, again = (code.format(repo=repo) for code in KERNEL_WAYS[way])
    env = {**child_env(), "KITOPS_HOME": str(home)}
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        out: list[str] = []

        def collect(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                out.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                raise SystemExit("\n".join(message["content"]["traceback"]))

        client.execute_interactive(
            KERNEL_CELL.format(first=first, again=again), output_hook=collect, timeout=120
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    timings = json.loads("".join(out).strip().splitlines()[-1])
    return float(timings["first"] - timings["again"])


@contextlib.contextmanager
def beside_a_writer(target: Path, size: int) -> Iterator[None]:
    """Another process writes ``size`` bytes to ``target`` while the block runs."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(size)])
    try:
        yield
    finally:
        writer.wait()
        target.unlink(missing_ok=True)


def kit(binary: str, home: Path, *args: str) -> tuple[float, int, dict[str, float]]:
    env = {**os.environ, "KITOPS_HOME": str(home)}
    before = registry_cpu()
    wall, peak, _ = measured([binary, *args, "--progress", "none"], env)
    return wall, peak, {"registry": registry_cpu() - before}


def curl_put(host: str, repository: str, blob: Path, digest: str) -> tuple[float, int, dict[str, float]]:
    """One streamed ``PUT`` of ``blob`` by curl into a fresh upload session: the least any client can
    make the registry do for a blob, so its time is the floor a push is measured against."""
    import urllib.request

    start = urllib.request.Request(f"http://{host}/v2/{repository}/blobs/uploads/", method="POST")
    with urllib.request.urlopen(start) as answer:
        location = answer.headers["Location"]
    if location.startswith("/"):
        location = f"http://{host}{location}"
    url = f"{location}{'&' if '?' in location else '?'}digest={digest}"
    before = registry_cpu()
    command = ["curl", "-sS", "--fail", "-T", str(blob), "-H", "Content-Type: application/octet-stream", url]
    wall, peak, _ = measured(command)
    return wall, peak, {"registry": registry_cpu() - before}


def curl_get(host: str, repository: str, digest: str, out: Path) -> tuple[float, int, dict[str, float]]:
    """One ``GET`` of the model blob by curl into a file, unverified: the floor a pull is measured against."""
    before = registry_cpu()
    url = f"http://{host}/v2/{repository}/blobs/{digest}"
    wall, peak, _ = measured(["curl", "-sS", "--fail", "-L", "-o", str(out), url])
    out.unlink()
    return wall, peak, {"registry": registry_cpu() - before}


def skopeo(*args: str) -> tuple[float, int]:
    wall, peak, _ = measured(["skopeo", "--insecure-policy", *args])
    return wall, peak


def model_blob(home: Path, tag: str) -> tuple[Path, str]:
    """The stored model layer of ``tag`` in the store at ``home`` (the largest layer) and its digest."""
    store = LocalStore(home)
    manifest = store.read_manifest(store.resolve(parse_reference(tag)[0]).digest)
    layer = max(manifest.layers, key=lambda layer: layer.size)
    return store.blob_path(layer.digest), layer.digest


def make_context(directory: Path, size: int) -> None:
    """A Kitfile, one incompressible model file of ``size`` bytes and a small CSV, all an hour old
    (files written just now are never trusted by the layer cache)."""
    directory.mkdir(parents=True)
    (directory / "Kitfile").write_text(KITFILE)
    with open(directory / "model.bin", "wb") as f:
        left = size
        while left:
            piece = os.urandom(min(8 * MiB, left))
            f.write(piece)
            left -= len(piece)
    (directory / "data.csv").write_text("a,b\n" + "".join(f"{i},{i * 7}\n" for i in range(20000)))
    old = time.time_ns() - 3600 * 10**9
    for name in ("model.bin", "data.csv"):
        os.utime(directory / name, ns=(old, old))


class Results:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.rss: dict[str, list[int]] = defaultdict(list)
        self.registry: dict[str, list[float]] = defaultdict(list)

    def add(self, name: str, seconds: float, peak: int, child: dict[str, float] | None = None) -> None:
        self.times[name].append(seconds)
        self.rss[name].append(peak)
        extra = ""
        if child is not None and "seconds" in child:  # the verb alone, without start-up and imports
            inside = child["seconds"] - child["imported"]
            self.times[name + " (in-process)"].append(inside)
            extra = f"  (in-process {inside:.2f} s)"
        if child is not None and "sys" in child:  # our own CPU for the verb; kernel time shows write costs
            self.times[name + " (sys CPU)"].append(child["sys"])
            extra += f"  CPU {child['user']:.2f} user {child['sys']:.2f} sys"
        if child is not None and child.get("registry"):
            self.registry[name].append(child["registry"])
            extra += f"  registry CPU {child['registry']:.2f} s"
        print(f"  {name:<34}{seconds:8.2f} s {peak / 1e6:8.1f} MB{extra}", flush=True)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def peak(self, name: str) -> float:
        return max(self.rss[name]) / 1e6


def run_round(
    n: int, work: Path, ctx: Path, host: str, kit_bin: str | None, res: Results, throttled: str | None
) -> None:
    print(f"round {n + 1}", flush=True)
    tag = f"{host}/bench/ours{n}:v1"
    for compression in ("none", "gzip"):
        home = work / f"ours-{compression}-{n}"
        wall, peak, child = ours("pack", home, tag, context=str(ctx), compression=compression, cache=False)
        res.add(f"pack {compression}: ours", wall, peak, child)
        if kit_bin and (compression == "none" or n == 0):  # kit's gzip is slow: measured once
            args = ["pack", str(ctx), "-t", f"{host}/bench/kit{n}:v1", "--compression", compression]
            res.add(f"pack {compression}: kit", *kit(kit_bin, work / f"kit-{compression}-{n}", *args))
    home, kit_home = work / f"ours-none-{n}", work / f"kit-none-{n}"
    wall, peak, _ = ours(
        "pack", home, tag, context=str(ctx), compression="none", cache=True
    )  # fills the cache
    # in-process: a second re-pack in the same process, as in a kernel that packed before (the first
    # one also imports the packer, the secret scanner and PyYAML, which a cache hit does not measure)
    wall, peak, child = ours("pack", home, tag, context=str(ctx), compression="none", cache=True, again=True)
    res.add(
        "re-pack unchanged: ours",
        wall - child["again"],
        peak,
        {**child, "seconds": child["imported"] + child["again"]},
    )
    if kit_bin:
        res.add(
            "re-pack unchanged: kit",
            *kit(kit_bin, kit_home, "pack", str(ctx), "-t", f"{host}/bench/kit{n}:v1"),
        )
    wall, peak, child = ours("push", home, tag)
    res.add("push: ours", wall, peak, child)
    if kit_bin:
        res.add("push: kit", *kit(kit_bin, kit_home, "push", "--plain-http", f"{host}/bench/kit{n}:v1"))
    else:
        layout = work / f"layout-{n}"
        store = LocalStore(home)
        oci_layout(store, store.resolve(parse_reference(tag)[0]).digest, layout)
        res.add(
            "push: skopeo",
            *skopeo(
                "copy", "--dest-tls-verify=false", f"oci:{layout}:v1", f"docker://{host}/bench/skopeo{n}:v1"
            ),
        )
    blob, digest = model_blob(home, tag)
    if shutil.which("curl"):
        res.add("push: curl", *curl_put(host, f"bench/curl{n}", blob, digest))
    wall, peak, child = ours("push", home, tag)
    res.add("re-push unchanged: ours", wall, peak, child)
    if kit_bin:
        res.add(
            "re-push unchanged: kit",
            *kit(kit_bin, kit_home, "push", "--plain-http", f"{host}/bench/kit{n}:v1"),
        )
    # promotion: the same ModelKit to another repository of the registry, which already holds its
    # blobs; we mount them across repositories (nothing re-sent), kit uploads them again
    to = f"{host}/bench/promoted{n}:v1"
    res.add("push to another repository: ours", *ours("push", home, tag, to=to))
    if kit_bin:
        args = ["push", "--plain-http", f"{host}/bench/kit{n}:v1", f"{host}/bench/kitpromoted{n}:v1"]
        res.add("push to another repository: kit", *kit(kit_bin, kit_home, *args))
    wall, peak, child = ours("pull", work / f"ours-pull-{n}", tag)
    res.add("pull: ours", wall, peak, child)
    if kit_bin:
        res.add(
            "pull: kit",
            *kit(kit_bin, work / f"kit-pull-{n}", "pull", "--plain-http", f"{host}/bench/kit{n}:v1"),
        )
    else:
        res.add(
            "pull: skopeo",
            *skopeo(
                "copy", "--src-tls-verify=false", f"docker://{tag}", f"oci:{work / f'skopeo-out-{n}'}:v1"
            ),
        )
    if shutil.which("curl"):
        res.add("pull: curl", *curl_get(host, f"bench/ours{n}", digest, work / f"curl-get-{n}"))
    for way in KERNEL_WAYS:
        res.times[f"first remote list in a fresh kernel, {way}"].append(
            in_fresh_kernel(work / f"kernel-{n}", way, tag.rsplit(":", 1)[0])
        )
    wall, peak, child = ours("list", work / f"ours-list-{n}", tag, again=True)
    res.add("first remote list: ours", wall - child["again"], peak, child)  # without the second list
    # from before `from kitops_jupyter import api` to the first list's return, minus the second list:
    # the imports (the API's and those the first remote call makes) and the first call's one-time setup
    res.times["first remote list: ours (imports)"].append(child["seconds"] - child["again"])
    if kit_bin:
        res.add(
            "first remote list: kit",
            *kit(kit_bin, work / f"kit-list-{n}", "list", "--plain-http", f"{host}/bench/kit{n}:v1"),
        )
    wall, peak, child = ours("packpush", work / f"ours-pp-{n}", f"{host}/bench/pp{n}:v1", context=str(ctx))
    res.add("pack --push: ours", wall, peak, child)
    size = (ctx / "model.bin").stat().st_size
    with beside_a_writer(work / f"writer-{n}", size):
        wall, peak, child = ours(
            "pack", work / f"ours-beside-{n}", tag, context=str(ctx), compression="none", cache=False
        )
    res.add("pack none beside a writer: ours", wall, peak, child)
    if kit_bin:  # kit pays the same on this machine: the cost is the machine's, not the packer's
        with beside_a_writer(work / f"writer-{n}", size):
            args = ["pack", str(ctx), "-t", f"{host}/bench/kitb{n}:v1", "--compression", "none"]
            res.add("pack none beside a writer: kit", *kit(kit_bin, work / f"kit-beside-{n}", *args))
    if throttled:
        # What pack --push is for: a registry far away, where the upload is bound by the link and
        # the pack can hide behind it. Both upload the whole model through the capped link.
        to = f"{throttled}/bench/tp{n}:v1"
        res.add("throttled push: ours", *ours("push", home, tag, to=to))
        wall, peak, child = ours(
            "packpush", work / f"ours-tpp-{n}", f"{throttled}/bench/tpp{n}:v1", context=str(ctx)
        )
        res.add("throttled pack --push: ours", wall, peak, child)
        for parts in (1, 8):
            net = {"range_parts": parts, "concurrency": 5}
            wall, peak, child = ours(
                "pull", work / f"thr-{parts}-{n}", f"{throttled}/bench/ours{n}:v1", network=net
            )
            res.add(f"throttled pull: {'single stream' if parts == 1 else '8 ranges'}", wall, peak, child)
    for path in work.glob(f"*-{n}"):  # keep the disk use at a few copies of the layer
        shutil.rmtree(path, ignore_errors=True)


def report(res: Results, baseline: str) -> None:
    """Medians. ``ours`` is the whole process (interpreter start and imports included, as for the
    baseline binary); ``in-proc`` is the verb alone, as in a running kernel."""
    print(
        f"\n{'operation':<28}{'ours s':>8}{'in-proc':>9}{'RSS MB':>8}{baseline + ' s':>9}{'RSS MB':>8}{'ratio':>7}{'in-proc':>9}"
    )
    for op in (
        "pack none",
        "pack gzip",
        "push",
        "re-push unchanged",
        "push to another repository",
        "pull",
        "re-pack unchanged",
        "first remote list",
    ):
        name = f"{op}: ours"
        if name not in res.times:
            continue
        base = f"{op}: {baseline}"
        inside = res.median(name + " (in-process)")
        line = f"{op:<28}{res.median(name):>8.2f}{inside:>9.2f}{res.peak(name):>8.0f}"
        if base in res.times:
            b = res.median(base)
            line += f"{b:>9.2f}{res.peak(base):>8.0f}{res.median(name) / b:>7.2f}{inside / b:>9.2f}"
        print(line)
    if baseline == "kit":
        for op, target in (("push", 0.8), ("pull", 0.7)):
            ours_s, kit_s = res.median(f"{op}: ours"), res.median(f"{op}: kit")
            inside = res.median(f"{op}: ours (in-process)")
            print(
                f"\n{op} / kit: {ours_s / kit_s:.2f} as a process, {inside / kit_s:.2f} in-process (target <= {target})"
            )
            if f"{op}: curl" in res.times:
                floor = res.median(f"{op}: curl")
                how = "PUT of the same blob" if op == "push" else "GET of the model blob, unverified"
                print(
                    f"  the floor, one curl {how}: {floor:.2f} s"
                    f" (ours {ours_s / floor:.2f}x, in-process {inside / floor:.2f}x; kit {kit_s / floor:.2f}x)"
                )
            for who in ("ours", "kit", "curl"):
                if res.registry[f"{op}: {who}"]:
                    cpu = statistics.median(res.registry[f"{op}: {who}"])
                    print(f"  registry CPU during the {op} ({who}): {cpu:.2f} s")
    first_pack = res.median("pack none: ours (in-process)")
    repack = res.median("re-pack unchanged: ours (in-process)")
    push, packpush = res.median("push: ours (in-process)"), res.median("pack --push: ours (in-process)")
    print(f"\nre-pack unchanged / first pack, in-process:  {repack / first_pack:.3f}  (target <= 0.05)")
    print(f"pack --push / push alone, in-process:        {packpush / push:.2f}  (target <= 1.25)")
    if "throttled push: ours" in res.times:
        far_push = res.median("throttled push: ours (in-process)")
        far_packpush = res.median("throttled pack --push: ours (in-process)")
        print(
            f"  the same through the throttled link:        {far_packpush / far_push:.2f}"
            f"  ({far_packpush:.2f} s / {far_push:.2f} s)"
        )
    beside = res.median("pack none beside a writer: ours (in-process)")
    print(
        f"  pack none beside another writer / alone:    {beside / first_pack:.2f}  (this machine's cost of two"
        " writers at once: pack --push writes the store copy while the registry writes its own)"
    )
    if "pack none beside a writer: kit" in res.times:
        kit_beside, kit_alone = res.median("pack none beside a writer: kit"), res.median("pack none: kit")
        print(f"  the same for kit's pack:                    {kit_beside / kit_alone:.2f}")
    for op in ("pack none", "push", "pack --push"):
        cpu = statistics.median(res.times[f"{op}: ours (sys CPU)"])
        print(f"  our kernel CPU, {op + ':':<13}{cpu:>17.2f} s")
    first_call = res.median("first remote list: ours (imports)")
    print("first remote list in a fresh kernel, imports and setup (target < 0.2 s):")
    for way in KERNEL_WAYS:
        name = f"first remote list in a fresh kernel, {way}"
        print(f"  {way + ':':<42}{res.median(name):.3f} s")
    print(f"  the same in a bare python process:        {first_call:.3f} s  (no ssl, http.client, email yet)")
    if "throttled pull: single stream" in res.times:
        single, ranged = res.median("throttled pull: single stream"), res.median("throttled pull: 8 ranges")
        print(
            f"throttled pull, single stream / 8 ranges:    {single:.2f} s / {ranged:.2f} s = {single / ranged:.2f}x (target >= 3)"
        )
    peaks = [res.peak(n) for n in res.rss if n.endswith("ours") or n.startswith("throttled")]
    print(f"peak RSS (ours, any step):                   {max(peaks):.0f} MB (target < 150)")


def main() -> None:
    global REGISTRY_PID
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--registry-binary", default=None, help="a distribution registry build (default docker-registry)"
    )
    parser.add_argument("--no-throttle", action="store_true", help="skip the throttled pulls")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    kit_bin = os.environ.get("KIT")
    if not kit_bin and not shutil.which("skopeo"):
        raise SystemExit("set KIT=/path/to/kit or install skopeo (scripts/setup)")
    work = Path(tempfile.mkdtemp(prefix="kit-speed-", dir=args.workdir))
    try:
        ctx = work / "context"
        make_context(ctx, args.size_mib * MiB)
        compile_package(work / "pycache")
        with start_registry(work / "registry", binary=args.registry_binary) as server:
            REGISTRY_PID = server.process.pid
            res = Results()
            with ThrottleProxy(server.address) as proxy:
                for n in range(args.rounds):
                    run_round(
                        n,
                        work,
                        ctx,
                        server.address,
                        kit_bin,
                        res,
                        None if args.no_throttle else proxy.address,
                    )
        print(
            f"\n{args.size_mib} MiB model, registry {args.registry_binary or 'docker-registry'}, medians of {args.rounds}"
        )
        report(res, "kit" if kit_bin else "skopeo")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
