"""The ledger entry of an event: its envelope as RFC 8785 canonical JSON.

``{seq, production, type, version, at, by, witnesses, payload}`` (and ``signatures``) — the
fields of DESIGN.md's entry plus ``version``, the payload's schema version
(so an upcaster can lift it on read without rewriting the log).
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from coldcheck.domain.codec import event_from_envelope, event_payload, event_refs, to_json
from coldcheck.domain.events import Event
from coldcheck.service.fastjson import canonical_json


def envelope(seq: int, event: Event) -> dict[str, Any]:
    """The envelope dict of ``event`` at log position ``seq``; ``signatures`` (the confirmers'
    passkey assertions, issue 17) only when there are some, so older entries keep their bytes."""
    env: dict[str, Any] = {
        "seq": seq,
        "production": event.production,
        "type": event.type_name,
        "version": event.version,
        "at": event.at.astimezone(UTC).isoformat(),
        "by": event.by,
        "witnesses": list(event.witnesses),
        "payload": event_payload(event),
    }
    if event.signatures:
        env["signatures"] = to_json(event.signatures)
    return env


def encode_entry(seq: int, event: Event) -> bytes:
    """The exact bytes that are hashed into the ledger for ``event``."""
    return canonical_json(envelope(seq, event))


def decode_entry(entry: bytes) -> tuple[int, Event]:
    """The log position and the event (upcast to the newest version) of an entry."""
    env = json.loads(entry)
    event = event_from_envelope(
        env["type"],
        env["version"],
        env["production"],
        env["at"],
        env["by"],
        env["witnesses"],
        env["payload"],
        env.get("signatures"),
    )
    return int(env["seq"]), event


def refs(event: Event) -> frozenset[str]:
    """The weapons, lots, containers, incidents and people an event concerns (its typed ids)."""
    return event_refs(event)
