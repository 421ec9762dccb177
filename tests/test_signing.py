"""cosign-compatible signing against a real registry: key files, sign/verify, the refusals (moved tag,
copied signature, tampered signature, other key), require_signature on pull/unpack/load_dataset, SLSA
provenance attestations, and signature tags kept out of remote listings.

The signatures are checked by the real cosign in ``scripts/cosign-crosscheck``; here the layout
cosign reads is asserted field by field, and ``golden/cosign`` holds a key pair and a signature
made by cosign v2 that our code must accept.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
import requests

from kitops_jupyter import api
from kitops_jupyter.core import mediatypes
from kitops_jupyter.core.registry.transfer import push
from kitops_jupyter.core.signing import SignatureSettings, keys
from kitops_jupyter.core.signing import cosignformat as cf
from kitops_jupyter.core.signing.dsse import pae
from kitops_jupyter.core.store import LocalStore
from kitops_jupyter.errors import InvalidArgument, KeyFileError, SignatureError, StoreError
from tests.matrix_fixtures import GoRegistry
from tests.registry_fixtures import RegistryServer, make_modelkit

PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def cosign_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An encrypted pair in cosign's format (scrypt is slow on purpose: made once per module)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COSIGN_PASSWORD", PASSWORD)
        return api.Kit(tmp_path_factory.mktemp("home")).generate_key_pair(
            tmp_path_factory.mktemp("keys") / "a"
        )


def _pem_pair(directory: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private, public = directory / "ec.key", directory / "ec.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(keys.VerifyingKey(key.public_key(), "ec.pub").pem())
    return private, public


@pytest.fixture(scope="module")
def keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A plain PEM ECDSA P-256 pair (what cosign import-key-pair reads): no scrypt per signature."""
    return _pem_pair(tmp_path_factory.mktemp("pem-a"))


@pytest.fixture(scope="module")
def other_keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _pem_pair(tmp_path_factory.mktemp("pem-b"))


def _publish(registry: RegistryServer, repo: str, tmp_path: Path, tag: str = "v1", name: str = "m") -> str:
    store = LocalStore(tmp_path / f"src-{tag}-{name}")
    make_modelkit(store, name=name)
    push(store, "test/model:v1", f"{registry.registry}/{repo}:{tag}")
    return f"{registry.registry}/{repo}:{tag}"


