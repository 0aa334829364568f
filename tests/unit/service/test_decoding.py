"""The fast entry decoder gives the reference's event, channel and position, or its error.

The reference is ``json.loads`` and ``codec.event_from_envelope``
(``envelope.reference_decode_entry_with_channel``); the fast path is orjson and the
decoder compiled once per event class (``domain.decoding``). Every event type is built
with hypothesis from the domain's own dataclasses with hostile strings in every text
field; old payload versions go through their upcasters; and envelopes are broken on
purpose (a field of the wrong type, a key missing, a value from a random JSON tree, JSON
that orjson refuses and ``json.loads`` reads): both must agree on every one. What an event
concerns (``envelope.refs``, compiled per class) equals ``codec.event_refs``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coldcheck.domain import codec, decoding
from coldcheck.domain.codec import UPCASTERS
from coldcheck.domain.events import EVENT_TYPES
from coldcheck.service.envelope import (
    Channel,
    decode_entry,
    decode_entry_with_channel,
    encode_entry,
    envelope,
    parse_json,
    reference_decode_entry_with_channel,
    refs,
)
from tests.unit.domain.test_events import make
from tests.unit.domain.test_scenarios import run_shoot_day
from tests.unit.service.test_fastjson import dataclass_strategy, integers, json_values

CHANNEL = Channel.cli("mara")


def outcome(decode: Any, raw: bytes) -> tuple[Any, ...]:
    """What ``decode(raw)`` gives: ("ok", value) or ("error", exception type, message)."""
    try:
        return ("ok", decode(raw))
    except Exception as exc:
        return ("error", type(exc), str(exc))


def agree(raw: bytes) -> tuple[Any, ...]:
    """Fast and reference outcomes for ``raw`` are the same; returns it."""
    want = outcome(reference_decode_entry_with_channel, raw)
    got = outcome(decode_entry_with_channel, raw)
    assert got == want, raw
    if want[0] == "ok":  # the events are equal field for field, down to their types
        assert type(got[1][1]) is type(want[1][1])
        assert vars(got[1][1]) == vars(want[1][1])
    return want


def dumps(env: Any, ensure_ascii: bool = False) -> bytes:
    return json.dumps(env, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


def entry_of(type_name: str) -> dict[str, Any]:
    """The envelope dict of a sample event of every field filled."""
    return envelope(41, make(EVENT_TYPES[type_name]), CHANNEL)


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_every_event_type_decodes_to_what_the_reference_decodes(type_name: str) -> None:
    event = make(EVENT_TYPES[type_name])
    raw = encode_entry(41, event, CHANNEL)
    assert agree(raw) == ("ok", (41, event, CHANNEL))
    assert decode_entry(raw) == (41, event)


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_event_type_with_hostile_strings_decodes_as_the_reference_decodes_it(
    type_name: str, data: st.DataObject
) -> None:
    event = data.draw(dataclass_strategy(EVENT_TYPES[type_name]), label="event")
    env = envelope(data.draw(integers, label="seq"), event, CHANNEL)
    # raw UTF-8 and \u escapes (lone surrogates too, which orjson refuses and json reads)
    agree(dumps(env, ensure_ascii=data.draw(st.booleans(), label="ascii")))


@pytest.mark.parametrize(("type_name", "version"), sorted(UPCASTERS))
def test_an_old_version_is_upcast_as_the_reference_upcasts_it(type_name: str, version: int):
    env = entry_of(type_name)
    env["version"] = version  # each upcaster sets what it adds over what is there
    assert agree(dumps(env))[0] == "ok"


@pytest.mark.parametrize("version", [0, -1, 99, "2", 2.0, None, True, [1]])
def test_a_version_no_upcaster_knows_fails_as_the_reference_fails(version: Any) -> None:
    for type_name in ("WeaponHandedOver", "ArmoryLocked", "IncidentOpened"):
        env = entry_of(type_name)
        env["version"] = version
        agree(dumps(env))


BROKEN: list[tuple[str, Any]] = [
    ("type", "NoSuchEvent"),
    ("type", None),
    ("type", ["WeaponTakenOut"]),
    ("at", "yesterday"),
    ("at", 5),
    ("at", "2026-03-14T14:40:05"),
    ("by", None),
    ("by", 12),
    ("witnesses", None),
    ("witnesses", "dana"),
    ("payload", None),
    ("payload", [["weapon", "W-0001"]]),
    ("payload", "text"),
    ("channel", "bogus"),
    ("channel", "cli:a b"),
    ("channel", 3),
    ("channel", None),
    ("signatures", {}),
    ("signatures", [{"person": "dana"}]),
    ("signatures", "x"),
    ("seq", "41"),
    ("seq", 4.5),
    ("seq", None),
]


@pytest.mark.parametrize(("key", "value"), BROKEN)
@pytest.mark.parametrize("type_name", ["WeaponTakenOut", "InspectionRecorded", "IncidentOpened"])
def test_a_broken_envelope_fails_as_the_reference_fails(type_name: str, key: str, value: Any):
    env = entry_of(type_name)
    env[key] = value
    agree(dumps(env))


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_a_missing_key_or_payload_field_fails_as_the_reference_fails(type_name: str) -> None:
    env = entry_of(type_name)
    for key in list(env):
        agree(dumps({k: v for k, v in env.items() if k != key}))
    for name in list(env["payload"]):
        payload = {k: v for k, v in env["payload"].items() if k != name}
        agree(dumps({**env, "payload": payload}))


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_a_payload_field_of_any_json_value_decodes_or_fails_as_the_reference_does(
    type_name: str, data: st.DataObject
) -> None:
    env = entry_of(type_name)
    if not env["payload"]:
        return
    name = data.draw(st.sampled_from(sorted(env["payload"])), label="field")
    value = data.draw(json_values, label="value")
    if isinstance(env["payload"][name], list) and env["payload"][name] and data.draw(st.booleans()):
        value = [value]  # inside a list (a finding, a load, a position, ...)
    env["payload"][name] = value
    agree(dumps(env, ensure_ascii=data.draw(st.booleans(), label="ascii")))


RAW_JSON = [
    b'{"at": NaN}',
    b"[Infinity]",
    b'"\\ud800"',
    b"123456789012345678901234567890",
    b"\xef\xbb\xbf{}",
    '{"a": "é"}'.encode("utf-16"),
    b"\xff\xfe",
    b"",
    b"{",
    b'{"a":1,"a":2}',
    b"1e400",
    b"-0",
    b'  {"a" : [1 , 2.5e-3, true, null]}  ',
]


@pytest.mark.parametrize("raw", RAW_JSON)
def test_json_that_orjson_refuses_is_read_as_json_loads_reads_it(raw: bytes) -> None:
    want = outcome(json.loads, raw)
    got = outcome(parse_json, raw)
    if want[0] == "ok" and isinstance(want[1], float) and math.isnan(want[1]):
        assert math.isnan(got[1])
    else:
        assert got == want
    agree(raw)


def test_each_event_class_is_compiled_once() -> None:
    first = decoding.decoder_for("InspectionRecorded")
    assert decoding.decoder_for("InspectionRecorded") is first


def test_the_compiled_decoder_takes_the_reference_decoders_arguments() -> None:
    event = make(EVENT_TYPES["WeaponHandedOver"])
    env = entry_of("WeaponHandedOver")
    args = (
        env["type"],
        env["version"],
        env["production"],
        env["at"],
        env["by"],
        env["witnesses"],
        env["payload"],
        env.get("signatures"),
    )
    assert decoding.decode_event(*args) == codec.event_from_envelope(*args) == event


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_every_event_type_concerns_the_ids_the_reference_finds(type_name: str) -> None:
    event = make(EVENT_TYPES[type_name])
    assert refs(event) == codec.event_refs(event)
    assert refs(dataclasses.replace(event, by=None, witnesses=())) == codec.event_refs(
        dataclasses.replace(event, by=None, witnesses=())
    )


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_generated_event_concerns_the_ids_the_reference_finds(
    type_name: str, data: st.DataObject
) -> None:
    event = data.draw(dataclass_strategy(EVENT_TYPES[type_name]), label="event")
    assert refs(event) == codec.event_refs(event)


def test_a_whole_shoot_day_concerns_the_ids_the_reference_finds() -> None:
    for event in run_shoot_day().log:
        assert refs(event) == codec.event_refs(event), event


NOT_ONLY_STRINGS: list[Any] = [
    [],
    ["open", "look"],
    ["open", 3],
    [None],
    ["open", ["look"]],
    [True, "open"],
    ["open", {"step": "look"}],
    ["é", "\u00e9", ""],
    "open",
    {"open": "look"},
]


@pytest.mark.parametrize("value", NOT_ONLY_STRINGS)
def test_a_list_of_strings_or_not_decodes_or_fails_as_the_reference_does(value: Any) -> None:
    for type_name, name in (("InspectionRecorded", "checklist"), ("ScenePlanned", "performers")):
        env = entry_of(type_name)
        env["payload"][name] = value
        agree(dumps(env))


def _findings(*found: Any) -> list[Any]:
    return [{"found": f, "position": f"chamber {i}"} for i, f in enumerate(found, start=1)]


FINDINGS: list[Any] = [
    _findings("empty", "empty"),
    _findings("empty", "blank"),  # one differs from a list read before
    [{"position": "chamber 1", "found": "empty"}, {"found": "empty", "position": "chamber 2"}],
    _findings("empty"),
    _findings("empty", "empty", "empty"),
    [],
    _findings("empty", "bogus"),
    _findings("empty", 3),
    _findings("empty", ["empty"]),  # an unhashable value
    [*_findings("empty"), "chamber 2"],
    [*_findings("empty"), None],
    [{"found": "empty", "position": "chamber 1", "extra": "x"}],
    [{"found": "empty"}],
    _findings("empty", "empty"),
]


def test_lists_of_findings_read_again_and_changed_decode_or_fail_as_the_reference_does() -> None:
    env = entry_of("InspectionRecorded")
    decoded = []
    for _ in range(2):  # the second round meets every list remembered
        for findings in FINDINGS:
            env["payload"]["findings"] = findings
            outcome = agree(dumps(env))
            if outcome[0] == "ok":
                decoded.append(outcome[1][1].findings)
    # the same findings read again are one shared tuple of the same values
    env["payload"]["findings"] = _findings("empty", "live")
    first = decode_entry(dumps(env))[1]
    again = decode_entry(dumps(env))[1]
    assert again.findings is first.findings
    assert len(decoded) == 2 * 8  # the others fail, as the reference fails


def test_a_count_read_from_numbers_is_never_taken_for_one_read_before() -> None:
    # 1, True and 1.0 are equal keys; only a list of strings only is remembered, so a bool
    # or a float where a count belongs still fails as the reference fails
    env = entry_of("DayReconciled")
    for count in (1, True, 1.0, 1, "1", True):
        env["payload"]["lot_counts"] = [{"lot": "L-0001", "in_store": count, "spent_cases": 0}]
        want = "ok" if type(count) is int else "error"
        assert agree(dumps(env))[0] == want
