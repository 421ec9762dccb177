"""The sidebar's "Require signatures" setting through the REST API: saved next to the registry settings
and honoured by pull and unpack jobs against the real registry."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from kitops_jupyter.errors import NotFound
from tests.browser_fixtures import LabServer, write_project
from tests.registry_fixtures import RegistryServer
from tests.signing_fixtures import write_pem_pair
from tests.test_server_api import assert_error, finished


@pytest.fixture
def policy(lab_server: LabServer) -> Iterator[None]:
    """The lab server is shared by the session: put the defaults back for the other tests."""
    yield
    reset = lab_server.request("PUT", "signature-settings", json={"requireSignature": False, "verifyKey": ""})
    assert reset.status_code == 200, reset.text


def test_required_signature_refuses_unsigned_pulls_and_unpacks(
    lab_server: LabServer, registry: RegistryServer, repo_name: str, policy: None
) -> None:
    # Given two pushed ModelKits, one signed with a key whose public half is in the server's root
    keys = lab_server.root / f"policy-keys-{secrets.token_hex(3)}"
    private, _ = write_pem_pair(keys)
    signed, unsigned = f"{registry.registry}/{repo_name}:signed", f"{registry.registry}/{repo_name}:unsigned"
    for reference, name in ((signed, "signed"), (unsigned, "unsigned")):
        project = write_project(lab_server.root / f"policy-{name}-{secrets.token_hex(3)}", name=name)
        lab_server.kit.pack(project, tag=reference)
        lab_server.kit.push(reference)
    lab_server.kit.sign(signed, key=private)
    # And a ModelKit only in the local store is "not signed" (nothing to check), not an error
    local = "local-only/policy:v1"
    lab_server.kit.pack(write_project(lab_server.root / f"policy-local-{secrets.token_hex(3)}"), tag=local)
    answer = lab_server.request("GET", "signature", params={"reference": local, "key": f"{keys.name}/ec.pub"})
    assert answer.status_code == 200 and answer.json()["signed"] is False, answer.text
    assert "only in the local store" in answer.json()["message"]
    # Then nothing is required until the setting is saved
    assert lab_server.request("GET", "signature-settings").json() == {
        "requireSignature": False,
        "verifyKey": "",
    }
    # And requiring signatures without a key, or with a key outside the root, is refused
    assert_error(
        lab_server.request("PUT", "signature-settings", json={"requireSignature": True}),
        400,
        "InvalidArgument",
    )
    outside = {"requireSignature": True, "verifyKey": "../cosign.pub"}
    assert_error(lab_server.request("PUT", "signature-settings", json=outside), 403, "OutsideRoot")
    # When "Require signatures" is saved with the public key
    wanted = {"requireSignature": True, "verifyKey": f"{keys.name}/ec.pub"}
    saved = lab_server.request("PUT", "signature-settings", json=wanted)
    assert saved.status_code == 200 and saved.json() == wanted
    assert lab_server.request("GET", "signature-settings").json() == wanted
    # Then unpacking the unsigned one (still in the local store) is refused and writes nothing
    out = f"policy-out-{secrets.token_hex(3)}"
    job = finished(
        lab_server, lab_server.request("POST", "unpack", json={"reference": unsigned, "path": out})
    )
    assert job["state"] == "failed" and job["error"]["error"] == "SignatureError", job
    assert job["error"]["status"] == 422 and "is not signed" in job["error"]["message"]
    assert not (lab_server.root / out / "model.bin").exists()
    # And pulling it is refused before anything is stored
    for reference in (signed, unsigned):
        lab_server.kit.remove(reference)
    job = finished(lab_server, lab_server.request("POST", "pull", json={"reference": unsigned}))
    assert job["state"] == "failed" and job["error"]["error"] == "SignatureError", job
    with pytest.raises(NotFound):
        lab_server.kit.get(unsigned)
    # While the signed one pulls and unpacks
    job = finished(lab_server, lab_server.request("POST", "pull", json={"reference": signed}))
    assert job["state"] == "succeeded", job
    job = finished(lab_server, lab_server.request("POST", "unpack", json={"reference": signed, "path": out}))
    assert job["state"] == "succeeded", job
    assert (lab_server.root / out / "model.bin").read_bytes() == b"weights" * 100
