"""R17-R22: scenes, firing, incidents, stop-work, reports."""

from __future__ import annotations

from datetime import timedelta

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import BoreFinding, Disposition, Severity
from coldcheck.domain.status import LoadLabel, overdue_reports, stop_work_active, weapon_status
from tests.factories import (
    DANA,
    DAY,
    ELI,
    JACK,
    MARA,
    PRIYA,
    SAM,
    SCENE_41,
    TOM,
    W1,
    W4,
    armed,
    dry_gulch,
    plan_scene_41,
)

# -- R17 -----------------------------------------------------------------------


def test_loading_blanks_without_a_safety_meeting_is_refused_R17():
    s = dry_gulch(with_scene=False)
    plan_scene_41(s, meeting=False)
    s.take_out_and_inspect(W1)
    assert s.load_blanks(W1, ["chamber 1"]).rules == ("R17",)


def test_a_meeting_without_attendees_is_refused_R17():
    s = dry_gulch(with_scene=False)
    plan_scene_41(s, meeting=False)
    refusal = s.refused(
        c.HoldSafetyMeeting, DANA, meeting="M-1", day=DAY, scenes=(SCENE_41,), attendees=()
    )
    assert refusal.rules == ("R17",)


def test_changing_the_blocking_needs_a_new_meeting_R17():
    s = dry_gulch()
    s.do(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene=SCENE_41,
        day=DAY,
        title="saloon standoff",
        setup="41B",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        points_at_people_or_camera=True,
        closest_distance_ft=30,
        protection=("camera operator behind a shield",),
    )
    s.take_out_and_inspect(W1)
    assert s.load_blanks(W1, ["chamber 1"]).rules == ("R17",)
    s.do(
        c.HoldSafetyMeeting,
        DANA,
        meeting="M-41B",
        day=DAY,
        scenes=(SCENE_41,),
        attendees=(DANA, MARA, JACK),
    )
    assert isinstance(s.load_blanks(W1, ["chamber 1"]), list)


def test_loading_blanks_after_that_day_s_meeting_for_the_scene_is_allowed_R17():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert isinstance(s.load_blanks(W1, ["chamber 1"]), list)


# -- R18 -----------------------------------------------------------------------


def test_pointing_at_camera_without_armorer_sign_off_is_refused_R18():
    s = dry_gulch()
    refusal = s.refused(
        c.PlanScene,
        DANA,
        scene="42",
        day=DAY,
        title="duel",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        points_at_people_or_camera=True,
        closest_distance_ft=30,
    )
    assert refusal.rules == ("R18",)


def test_firing_blanks_closer_than_twenty_feet_without_protection_is_refused_R18():
    s = dry_gulch()
    refusal = s.refused(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene="42",
        day=DAY,
        title="duel",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        closest_distance_ft=12,
    )
    assert refusal.rules == ("R18",)


def test_close_blanks_with_protection_and_armorer_sign_off_are_allowed_R18():
    s = dry_gulch()
    events = s.do(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene="42",
        day=DAY,
        title="duel",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        points_at_people_or_camera=True,
        closest_distance_ft=12,
        protection=("lexan shield", "remote camera"),
    )
    assert events[0].signed_off_by == MARA


# -- R19 -----------------------------------------------------------------------


def _misfired(s):
    armed(s)
    s.take_back(W1)
    s.do(c.RecordMisfire, MARA, weapon=W1, position="chamber 1")


def test_clearing_a_misfire_before_fifteen_seconds_is_refused_R19():
    s = dry_gulch()
    _misfired(s)
    s.tick(seconds=10)
    assert s.inspect(W1).rules == ("R19",)
    assert (
        "R19"
        in s.refused(
            c.UnloadWeapon,
            MARA,
            weapon=W1,
            positions=("chamber 1",),
            disposition=Disposition.DESTROY,
        ).rules
    )


def test_clearing_a_misfire_after_fifteen_seconds_is_allowed_R19():
    s = dry_gulch()
    _misfired(s)
    s.tick(seconds=15)
    s.do(
        c.UnloadWeapon,
        MARA,
        weapon=W1,
        positions=("chamber 1",),
        disposition=Disposition.DESTROY,
        confirm=(PRIYA,),
    )
    assert isinstance(s.inspect(W1), list)


def test_a_misfired_revolver_shows_it_can_fire_without_a_trigger_pull_R19():
    s = dry_gulch()
    _misfired(s)
    status = weapon_status(s.state, W1)
    assert status.can_fire_without_trigger
    assert status.misfire_at == s.now


# -- R20 -----------------------------------------------------------------------


def _discharged(s):
    s.take_out_and_inspect(W4)
    s.hand_to(W4, SAM)
    return s.do(c.RecordUnplannedDischarge, MARA, weapon=W4, description="went off in a reset")


