"""Issue 18: take context on every firearm event, the meeting a blank load names,
dated training (R14) and the compliance contact (R29); old entries upcast."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.codec import event_from_envelope, event_payload
from coldcheck.domain.errors import Refusal
from coldcheck.domain.ids import MeetingId, SceneId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import PositionLoad, Settings, TakeContext
from coldcheck.domain.state import replay
from coldcheck.service.words import describe
from tests.factories import (
    C_BLANKS,
    DANA,
    DAY,
    JACK,
    L1,
    MARA,
    PRIYA,
    SCENE_41,
    TOM,
    W1,
    dry_gulch,
)

TAKE_3 = TakeContext(scene=SCENE_41, setup="41A", take=3, rehearsal=False)
REHEARSAL = TakeContext(scene=SCENE_41, setup="41A", rehearsal=True)


def _load(s, **extra):  # type: ignore[no-untyped-def]
    return s.try_(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_BLANKS,
        loads=(PositionLoad("chamber 1", L1), PositionLoad("chamber 2", L1)),
        scene=SCENE_41,
        take_at=s.now + timedelta(minutes=10),
        hammer_over="chamber 6",
        **extra,
    )


def _codes(refusal) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.rule for r in refusal.reasons}


def test_a_blank_load_names_the_safety_meeting_that_authorised_it():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    (loaded,) = _load(s, context=REHEARSAL)
    assert isinstance(loaded, ev.WeaponLoaded)
    assert loaded.meeting == MeetingId("M-41")
    assert loaded.context == REHEARSAL
    assert "authorised by safety meeting M-41 [setup 41A, rehearsal]" in describe(loaded, s.state)


def test_a_blank_load_naming_a_meeting_that_does_not_cover_its_scene_is_refused_R17():
    s = dry_gulch()
    s.do(
        c.HoldSafetyMeeting,
        DANA,
        meeting=MeetingId("M-OTHER"),
        day=DAY,
        scenes=(),
        attendees=(DANA, MARA),
    )
    s.take_out_and_inspect(W1)
    before = s.state
    refusal = _load(s, meeting=MeetingId("M-OTHER"))
    assert "R17" in _codes(refusal) and s.state == before
    assert "M-OTHER does not cover scene 41" in str(refusal)
    (loaded,) = _load(s, meeting=MeetingId("M-41"))
    assert loaded.meeting == "M-41"


def test_a_dummy_load_names_no_meeting():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_BLANKS,
        loads=(PositionLoad("chamber 1", "L-0002"),),
        hammer_over="chamber 6",
        meeting=MeetingId("M-41"),
    )
    assert "only a blank load names the safety meeting" in str(refusal)


def test_a_handoff_firing_misfire_and_take_back_carry_the_take_context_given():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    _load(s, context=TAKE_3)
    (handed,) = s.do(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK, context=TAKE_3)
    (fired,) = s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1",), context=TAKE_3)
    (misfire,) = s.do(c.RecordMisfire, MARA, weapon=W1, position="chamber 2", context=TAKE_3)
    s.tick(minutes=1)
    (back,) = s.do(c.TakeBack, MARA, confirm=(JACK,), weapon=W1, context=TAKE_3)
    for e in (handed, fired, misfire, back):
        assert e.context == TAKE_3
        assert describe(e, s.state).endswith("[scene 41, setup 41A, take 3, not a rehearsal]")


def test_an_unplanned_discharge_in_a_rehearsal_puts_the_context_on_its_incident():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    _load(s)
    s.do(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK)
    events = s.do(
        c.RecordUnplannedDischarge,
        MARA,
        weapon=W1,
        position="chamber 1",
        description="went off while holstering",
        context=REHEARSAL,
    )
    discharge, incident = events[0], events[1]
    assert isinstance(discharge, ev.UnplannedDischargeRecorded)
    assert isinstance(incident, ev.IncidentOpened)
    assert discharge.context == incident.context == REHEARSAL
    assert incident.scene == SCENE_41
    assert "rehearsal" in describe(incident, s.state)


def test_an_incident_opened_by_hand_keeps_its_scene_in_its_context():
    s = dry_gulch()
    (incident, *_) = s.do(
        c.OpenIncident,
        PRIYA,
        kind="near miss",
        severity="note",
        description="muzzle swept the dolly grip",
        scene=SCENE_41,
        context=TakeContext(take=2, rehearsal=True),
    )
    assert incident.context == TakeContext(scene=SCENE_41, take=2, rehearsal=True)


@pytest.mark.parametrize(
    ("context", "words"),
    [
        (TakeContext(scene=SceneId("99")), "scene 99 is not planned"),
        (TakeContext(take=0), "a take number is 1 or more"),
    ],
)
def test_a_take_context_naming_an_unplanned_scene_or_take_zero_is_refused(context, words):
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK, context=context)
    assert words in str(refusal)


def test_a_load_whose_context_names_another_scene_is_refused():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = _load(s, context=TakeContext(scene=SceneId("44")))
    assert "name one scene" in str(refusal)


def test_a_setup_longer_than_a_line_is_refused_before_any_rule():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(
        c.HandOver,
        MARA,
        confirm=(JACK, DANA),
        weapon=W1,
        to=JACK,
        context=TakeContext(setup="x" * 201),
    )
    assert _codes(refusal) == {"INPUT"}


# -- old entries ----------------------------------------------------------------

ENVELOPE = {"by": "mara", "production": "dry-gulch", "at": "2026-03-14T18:00:00+00:00"}

OLD_PAYLOADS = [
    (
        "WeaponHandedOver",
        2,
        {"weapon": "W-0001", "to": "jack", "warnings": [], "as_armorer": False},
    ),
    ("WeaponHandedOver", 1, {"weapon": "W-0001", "to": "jack", "warnings": []}),
    (
        "WeaponLoaded",
        1,
        {
            "weapon": "W-0001",
            "container": "C-0001",
            "loads": [{"position": "chamber 1", "lot": "L-0001"}],
            "scene": "41",
            "take_at": "2026-03-14T18:10:00+00:00",
            "hammer_over": "chamber 6",
            "announce": True,
        },
    ),
    ("WeaponTakenBack", 1, {"weapon": "W-0001", "from_person": "jack"}),
    ("BlanksFired", 1, {"weapon": "W-0001", "positions": ["chamber 1"]}),
    ("MisfireRecorded", 1, {"weapon": "W-0001", "position": "chamber 2"}),
    (
        "UnplannedDischargeRecorded",
        1,
        {"weapon": "W-0001", "position": None, "description": "went off"},
    ),
    (
        "IncidentOpened",
        2,
        {
            "incident": "I-0001",
            "kind": "unplanned_discharge",
            "severity": "stop",
            "description": "went off",
            "weapon": "W-0001",
            "lots": [],
            "weapons": ["W-0001"],
            "scene": None,
            "people": [],
        },
    ),
]


@pytest.mark.parametrize(("type_name", "version", "payload"), OLD_PAYLOADS)
def test_an_old_firearm_entry_upcasts_with_no_take_context(type_name, version, payload):
    e = event_from_envelope(type_name, version, witnesses=["dana"], payload=payload, **ENVELOPE)
    assert e.context is None  # type: ignore[union-attr]
    again = event_payload(e)
    assert again["context"] is None
    assert (
        event_from_envelope(type_name, e.version, witnesses=["dana"], payload=again, **ENVELOPE)
        == e
    )


def test_an_old_load_names_no_meeting_and_an_old_training_no_dates():
    load = event_from_envelope(
        "WeaponLoaded", 1, witnesses=[], payload=OLD_PAYLOADS[2][2], **ENVELOPE
    )
    assert isinstance(load, ev.WeaponLoaded) and load.meeting is None
    training = event_from_envelope(
        "TrainingRecorded",
        1,
        witnesses=[],
        payload={"person": "jack", "action": "lever", "note": ""},
        **ENVELOPE,
    )
    assert isinstance(training, ev.TrainingRecorded)
    assert (training.course, training.trained_on, training.expires) == ("", None, None)


def test_a_day_recorded_before_issue_18_replays_to_the_same_state():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    _load(s)
    s.do(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK)
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1",))
    s.take_back(W1)
    old_forms = []
    for e in s.log:
        payload = event_payload(e)
        if e.type_name in {t for t, _, _ in OLD_PAYLOADS}:
            payload.pop("context", None)
            payload.pop("meeting", None)
            version = {"WeaponHandedOver": 2, "IncidentOpened": 2}.get(e.type_name, 1)
        elif e.type_name == "TrainingRecorded":
            for key in ("course", "trained_on", "expires"):
                payload.pop(key)
            version = 1
        else:
            version = e.version
        old_forms.append(
            event_from_envelope(
                e.type_name,
                version,
                e.production,
                e.at.isoformat(),
                e.by,
                list(e.witnesses),
                payload,
            )
        )
    old_state = replay(s.state.production, old_forms)
    assert old_state.weapons == s.state.weapons
    assert old_state.lots == s.state.lots


# -- training with a date and an expiry (R14) --------------------------------------------


def test_a_performer_whose_training_expired_is_refused_R14():
    s = dry_gulch()
    s.do(
        c.RecordTraining,
        MARA,
        person=JACK,
        action=ActionType.SINGLE_ACTION_REVOLVER,
        course="Single-action safety",
        trained_on=DAY - timedelta(days=400),
        expires=DAY - timedelta(days=1),
    )
    s.take_out_and_inspect(W1)
    refusal = s.refused(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK)
    assert "R14" in _codes(refusal)
    assert f"expired on {DAY - timedelta(days=1)}" in str(refusal)
    s.do(
        c.RecordTraining,
        MARA,
        person=JACK,
        action=ActionType.SINGLE_ACTION_REVOLVER,
        course="Single-action safety",
        trained_on=DAY,
        expires=DAY + timedelta(days=365),
    )
    assert not isinstance(s.hand_to(W1, JACK), Refusal)


def test_training_valid_through_its_expiry_day_counts():
    s = dry_gulch()
    s.do(
        c.RecordTraining,
        MARA,
        person=JACK,
        action=ActionType.SINGLE_ACTION_REVOLVER,
        trained_on=DAY - timedelta(days=30),
        expires=DAY,
    )
    s.take_out_and_inspect(W1)
    assert not isinstance(s.hand_to(W1, JACK), Refusal)


@pytest.mark.parametrize(
    ("trained_on", "expires", "words"),
    [
        (DAY + timedelta(days=2), None, "in the future"),
        (DAY - timedelta(days=2), DAY - timedelta(days=3), "before it took place"),
    ],
)
def test_training_dated_in_the_future_or_expiring_before_it_is_refused(trained_on, expires, words):
    s = dry_gulch()
    refusal = s.refused(
        c.RecordTraining,
        MARA,
        person=JACK,
        action=ActionType.LEVER,
        trained_on=trained_on,
        expires=expires,
    )
    assert words in str(refusal)


# -- the compliance contact (R29) ----------------------------------------------------------


def test_no_weapon_is_issued_before_the_production_names_its_compliance_contact_R29():
    s = dry_gulch()
    assert s.state.info is not None
    s.do(c.ChangeSettings, TOM, settings=replace(s.state.info.settings, compliance_contact=" "))
    s.take_out_and_inspect(W1)
    refusal = s.refused(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK)
    assert "R29" in _codes(refusal)
    assert "compliance contact" in str(refusal)
    (changed,) = s.do(
        c.ChangeSettings, TOM, settings=Settings(compliance_contact="Tom Reyes, 505 555 0190")
    )
    assert (
        describe(changed, s.state)
        == "settings changed; compliance contact: Tom Reyes, 505 555 0190"
    )
    assert not isinstance(s.hand_to(W1, JACK), Refusal)


def test_a_compliance_contact_longer_than_a_line_is_refused():
    s = dry_gulch()
    refusal = s.refused(c.ChangeSettings, TOM, settings=Settings(compliance_contact="x" * 201))
    assert _codes(refusal) == {"INPUT"}


def test_the_daily_log_prints_the_take_context_and_the_authorising_meeting():
    from coldcheck.service.daily import daily_report, daily_rows
    from coldcheck.service.queries import TimelineItem

    s = dry_gulch()
    s.take_out_and_inspect(W1)
    _load(s, context=REHEARSAL)
    s.do(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK, context=TAKE_3)
    items = [TimelineItem(n, e) for n, e in enumerate(s.log)]
    report = daily_report(s.state, items, DAY, s.now, None)
    what = [row[3] for row in daily_rows(report)]
    assert any("authorised by safety meeting M-41 [setup 41A, rehearsal]" in w for w in what)
    assert any(
        w.startswith("W-0001 handed to Jack Hale")
        and w.endswith("[scene 41, setup 41A, take 3, not a rehearsal]")
        for w in what
    )
