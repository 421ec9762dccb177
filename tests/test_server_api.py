"""The /kitops REST API end to end: a real jupyter lab server, its store, and a real local registry."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

import kitops_jupyter
from kitops_jupyter.api import format_size
from kitops_jupyter.errors import NotFound
from tests.browser_fixtures import LabServer, write_project
from tests.registry_fixtures import FaultProxy, RegistryServer
from tests.signing_fixtures import write_pem_pair

ERROR_KEYS = {"message", "error", "hint", "status"}


def folder(lab: LabServer, name: str) -> str:
    """A fresh packable project folder in the server's root; returns its root-relative path."""
    rel = f"{name}-{secrets.token_hex(3)}"
    write_project(lab.root / rel, name=name)
    return rel


def finished(lab: LabServer, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert job["state"] == "running" and job["id"]
    return lab.wait_job(job["id"])


def assert_error(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == status and body["error"] == error
    assert body["message"] and body["hint"]
    return body


def test_version_handshake(lab_server: LabServer) -> None:
    same = lab_server.request("GET", "version", params={"frontend": kitops_jupyter.__version__}).json()
    assert same == {
        "server": kitops_jupyter.__version__,
        "frontend": kitops_jupyter.__version__,
        "compatible": True,
    }
    other = lab_server.request("GET", "version", params={"frontend": "0.0.1"}).json()
    assert other["compatible"] is False


def test_pack_job_lists_and_details_the_modelkit(lab_server: LabServer) -> None:
    # Given a project folder inside the server's root
    rel = folder(lab_server, "rest-pack")
    tag = f"rest/{rel}:v1"
    # When packing it through the API
    job = finished(lab_server, lab_server.request("POST", "pack", json={"path": rel, "tag": tag}))
    # Then the job succeeded with byte progress and the ModelKit is listed with its facts
    assert job["state"] == "succeeded", job
    assert job["total"] > 0 and job["done"] == job["total"]
    assert job["result"]["references"] == [tag] and job["result"]["folder"] == rel
    rows = {row["reference"]: row for row in lab_server.request("GET", "modelkits").json()["modelkits"]}
    row = rows[tag]
    assert row["name"] == "rest-pack" and row["digest"] == job["result"]["digest"]
    assert row["size"].endswith("B") and row["created"].endswith("Z") and row["tag"] == "v1"
    detail = lab_server.request("GET", "modelkit", params={"reference": tag}).json()
    assert detail["digest"] == row["digest"] and detail["package"]["name"] == "rest-pack"
    assert "name: rest-pack" in detail["kitfile"] and "path: model.bin" in detail["kitfile"]
    assert {layer["kind"] for layer in detail["layers"]} == {"model", "dataset"}
    assert {layer["path"] for layer in detail["layers"]} == {"model.bin", "data/train.csv"}
    assert detail["sizeText"] == format_size(detail["size"]) and detail["sizeText"].endswith("B")
    assert all(layer["sizeText"] == format_size(layer["size"]) for layer in detail["layers"])


@pytest.mark.parametrize("path", ["..", "../..", "/etc", "/"])
def test_folders_outside_the_root_are_refused(lab_server: LabServer, path: str) -> None:
    response = lab_server.request("POST", "pack", json={"path": path})
    body = assert_error(response, 403, "OutsideRoot")
    assert "outside the Jupyter server's root directory" in body["message"]
    unpack = lab_server.request("POST", "unpack", json={"reference": "x/y:v1", "path": path})
    assert_error(unpack, 403, "OutsideRoot")


def test_symlink_leading_out_of_the_root_is_refused(lab_server: LabServer, tmp_path: Path) -> None:
    write_project(tmp_path / "outside")
    link = lab_server.root / f"link-{secrets.token_hex(3)}"
    link.symlink_to(tmp_path / "outside")
    assert_error(lab_server.request("POST", "pack", json={"path": link.name}), 403, "OutsideRoot")


def test_errors_map_to_statuses_with_json_bodies(lab_server: LabServer) -> None:
    assert_error(
        lab_server.request("GET", "modelkit", params={"reference": "nobody/nothing:v0"}), 404, "NotFound"
    )
    assert_error(
        lab_server.request("GET", "modelkit", params={"reference": "Bad::Ref"}), 400, "InvalidReference"
    )
    assert_error(lab_server.request("GET", "modelkit"), 400, "InvalidArgument")
    assert_error(lab_server.request("POST", "push", json={}), 400, "InvalidArgument")
    assert_error(lab_server.request("POST", "pull", data="not json"), 400, "BadRequest")
    assert_error(
        lab_server.request("POST", "unpack", json={"reference": "a/b:c", "filters": 3}),
        400,
        "InvalidArgument",
    )
    assert_error(lab_server.request("GET", "jobs/00ff00ff"), 404, "NotFound")


def test_failed_pack_job_reports_the_kitfile_error(lab_server: LabServer) -> None:
    rel = f"broken-{secrets.token_hex(3)}"
    (lab_server.root / rel).mkdir()
    (lab_server.root / rel / "Kitfile").write_text("manifestVersion: 1.0.0\npackage: [not, a, map]\n")
    job = finished(lab_server, lab_server.request("POST", "pack", json={"path": rel}))
    assert job["state"] == "failed" and job["result"] is None
    assert job["error"]["error"] == "KitfileError" and job["error"]["status"] == 400
    assert "Kitfile" in job["error"]["message"]


def test_push_tags_remove_pull_unpack_round_trip(
    lab_server: LabServer, registry: RegistryServer, repo_name: str
) -> None:
    # Given a ModelKit packed (through the Python API) with a registry reference
    reference = f"{registry.registry}/{repo_name}:v1"
    # Contents of its own: blobs another test pushed would be mounted from its repository, not uploaded
    model = b"weights-" + secrets.token_hex(8).encode()
    project = write_project(lab_server.root / f"rt-{repo_name.replace('/', '-')}", model=model)
    (project / "data" / "train.csv").write_text(f"a,b\n1,{secrets.token_hex(4)}\n")
    packed = lab_server.kit.pack(project, tag=reference)
    # When pushing it through the REST API
    push = finished(lab_server, lab_server.request("POST", "push", json={"source": reference}))
    assert push["state"] == "succeeded", push
    assert push["result"]["digest"] == packed.digest and push["result"]["uploaded"] >= 3
    # Then the registry lists the tag
    tags = lab_server.request("GET", "tags", params={"repository": f"{registry.registry}/{repo_name}"}).json()
    assert [row["tag"] for row in tags["tags"]] == ["v1"] and tags["tags"][0]["digest"] == packed.digest
    remote = lab_server.request("GET", "modelkit", params={"reference": reference, "remote": "true"}).json()
    assert remote["digest"] == packed.digest
    referrers = remote["referrers"]  # docker-registry 2.8 has no referrers API: the tag schema, empty
    assert referrers["referrersApi"] is False and referrers["referrers"] == []
    assert referrers["subject"].endswith("@" + packed.digest)
    # When removing it locally, then pulling it back
    removed = lab_server.request("DELETE", "modelkit", params={"reference": reference}).json()["removed"]
    assert removed[0]["digest"] == packed.digest
    with pytest.raises(NotFound):
        lab_server.kit.get(reference)
    assert_error(lab_server.request("GET", "modelkit", params={"reference": reference}), 404, "NotFound")
    pull = finished(lab_server, lab_server.request("POST", "pull", json={"reference": reference}))
    assert pull["state"] == "succeeded", pull
    assert lab_server.kit.get(reference).digest == packed.digest
    # And unpacking with a filter writes only the model into a folder under the root
    out = f"out-{secrets.token_hex(3)}"
    unpack = lab_server.request(
        "POST", "unpack", json={"reference": reference, "path": out, "filters": ["model"]}
    )
    job = finished(lab_server, unpack)
    assert job["state"] == "succeeded", job
    assert job["result"]["folder"] == out and job["result"]["filters"] == ["model"]
    assert (lab_server.root / out / "model.bin").read_bytes() == model
    assert not (lab_server.root / out / "data").exists()


def test_pull_of_unknown_reference_fails_as_not_found(
    lab_server: LabServer, registry: RegistryServer
) -> None:
    job = finished(
        lab_server, lab_server.request("POST", "pull", json={"reference": f"{registry.registry}/no/such:v9"})
    )
    assert job["state"] == "failed"
    assert job["error"]["status"] == 404 and "not found" in job["error"]["message"], job["error"]


def test_registry_failure_is_a_bad_gateway(lab_server: LabServer, fault_proxy: FaultProxy) -> None:
    # Given a registry that answers the tag list with an error that is not worth retrying
    fault_proxy.add("status", path="/tags/list", status=400, times=5)
    # When listing its tags through the server, then the failure is a 502 naming the registry
    response = lab_server.request("GET", "tags", params={"repository": f"{fault_proxy.registry}/none/x"})
    assert response.status_code == 502, response.text
    body = response.json()
    assert body["status"] == 502 and fault_proxy.registry in body["message"]


def test_unauthorized_registry_is_a_401(lab_server: LabServer, fault_proxy: FaultProxy) -> None:
    fault_proxy.require_token("someone", "secret")  # the server has no credentials for it
    response = lab_server.request("GET", "tags", params={"repository": f"{fault_proxy.registry}/private/x"})
    assert_error(response, 401, "AuthenticationFailed")


def test_jobs_are_listed(lab_server: LabServer) -> None:
    rel = folder(lab_server, "listed")
    job = finished(lab_server, lab_server.request("POST", "pack", json={"path": rel}))
    jobs = lab_server.request("GET", "jobs").json()["jobs"]
    assert job["id"] in [each["id"] for each in jobs]


def test_preview_reads_first_rows_through_kit_without_pulling(
    lab_server: LabServer, registry: RegistryServer, tmp_path: Path
) -> None:
    from kitops_jupyter import api

    # Given a ModelKit only in the registry (pushed from this test's own store)
    repository = f"preview/{secrets.token_hex(4)}"
    ref = f"{registry.registry}/{repository}:v1"
    api.pack(write_project(tmp_path / "p"), tag=ref)
    api.push(ref)
    # When the sidebar asks for a preview of its dataset
    response = lab_server.request(
        "GET", "preview", params={"reference": ref, "dataset": "train", "rows": "1"}
    )
    # Then it gets the first rows, and the server's store still does not hold the ModelKit
    assert response.status_code == 200, response.text
    assert response.json() == {
        "dataset": "train",
        "path": "data/train.csv",
        "kind": "table",
        "file": "data/train.csv",
        "columns": ["a", "b"],
        "rows": [[1, 2]],
    }
    assert repository not in lab_server.request("GET", "modelkits").text
    assert_error(
        lab_server.request("GET", "preview", params={"reference": ref, "dataset": "nope"}), 404, "NotFound"
    )
    assert_error(
        lab_server.request("GET", "preview", params={"reference": ref, "rows": "x"}), 400, "InvalidArgument"
    )


def test_signature_status_of_a_stored_modelkit(
    lab_server: LabServer, registry: RegistryServer, repo_name: str
) -> None:
    # Given a pushed ModelKit signed with provenance, and the public key inside the server's root
    keys = lab_server.root / f"keys-{secrets.token_hex(3)}"
    write_pem_pair(keys)
    signed, unsigned = f"{registry.registry}/{repo_name}:signed", f"{registry.registry}/{repo_name}:unsigned"
    for reference, name in ((signed, "signed"), (unsigned, "unsigned")):  # different content, digests
        project = write_project(lab_server.root / f"sig-{name}-{repo_name.replace('/', '-')}", name=name)
        lab_server.kit.pack(project, tag=reference)
        lab_server.kit.push(reference)
    lab_server.kit.sign(signed, key=keys / "ec.key", provenance=True)
    key = f"{keys.name}/ec.pub"
    # When asking the REST API, then the signed one names the key and its provenance
    answer = lab_server.request("GET", "signature", params={"reference": signed, "key": key}).json()
    assert answer["signed"] is True and answer["key"].startswith("sha256:")
    assert answer["provenance"][0]["builder"]["id"].startswith("pkg:pypi/kitops-jupyter@")
    # And the unsigned one is an answer with the reason, not an error
    other = lab_server.request("GET", "signature", params={"reference": unsigned, "key": key}).json()
    assert other["signed"] is False and "is not signed" in other["message"]
    # And a key outside the root is refused
    assert_error(
        lab_server.request("GET", "signature", params={"reference": signed, "key": "../outside.pub"}),
        403,
        "OutsideRoot",
    )


def test_pack_with_secrets_fails_409_with_findings_until_allowed(lab_server: LabServer) -> None:
    rel = folder(lab_server, "leaky")
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    (lab_server.root / rel / "data" / "train.csv").write_text(f"a,b\n1,{token}\n")
    tag = f"rest/{rel}:v1"
    job = finished(lab_server, lab_server.request("POST", "pack", json={"path": rel, "tag": tag}))
    assert (
        job["state"] == "failed" and job["error"]["status"] == 409 and job["error"]["error"] == "SecretsFound"
    )
    assert job["error"]["details"]["findings"] == ["data/train.csv:2: github-token: ghp_…"]
    assert token not in str(job) and "allow" in job["error"]["message"]
    assert_error(lab_server.request("GET", "modelkit", params={"reference": tag}), 404, "NotFound")
    assert_error(
        lab_server.request("POST", "pack", json={"path": rel, "allowSecrets": "yes"}), 400, "InvalidArgument"
    )
    allowed = finished(
        lab_server, lab_server.request("POST", "pack", json={"path": rel, "tag": tag, "allowSecrets": True})
    )
    assert allowed["state"] == "succeeded", allowed
    assert any("as allowed" in w for w in allowed["result"]["warnings"])


@pytest.mark.parametrize(
    ("route", "body", "status", "error"),
    [
        ("pack", {"path": ".", "tag": "UPPER/x:y"}, 400, "InvalidReference"),
        ("pull", {"reference": "UPPER/x:y"}, 400, "InvalidReference"),
        ("push", {"source": "a/b:v1", "destination": "UPPER/x:y"}, 400, "InvalidReference"),
        ("unpack", {"reference": "UPPER/x:y", "path": "out"}, 400, "InvalidReference"),
        ("pack", {"path": "bad\0name"}, 400, "InvalidArgument"),
        ("unpack", {"reference": "a/b:v1", "path": "x\0y"}, 400, "InvalidArgument"),
        ("pack", {"path": "no-such-folder-here"}, 404, "NotFound"),
        ("unpack", {"reference": "a/b:v1", "path": "a-file.txt"}, 400, "InvalidArgument"),
    ],
)
def test_requests_are_validated_before_a_job_starts(
    lab_server: LabServer, route: str, body: dict[str, Any], status: int, error: str
) -> None:
    (lab_server.root / "a-file.txt").write_text("not a folder\n")
    before = len(lab_server.request("GET", "jobs").json()["jobs"])
    assert_error(lab_server.request("POST", route, json=body), status, error)
    assert len(lab_server.request("GET", "jobs").json()["jobs"]) == before  # no job was accepted


def test_nul_byte_in_a_query_is_a_400(lab_server: LabServer) -> None:
    # tornado drops control characters from query arguments; what is left does not parse
    assert_error(
        lab_server.request("GET", "modelkit", params={"reference": "a/b\0:v1"}), 400, "InvalidReference"
    )


def test_user_errors_inside_jobs_keep_their_status_and_message(lab_server: LabServer) -> None:
    rel = folder(lab_server, "nokitfile")
    (lab_server.root / rel / "Kitfile").unlink()
    job = finished(lab_server, lab_server.request("POST", "pack", json={"path": rel}))
    assert job["state"] == "failed" and job["error"]["status"] == 404, job["error"]
    assert "server log" not in job["error"]["hint"]