def test_an_unplanned_discharge_opens_an_incident_and_quarantines_the_weapon_R20():
    s = dry_gulch()
    events = _discharged(s)
    assert [type(e) for e in events] == [
        ev.UnplannedDischargeRecorded,
        ev.IncidentOpened,
        ev.WeaponQuarantined,
        ev.StopWorkStarted,
    ]
    assert weapon_status(s.state, W4).label is LoadLabel.QUARANTINED


def test_handing_over_a_quarantined_weapon_is_refused_R20():
    s = dry_gulch()
    _discharged(s)
    s.take_back(W4)
    s.inspect(W4)
    assert "R20" in s.hand_to(W4, SAM).rules


def test_a_quarantined_weapon_is_cleared_by_the_armorer_after_inspection_R20():
    s = dry_gulch()
    _discharged(s)
    s.take_back(W4)
    refusal = s.refused(c.ClearWeaponQuarantine, MARA, weapon=W4, note="checked")
    assert "R10" in refusal.rules
    s.inspect(W4)
    s.do(c.ClearWeaponQuarantine, MARA, weapon=W4, note="sear replaced by rental house")
    assert not weapon_status(s.state, W4).quarantined


# -- R21 -----------------------------------------------------------------------


def test_stop_work_refuses_loading_and_issuing_R21():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.do(c.StopWork, MARA, reason="wind")
    assert "R21" in s.load_blanks(W1, ["chamber 1"]).rules
    assert "R21" in s.hand_to(W1, JACK).rules


def test_lifting_stop_work_alone_is_refused_R21():
    s = dry_gulch()
    s.do(c.StopWork, MARA, reason="wind")
    s.tick(5)
    s.do(c.HoldSafetyMeeting, DANA, meeting="M-2", day=DAY, scenes=(), attendees=(MARA, PRIYA))
    assert s.refused(c.LiftStopWork, MARA, meeting="M-2").rules == ("R21",)
    assert s.refused(c.LiftStopWork, MARA, confirm=(ELI,), meeting="M-2").rules == ("R21",)


def test_lifting_stop_work_without_a_new_meeting_is_refused_R21():
    s = dry_gulch()  # scene 41's meeting M-41 was held at dawn
    s.tick(1)
    s.do(c.StopWork, MARA, reason="wind")
    assert s.refused(c.LiftStopWork, MARA, confirm=(PRIYA,), meeting="M-41").rules == ("R21",)


def test_armorer_and_safety_supervisor_lift_stop_work_after_a_new_meeting_R21():
    s = dry_gulch()
    s.do(
        c.OpenIncident,
        DANA,
        kind="near miss",
        severity=Severity.STOP,
        description="muzzle swept crew",
    )
    assert stop_work_active(s.state)
    s.tick(20)
    s.do(c.HoldSafetyMeeting, DANA, meeting="M-2", day=DAY, scenes=(), attendees=(MARA, PRIYA))
    s.tick(1)
    s.do(c.CloseIncident, MARA, incident="I-0001", resolution="crew moved behind the line")
    s.do(c.LiftStopWork, PRIYA, confirm=(MARA,), meeting="M-2")
    assert not stop_work_active(s.state)


# -- R22 -----------------------------------------------------------------------


def test_an_anonymous_report_records_nobody_R22():
    s = dry_gulch()
    events = s.do(c.FileSafetyReport, None, report="R-1", text="guns left on cart", anonymous=True)
    assert events[0].by is None
    assert s.state.reports["R-1"].by is None


def test_a_report_without_a_name_that_is_not_anonymous_is_refused_R22():
    s = dry_gulch()
    assert s.refused(c.FileSafetyReport, None, report="R-1", text="x").rules == ("INPUT",)


def test_an_open_report_escalates_after_twenty_four_hours_R22():
    s = dry_gulch()
    s.do(c.FileSafetyReport, JACK, report="R-1", text="blank too loud")
    assert overdue_reports(s.state, s.now + timedelta(hours=23)) == []
    assert [r.id for r in overdue_reports(s.state, s.now + timedelta(hours=24))] == ["R-1"]


def test_closing_a_report_needs_an_answer_and_keeps_it_R22():
    s = dry_gulch()
    s.do(c.FileSafetyReport, JACK, report="R-1", text="blank too loud")
    assert s.refused(c.CloseSafetyReport, TOM, report="R-1", response="").rules == ("R22",)
    s.do(c.CloseSafetyReport, TOM, report="R-1", response="quarter loads from now on")
    assert s.state.reports["R-1"].response == "quarter loads from now on"
    assert overdue_reports(s.state, s.now + timedelta(days=3)) == []


def test_a_live_round_found_in_a_clean_weapon_is_recorded_as_unknown_R01_R21():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.inspect(W1, found={"chamber 3": RoundState.DUMMY}, bore=BoreFinding.CLEAR)
    status = weapon_status(s.state, W1)
    assert dict(status.positions)["chamber 3"].state is RoundState.UNKNOWN
    assert stop_work_active(s.state)
