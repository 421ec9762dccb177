"""Cross-repository blob mount: link a blob the registry already holds in another repository.

``POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<source>`` answers 201 when the registry linked
the blob (no bytes move), or 202 with an upload session when it cannot (no mount support, the
source lacks the blob, or we may not read the source): the upload then goes on in that session.
The request needs push on the target and pull on the source; token services get both scopes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from ...errors import RegistryError
from .client import RegistryClient, pull_scope, push_scope
from .retry import Transient

log = logging.getLogger("kitops_jupyter.registry")

MAX_SOURCES = 2  # a stale record costs a request each; do not walk a long list


@dataclass(frozen=True)
class MountOutcome:
    mounted: bool
    session: str | None = None  # Location of the upload session the registry opened instead


def mount_scope(repository: str, source: str) -> str:
    return f"{push_scope(repository)} {pull_scope(source)}"


def mount_blob(
    client: RegistryClient, repository: str, digest: str, sources: Sequence[str], what: str
) -> MountOutcome:
    """Try to mount ``digest`` into ``repository`` from each of ``sources`` (at most two)."""
    session: str | None = None
    url = client.url(repository, "blobs", "uploads") + "/"
    for source in sources[:MAX_SOURCES]:
        if session:
            cancel_session(client, repository, session, what)
            session = None
        query = urlencode({"mount": digest, "from": source})
        try:
            response = client.request(
                "POST", f"{url}?{query}", scope=mount_scope(repository, source), what=what, ok=(201, 202)
            )
        except RegistryError as exc:  # refused, or failing after retries: the plain upload decides
            log.debug("%s: mount of %s from %s not possible: %s", what, digest, source, exc)
            continue
        response.close()
        if response.status_code == 201:
            log.debug("%s: mounted %s from %s", what, digest, source)
            return MountOutcome(True)
        location = response.headers.get("Location")
        session = client.absolute(response, location) if location else None
    return MountOutcome(False, session)


def cancel_session(client: RegistryClient, repository: str, session: str, what: str) -> None:
    """Drop an upload session we will not use (best effort: registries expire them anyway)."""
    try:
        client.request(
            "DELETE", session, scope=push_scope(repository), what=what, ok=(200, 202, 204, 404), retry=False
        ).close()
    except (RegistryError, Transient) as exc:
        log.debug("%s: could not cancel an unused upload session: %s", what, exc)
