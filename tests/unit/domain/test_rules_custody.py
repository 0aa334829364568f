"""R06-R16: custody, handoffs, labels, loading."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.mechanics import ActionType, RoundState, inspection_checklist
from coldcheck.domain.model import (
    BoreFinding,
    Finding,
    PermitKind,
    PositionLoad,
    StorageLocation,
)
from coldcheck.domain.state import Custody
from coldcheck.domain.status import LoadLabel, weapon_status
from tests.factories import (
    C_BLANKS,
    C_DUMMIES,
    DANA,
    ELI,
    JACK,
    L1,
    L2,
    MARA,
    PROPS,
    ROSA,
    SAM,
    SCENE_41,
    TOM,
    W1,
    W2,
    W5,
    armed,
    dry_gulch,
)

# -- R06 -----------------------------------------------------------------------


def test_taking_a_weapon_out_of_storage_as_first_ad_is_refused_R06():
    s = dry_gulch()
    refusal = s.refused(c.TakeOutOfStorage, DANA, weapon=W1)
    assert refusal.rules == ("R06",)
    assert "Eli Tran or Mara Voss" in refusal.reasons[0].message


def test_an_inspection_by_a_performer_is_refused_R06():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)
    assert "R06" in s.inspect(W1, actor=JACK).rules


def test_an_assistant_armorer_with_a_permit_takes_a_weapon_out_R06():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, ELI, weapon=W1)
    assert weapon_status(s.state, W1).holder == ELI


# -- R07 -----------------------------------------------------------------------


def test_assigning_props_to_an_armorer_with_weapons_out_is_refused_R07():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)
    refusal = s.refused(c.AssignDuty, TOM, person=MARA, duty="props assistant")
    assert refusal.rules == ("R07",)


def test_an_armorer_with_a_props_duty_taking_a_weapon_out_is_refused_R07():
    s = dry_gulch()
    s.do(c.AssignDuty, TOM, person=MARA, duty="props assistant")
    assert s.refused(c.TakeOutOfStorage, MARA, weapon=W1).rules == ("R07",)
    s.do(c.EndDuty, TOM, person=MARA, duty="props assistant")
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)


def test_assigning_props_to_an_armorer_with_nothing_out_is_allowed_R07():
    s = dry_gulch()
    s.do(c.AssignDuty, TOM, person=MARA, duty="props assistant")
    assert s.state.duties[MARA] == {"props assistant"}


# -- R08 -----------------------------------------------------------------------


def test_handoff_by_first_ad_is_refused_R08():
    s = dry_gulch()
    armed(s)
    refusal = s.refused(c.HandOver, DANA, confirm=(ROSA,), weapon=W1, to=ROSA)
    assert refusal.reasons[0].rule == "R08"
    assert str(refusal.reasons[0]) == (
        "R08: only an armorer hands a weapon to a performer — give it back to Mara Voss."
    )


def test_handoff_from_performer_to_performer_is_refused_R08():
    s = dry_gulch()
    armed(s)
    assert "R08" in s.refused(c.HandOver, JACK, confirm=(ROSA, DANA), weapon=W1, to=ROSA).rules


def test_handoff_by_armorer_to_a_props_person_is_refused_R08():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert "R08" in s.refused(c.HandOver, MARA, confirm=(PROPS, DANA), weapon=W1, to=PROPS).rules


def test_taking_a_weapon_back_as_first_ad_is_refused_R08():
    s = dry_gulch()
    armed(s)
    assert s.refused(c.TakeBack, DANA, confirm=(JACK,), weapon=W1).rules == ("R08",)


def test_handoff_by_armorer_with_confirmations_is_allowed_R08():
    s = dry_gulch()
    armed(s)
    status = weapon_status(s.state, W1)
    assert (status.location, status.holder) == (Custody.PERFORMER, JACK)
    s.take_back(W1)
    assert weapon_status(s.state, W1).holder == MARA


def test_armorer_to_assistant_armorer_handoff_needs_the_receiver_pin_R08():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert s.refused(c.HandOver, MARA, weapon=W1, to=ELI).rules == ("R12",)
    s.do(c.HandOver, MARA, confirm=(ELI,), weapon=W1, to=ELI)
    assert weapon_status(s.state, W1).location is Custody.ARMORER


# -- R09 -----------------------------------------------------------------------


def test_locking_up_with_a_weapon_out_is_refused_R09():
    s = dry_gulch()
    armed(s)
    refusal = s.refused(c.LockUp, MARA, kind="lunch")
    assert refusal.rules == ("R09",)
    assert "Jack Hale" in refusal.reasons[0].message


def test_locking_up_with_ammunition_on_the_cart_is_refused_R09():
    s = dry_gulch()
    s.do(c.MoveContainer, MARA, container=C_BLANKS, to=StorageLocation.CART)
    assert s.refused(c.LockUp, MARA, kind="lunch").rules == ("R09",)


def test_locking_up_with_everything_in_storage_is_allowed_R09():
    s = dry_gulch()
    s.do(c.LockUp, MARA, kind="lunch")
    assert s.state.armory_locked
    assert s.refused(c.TakeOutOfStorage, MARA, weapon=W1).rules == ("R09",)


def test_returning_a_loaded_weapon_to_storage_is_refused_R09():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1"])
    assert s.refused(c.ReturnToStorage, MARA, weapon=W1).rules == ("R09",)


def test_a_weapon_out_of_storage_always_has_one_named_holder_R09():
    s = dry_gulch()
    armed(s)
    for ws in s.state.weapons_out():
        assert ws.holder is not None


# -- R10 -----------------------------------------------------------------------


def test_handoff_of_an_uninspected_weapon_is_refused_R10():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W2)
    assert s.hand_to(W2, JACK).rules == ("R10",)


def test_a_weapon_taken_back_needs_a_new_inspection_before_the_next_handoff_R10():
    s = dry_gulch()
    s.take_out_and_inspect(W2)
    s.hand_to(W2, JACK)
    s.take_back(W2)
    assert s.hand_to(W2, ROSA).rules == ("R10",)
    s.inspect(W2)
    assert isinstance(s.hand_to(W2, ROSA)[0], ev.WeaponHandedOver)


def test_an_inspection_missing_a_chamber_is_refused_R10():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)
    findings = tuple(Finding(f"chamber {i}", RoundState.EMPTY) for i in range(1, 6))
    refusal = s.refused(
        c.InspectWeapon,
        MARA,
        weapon=W1,
        findings=findings,
        bore=BoreFinding.CLEAR,
        checklist=inspection_checklist(ActionType.SINGLE_ACTION_REVOLVER),
    )
    assert refusal.rules == ("R24",)
    assert "chamber 6" in refusal.reasons[0].message
    assert s.hand_to(W1, JACK).rules == ("R10",)


# -- R11 -----------------------------------------------------------------------


def test_no_command_lets_anyone_type_a_label_R11():
    for cls in [c.InspectWeapon, c.LoadWeapon, c.HandOver, c.TakeBack, c.CheckBore]:
        names = {f.name for f in dataclasses.fields(cls)}
        assert not names & {"label", "status", "cold"}


def test_labels_follow_the_record_R11():
    s = dry_gulch()
    assert weapon_status(s.state, W1).label is LoadLabel.UNVERIFIED
    s.take_out_and_inspect(W1)
    assert weapon_status(s.state, W1).label is LoadLabel.COLD
    s.load_blanks(W1, ["chamber 1"])
    assert weapon_status(s.state, W1).label is LoadLabel.BLANK_LOADED
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1",))
    s.do(c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 1",), container=C_BLANKS)
    assert weapon_status(s.state, W1).label is LoadLabel.UNVERIFIED  # bore not yet checked
    s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.CLEAR)
    assert weapon_status(s.state, W1).label is LoadLabel.COLD


def test_cold_names_who_inspected_and_when_R11():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    status = weapon_status(s.state, W1)
    assert (status.inspected_by, status.inspected_at) == (MARA, s.now)


# -- R12 -----------------------------------------------------------------------


def test_handoff_without_the_performer_pin_is_refused_R12():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(c.HandOver, MARA, confirm=(DANA,), weapon=W1, to=JACK)
    assert refusal.rules == ("R12",)


def test_handoff_without_the_first_ad_witness_is_refused_R12():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(c.HandOver, MARA, confirm=(JACK,), weapon=W1, to=JACK)
    assert refusal.rules == ("R12",)


def test_handoff_with_performer_and_first_ad_confirming_is_allowed_R12():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    events = s.hand_to(W1, JACK)
    assert events[0].witnesses == (DANA, JACK)


# -- R13 -----------------------------------------------------------------------


def test_loading_blanks_for_a_scene_without_firing_is_refused_R13():
    s = dry_gulch()
    s.do(
        c.PlanScene,
        DANA,
        scene="50",
        day=s.state.scenes[SCENE_41].day,
        title="talk",
        weapons=(W1,),
        performers=(JACK,),
    )
    s.take_out_and_inspect(W1)
    assert "R13" in s.load_blanks(W1, ["chamber 1"], scene="50").rules


def test_loading_blanks_more_than_fifteen_minutes_before_the_take_is_refused_R13():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert s.load_blanks(W1, ["chamber 1"], take_in=16).rules == ("R13",)


def test_loading_blanks_without_naming_the_scene_is_refused_R13():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_BLANKS,
        loads=(PositionLoad("chamber 1", L1),),
        hammer_over="chamber 6",
    )
    assert refusal.rules == ("R13",)


def test_loading_blanks_within_the_window_is_allowed_and_announced_R13():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    events = s.load_blanks(W1, ["chamber 1"], take_in=15)
    assert events[0].announce is True


# -- R14 -----------------------------------------------------------------------


def test_handoff_to_an_untrained_performer_is_refused_R14():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.do(c.AddPerson, TOM, person="kim", name="Kim Day")
    s.do(c.AssignRole, TOM, person="kim", role="performer")
    assert s.hand_to(W1, "kim").rules == ("R14",)


def test_handoff_to_a_performer_trained_on_the_action_is_allowed_R14():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert isinstance(s.hand_to(W1, SAM), list)


# -- R15 -----------------------------------------------------------------------


def test_a_returned_weapon_is_unverified_R15():
    s = dry_gulch()
    armed(s)
    s.take_back(W1)
    assert weapon_status(s.state, W1).label is LoadLabel.UNVERIFIED


def test_loading_after_blanks_were_fired_without_a_bore_check_is_refused_R15():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1", "chamber 2"])
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1",))
    s.do(c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 1",))
    assert s.load_blanks(W1, ["chamber 3"]).rules == ("R15",)
    s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.CLEAR)
    assert isinstance(s.load_blanks(W1, ["chamber 3"]), list)


# -- R16 -----------------------------------------------------------------------


def _dummies_then_unloaded(s):
    s.take_out_and_inspect(W1)
    s.do(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_DUMMIES,
        loads=(PositionLoad("chamber 1", L2),),
        hammer_over="chamber 6",
    )
    s.do(c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 1",), container=C_DUMMIES)


def test_loading_blanks_after_dummies_without_a_bore_check_is_refused_R16():
    s = dry_gulch()
    _dummies_then_unloaded(s)
    assert s.load_blanks(W1, ["chamber 1"]).rules == ("R16",)


def test_loading_blanks_beside_dummies_is_refused_R16():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.do(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_DUMMIES,
        loads=(PositionLoad("chamber 1", L2),),
        hammer_over="chamber 6",
    )
    assert s.load_blanks(W1, ["chamber 2"]).rules == ("R16",)


def test_loading_blanks_after_dummies_and_a_clear_bore_check_is_allowed_R16():
    s = dry_gulch()
    _dummies_then_unloaded(s)
    s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.CLEAR)
    assert isinstance(s.load_blanks(W1, ["chamber 1"]), list)


def test_an_obstructed_bore_opens_an_incident_and_quarantines_the_weapon_R16():
    s = dry_gulch()
    _dummies_then_unloaded(s)
    events = s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.OBSTRUCTED)
    assert [type(e) for e in events] == [
        ev.BoreChecked,
        ev.IncidentOpened,
        ev.WeaponQuarantined,
        ev.StopWorkStarted,
    ]
    assert weapon_status(s.state, W1).label is LoadLabel.QUARANTINED


# -- R06 + R26 together -------------------------------------------------------


def test_an_armorer_whose_permit_lapsed_is_refused_and_told_to_renew_R06():
    s = dry_gulch()
    s.do(
        c.RecordPermit,
        TOM,
        person=MARA,
        kind=PermitKind.ARMORER,
        number="AP-1",
        expires=s.now.date() - timedelta(days=1),
    )
    refusal = s.refused(c.TakeOutOfStorage, MARA, weapon=W1)
    assert refusal.rules == ("R26",)
    s.do(
        c.RecordPermit,
        TOM,
        person=MARA,
        kind=PermitKind.ARMORER,
        number="AP-2",
        expires=date(2030, 1, 1),
    )
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)


def test_a_replica_is_handed_over_with_only_the_performer_confirming():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W5)
    s.do(c.HandOver, MARA, confirm=(JACK,), weapon=W5, to=JACK)
    assert weapon_status(s.state, W5).holder == JACK
    assert s.refused(c.HandOver, JACK, confirm=(ROSA,), weapon=W5, to=ROSA).rules[0] == "R08"
