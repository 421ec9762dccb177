"""Run by scripts/cosign-crosscheck: our signing against the real cosign ($COSIGN), both directions.

Prints one line per check and exits non-zero on the first mismatch. With ``--write-golden DIR`` it
also saves a cosign-made key pair, a tiny ModelKit and cosign's signature and attestation of it (the
raw manifests and blobs) into DIR: tests/golden/cosign, replayed by tests/test_signing.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from kitops_jupyter import api
from kitops_jupyter.devregistry import start_registry
from kitops_jupyter.errors import SignatureError

COSIGN = os.environ["COSIGN"]
PASSWORD = "crosscheck-password"
OFFLINE = ["--insecure-ignore-tlog=true", "--allow-http-registry=true"]


def cosign(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COSIGN_PASSWORD": PASSWORD, "COSIGN_YES": "true"}
    done = subprocess.run([COSIGN, *args], capture_output=True, text=True, env=env, timeout=120)
    if (done.returncode == 0) != ok:
        print(f"FAIL: cosign {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}")
        sys.exit(1)
    return done


def check(what: str) -> None:
    print(f"ok: {what}")


def publish(kit: api.Kit, work: Path, registry: str, tag: str, text: str) -> str:
    context = work / f"ctx-{len(list(work.glob('ctx-*')))}"
    context.mkdir()
    (context / "model.bin").write_text(text)
    (context / "train.csv").write_text("a,b\n1,2\n")
    (context / "Kitfile").write_text(
        "manifestVersion: 1.0.0\npackage:\n  name: crosscheck\nmodel:\n  path: model.bin\n"
        "datasets:\n  - name: train\n    path: train.csv\n"
    )
    ref = f"{registry}/crosscheck/model:{tag}"
    kit.pack(context, tag=ref)
    kit.push(ref)
    return ref


def main() -> None:
    os.environ["COSIGN_PASSWORD"] = PASSWORD
    with tempfile.TemporaryDirectory() as tmp, start_registry(Path(tmp) / "registry") as reg:
        work = Path(tmp)
        kit = api.Kit(work / "home")
        ours_key, ours_pub = kit.generate_key_pair(work)
        subprocess.run([COSIGN, "version"], capture_output=True, check=True)
        (work / "theirs").mkdir()
        cosign("generate-key-pair", "--output-key-prefix", str(work / "theirs" / "cosign"))
        their_key, their_pub = work / "theirs" / "cosign.key", work / "theirs" / "cosign.pub"

        ref = publish(kit, work, reg.address, "v1", "model one")
        kit.sign(ref, key=ours_key, provenance=True)
        cosign("verify", "--key", str(ours_pub), *OFFLINE, ref)
        check("cosign verify accepts our signature")
        cosign("verify-attestation", "--key", str(ours_pub), "--type", "slsaprovenance", *OFFLINE, ref)
        check("cosign verify-attestation --type slsaprovenance accepts our provenance")
        cosign("verify", "--key", str(their_pub), *OFFLINE, ref, ok=False)
        check("cosign verify refuses our signature with another key")

        ref2 = publish(kit, work, reg.address, "v2", "model two")
        cosign("sign", "--key", str(ours_key), "--tlog-upload=false", "--allow-http-registry=true", ref2)
        kit.verify(ref2, key=ours_pub)
        check("we accept cosign sign --key with our generated key")
        kit.sign(ref2, key=their_key)
        cosign("verify", "--key", str(their_pub), *OFFLINE, ref2)
        check("we sign with cosign's generated key; cosign verifies it")
        predicate = work / "predicate.json"
        predicate.write_text('{"builder": {"id": "crosscheck"}, "buildType": "x", "materials": []}')
        cosign("attest", "--key", str(their_key), "--type", "slsaprovenance", "--predicate", str(predicate),
               "--tlog-upload=false", "--allow-http-registry=true", ref2)  # fmt: skip
        verified = kit.verify(ref2, key=their_pub, provenance=True)
        assert verified.provenance and verified.provenance[0]["builder"]["id"] == "crosscheck"
        check("we verify cosign attest --type slsaprovenance")

        moved = publish(kit, work, reg.address, "v1", "model one, changed")
        cosign("verify", "--key", str(ours_pub), *OFFLINE, moved, ok=False)
        try:
            kit.verify(moved, key=ours_pub)
        except SignatureError:
            check("both refuse a tag moved to other content")
        else:
            print("FAIL: a moved tag verified")
            sys.exit(1)
        listed = [m.tags for m in kit.list(f"{reg.address}/crosscheck/model")]
        assert listed == [["v1"], ["v2"]], listed
        check("remote list skips cosign's .sig/.att tags")
        if len(sys.argv) == 3 and sys.argv[1] == "--write-golden":
            golden = publish(kit, work, reg.address, "golden", "golden model")
            cosign(
                "sign", "--key", str(their_key), "--tlog-upload=false", "--allow-http-registry=true", golden
            )
            cosign("attest", "--key", str(their_key), "--type", "slsaprovenance", "--predicate", str(predicate),
                   "--tlog-upload=false", "--allow-http-registry=true", golden)  # fmt: skip
            write_golden(Path(sys.argv[2]), kit, reg.address, golden, work / "theirs")


def _get(url: str, accept: str = "") -> bytes:
    import requests

    response = requests.get(url, headers={"Accept": accept} if accept else {}, timeout=30)
    response.raise_for_status()
    return response.content


def write_golden(out: Path, kit: api.Kit, registry: str, ref: str, keys: Path) -> None:
    """The ModelKit ``ref`` and cosign's .sig/.att manifests with every blob they name, as files."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("cosign.key", "cosign.pub"):
        shutil.copy(keys / name, out / name)
    (out / "PASSWORD").write_text(PASSWORD + "\n")
    digest = kit.inspect(ref, remote=True).digest
    base = f"http://{registry}/v2/crosscheck/model"
    accept = "application/vnd.oci.image.manifest.v1+json"
    manifests = {"modelkit": digest, "sig": f"sha256-{digest[7:]}.sig", "att": f"sha256-{digest[7:]}.att"}
    blobs = out / "blobs"
    blobs.mkdir(exist_ok=True)
    for name, tag in manifests.items():
        data = _get(f"{base}/manifests/{tag}", accept)
        (out / f"{name}.manifest.json").write_bytes(data)
        doc = json.loads(data)
        for desc in [doc["config"], *doc["layers"]]:
            (blobs / desc["digest"].replace(":", "-")).write_bytes(_get(f"{base}/blobs/{desc['digest']}"))
    check(f"golden files written to {out}")


if __name__ == "__main__":
    main()
