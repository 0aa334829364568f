"""The ledger entry of an event: its envelope as RFC 8785 canonical JSON.

``{seq, production, type, version, at, by, witnesses, payload}`` — the
fields of DESIGN.md's entry plus ``version``, the payload's schema version
(so an upcaster can lift it on read without rewriting the log).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC
from typing import Any

from coldcheck.domain.events import Event, event_from_envelope, event_payload
from coldcheck.service.fastjson import canonical_json

_TAG = re.compile(r"^[WLCI]-\d{4,}$")
_PERSON_FIELDS = ("person", "to", "from_person", "supervisor", "performers", "attendees")


def envelope(seq: int, event: Event) -> dict[str, Any]:
    """The envelope dict of ``event`` at log position ``seq``."""
    return {
        "seq": seq,
        "production": event.production,
        "type": event.type_name,
        "version": event.version,
        "at": event.at.astimezone(UTC).isoformat(),
        "by": event.by,
        "witnesses": list(event.witnesses),
        "payload": event_payload(event),
    }


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
    )
    return int(env["seq"]), event


def refs(event: Event) -> set[str]:
    """The weapons, lots, containers, incidents and people an event concerns."""
    found: set[str] = set()
    if event.by:
        found.add(event.by)
    found.update(event.witnesses)
    payload = event_payload(event)
    for value in _walk(payload):
        if _TAG.match(value):
            found.add(value)
    for name in _PERSON_FIELDS:
        field_value = payload.get(name)
        if isinstance(field_value, str):
            found.add(field_value)
        elif isinstance(field_value, list):
            found.update(v for v in field_value if isinstance(v, str))
    return found


def _walk(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
