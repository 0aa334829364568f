"""The §9153 daily compliance report, built from scripted days (pure: no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import TakeContext
from coldcheck.service.compliance import (
    COMPLIANCE_COLUMNS,
    MET,
    NOT_MET,
    NOT_RECORDED,
    ComplianceLine,
    ComplianceReport,
    compliance_report,
    compliance_rows,
)
from coldcheck.service.queries import TimelineItem
from tests.factories import (
    COMPLIANCE_CONTACT,
    DAY,
    JACK,
    MARA,
    PROD,
    SCENE_41,
    TOM,
    W1,
    armed,
    dry_gulch,
)

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def _items(log: list[Event]) -> list[TimelineItem]:
    return [TimelineItem(seq, e) for seq, e in enumerate(log)]


def _report(s, log: list[Event] | None = None) -> ComplianceReport:  # type: ignore[no-untyped-def]
    return compliance_report(s.state, _items(log if log is not None else s.log), DAY, NOW, None)


def _line(report: ComplianceReport, subject: str, rule: str) -> ComplianceLine:
    (line,) = [x for x in report.lines if x.subject.startswith(subject) and x.rule == rule]
    return line


def _played_day():  # type: ignore[no-untyped-def]
    """Scene 41: W-0001 loaded with blanks, handed to Jack, fired, taken back, stored."""
    s = dry_gulch()
    armed(s)
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1",), context=TakeContext(take=1))
    s.tick(minutes=5)
    s.take_back(W1)
    return s


def test_a_clean_day_is_met_line_by_line_citing_the_log():
    s = _played_day()
    report = _report(s)
    seq_of = {id(e): n for n, e in enumerate(s.log)}
    contact = _line(report, "production", "R29")
    assert contact.status == MET and contact.detail == COMPLIANCE_CONTACT
    custody = _line(report, "W-0001", "R06 R08")
    handoff = next(e for e in s.log if isinstance(e, ev.WeaponHandedOver))
    take_back = next(e for e in s.log if isinstance(e, ev.WeaponTakenBack))
    assert custody.status == MET
    assert {seq_of[id(handoff)], seq_of[id(take_back)]} <= set(custody.events)
    duty = _line(report, "Mara Voss (armorer)", "R07")
    assert duty.status == MET and "W-0001" in duty.detail
    assert _line(report, "Mara Voss (armorer)", "R26").status == MET
    meeting = _line(report, "scene 41", "R17")
    held = next(e for e in s.log if isinstance(e, ev.SafetyMeetingHeld))
    load = next(e for e in s.log if isinstance(e, ev.WeaponLoaded))
    assert meeting.status == MET
    assert {seq_of[id(held)], seq_of[id(load)]} <= set(meeting.events)
    assert "Jack Hale" in meeting.detail
    assert _line(report, "ammunition", "R01").status == MET
    assert _line(report, "armorer-to-weapons ratio", "R28").status == MET
    assert report.counts[NOT_MET] == 0


def test_an_armorer_given_a_duty_while_holding_weapons_is_not_met_citing_the_event():
    s = _played_day()
    # A log from before R07 refused it: the duty was recorded while Mara held W-0001.
    log = list(s.log)
    taken_out = next(n for n, e in enumerate(log) if isinstance(e, ev.WeaponTakenOut))
    duty = ev.DutyAssigned(
        production=PROD,
        at=log[taken_out].at + timedelta(seconds=30),
        by=TOM,
        person=MARA,
        duty="props assistant",
    )
    log.insert(taken_out + 1, duty)
    report = _report(s, log)
    line = _line(report, "Mara Voss (armorer)", "R07")
    assert line.status == NOT_MET
    assert line.events == (taken_out + 1,)
    assert f"#{taken_out + 1}: given the duty 'props assistant' while holding W-0001" in line.detail
    assert report.counts[NOT_MET] == 1
    assert line.cells()[4:6] == [NOT_MET, f"#{taken_out + 1}"]


def test_an_armorer_who_takes_weapons_out_while_holding_a_duty_is_not_met_citing_the_take_out():
    s = dry_gulch()
    log = list(s.log)
    log.append(
        ev.DutyAssigned(production=PROD, at=s.now, by=TOM, person=MARA, duty="second unit props")
    )
    log.append(
        ev.WeaponTakenOut(production=PROD, at=s.now + timedelta(minutes=1), by=MARA, weapon=W1)
    )
    line = _line(_report(s, log), "Mara Voss (armorer)", "R07")
    assert line.status == NOT_MET and line.events == (len(log) - 1,)
    assert "second unit props" in line.detail


def test_a_blank_load_without_a_safety_meeting_is_not_met_citing_the_load():
    s = _played_day()
    log = [e for e in s.log if not isinstance(e, ev.SafetyMeetingHeld)]
    log = [replace(e, meeting=None) if isinstance(e, ev.WeaponLoaded) else e for e in log]
    load_seq = next(n for n, e in enumerate(log) if isinstance(e, ev.WeaponLoaded))
    line = _line(_report(s, log), "scene 41", "R17")
    assert line.status == NOT_MET and line.events == (load_seq,)


def test_a_handoff_by_someone_who_is_not_an_armorer_is_not_met_for_the_firearm():
    s = _played_day()
    log = [replace(e, by=JACK) if isinstance(e, ev.WeaponTakenBack) else e for e in s.log]
    seq = next(n for n, e in enumerate(log) if isinstance(e, ev.WeaponTakenBack))
    line = _line(_report(s, log), "W-0001", "R06 R08")
    assert line.status == NOT_MET and line.events == (seq,)
    assert "Jack Hale is not an armorer" in line.detail


def test_a_day_without_a_compliance_contact_is_not_recorded_or_not_met_once_a_weapon_was_issued():
    s = _played_day()
    created = s.log[0]
    assert isinstance(created, ev.ProductionCreated)
    bare = replace(created, settings=replace(created.settings, compliance_contact=""))
    log = [bare, *s.log[1:]]
    handoff = next(n for n, e in enumerate(log) if isinstance(e, ev.WeaponHandedOver))
    line = _line(_report(s, log), "production", "R29")
    assert line.status == NOT_MET and line.events == (handoff,)
    quiet = [e for e in log[: handoff - 3]]
    assert _line(_report(s, quiet), "production", "R29").status == NOT_RECORDED


def test_training_is_met_with_course_and_date_and_not_recorded_without_a_date():
    s = dry_gulch()
    s.do(
        c.RecordTraining,
        MARA,
        person=JACK,
        action=ActionType.SINGLE_ACTION_REVOLVER,
        course="Blank-fire safety, 4 h",
        trained_on=DAY - timedelta(days=3),
        expires=DAY + timedelta(days=362),
    )
    armed(s)
    line = _line(_report(s), "Jack Hale (handled a single action revolver)", "R14")
    assert line.status == MET
    trained_on, until = DAY - timedelta(days=3), DAY + timedelta(days=362)
    assert line.detail == f"Blank-fire safety, 4 h, {trained_on}, valid until {until}"
    undated = _played_day()  # the factories record training without course or date
    line = _line(_report(undated), "Jack Hale (handled", "R14")
    assert line.status == NOT_RECORDED and "without its date" in line.detail


def test_training_expired_on_the_day_is_not_met():
    s = _played_day()
    log = list(s.log)
    trained = next(
        n
        for n, e in enumerate(log)
        if isinstance(e, ev.TrainingRecorded)
        and e.person == JACK
        and e.action is ActionType.SINGLE_ACTION_REVOLVER
    )
    log[trained] = replace(
        log[trained], trained_on=DAY - timedelta(days=400), expires=DAY - timedelta(days=35)
    )
    line = _line(_report(s, log), "Jack Hale (handled", "R14")
    assert line.status == NOT_MET and trained in line.events


def test_the_csv_has_one_row_per_line_with_its_cited_positions():
    report = _report(_played_day())
    rows = compliance_rows(report)
    assert COMPLIANCE_COLUMNS == (
        "section",
        "subject",
        "requirement",
        "rule",
        "status",
        "events",
        "detail",
        "correction",
    )
    assert len(rows) == len(report.lines)
    assert all(len(r) == len(COMPLIANCE_COLUMNS) for r in rows)
    assert any(r[1] == "scene 41" and r[4] == MET and r[5].startswith("#") for r in rows)


def test_a_day_without_firearm_work_says_not_recorded_rather_than_met():
    s = dry_gulch(with_scene=False)
    report = _report(s)
    assert not [x for x in report.lines if x.section == "firearm"]
    assert _line(report, "armorer-to-weapons ratio", "R28").status == NOT_RECORDED
    assert SCENE_41 not in {x.subject for x in report.lines}
