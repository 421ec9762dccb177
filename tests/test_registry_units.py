"""Registry-layer rules that need no server: redaction, upload modes, plain-HTTP defaults, retries."""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

import pytest
import requests

from kitops_jupyter.core.registry.auth import Credentials
from kitops_jupyter.core.registry.client import RegistryClient, RegistryOptions, is_loopback
from kitops_jupyter.core.registry.http_errors import connection_error, error_for_response
from kitops_jupyter.core.registry.redact import redact_headers, redact_text, redact_url, register_secret
from kitops_jupyter.core.registry.retry import RetryPolicy, Transient, is_transient_status, parse_retry_after
from kitops_jupyter.core.registry.uploads import upload_mode
from kitops_jupyter.errors import InvalidArgument, RegistryError, RegistryUnreachable

MiB = 1 << 20


def test_redact_url() -> None:
    url = (
        "https://user:pa55@reg.example:5000/v2/a/blobs/uploads/x?_state=abc&digest=sha256:1&X-Amz-Signature=s"
    )
    assert (
        redact_url(url)
        == "https://reg.example:5000/v2/a/blobs/uploads/x?_state=***&digest=sha256:1&X-Amz-Signature=***"
    )


def test_redact_headers_and_text() -> None:
    headers = redact_headers(
        {"Authorization": "Bearer abc", "Accept": "x", "Location": "http://h/u?_state=s"}
    )
    assert headers == {"Authorization": "***", "Accept": "x", "Location": "http://h/u?_state=***"}
    text = 'got Bearer eyJabc.def and Basic dXNlcjpwYXNz from http://u:p@h/x {"token": "tok123"}'
    assert redact_text(text) == 'got Bearer *** and Basic *** from http://h/x {"token": "***"}'
    register_secret("hunter2-secret")
    assert redact_text("password hunter2-secret leaked") == "password *** leaked"


def test_credentials_repr_hides_password() -> None:
    creds = Credentials("alice", "top-secret-pw")
    assert "top-secret-pw" not in repr(creds) and "alice" in repr(creds)
    assert "top-secret-pw" not in repr(RegistryOptions(credentials=creds))


@pytest.mark.parametrize(
    ("registry", "size", "mode"),
    [
        ("reg.example:5000", 10 * MiB, "monolithic"),
        ("reg.example:5000", 100 * MiB, "chunked"),
        ("ghcr.io", 5000 * MiB, "monolithic"),
        ("europe-docker.pkg.dev", 5000 * MiB, "monolithic"),
        ("eu.gcr.io", 5000 * MiB, "monolithic"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com", 5000 * MiB, "monolithic"),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", 5000 * MiB, "monolithic"),
        ("notghcr.io.example", 5000 * MiB, "chunked"),
    ],
)
def test_upload_mode(registry: str, size: int, mode: str) -> None:
    assert upload_mode(registry, size, 100 * MiB) == mode


@pytest.mark.parametrize(
    ("registry", "loopback"),
    [
        ("127.0.0.1:5000", True),
        ("127.1.2.3", True),
        ("localhost:5000", True),
        ("[::1]:5000", True),
        ("10.0.0.1:5000", False),
        ("reg.example", False),
    ],
)
def test_loopback(registry: str, loopback: bool) -> None:
    assert is_loopback(registry) is loopback


def test_plain_http_defaults(tmp_path: Path) -> None:
    assert RegistryClient("127.0.0.1:5000").base_url == "http://127.0.0.1:5000"
    assert RegistryClient("reg.example").base_url == "https://reg.example"
    assert RegistryClient("reg.example", RegistryOptions(plain_http=True)).base_url == "http://reg.example"
    assert RegistryClient("localhost:1", RegistryOptions(tls_verify=False)).base_url == "https://localhost:1"
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    assert RegistryClient("127.0.0.1:1", RegistryOptions(ca_bundle=ca)).base_url == "https://127.0.0.1:1"


