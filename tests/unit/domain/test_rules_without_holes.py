"""Issue 19: what a tired crew, a stale plan, a hostile account or the armorer herself
could slip past R01-R28. Each hole: a test that it is refused, and one that the safe
path is still allowed. (Item 11 and 12c, confirmations bound to their command, are
tested in tests/unit/service/test_confirmations.py; item 14 in the browser tests.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import LONG_TEXT, is_written, serial_key
from coldcheck.domain.errors import InvalidCommand
from coldcheck.domain.ids import is_weapon_tag
from coldcheck.domain.mechanics import ActionType, RoundState
from coldcheck.domain.model import (
    BoreFinding,
    Disposition,
    LotCount,
    PositionLoad,
    Role,
    RoundCheck,
    RoundClass,
    Severity,
    WeaponKind,
)
from coldcheck.domain.rulebook.checks import armorer_and_safety_supervisor_together
from coldcheck.domain.state import Custody, DayState
from coldcheck.domain.status import (
    LoadLabel,
    day_status,
    lot_status,
    overdue_weapons,
    stop_work_active,
    weapon_status,
)
from tests.factories import (
    C_BLANKS,
    C_NEW,
    DANA,
    DAY,
    ELI,
    JACK,
    L1,
    L2,
    L3,
    L5,
    MARA,
    PRIYA,
    ROSA,
    SAM,
    SCENE_41,
    TOM,
    W1,
    W2,
    W4,
    WEAPONS,
    Shoot,
    armed,
    dry_gulch,
)

NEXT_DAY = DAY + timedelta(days=1)


def _next_morning(s: Shoot, hhmm: str = "08:00") -> datetime:
    s.at(hhmm)
    s.now += timedelta(days=1)
    return s.now


def _plan_41_for(s: Shoot, day, meeting: str | None = "M-next") -> None:
    s.do(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene=SCENE_41,
        day=day,
        title="saloon standoff",
        setup="41A",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        closest_distance_ft=25,
        protection=("camera operator behind a shield",),
    )
    if meeting:
        s.do(
            c.HoldSafetyMeeting,
            DANA,
            meeting=meeting,
            day=day,
            scenes=(SCENE_41,),
            attendees=(DANA, MARA, JACK),
        )


def _wrap(s: Shoot, day=DAY) -> None:
    """Count every lot as recorded and close the day with Tom."""
    serials = tuple(w.weapon.serial for w in s.state.weapons.values() if not w.retired)
    counts = tuple(
        LotCount(lot, ls.in_store, ls.fired_since_count) for lot, ls in s.state.lots.items()
    )
    s.do(c.ReconcileDay, MARA, day=day, lot_counts=counts, serials_seen=serials)
    s.do(c.CloseDay, MARA, confirm=(TOM,), day=day)


# -- 1. yesterday's plan and briefing ---------------------------------------------------


def test_yesterdays_plan_and_meeting_do_not_authorise_todays_blanks_R13_R17():
    s = dry_gulch()  # scene 41 planned for DAY, its meeting held on DAY
    _next_morning(s)
    s.take_out_and_inspect(W1)
    refusal = s.load_blanks(W1, ["chamber 1"])
    assert refusal.rules == ("R13", "R17")
    assert f"planned for {DAY}, not today ({NEXT_DAY})" in str(refusal)


def test_a_plan_for_today_and_a_meeting_today_authorise_todays_blanks_R13_R17():
    s = dry_gulch()
    _next_morning(s, "07:30")
    _plan_41_for(s, NEXT_DAY)
    s.tick(20)
    s.take_out_and_inspect(W1)
    assert isinstance(s.load_blanks(W1, ["chamber 1"]), list)


def test_a_meeting_for_tomorrow_held_today_is_refused_R17():
    s = dry_gulch()
    _plan_41_for(s, NEXT_DAY, meeting=None)
    refusal = s.refused(
        c.HoldSafetyMeeting,
        DANA,
        meeting="M-early",
        day=NEXT_DAY,
        scenes=(SCENE_41,),
        attendees=(DANA, MARA, JACK),
    )
    assert refusal.rules == ("R17",)


def test_today_is_the_date_on_the_production_s_clock_not_utc_R13():
    # 23:30 local on DAY is already the next day in UTC: scene 41 (planned for DAY) still counts.
    s = dry_gulch()
    s.at("23:30")
    assert s.now.date() == NEXT_DAY
    s.take_out_and_inspect(W1)
    assert isinstance(s.load_blanks(W1, ["chamber 1"]), list)


# -- 2. empty protection, empty words ---------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", "—", "\u3000"])
def test_a_plan_with_empty_protection_is_refused_R18(blank):
    s = dry_gulch(with_scene=False)
    refusal = s.refused(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene="50",
        day=DAY,
        title="close shot",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        closest_distance_ft=8,
        protection=(blank,),
    )
    assert refusal.rules == ("R18",)


def test_a_plan_with_written_protection_at_eight_feet_is_allowed_R18():
    s = dry_gulch(with_scene=False)
    s.do(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene="50",
        day=DAY,
        title="close shot",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        closest_distance_ft=8,
        protection=("lexan shield between Jack and the camera",),
    )
    assert s.state.scenes["50"].protection


def test_a_resolution_of_dashes_or_invisible_characters_is_not_written_down():
    s = dry_gulch()
    s.do(c.OpenIncident, DANA, kind="near miss", severity=Severity.NOTE, description="sweep")
    for empty in ("—", "\u200b\u200b", " . "):
        assert s.refused(c.CloseIncident, MARA, incident="I-0001", resolution=empty)
    s.do(c.CloseIncident, MARA, incident="I-0001", resolution="talked it through")
    assert not is_written("...") and is_written("ok 1")


# -- 3. a misfired round goes back into the box -----------------------------------------


def _misfire_in_chamber_3(s: Shoot) -> None:
    armed(s, positions=("chamber 1", "chamber 2", "chamber 3", "chamber 4"))
    s.take_back(W1)
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1", "chamber 2"))
    s.do(c.RecordMisfire, MARA, weapon=W1, position="chamber 3")
    s.tick(seconds=20)


def test_a_misfired_round_never_goes_back_into_a_container_R19():
    s = dry_gulch()
    _misfire_in_chamber_3(s)
    refusal = s.refused(
        c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 3", "chamber 4"), container=C_BLANKS
    )
    assert refusal.rules == ("R19",) and "misfired" in str(refusal)
    # the clearing inspection does not make it a good blank again
    s.inspect(W1)
    assert s.refused(
        c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 3",), container=C_BLANKS
    ).rules == ("R19",)


def test_a_misfired_round_leaves_the_weapon_for_destruction_before_a_witness_R19():
    s = dry_gulch()
    _misfire_in_chamber_3(s)
    s.do(
        c.UnloadWeapon,
        MARA,
        (PRIYA,),
        weapon=W1,
        positions=("chamber 3",),
        disposition=Disposition.DESTROY,
    )
    s.do(
        c.UnloadWeapon,
        MARA,
        weapon=W1,
        positions=("chamber 1", "chamber 2", "chamber 4"),
        container=C_BLANKS,
    )
    status = lot_status(s.state, L1)
    assert (status.fired, status.destroyed, status.in_store) == (2, 1, 197)
    assert not s.state.weapons[W1].misfired


# -- 5. work resumes with the cause still open -------------------------------------------


def _stopped_by_a_discharge(s: Shoot) -> str:
    s.take_out_and_inspect(W4)
    s.hand_to(W4, SAM)
    s.do(c.RecordUnplannedDischarge, SAM, weapon=W4, description="went off in the holster")
    s.tick(10)
    s.do(c.HoldSafetyMeeting, PRIYA, meeting="M-after", day=DAY, scenes=(), attendees=(MARA,))
    s.tick(1)
    return "I-0001"


def test_stop_work_is_not_lifted_while_its_stop_incident_is_open_R21():
    s = dry_gulch()
    incident = _stopped_by_a_discharge(s)
    refusal = s.refused(c.LiftStopWork, PRIYA, confirm=(MARA,), meeting="M-after")
    assert refusal.rules == ("R21",) and incident in str(refusal)
    no_reason = s.refused(
        c.LiftStopWork, PRIYA, confirm=(MARA,), meeting="M-after", carry_over=(incident,)
    )
    assert no_reason.rules == ("R21",)


def test_stop_work_lifts_once_the_incident_is_closed_or_carried_over_in_words_R21():
    closed = dry_gulch()
    incident = _stopped_by_a_discharge(closed)
    closed.do(c.CloseIncident, MARA, incident=incident, resolution="holster replaced")
    closed.do(c.LiftStopWork, PRIYA, confirm=(MARA,), meeting="M-after")
    assert not stop_work_active(closed.state)

    carried = dry_gulch()
    incident = _stopped_by_a_discharge(carried)
    events = carried.do(
        c.LiftStopWork,
        PRIYA,
        confirm=(MARA,),
        meeting="M-after",
        carry_over=(incident,),
        carry_over_reason="W-0004 quarantined in storage; the armorer examines it tomorrow",
    )
    assert events[0].carried_over == (incident,)
    assert carried.state.incidents[incident].closed_at is None
    assert carried.state.incidents[incident].carried_over.startswith("W-0004 quarantined")
    assert weapon_status(carried.state, W4).quarantined


# -- 6. the day gate ---------------------------------------------------------------------


def _worked_but_never_counted(s: Shoot) -> None:
    s.take_out_and_inspect(W2)
    s.do(c.ReturnToStorage, MARA, weapon=W2)


def test_a_shoot_day_never_counted_blocks_the_next_days_first_issue_R23():
    s = dry_gulch()
    _worked_but_never_counted(s)
    _next_morning(s)
    s.take_out_and_inspect(W2)
    refusal = s.hand_to(W2, ROSA)
    assert refusal.rules == ("R23",) and "never counted" in str(refusal)


def test_a_day_counted_with_a_discrepancy_but_never_closed_blocks_the_next_day_R23():
    s = dry_gulch()
    _worked_but_never_counted(s)
    serials = tuple(spec["serial"] for spec in WEAPONS.values())
    s.do(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(LotCount(L1, 199), LotCount(L2, 50), LotCount(L3, 100)),
    )
    assert s.state.days[DAY].state is DayState.RECONCILED and s.state.days[DAY].discrepancies
    _next_morning(s)
    s.take_out_and_inspect(W2)
    refusal = s.hand_to(W2, ROSA)
    assert refusal.rules == ("R23",) and "never closed" in str(refusal)
    assert day_status(s.state, DAY, NEXT_DAY).blocks_issue


def test_after_yesterday_is_counted_and_closed_today_s_first_issue_is_allowed_R23():
    s = dry_gulch()
    _worked_but_never_counted(s)
    s.at("19:00")
    _wrap(s)
    _next_morning(s)
    s.take_out_and_inspect(W2)
    assert isinstance(s.hand_to(W2, ROSA), list)
    assert not day_status(s.state, DAY, NEXT_DAY).blocks_issue


def test_tomorrow_can_be_neither_counted_nor_closed_in_advance_R23():
    s = dry_gulch()
    serials = tuple(spec["serial"] for spec in WEAPONS.values())
    counts = (LotCount(L1, 200), LotCount(L2, 50), LotCount(L3, 100))
    refusal = s.refused(c.ReconcileDay, MARA, day=NEXT_DAY, lot_counts=counts, serials_seen=serials)
    assert refusal.rules == ("R23",) and "has not begun" in str(refusal)
    assert "R23" in s.refused(c.CloseDay, MARA, confirm=(TOM,), day=NEXT_DAY).rules
    s.at("19:00")
    s.do(c.ReconcileDay, MARA, day=DAY, lot_counts=counts, serials_seen=serials)


def test_a_weapon_with_a_performer_outside_any_scene_is_overdue_after_two_hours():
    s = dry_gulch()
    s.take_out_and_inspect(W2)  # W-0002 is in no scene today
    s.hand_to(W2, ROSA)
    s.tick(119)
    assert overdue_weapons(s.state, s.now) == []
    s.tick(2)
    (late,) = overdue_weapons(s.state, s.now)
    assert late.weapon == W2 and late.holder == ROSA and "longer than 2 h" in late.why


def test_a_weapon_in_today_s_scene_is_not_overdue_until_wrap_but_is_overnight():
    s = dry_gulch()
    armed(s)  # W-0001 in scene 41 today
    s.tick(300)
    assert overdue_weapons(s.state, s.now) == []
    _next_morning(s, "06:00")
    (late,) = overdue_weapons(s.state, s.now)
    assert late.weapon == W1 and "past wrap" in late.why


# -- 7. take-back and dispositions have a second person ----------------------------------


def test_a_take_back_without_the_performer_or_the_1st_ad_is_refused_R12():
    s = dry_gulch()
    armed(s)
    assert s.refused(c.TakeBack, MARA, weapon=W1).rules == ("R12",)
    assert s.refused(c.TakeBack, MARA, confirm=(ROSA,), weapon=W1).rules == ("INPUT",)


def test_the_performer_or_the_1st_ad_confirms_the_take_back_and_is_recorded_R12():
    s = dry_gulch()
    armed(s)
    (back,) = s.do(c.TakeBack, MARA, confirm=(JACK,), weapon=W1)
    assert back.witnesses == (JACK,)
    s.inspect(W1)
    s.hand_to(W1, JACK)
    (back,) = s.do(c.TakeBack, MARA, confirm=(DANA,), weapon=W1)  # Jack already left set
    assert back.witnesses == (DANA,)


@pytest.mark.parametrize("cls", [c.DestroyRounds, c.ReturnLot])
def test_destroying_or_returning_rounds_without_a_second_person_is_refused_R05(cls):
    s = dry_gulch()
    assert s.refused(cls, MARA, lot=L1, container=C_BLANKS, count=2).rules == ("R05",)
    assert s.refused(cls, MARA, (JACK,), lot=L1, container=C_BLANKS, count=2).rules == ("INPUT",)


@pytest.mark.parametrize("witness", [PRIYA, TOM, ELI])
def test_destroying_rounds_before_a_second_person_is_allowed_and_recorded_R05(witness):
    s = dry_gulch()
    (destroyed,) = s.do(c.DestroyRounds, MARA, (witness,), lot=L1, container=C_BLANKS, count=2)
    assert destroyed.witnesses == (witness,)
    assert lot_status(s.state, L1).destroyed == 2


# -- 8. evidence holds -------------------------------------------------------------------


def _live_round_found(s: Shoot) -> None:
    s.take_out_and_inspect(W1)
    s.inspect(W1, found={"chamber 3": RoundState.LIVE})
    assert weapon_status(s.state, W1).quarantined


def test_a_live_round_is_sealed_as_evidence_and_handed_to_the_police_R01():
    s = dry_gulch()
    _live_round_found(s)
    (sealed,) = s.do(
        c.SealRoundsAsEvidence,
        MARA,
        (PRIYA,),
        weapon=W1,
        positions=("chamber 3",),
        seal="EV-000117",
        handed_to="Deputy R. Ortega, Santa Fe County Sheriff",
    )
    assert sealed.witnesses == (PRIYA,)
    assert s.state.weapons[W1].contents["chamber 3"].state is RoundState.EMPTY
    assert s.refused(  # nothing left to put back into a box
        c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 3",), container=C_BLANKS
    ).rules == ("INPUT",)


def test_evidence_needs_a_seal_a_named_recipient_and_a_second_person_R01():
    s = dry_gulch()
    _live_round_found(s)
    refusal = s.refused(
        c.SealRoundsAsEvidence, MARA, weapon=W1, positions=("chamber 3",), seal=" ", handed_to=""
    )
    assert refusal.rules == ("R01", "R05")
    assert len(refusal.reasons) == 3


def test_rounds_sealed_from_a_lot_are_counted_as_evidence_and_conserved_R05():
    s = dry_gulch()
    s.do(
        c.SealRoundsAsEvidence,
        MARA,
        (TOM,),
        lot=L2,
        container="C-0002",
        count=3,
        seal="EV-2",
        handed_to="insurer's investigator",
    )
    status = lot_status(s.state, L2)
    assert (status.in_store, status.evidence, status.conserved) == (47, 3, True)


def test_a_weapon_sealed_as_evidence_leaves_the_production_for_good():
    s = dry_gulch()
    _live_round_found(s)
    s.do(
        c.SealWeaponAsEvidence,
        MARA,
        (PRIYA,),
        weapon=W1,
        seal="EV-3",
        handed_to="Santa Fe County Sheriff's Office",
    )
    ws = s.state.weapons[W1]
    assert ws.retired and ws.evidence is not None and ws.location is Custody.STORAGE
    assert lot_status(s.state, L1).conserved
    assert "INPUT" in s.refused(c.TakeOutOfStorage, MARA, weapon=W1).rules


# -- 9. manual incidents keep what they are about ----------------------------------------


def test_a_note_incident_keeps_its_weapons_lots_scene_and_people():
    s = dry_gulch()
    events = s.do(
        c.OpenIncident,
        DANA,
        kind="near miss",
        severity=Severity.NOTE,
        description="Jack swept the crew with W-0001 at rehearsal",
        weapon=W1,
        weapons=(W2,),
        lots=(L1,),
        scene=SCENE_41,
        people=(JACK, DANA),
    )
    incident = s.state.incidents["I-0001"]
    assert incident.weapon == W1 and incident.weapons == (W1, W2)
    assert incident.lots == (L1,) and incident.scene == SCENE_41
    assert incident.people == (JACK, DANA)
    assert [type(e) for e in events] == [ev.IncidentOpened]  # a note quarantines nothing


def test_an_incident_naming_something_unknown_is_refused():
    s = dry_gulch()
    refusal = s.refused(
        c.OpenIncident,
        DANA,
        kind="x",
        severity=Severity.NOTE,
        description="y",
        weapons=("W-0099",),
        lots=("L-0099",),
        scene="99",
        people=("nobody",),
    )
    assert len(refusal.reasons) == 4


# -- 10. re-verification covers what is left ---------------------------------------------


def test_a_failed_dummy_lot_is_released_after_the_failed_round_is_destroyed_R03():
    s = dry_gulch()
    s.do(c.CreateContainer, MARA, container=C_NEW, label="new dummies")
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L5,
        round_class=RoundClass.DUMMY,
        calibre=".45 Colt",
        supplier="new",
        count=50,
        container=C_NEW,
    )
    rounds = tuple(RoundCheck(n, n != 7, "primer" if n == 7 else "") for n in range(1, 51))
    s.do(c.VerifyDummies, MARA, lot=L5, method="rattle, primer, hole", rounds=rounds)
    s.do(c.DestroyRounds, MARA, (PRIYA,), lot=L5, container=C_NEW, count=1, note="round 7")
    all_fifty = tuple(RoundCheck(n, True) for n in range(1, 51))
    assert s.refused(
        c.VerifyDummies, MARA, lot=L5, method="rattle, primer, hole", rounds=all_fifty
    ).rules == ("R03",)
    rest = tuple(RoundCheck(n, True) for n in range(1, 51) if n != 7)
    s.do(c.VerifyDummies, MARA, lot=L5, method="rattle, primer, hole", rounds=rest)
    s.do(c.CloseIncident, MARA, incident="I-0001", resolution="round 7 destroyed")
    s.do(c.ReleaseLot, MARA, confirm=(PRIYA,), lot=L5, note="49 rounds checked again")
    assert lot_status(s.state, L5).verified and not lot_status(s.state, L5).quarantined


def test_releasing_a_lot_needs_a_written_note_R03():
    s = dry_gulch()
    s.do(c.OpenIncident, MARA, kind="x", severity=Severity.STOP, description="box", lots=(L2,))
    assert lot_status(s.state, L2).quarantined
    assert s.refused(c.ReleaseLot, MARA, confirm=(PRIYA,), lot=L2, note="  ").rules == ("R03",)


# -- 12a. the armorer-to-armorer path ----------------------------------------------------


def _performer_made_assistant_armorer(s: Shoot) -> None:
    s.do(c.AssignRole, MARA, confirm=(DANA,), person=JACK, role=Role.ASSISTANT_ARMORER)
    s.do(c.RecordPermit, TOM, person=JACK, kind="armorer", number="X-1", expires=DAY.replace(2027))


def test_a_performer_made_assistant_armorer_still_receives_as_a_performer_R01_R20_R21():
    s = dry_gulch()
    _performer_made_assistant_armorer(s)
    _live_round_found(s)  # incident, quarantine, stop-work
    refusal = s.refused(c.HandOver, MARA, confirm=(JACK,), weapon=W1, to=JACK)
    assert {"R01", "R20", "R21", "R12"} <= set(refusal.rules)


def test_an_armorer_to_armorer_handoff_obeys_every_issue_rule_R01_R20_R21():
    s = dry_gulch()
    _live_round_found(s)
    refusal = s.refused(c.HandOver, MARA, confirm=(ELI,), weapon=W1, to=ELI)
    assert {"R01", "R20", "R21"} <= set(refusal.rules)


def test_a_receiving_armorer_needs_a_current_permit_R26():
    s = dry_gulch()
    s.do(c.AddPerson, TOM, person="vic", name="Vic Lane")
    s.do(c.AssignRole, TOM, confirm=(DANA,), person="vic", role=Role.ASSISTANT_ARMORER)
    s.take_out_and_inspect(W1)
    assert s.refused(c.HandOver, MARA, confirm=("vic",), weapon=W1, to="vic").rules == ("R26",)


def test_a_clean_weapon_goes_to_another_armorer_who_confirms_R08_R12():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    (handed,) = s.do(c.HandOver, MARA, confirm=(ELI,), weapon=W1, to=ELI)
    assert handed.as_armorer is True and s.state.weapons[W1].holder == ELI
    s.inspect(W1, actor=ELI)
    s.do(c.ReturnToStorage, ELI, weapon=W1)


@pytest.mark.parametrize("step", ["inspect", "bore", "return", "unload", "clear"])
def test_an_armorer_who_does_not_hold_the_weapon_cannot_work_on_it_R09(step):
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1"])
    if step == "inspect":
        refusal = s.inspect(W1, actor=ELI)
    elif step == "bore":
        refusal = s.try_(c.CheckBore, ELI, weapon=W1, bore=BoreFinding.CLEAR)
    elif step == "return":
        refusal = s.try_(c.ReturnToStorage, ELI, weapon=W1)
    elif step == "unload":
        refusal = s.try_(
            c.UnloadWeapon, ELI, weapon=W1, positions=("chamber 1",), container=C_BLANKS
        )
    else:
        refusal = s.try_(c.ClearWeaponQuarantine, ELI, weapon=W1, note="fine")
    assert "R09" in refusal.rules and "held by Mara Voss" in str(refusal)


# -- 12b. two-person rules count people --------------------------------------------------


def test_nobody_grants_a_role_to_themselves():
    s = dry_gulch()
    refusal = s.refused(
        c.AssignRole, MARA, confirm=(DANA,), person=MARA, role=Role.SAFETY_SUPERVISOR
    )
    assert refusal.rules == ("AUTH",)


@pytest.mark.parametrize(
    "role", [Role.ARMORER, Role.ASSISTANT_ARMORER, Role.SAFETY_SUPERVISOR, Role.PRODUCER]
)
def test_granting_a_role_that_checks_others_needs_a_second_person(role):
    s = dry_gulch()
    assert s.refused(c.AssignRole, TOM, person=SAM, role=role).rules == ("AUTH",)
    # the one receiving it is not the second person
    assert s.refused(c.AssignRole, TOM, confirm=(SAM,), person=SAM, role=role).rules == ("INPUT",)
    s.do(c.AssignRole, TOM, confirm=(DANA,), person=SAM, role=role)
    assert s.state.has_role(SAM, role)


def test_other_roles_are_granted_without_a_second_person():
    s = dry_gulch()
    s.do(c.AssignRole, TOM, person=SAM, role=Role.CREW)


def test_one_person_holding_armorer_and_safety_supervisor_counts_once_R21():
    s = dry_gulch()
    s.do(c.AssignRole, TOM, confirm=(DANA,), person=MARA, role=Role.SAFETY_SUPERVISOR)
    s.do(c.StopWork, DANA, reason="wind")
    s.tick(5)
    s.do(c.HoldSafetyMeeting, DANA, meeting="M-2", day=DAY, scenes=(), attendees=(MARA,))
    assert s.refused(c.LiftStopWork, MARA, meeting="M-2").rules == ("R21",)
    # Rust-style: the armorer alone, with a performer's PIN, is not two people
    assert s.refused(c.LiftStopWork, MARA, confirm=(JACK,), meeting="M-2").rules == ("INPUT",)
    lifted_by_one = s.command(c.LiftStopWork, MARA, confirm=(JACK,), meeting="M-2")
    assert [r.rule for r in armorer_and_safety_supervisor_together(s.state, lifted_by_one, "x")]
    s.do(c.LiftStopWork, MARA, confirm=(PRIYA,), meeting="M-2")


def test_one_person_holding_armorer_and_producer_counts_once_R23():
    s = dry_gulch()
    s.do(c.AssignRole, TOM, confirm=(DANA,), person=ELI, role=Role.PRODUCER)
    _worked_but_never_counted(s)
    serials = tuple(spec["serial"] for spec in WEAPONS.values())
    s.do(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(LotCount(L1, 199), LotCount(L2, 50), LotCount(L3, 100)),
    )
    s.do(c.CloseDay, MARA, confirm=(TOM,), day=DAY)
    refusal = s.refused(c.ResolveDiscrepancy, ELI, day=DAY, resolution="recount: 200")
    assert refusal.rules == ("R23",)
    s.do(c.ResolveDiscrepancy, ELI, confirm=(MARA,), day=DAY, resolution="recount: 200")


def test_a_live_exception_naming_the_producer_recording_it_is_refused_R01():
    s = dry_gulch()
    refusal = s.refused(c.RecordLiveException, TOM, supervisor=TOM, purpose="range day")
    assert refusal.rules == ("R01",)
    assert s.refused(c.RecordLiveException, TOM, supervisor=PRIYA, purpose="range").rules == (
        "R01",
    )
    s.do(c.RecordLiveException, TOM, confirm=(PRIYA,), supervisor=PRIYA, purpose="range day")


def test_a_confirmation_the_command_does_not_ask_for_is_refused():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(c.HandOver, MARA, confirm=(JACK, DANA, PRIYA, SAM), weapon=W1, to=JACK)
    assert refusal.rules == ("INPUT",)
    assert "Priya Nair" in str(refusal) and "Sam Kee" in str(refusal)


# -- 13. loose inputs ---------------------------------------------------------------------


def test_a_take_time_without_an_offset_is_refused_not_a_crash():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    naive = (s.now + timedelta(minutes=10)).replace(tzinfo=None)
    refusal = s.refused(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_BLANKS,
        loads=(PositionLoad("chamber 1", L1),),
        scene=SCENE_41,
        take_at=naive,
        hammer_over="chamber 6",
    )
    assert refusal.rules == ("INPUT",) and "offset" in str(refusal)


def test_lock_up_knows_only_break_lunch_and_wrap():
    with pytest.raises(InvalidCommand, match="break, lunch, wrap"):
        c.LockUp(production="p", actor=MARA, at=DAY, kind="banana")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("action", "capacity"),
    [
        (ActionType.SINGLE_ACTION_REVOLVER, 13),
        (ActionType.BREAK_ACTION, 5),
        (ActionType.SEMI_AUTO_PISTOL, 2**53 - 1),
        (ActionType.BELT_FED, 1_000_000),
    ],
)
def test_a_capacity_beyond_what_the_action_holds_is_refused(action, capacity):
    s = dry_gulch()
    spec = {**WEAPONS[W2], "action": action, "capacity": capacity, "serial": "NEW-1"}
    assert "INPUT" in s.refused(c.RegisterWeapon, MARA, weapon="W-0009", **spec).rules


def test_a_weapon_of_the_largest_capacity_of_its_action_registers():
    s = dry_gulch()
    spec = {**WEAPONS[W2], "capacity": 12, "serial": "NEW-1"}
    s.do(c.RegisterWeapon, MARA, weapon="W-0009", **spec)
    assert len(s.state.weapons["W-0009"].positions) == 12


@pytest.mark.parametrize("tag", ["W-٠٠٠١", "W-0001\n", "W-0001 ", "w-0001", "W-00001234567890"])
def test_tags_are_ascii_and_matched_whole(tag):
    assert not is_weapon_tag(tag)
    s = dry_gulch()
    spec = {**WEAPONS[W2], "serial": "NEW-1"}
    assert s.refused(c.RegisterWeapon, MARA, weapon=tag, **spec).rules == ("INPUT",)


@pytest.mark.parametrize("person", ["W-0001", "l-12", "jack hale", "jäck", "", "x" * 65])
def test_a_person_id_is_ascii_and_never_looks_like_a_tag(person):
    s = dry_gulch()
    assert s.refused(c.AddPerson, TOM, person=person, name="Someone").rules == ("INPUT",)


@pytest.mark.parametrize("twin", ["saa-1873 ", "SAA-1873\u200b", "SAA\u20111873", "ＳＡＡ-1873"])
def test_serials_are_compared_without_case_spaces_or_invisible_characters(twin):
    assert serial_key(twin) == serial_key("SAA-1873")
    s = dry_gulch()
    spec = {**WEAPONS[W1], "serial": twin}
    refusal = s.refused(c.RegisterWeapon, MARA, weapon="W-0009", **spec)
    assert refusal.rules == ("INPUT",) and "W-0001" in str(refusal)


def test_a_wrap_count_recognises_a_serial_typed_with_another_case():
    s = dry_gulch()
    s.at("19:00")
    serials = tuple(spec["serial"].lower() + " " for spec in WEAPONS.values())
    events = s.do(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(LotCount(L1, 200), LotCount(L2, 50), LotCount(L3, 100)),
    )
    assert events[0].discrepancies == ()


def test_free_text_longer_than_its_bound_is_refused():
    s = dry_gulch()
    refusal = s.refused(
        c.OpenIncident, DANA, kind="x", severity=Severity.NOTE, description="a" * (LONG_TEXT + 1)
    )
    assert refusal.rules == ("INPUT",) and "at most 4000" in str(refusal)
    spec = {**WEAPONS[W2], "serial": "NEW-1", "name": "n" * 201}
    assert s.refused(c.RegisterWeapon, MARA, weapon="W-0009", **spec).rules == ("INPUT",)


def test_a_lot_larger_than_a_lot_can_be_is_refused():
    s = dry_gulch()
    refusal = s.refused(
        c.ReceiveLot,
        MARA,
        lot="L-0009",
        round_class=RoundClass.BLANK,
        blank_load="full",
        calibre=".45 Colt",
        supplier="x",
        count=1_000_001,
        container=C_BLANKS,
    )
    assert "INPUT" in refusal.rules


def test_a_production_in_an_unknown_time_zone_is_refused():
    s = Shoot()
    refusal = s.refused(
        c.CreateProduction,
        TOM,
        title="T",
        company="C",
        location="L",
        time_zone="Mars/Olympus",
        roles=(Role.PRODUCER,),
    )
    assert refusal.rules == ("INPUT",) and "America/Denver" in str(refusal)


def test_a_replica_weapon_kind_still_needs_no_rounds():
    s = dry_gulch()
    spec = {**WEAPONS[W2], "kind": WeaponKind.REPLICA, "action": ActionType.REPLICA}
    spec.update(capacity=0, serial="R-2")
    s.do(c.RegisterWeapon, MARA, weapon="W-0009", **spec)
    assert weapon_status(s.state, "W-0009").label is LoadLabel.UNVERIFIED
