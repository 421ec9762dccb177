"""Every route of the server extension refuses unauthenticated requests (like extension-template's check_auth).

The server runs with jupyter_server's default ``allow_unauthenticated_access=True``, so only our own
``@tornado.web.authenticated`` decorators stand between a request and a handler. POST and DELETE carry
a valid XSRF cookie/header pair, so the 403 comes from the missing authentication, not from XSRF.
"""

from __future__ import annotations

import re

import pytest
import requests

from kitops_jupyter.server.routes import ROUTES
from tests.browser_fixtures import LabServer
from tests.test_openapi import implemented

CALLS = [
    (re.sub(r"\(\?P<(\w+)>[^)]*\)", "0123abcd", pattern), verb)
    for pattern, cls in ROUTES
    for verb in sorted(implemented(cls))
]


@pytest.fixture(scope="module")
def xsrf(lab_server: LabServer) -> requests.Session:
    """A session holding Jupyter's ``_xsrf`` cookie but no login."""
    session = requests.Session()
    session.get(f"{lab_server.url}/login", timeout=30)
    assert "_xsrf" in session.cookies
    return session


@pytest.mark.parametrize(("path", "verb"), CALLS, ids=[f"{v.upper()} {p}" for p, v in CALLS])
def test_unauthenticated_request_is_refused(
    lab_server: LabServer, xsrf: requests.Session, path: str, verb: str
) -> None:
    # Given no token and no login cookie, only the XSRF cookie and its header
    headers = {"X-XSRFToken": xsrf.cookies["_xsrf"], "Content-Type": "application/json"}
    # When calling the route
    response = xsrf.request(verb, f"{lab_server.url}/kitops/{path}", headers=headers, data="{}", timeout=30)
    # Then it is refused with our JSON error body, before the handler runs
    assert response.status_code == 403, (
        f"{verb.upper()} /kitops/{path} answered {response.status_code}: add @tornado.web.authenticated"
    )
    assert response.json()["status"] == 403


@pytest.mark.parametrize(("path", "verb"), CALLS, ids=[f"{v.upper()} {p}" for p, v in CALLS])
def test_authenticated_request_reaches_the_handler(lab_server: LabServer, path: str, verb: str) -> None:
    # With the token the same request is handled (any answer but 403 and 404 proves the route is live)
    response = lab_server.request(verb, path, data="{}", headers={"Content-Type": "application/json"})
    assert response.status_code not in (403, 404) or response.json().get("error") in (
        "NotFound",
        "OutsideRoot",
    )
    assert set(response.json()) >= (
        {"message", "error", "hint", "status"} if response.status_code >= 400 else set()
    )
