"""DSSE envelopes around in-toto statements: what ``cosign attest`` stores and verifies.

The signature covers the DSSE pre-authentication encoding
``"DSSEv1" SP len(type) SP type SP len(body) SP body``, not the JSON envelope itself.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..digest import hex_of

IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
STATEMENT_V01 = "https://in-toto.io/Statement/v0.1"


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE pre-authentication encoding of ``body``."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def envelope(statement: bytes, sign: Callable[[bytes], bytes]) -> bytes:
    """A signed DSSE envelope (JSON) for an in-toto ``statement``."""
    signature = sign(pae(IN_TOTO_PAYLOAD, statement))
    doc = {
        "payloadType": IN_TOTO_PAYLOAD,
        "payload": base64.b64encode(statement).decode(),
        "signatures": [{"keyid": "", "sig": base64.b64encode(signature).decode()}],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass(frozen=True)
class OpenedEnvelope:
    statement: dict[str, Any]
    signatures: list[bytes]
    signed_bytes: bytes  # the PAE the signatures cover


def open_envelope(data: bytes) -> OpenedEnvelope | None:
    """Decode an envelope; ``None`` if it is not an in-toto DSSE envelope."""
    try:
        doc = json.loads(data)
        if doc["payloadType"] != IN_TOTO_PAYLOAD:
            return None
        body = base64.b64decode(doc["payload"])
        signatures = [base64.b64decode(s["sig"]) for s in doc["signatures"]]
        statement = json.loads(body)
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(statement, dict):
        return None
    return OpenedEnvelope(statement, signatures, pae(IN_TOTO_PAYLOAD, body))


def statement(subject_name: str, digest: str, predicate_type: str, predicate: dict[str, Any]) -> bytes:
    """An in-toto v0.1 statement about one subject (the ModelKit manifest), as cosign writes it."""
    doc = {
        "_type": STATEMENT_V01,
        "predicateType": predicate_type,
        "subject": [{"name": subject_name, "digest": {"sha256": hex_of(digest)}}],
        "predicate": predicate,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def subject_digests(doc: dict[str, Any]) -> list[str]:
    """``sha256:<hex>`` of every subject of a statement."""
    found = []
    for subject in doc.get("subject") or []:
        if isinstance(subject, dict) and isinstance(subject.get("digest"), dict):
            value = subject["digest"].get("sha256")
            if isinstance(value, str):
                found.append(f"sha256:{value}")
    return found
