"""Events: stored form, round trips for every type, upcasters (STYLE.md #8)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import pytest

from coldcheck.domain import events as ev
from coldcheck.domain.codec import (
    UPCASTERS,
    event_from_envelope,
    event_payload,
    event_refs,
    to_json,
)
from coldcheck.domain.errors import InvalidEvent, Reason, UnknownEventType
from coldcheck.domain.events import EVENT_TYPES
from coldcheck.domain.model import PositionLoad
from tests.factories import Shoot

AT = datetime(2026, 3, 14, 14, 40, 5, 123000, tzinfo=UTC)


def sample(tp: Any) -> Any:
    """A value of type ``tp`` for round trips (non-default, non-empty)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in typing.get_args(tp) if a is not type(None)))
    if origin is tuple:
        return (sample(typing.get_args(tp)[0]),)
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:
        return sample(supertype)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return list(tp)[-1]
    if tp is datetime:
        return AT
    if tp is date:
        return date(2026, 3, 14)
    if tp is bool:
        return True
    if tp is int:
        return 7
    if tp is str:
        return "chamber 3"
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: sample(hints[f.name]) for f in dataclasses.fields(tp)})
    raise AssertionError(f"no sample for {tp!r}")


def make(cls: type) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: sample(hints[f.name]) for f in dataclasses.fields(cls)}
    fields["witnesses"] = ("dana", "jack")
    if "warnings" in fields:
        fields["warnings"] = (Reason("R28", "too many weapons out — bring some back."),)
    return cls(**fields)


def envelope(e: Any) -> dict[str, Any]:
    return dict(
        type_name=e.type_name,
        version=e.version,
        production=e.production,
        at=e.at.isoformat(),
        by=e.by,
        witnesses=list(e.witnesses),
        payload=json.loads(json.dumps(event_payload(e))),
        signatures=json.loads(json.dumps(to_json(e.signatures))),
    )


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
def test_every_event_type_survives_the_stored_form(type_name):
    e = make(EVENT_TYPES[type_name])
    assert event_from_envelope(**envelope(e)) == e


def test_every_event_has_a_type_name_and_version():
    for name, cls in EVENT_TYPES.items():
        assert cls.type_name == name and cls.version >= 1
    assert len(EVENT_TYPES) == len(typing.get_args(ev.Event))


def test_payloads_are_plain_json_and_deterministic():
    e = make(ev.WeaponLoaded)
    payload = event_payload(e)
    assert json.loads(json.dumps(payload, sort_keys=True)) == payload
    assert payload == event_payload(make(ev.WeaponLoaded))
    assert payload["take_at"] == "2026-03-14T14:40:05.123000+00:00"
    assert payload["loads"] == [{"position": "chamber 3", "lot": "chamber 3"}]
    assert "production" not in payload and "witnesses" not in payload


def test_the_events_of_a_whole_shoot_day_survive_the_stored_form():
    from tests.unit.domain.test_scenarios import run_shoot_day

    s: Shoot = run_shoot_day()
    assert len({type(e) for e in s.log}) > 25
    for e in s.log:
        assert event_from_envelope(**envelope(e)) == e


def test_an_unknown_event_type_is_refused():
    with pytest.raises(UnknownEventType):
        event_from_envelope("Teleported", 1, "p", AT.isoformat(), None, [], {})


def test_an_old_payload_version_is_lifted_by_its_upcaster(monkeypatch):
    # Pretend BoreChecked v2 replaced the bool "clear" of v1 by the "bore" finding.
    monkeypatch.setattr(ev.BoreChecked, "version", 2)

    def v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
        clear = payload.pop("clear")
        return {**payload, "bore": "clear" if clear else "obstructed"}

    monkeypatch.setitem(UPCASTERS, ("BoreChecked", 1), v1_to_v2)
    old = {"weapon": "W-0001", "clear": False}
    e = event_from_envelope("BoreChecked", 1, "p", AT.isoformat(), "mara", [], old)
    assert e == ev.BoreChecked(production="p", at=AT, by="mara", weapon="W-0001", bore="obstructed")


def test_a_missing_upcaster_is_an_error(monkeypatch):
    monkeypatch.setattr(ev.BoreChecked, "version", 3)
    with pytest.raises(InvalidEvent):
        event_from_envelope("BoreChecked", 1, "p", AT.isoformat(), None, [], {})


def test_an_event_concerns_the_ids_its_fields_declare():
    e = ev.WeaponLoaded(
        production="p",
        at=AT,
        by="mara",
        witnesses=("dana",),
        weapon="W-0001",
        container="C-0002",
        loads=(PositionLoad("chamber 1", "L-0003"),),
        scene="41",
        take_at=None,
        hammer_over=None,
        announce=True,
    )
    assert event_refs(e) == {"mara", "dana", "W-0001", "C-0002", "L-0003"}


def test_a_note_that_names_a_weapon_does_not_make_the_event_about_it():
    e = ev.SafetyReportFiled(
        production="p", at=AT, by=None, report="S-1", text="W-0001 felt light", anonymous=True
    )
    assert event_refs(e) == frozenset()


# -- issue 19: payloads that changed, and the entries already in databases ---------------

V1 = {
    "by": "mara",
    "production": "dry-gulch",
    "at": AT.isoformat(),
    "witnesses": ["dana", "jack"],
}


def test_a_v1_handoff_replays_as_it_did_then():
    e = event_from_envelope(
        "WeaponHandedOver",
        1,
        payload={"weapon": "W-0001", "to": "jack", "warnings": []},
        **V1,
    )
    assert isinstance(e, ev.WeaponHandedOver) and e.as_armorer is None
    assert e.context is None  # v3 (issue 18) upcasts it too
    assert ev.WeaponHandedOver.version == 3


def test_a_v1_incident_names_its_one_weapon_and_nothing_else():
    e = event_from_envelope(
        "IncidentOpened",
        1,
        payload={
            "incident": "I-0001",
            "kind": "unplanned_discharge",
            "severity": "stop",
            "description": "went off",
            "weapon": "W-0004",
            "lots": [],
        },
        **V1,
    )
    assert isinstance(e, ev.IncidentOpened)
    assert (e.weapon, e.weapons, e.scene, e.people) == ("W-0004", ("W-0004",), None, ())
    none = event_from_envelope(
        "IncidentOpened",
        1,
        payload={
            "incident": "I-0002",
            "kind": "reported",
            "severity": "note",
            "description": "x",
            "weapon": None,
            "lots": ["L-0001"],
        },
        **V1,
    )
    assert none.weapons == () and none.lots == ("L-0001",)


def test_a_v1_lift_of_stop_work_carried_nothing_over():
    e = event_from_envelope("StopWorkLifted", 1, payload={"meeting": "M-2"}, **V1)
    assert isinstance(e, ev.StopWorkLifted) and (e.carried_over, e.reason) == ((), "")
