"""The ledger entry of an event: its envelope as RFC 8785 canonical JSON.

``{seq, production, type, version, at, by, witnesses, channel, payload}`` — the fields
of DESIGN.md's entry plus ``version``, the payload's schema version (so an upcaster can
lift it on read without rewriting the log), and ``channel``: how the command came in
(:class:`Channel` — ``web``, ``api``, ``cli:<OS user>`` or ``demo``), so a reader can
tell a person's own decision, made with their session or token, from an operator's at
the command line (``--as``). Entries written before channels existed have none.
An entry whose command was confirmed with a passkey also has ``signatures`` (issue 17: the
confirmers' assertions); entries without one keep their exact bytes.

Reading an entry is fast (issue 16, replay at speed): orjson parses it and the decoder
compiled once per event class (:mod:`coldcheck.domain.decoding`) builds the event. The
reference is ``json.loads`` and :func:`coldcheck.domain.codec.event_from_envelope`
(:func:`reference_decode_entry_with_channel`): the fast path gives the same event, channel
and position, or raises the same error, for every entry (tests/unit/service/test_decoding.py).
Where orjson refuses bytes that ``json.loads`` reads (``NaN``, infinities, a lone surrogate,
other encodings than UTF-8) or could read them otherwise (an integer beyond 64 bits, which
it makes a float: any 19 digits in a row), ``json.loads`` reads them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import orjson

from coldcheck.domain.codec import event_from_envelope, event_payload, to_json
from coldcheck.domain.decoding import decoder_for
from coldcheck.domain.decoding import event_refs as compiled_event_refs
from coldcheck.domain.events import Event
from coldcheck.service.fastjson import canonical_json

__all__ = [
    "CHANNEL_WORDS",
    "Channel",
    "decode_entry",
    "decode_entry_with_channel",
    "encode_entry",
    "entry_channel",
    "envelope",
    "parse_json",
    "reference_decode_entry_with_channel",
    "refs",
]

CHANNEL_WORDS = {
    "web": "web page (the person's own session)",
    "api": "API token (the person's own token)",
    "cli": "command line",
    "demo": "demo loader",
}
"""What each channel means, in words (bundles and reports)."""

_DETAIL = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Channel:
    """How a command reached coldcheck: ``web``, ``api``, ``cli`` (with the OS user), ``demo``."""

    kind: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHANNEL_WORDS:
            raise ValueError(f"unknown channel {self.kind!r}")
        if len(self.detail) > 32 or _DETAIL.search(self.detail):
            raise ValueError("a channel's detail is at most 32 of A-Z a-z 0-9 . _ -")

    def __str__(self) -> str:
        return f"{self.kind}:{self.detail}" if self.detail else self.kind

    @classmethod
    def web(cls) -> Channel:
        """A page, with the person's own session (or an anonymous page)."""
        return cls("web")

    @classmethod
    def api(cls) -> Channel:
        """The JSON API with the person's own bearer token."""
        return cls("api")

    @classmethod
    def cli(cls, os_user: str) -> Channel:
        """The command line, run by this operating-system user."""
        cleaned = _DETAIL.sub("-", os_user)[:32].strip("-") or "unknown"
        return cls("cli", cleaned)

    @classmethod
    def demo(cls) -> Channel:
        """The demo loader."""
        return cls("demo")

    @classmethod
    def parse(cls, text: str) -> Channel:
        """The channel written in an entry."""
        kind, _, detail = text.partition(":")
        return cls(kind, detail)

    def words(self) -> str:
        """E.g. ``command line (OS user tom)``."""
        base = CHANNEL_WORDS[self.kind]
        return f"{base} (OS user {self.detail})" if self.kind == "cli" else base


def envelope(seq: int, event: Event, channel: Channel | None) -> dict[str, Any]:
    """The envelope dict of ``event`` at log position ``seq``, come in by ``channel``.

    (None only to show an entry written before channels existed; never written.)
    ``signatures`` (the confirmers' passkey assertions, issue 17) only when there are some.
    """
    env: dict[str, Any] = {
        "seq": seq,
        "production": event.production,
        "type": event.type_name,
        "version": event.version,
        "at": event.at.astimezone(UTC).isoformat(),
        "by": event.by,
        "witnesses": list(event.witnesses),
        "channel": None if channel is None else str(channel),
        "payload": event_payload(event),
    }
    if event.signatures:
        env["signatures"] = to_json(event.signatures)
    return env


def encode_entry(seq: int, event: Event, channel: Channel) -> bytes:
    """The exact bytes that are hashed into the ledger for ``event``."""
    return canonical_json(envelope(seq, event, channel))


_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))
_NINETEEN_DIGITS = b"0" * 19
"""19 digits in a row (found with ``translate``, faster than a regular expression): maybe
an integer beyond 64 bits, which orjson reads as a float."""


def parse_json(entry: bytes) -> Any:
    """``json.loads(entry)``, through orjson where orjson reads it the same."""
    if _NINETEEN_DIGITS not in bytes(entry).translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(entry)
        except orjson.JSONDecodeError:
            pass
    return json.loads(entry)


_CHANNELS: dict[str, Channel] = {}
_CHANNELS_KEPT = 256


def _channel(value: Any) -> Channel | None:
    """``Channel.parse`` of a stored channel (None when there is none), remembered."""
    if not isinstance(value, str):
        return None
    channel = _CHANNELS.get(value)
    if channel is None:
        channel = Channel.parse(value)  # raises for a channel that is not one
        if len(_CHANNELS) < _CHANNELS_KEPT and type(value) is str:
            _CHANNELS[value] = channel
    return channel


def decode_entry(entry: bytes) -> tuple[int, Event]:
    """The log position and the event (upcast to the newest version) of an event entry."""
    seq, event, _ = decode_entry_with_channel(entry)
    return seq, event


def decode_entry_with_channel(entry: bytes) -> tuple[int, Event, Channel | None]:
    """The log position, the event and the channel (None before channels) of an event entry."""
    env = parse_json(entry)
    # every key is read before the type is looked up, in the reference's order
    kind, version, production, at, by, witnesses, payload, signatures = (
        env["type"],
        env["version"],
        env["production"],
        env["at"],
        env["by"],
        env["witnesses"],
        env["payload"],
        env.get("signatures"),
    )
    event = decoder_for(kind)(version, production, at, by, witnesses, payload, signatures)
    channel = _channel(env.get("channel"))
    return int(env["seq"]), event, channel


def reference_decode_entry_with_channel(entry: bytes) -> tuple[int, Event, Channel | None]:
    """What :func:`decode_entry_with_channel` must return: ``json.loads`` and the reference
    decoder, :func:`coldcheck.domain.codec.event_from_envelope` (tests compare the two)."""
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
    channel = env.get("channel")
    return int(env["seq"]), event, Channel.parse(channel) if isinstance(channel, str) else None


def entry_channel(entry: bytes) -> Channel | None:
    """The channel an event entry records (None for entries written before channels)."""
    return _channel(parse_json(entry).get("channel"))


def refs(event: Event) -> frozenset[str]:
    """The weapons, lots, containers, incidents and people an event concerns (its typed ids):
    :func:`coldcheck.domain.codec.event_refs`, compiled once per event class."""
    return compiled_event_refs(event)