def _manifest(registry: RegistryServer, repo: str, ref: str) -> dict:
    response = requests.get(
        f"http://{registry.registry}/v2/{repo}/manifests/{ref}",
        headers={"Accept": mediatypes.MANIFEST},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def _put_manifest(registry: RegistryServer, repo: str, ref: str, doc: dict) -> None:
    data = json.dumps(doc).encode()
    url = f"http://{registry.registry}/v2/{repo}/manifests/{ref}"
    requests.put(url, data=data, headers={"Content-Type": mediatypes.MANIFEST}, timeout=10).raise_for_status()


# -- key files ------------------------------------------------------------------------------------


def test_generated_key_is_cosign_format(cosign_keys: tuple[Path, Path]) -> None:
    private, public = cosign_keys
    text = private.read_text()
    assert text.startswith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
    body = base64.b64decode("".join(text.splitlines()[1:-1]))
    doc = json.loads(body)
    assert doc["kdf"]["name"] == "scrypt" and doc["kdf"]["params"] == {"N": 65536, "r": 8, "p": 1}
    assert doc["cipher"]["name"] == "nacl/secretbox" and len(base64.b64decode(doc["cipher"]["nonce"])) == 24
    assert private.stat().st_mode & 0o077 == 0  # the private key is readable by its owner only
    loaded = keys.load_private_key(private, PASSWORD.encode())
    assert loaded.public.pem() == public.read_bytes()
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_key_errors_name_the_file_and_fix(cosign_keys: tuple[Path, Path], tmp_path: Path) -> None:
    private, _ = cosign_keys
    with pytest.raises(KeyFileError, match="wrong password"):
        keys.load_private_key(private, b"nope")
    with pytest.raises(KeyFileError, match=r"not a PUBLIC KEY.*give the \.pub file"):
        keys.load_public_key(private)
    garbage = tmp_path / "garbage.key"
    garbage.write_text("hello")
    with pytest.raises(KeyFileError, match=r"garbage\.key is not a PEM file"):
        keys.load_private_key(garbage, None)
    with pytest.raises(InvalidArgument, match="already exists"):
        keys.generate_key_pair(private.parent, b"x")


def test_plain_pem_ecdsa_key_signs(keypair: tuple[Path, Path], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = keypair[0]
    assert not keys.needs_password(pem)
    signer = keys.load_private_key(pem, None)
    assert signer.public.verify(signer.sign(b"payload"), b"payload")
    assert not signer.public.verify(signer.sign(b"payload"), b"payload!")
    rsa_pem = tmp_path / "rsa.pem"
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_pem.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(KeyFileError, match="not an ECDSA P-256 key"):
        keys.load_private_key(rsa_pem, None)


def test_password_never_taken_without_env_or_prompt(
    cosign_keys: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COSIGN_PASSWORD", raising=False)
    with pytest.raises(InvalidArgument, match="COSIGN_PASSWORD"):
        api.Kit().sign("127.0.0.1:1/none:v1", key=cosign_keys[0])
    asked: list[str] = []

    def ask() -> str:
        asked.append("asked")
        return "wrong"

    with pytest.raises(KeyFileError, match="wrong password"):
        api.Kit().sign("127.0.0.1:1/none:v1", key=cosign_keys[0], password=ask)
    assert asked == ["asked"]


# -- sign and verify ------------------------------------------------------------------------------


def test_sign_stores_what_cosign_reads(
    registry: RegistryServer,
    repo_name: str,
    tmp_path: Path,
    cosign_keys: tuple[Path, Path],
    keypair: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COSIGN_PASSWORD", PASSWORD)
    ref = _publish(registry, repo_name, tmp_path)
    kit = api.Kit(tmp_path / "home")
    result = kit.sign(ref, key=cosign_keys[0])
    hex_ = result.digest.split(":")[1]
    assert result.signature_tag == f"sha256-{hex_}.sig"
    sig = _manifest(registry, repo_name, result.signature_tag)
    assert sig["mediaType"] == mediatypes.MANIFEST
    assert sig["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json"
    [layer] = sig["layers"]
    assert layer["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json"
    payload = requests.get(
        f"http://{registry.registry}/v2/{repo_name}/blobs/{layer['digest']}", timeout=10
    ).content
    assert json.loads(payload) == {
        "critical": {
            "identity": {"docker-reference": f"{registry.registry}/{repo_name}"},
            "image": {"docker-manifest-digest": result.digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    }
    signature = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
    assert keys.load_public_key(cosign_keys[1]).verify(signature, payload)
    verified = kit.verify(ref, key=cosign_keys[1])
    assert verified.digest == result.digest and verified.key_fingerprint == result.key_fingerprint
    # A second signature is appended to the same manifest (cosign's way); both keys verify.
    kit.sign(ref, key=keypair[0])
    assert len(_manifest(registry, repo_name, result.signature_tag)["layers"]) == 2
    assert kit.verify(ref, key=keypair[1]).key_fingerprint != result.key_fingerprint
    assert kit.verify(ref, key=cosign_keys[1]).digest == result.digest


def test_verify_refuses_unsigned_moved_copied_tampered_and_other_key(
    registry: RegistryServer,
    repo_name: str,
    tmp_path: Path,
    keypair: tuple[Path, Path],
    other_keypair: tuple[Path, Path],
) -> None:
    kit = api.Kit(tmp_path / "home")
    ref = _publish(registry, repo_name, tmp_path)
    with pytest.raises(SignatureError, match=r"is not signed: .* has no sha256-[0-9a-f]{64}\.sig signature"):
        kit.verify(ref, key=keypair[1])
    signed = kit.sign(ref, key=keypair[0])
    with pytest.raises(
        SignatureError, match="signed with another key, or the signature or its payload was altered"
    ):
        kit.verify(ref, key=other_keypair[1])

    # The tag is moved to other content: that content has no signature.
    moved = _publish(registry, repo_name, tmp_path, name="impostor")
    with pytest.raises(SignatureError, match="the tag now points at other content"):
        kit.verify(moved, key=keypair[1])
    # The old signature is copied next to the new content: it claims the old digest.
    new_digest = kit.inspect(moved, remote=True).digest
    old_sig = _manifest(registry, repo_name, signed.signature_tag)
    _put_manifest(registry, repo_name, cf.signature_tag(new_digest), old_sig)
    with pytest.raises(SignatureError, match=f"is for {signed.digest}, but .* is {new_digest}"):
        kit.verify(moved, key=keypair[1])

    # A tampered signature (one byte of it changed) verifies with no key.
    tampered = json.loads(json.dumps(old_sig))
    layer = tampered["layers"][0]
    raw = bytearray(base64.b64decode(layer["annotations"][cf.SIGNATURE_ANNOTATION]))
    raw[-1] ^= 0x01
    layer["annotations"][cf.SIGNATURE_ANNOTATION] = base64.b64encode(bytes(raw)).decode()
    _put_manifest(registry, repo_name, signed.signature_tag, tampered)
    with pytest.raises(SignatureError, match="none of its 1 signature"):
        kit.verify(f"{registry.registry}/{repo_name}@{signed.digest}", key=keypair[1])


def test_require_signature_gates_pull_unpack_and_load(
    registry: RegistryServer, repo_name: str, tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    unsigned = _publish(registry, repo_name, tmp_path, "unsigned", name="u")
    signed = _publish(registry, repo_name, tmp_path, "signed", name="s")
    strict = api.Kit(tmp_path / "strict", require_signature=True, verify_key=keypair[1])
    strict.sign(signed, key=keypair[0])
    with pytest.raises(SignatureError, match="is not signed"):
        strict.pull(unsigned)
    assert strict.store.entries() == []  # refused before anything was stored
    with pytest.raises(SignatureError, match="is not signed"):
        strict.unpack(unsigned, tmp_path / "out-u")
    assert not (tmp_path / "out-u").exists()
    with pytest.raises(SignatureError, match="is not signed"):
        strict.load_dataset(unsigned, "train")
    # The API argument overrides the Kit's default either way.
    assert api.Kit(tmp_path / "lax").pull(unsigned).kitfile.package.name == "u"
    with pytest.raises(SignatureError):
        api.Kit(tmp_path / "lax2").pull(unsigned, require_signature=True, key=keypair[1])

    assert strict.pull(signed).kitfile.package.name == "s"
    strict.unpack(signed, tmp_path / "out-s")
    assert (tmp_path / "out-s" / "model.bin").is_file()
    frame = strict.load_dataset(signed, "train")
    assert list(frame.columns) == ["a", "b"]
    with pytest.raises(InvalidArgument, match="no public key is set"):
        api.Kit(tmp_path / "nokey", require_signature=True).pull(signed)


def test_provenance_attestation(
    registry: RegistryServer, repo_name: str, tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    ref = _publish(registry, repo_name, tmp_path)
    notebook = tmp_path / "train.ipynb"
    notebook.write_text('{"cells": []}')
    kit = api.Kit(tmp_path / "home")
    result = kit.sign(ref, key=keypair[0], provenance=True, notebook=notebook)
    assert result.attestation_tag == cf.signature_tag(result.digest, "att")
    att = _manifest(registry, repo_name, result.attestation_tag)
    [layer] = att["layers"]
    assert layer["mediaType"] == "application/vnd.dsse.envelope.v1+json"
    assert layer["annotations"] == {
        "dev.cosignproject.cosign/signature": "",
        "predicateType": "https://slsa.dev/provenance/v0.2",
    }
    envelope = json.loads(
        requests.get(f"http://{registry.registry}/v2/{repo_name}/blobs/{layer['digest']}", timeout=10).content
    )
    body = base64.b64decode(envelope["payload"])
    sig = base64.b64decode(envelope["signatures"][0]["sig"])
    assert keys.load_public_key(keypair[1]).verify(sig, pae("application/vnd.in-toto+json", body))
    statement = json.loads(body)
    assert statement["_type"] == "https://in-toto.io/Statement/v0.1"
    assert statement["subject"] == [
        {"name": f"{registry.registry}/{repo_name}", "digest": {"sha256": result.digest.split(":")[1]}}
    ]

    verified = kit.verify(ref, key=keypair[1], provenance=True)
    [predicate] = verified.provenance
    assert predicate["builder"]["id"].startswith("pkg:pypi/kitops-jupyter@")
    materials = {m["uri"]: m.get("digest", {}).get("sha256") for m in predicate["materials"]}
    assert materials["train.ipynb"] == hashlib.sha256(notebook.read_bytes()).hexdigest()
    dataset_digest = kit.inspect(ref, remote=True).kitfile.datasets[0].layer.digest  # type: ignore[union-attr]
    assert (
        materials[f"{ref.rsplit(':', 1)[0]}@{result.digest}#datasets/train"] == dataset_digest.split(":")[1]
    )
    assert any(uri.startswith("pkg:pypi/pytest@") for uri in materials)


def test_signature_tags_are_not_listed_as_modelkits(
    registry: RegistryServer, repo_name: str, tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    ref = _publish(registry, repo_name, tmp_path)
    kit = api.Kit(tmp_path / "home")
    kit.sign(ref, key=keypair[0], provenance=True)
    tags = requests.get(f"http://{registry.registry}/v2/{repo_name}/tags/list", timeout=10).json()["tags"]
    assert len(tags) == 3  # v1, .sig, .att
    assert [m.tags for m in kit.list_modelkits(f"{registry.registry}/{repo_name}")] == [["v1"]]
    digest = kit.inspect(ref, remote=True).digest
    diff = kit.diff(ref, f"{registry.registry}/{repo_name}:{cf.signature_tag(digest)}")
    assert not diff.identical and not diff.shared
    assert [layer.media_type for layer in diff.only_b] == [cf.SIMPLE_SIGNING]
    assert len(diff.only_a) == 2  # the ModelKit's model and dataset layers


# -- what the real cosign made (scripts/cosign-crosscheck --write-golden tests/golden/cosign) ------

GOLDEN = Path(__file__).parent / "golden" / "cosign"


def _replay_golden(registry: RegistryServer, repo: str) -> str:
    """Upload cosign's key-signed ModelKit, signature and attestation byte for byte; the reference."""
    base = f"http://{registry.registry}/v2/{repo}"
    for blob in sorted((GOLDEN / "blobs").iterdir()):
        digest = blob.name.replace("-", ":", 1)
        started = requests.post(f"{base}/blobs/uploads/", timeout=10)
        started.raise_for_status()
        location = requests.compat.urljoin(base, started.headers["Location"])
        joiner = "&" if "?" in location else "?"
        requests.put(
            f"{location}{joiner}digest={digest}", data=blob.read_bytes(), timeout=10
        ).raise_for_status()
    modelkit = (GOLDEN / "modelkit.manifest.json").read_bytes()
    digest = "sha256:" + hashlib.sha256(modelkit).hexdigest()
    headers = {"Content-Type": mediatypes.MANIFEST}
    for name, tag in (
        ("modelkit", "golden"),
        ("sig", cf.signature_tag(digest)),
        ("att", cf.signature_tag(digest, "att")),
    ):
        data = (GOLDEN / f"{name}.manifest.json").read_bytes()
        requests.put(f"{base}/manifests/{tag}", data=data, headers=headers, timeout=10).raise_for_status()
    return f"{registry.registry}/{repo}:golden"


def test_accepts_what_cosign_signed_and_attested(
    registry: RegistryServer, repo_name: str, tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    ref = _replay_golden(registry, repo_name)
    kit = api.Kit(tmp_path / "home")
    verified = kit.verify(ref, key=GOLDEN / "cosign.pub", provenance=True)
    assert verified.signed_reference.endswith("/crosscheck/model")
    assert [p["builder"]["id"] for p in verified.provenance] == ["crosscheck"]
    with pytest.raises(SignatureError, match="signed with another key"):
        kit.verify(ref, key=keypair[1])
    # cosign's encrypted key file reads with its password and is the pair of cosign.pub.
    password = (GOLDEN / "PASSWORD").read_text().strip().encode()
    signer = keys.load_private_key(GOLDEN / "cosign.key", password)
    assert signer.public.pem() == (GOLDEN / "cosign.pub").read_bytes()


def test_our_payload_and_config_are_cosigns_bytes() -> None:
    sig = json.loads((GOLDEN / "sig.manifest.json").read_bytes())
    [layer] = sig["layers"]
    payload = (GOLDEN / "blobs" / layer["digest"].replace(":", "-")).read_bytes()
    claim = cf.parse_payload(payload)
    assert claim is not None
    assert cf.simple_signing_payload(claim.docker_reference, claim.digest) == payload
    config = (GOLDEN / "blobs" / sig["config"]["digest"].replace(":", "-")).read_bytes()
    assert cf.image_config([layer["digest"]]) == config


def test_signing_writes_the_referrers_form_that_verify_reads(
    referrers_registry: GoRegistry, keypair: tuple[Path, Path], tmp_path: Path
) -> None:
    # Given a ModelKit in a registry with the OCI 1.1 referrers API (go-containerregistry's, tests/goregistry)
    host, repo = referrers_registry.address, "signed/referrers"
    store = LocalStore(tmp_path / "src")
    make_modelkit(store, name="referrers")
    push(store, "test/model:v1", f"{host}/{repo}:v1")
    reference = f"{host}/{repo}:v1"
    # When signing it
    kit = api.Kit(tmp_path / "home")
    signed = kit.sign(reference, key=keypair[0])
    # Then the signature is also a referrer of the ModelKit, with cosign's signature artifact type
    assert signed.referrer_digest.startswith("sha256:")
    index = requests.get(f"http://{host}/v2/{repo}/referrers/{signed.digest}", timeout=10).json()
    [entry] = [each for each in index["manifests"] if each["digest"] == signed.referrer_digest]
    assert entry["artifactType"] == cf.SIG_ARTIFACT
    referrer = requests.get(
        f"http://{host}/v2/{repo}/manifests/{signed.referrer_digest}",
        headers={"Accept": mediatypes.MANIFEST},
        timeout=10,
    ).json()
    assert referrer["subject"]["digest"] == signed.digest
    # When the sha256-<hex>.sig tag is deleted, verify still finds the signature through the referrers
    requests.delete(
        f"http://{host}/v2/{repo}/manifests/{signed.signature_tag}", timeout=10
    ).raise_for_status()
    missing = requests.get(f"http://{host}/v2/{repo}/manifests/{signed.signature_tag}", timeout=10)
    assert missing.status_code == 404
    found = kit.verify(reference, key=keypair[1])
    assert found.digest == signed.digest and found.key_fingerprint == signed.key_fingerprint


def test_signature_settings_are_saved_in_kitops_home(tmp_path: Path) -> None:
    kit = api.Kit(tmp_path)
    assert kit.signature_settings() == SignatureSettings(require_signature=False, verify_key="")
    kit.save_signature_settings(require_signature=True, verify_key=" keys/cosign.pub ")
    saved = tmp_path / "signature-settings.json"  # the path the README gives
    assert json.loads(saved.read_text()) == {"require_signature": True, "verify_key": "keys/cosign.pub"}
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert api.Kit(tmp_path).signature_settings() == SignatureSettings(True, "keys/cosign.pub")
    with pytest.raises(InvalidArgument) as refused:
        kit.save_signature_settings(require_signature=True, verify_key=" ")
    assert (
        str(refused.value)
        == "requiring signatures needs the signer's public key: give the path of cosign.pub"
    )
    assert json.loads(saved.read_text())["verify_key"] == "keys/cosign.pub"  # the refusal changed nothing
    saved.write_text('{"require_signature": "yes"}')
    with pytest.raises(StoreError) as broken:
        kit.signature_settings()
    assert str(broken.value) == (
        f"signature settings {saved} need require_signature true/false and verify_key a path; fix or remove the file"
    )