def test_options_validation(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument):
        RegistryOptions(concurrency=0)
    with pytest.raises(InvalidArgument, match="CA bundle"):
        RegistryOptions(ca_bundle=tmp_path / "missing.pem")


def test_transient_statuses() -> None:
    assert all(is_transient_status(s) for s in (408, 429, 500, 502, 503, 504))
    assert not any(is_transient_status(s) for s in (400, 401, 403, 404, 501, 505))


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = parse_retry_after(formatdate(time.time() + 30, usegmt=True))
    assert later is not None and 25 < later <= 31


def test_retry_policy_bounds() -> None:
    calls: list[float] = []

    def failing() -> None:
        calls.append(time.monotonic())
        raise Transient(RegistryUnreachable("down"))

    policy = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.02, deadline=5)
    with pytest.raises(RegistryUnreachable, match="gave up after 4 attempts"):
        policy.run(failing, "test")
    assert len(calls) == 4

    calls.clear()
    with pytest.raises(RegistryError):  # a Retry-After beyond the deadline stops at once
        RetryPolicy(deadline=1).run(lambda: (_ for _ in ()).throw(Transient(RegistryError("busy"), 60)), "t")

    results = iter([Transient(RegistryError("x"), 0.0), "ok"])

    def flaky() -> str:
        item = next(results)
        if isinstance(item, Exception):
            raise item
        return item

    assert RetryPolicy().run(flaky, "t") == "ok"


def _answer(status: int, body: bytes) -> requests.Response:
    """A registry's error answer as requests hands it over."""
    response = requests.Response()
    response.status_code, response._content = status, body
    response.url = "http://127.0.0.1:5000/v2/team/model/manifests/v1"
    response.headers["Content-Type"] = "application/json"
    return response


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            500,
            b'{"errors":[{"code":"UNKNOWN","message":"disk full"}]}',
            "answered HTTP 500 (UNKNOWN: disk full) at http://127.0.0.1:5000/v2/team/model/manifests/v1",
        ),
        (
            400,
            b'{"errors":[{"code":"UNSUPPORTED","message":"no deletes"}]}',
            "does not support this operation (HTTP 400) (UNSUPPORTED: no deletes)",
        ),
        (405, b"", "does not support this operation (HTTP 405)"),
    ],
)
def test_other_statuses_name_the_registry_and_its_answer(status: int, body: bytes, message: str) -> None:
    error = error_for_response(_answer(status, body), "pull team/model:v1", "127.0.0.1:5000", True)
    assert (type(error), error.status) == (RegistryError, status)
    assert str(error) == f"pull team/model:v1: 127.0.0.1:5000 {message}"


URL = "https://reg.example:5000/v2/team/model/manifests/v1"
ODD = "odd failure " + "x" * 400


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (
            requests.ConnectionError(
                'Max retries exceeded (Caused by NewConnectionError("[Errno 111] Connection refused"))'
            ),
            f"cannot connect to {URL}: connection refused; is the registry running at that address and port? "
            "For a registry that only speaks HTTP pass plain_http=True.",
        ),
        (
            requests.ConnectionError(
                "('Connection aborted.', RemoteDisconnected('Remote end closed connection'))"
            ),
            f"connection to {URL} failed: the connection was closed by the server; check the network and try again",
        ),
        (
            requests.ConnectionError("[Errno -2] Name or service not known"),
            f"connection to {URL} failed: Name or service not known; check the network and try again",
        ),
        (
            requests.ConnectionError(ODD),
            f"connection to {URL} failed: {ODD[:300]}; check the network and try again",
        ),
        (
            requests.exceptions.ReadTimeout("read timed out"),
            f"request to {URL} timed out; the registry is slow or unreachable, check the network or raise the "
            "timeout option",
        ),
    ],
)
def test_connection_failures_name_the_cause(exc: Exception, message: str) -> None:
    error = connection_error(exc, URL, False, "pull team/model:v1")
    assert (type(error), str(error)) == (RegistryUnreachable, f"pull team/model:v1: {message}")
