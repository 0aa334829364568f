"""R23-R28: wrap, mechanics, permits, records, capacity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.mechanics import (
    CHECKLISTS,
    ActionType,
    HammerPosition,
    RoundState,
    can_fire_without_trigger,
    inspection_checklist,
    load_positions,
)
from coldcheck.domain.model import (
    BlankLoad,
    LotCount,
    PermitKind,
    PositionLoad,
    RoundClass,
    Settings,
    WeaponKind,
)
from coldcheck.domain.state import DayState
from coldcheck.domain.status import LoadLabel, day_status, weapon_status
from tests.factories import (
    C_DUMMIES,
    DANA,
    DAY,
    JACK,
    L1,
    L2,
    L3,
    MARA,
    PRIYA,
    TOM,
    W1,
    W2,
    W3,
    armed,
    dry_gulch,
)

# -- R23 -----------------------------------------------------------------------


def _count(s, in_store_l1=200):
    serials = tuple(w.weapon.serial for w in s.state.weapons.values())
    return s.try_(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(LotCount(L1, in_store_l1), LotCount(L2, 50), LotCount(L3, 100)),
    )


def test_reconciling_with_a_weapon_still_with_the_armorer_is_refused_R23():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert _count(s).rules == ("R23",)


def test_a_weapon_still_with_a_performer_at_the_wrap_count_opens_an_incident_R23():
    s = dry_gulch()
    armed(s)
    events = _count(s, in_store_l1=196)
    assert isinstance(events, list)
    incident = next(e for e in events if isinstance(e, ev.IncidentOpened))
    assert "W-0001" in incident.description and "overdue" in incident.description
    assert incident.weapons == (W1,) and JACK in incident.people
    assert not any(isinstance(e, ev.WeaponQuarantined) for e in events)
    assert "R23" in s.refused(c.CloseDay, MARA, confirm=(TOM,), day=DAY).rules


def test_closing_a_day_without_a_production_representative_is_refused_R23():
    s = dry_gulch()
    _count(s)
    assert s.refused(c.CloseDay, MARA, day=DAY).rules == ("R23",)


def test_closing_a_day_before_reconciling_is_refused_R23():
    s = dry_gulch()
    assert s.refused(c.CloseDay, MARA, confirm=(TOM,), day=DAY).rules == ("R23",)


def test_a_day_closed_with_a_discrepancy_blocks_the_next_first_issue_until_resolved_R23():
    s = dry_gulch()
    _count(s, in_store_l1=199)
    s.do(c.CloseDay, MARA, confirm=(TOM,), day=DAY)
    assert day_status(s.state, DAY).state is DayState.CLOSED_WITH_DISCREPANCY
    s.tick(60 * 12)
    s.take_out_and_inspect(W2)
    assert s.hand_to(W2, JACK).rules == ("R23",)
    s.do(
        c.ResolveDiscrepancy,
        MARA,
        confirm=(TOM,),
        day=DAY,
        resolution="miscounted; recount shows 200",
    )
    assert isinstance(s.hand_to(W2, JACK), list)


def test_a_clean_wrap_closes_the_day_and_allows_the_next_issue_R23():
    s = dry_gulch()
    events = _count(s)
    assert events[0].discrepancies == ()
    s.do(c.CloseDay, MARA, confirm=(TOM,), day=DAY)
    assert day_status(s.state, DAY).state is DayState.CLOSED
    s.take_out_and_inspect(W2)
    assert isinstance(s.hand_to(W2, JACK), list)


def test_spent_cases_are_counted_against_blanks_fired_R23():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1", "chamber 2"])
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1", "chamber 2"))
    s.do(c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 1", "chamber 2"))
    s.do(c.ReturnToStorage, MARA, weapon=W1)
    serials = tuple(w.weapon.serial for w in s.state.weapons.values())
    events = s.do(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(LotCount(L1, 198, spent_cases=1), LotCount(L2, 50), LotCount(L3, 100)),
    )
    assert events[0].discrepancies == ("L-0001: 1 spent cases for 2 blanks fired",)


# -- R24 -----------------------------------------------------------------------


def test_the_single_action_checklist_is_exactly_the_design_R24():
    assert inspection_checklist(ActionType.SINGLE_ACTION_REVOLVER) == (
        "half cock",
        "open gate",
        "rotate through every chamber",
        "bore",
    )


@pytest.mark.parametrize("action", list(ActionType))
def test_every_action_has_a_checklist_and_positions_R24(action):
    assert CHECKLISTS[action]
    if action is ActionType.REPLICA:
        assert load_positions(action, 0) == ()
    else:
        assert "bore" in CHECKLISTS[action]
        assert load_positions(action, 2)


def test_positions_are_named_per_action_R24():
    assert load_positions(ActionType.SINGLE_ACTION_REVOLVER, 6)[-1] == "chamber 6"
    assert load_positions(ActionType.SEMI_AUTO_PISTOL, 2) == ("magazine 1", "magazine 2", "chamber")
    assert load_positions(ActionType.LEVER, 1) == ("tube 1", "chamber")


def test_an_inspection_with_a_step_not_ticked_is_refused_R24():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)
    refusal = s.inspect(W1, checklist=("half cock", "rotate through every chamber", "bore"))
    assert refusal.rules == ("R24",)
    assert "open gate" in refusal.reasons[0].message


def test_a_lever_action_inspection_with_every_step_is_allowed_R24():
    s = dry_gulch()
    s.take_out_and_inspect(W3)
    assert weapon_status(s.state, W3).inspection_valid


# -- R25 -----------------------------------------------------------------------


def test_loading_a_blank_under_the_hammer_is_refused_R25():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert s.load_blanks(W1, ["chamber 1"], hammer_over="chamber 1").rules == ("R25",)


def test_loading_blanks_without_saying_where_the_hammer_rests_is_refused_R25():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert s.load_blanks(W1, ["chamber 1"], hammer_over=None).rules == ("R25",)


def test_five_blanks_with_the_hammer_on_the_empty_sixth_is_allowed_R25():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, [f"chamber {i}" for i in range(1, 6)], hammer_over="chamber 6")
    assert not weapon_status(s.state, W1).can_fire_without_trigger


def test_six_dummies_with_one_under_the_hammer_are_refused_R25():
    """On Rust the "dummies" were live: the chamber under the hammer stays empty whatever."""
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    six = tuple(PositionLoad(f"chamber {i}", L2) for i in range(1, 7))
    refusal = s.refused(
        c.LoadWeapon, MARA, weapon=W1, container=C_DUMMIES, hammer_over="chamber 1", loads=six
    )
    assert refusal.rules == ("R25",)
    assert "whatever you load" in refusal.reasons[0].message
    no_hammer = s.refused(c.LoadWeapon, MARA, weapon=W1, container=C_DUMMIES, loads=six[:2])
    assert no_hammer.rules == ("R25",)


def test_five_dummies_with_the_hammer_on_the_empty_sixth_chamber_are_allowed_R25():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.do(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_DUMMIES,
        loads=tuple(PositionLoad(f"chamber {i}", L2) for i in range(1, 6)),
        hammer_over="chamber 6",
    )
    assert weapon_status(s.state, W1).label is LoadLabel.DUMMY_LOADED
    assert not weapon_status(s.state, W1).can_fire_without_trigger


def test_a_double_action_revolver_needs_no_hammer_position_R25():
    s = dry_gulch()
    s.do(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene="43",
        day=DAY,
        title="x",
        weapons=(W2,),
        performers=(JACK,),
        fires_blanks=True,
        closest_distance_ft=30,
    )
    s.do(c.HoldSafetyMeeting, DANA, meeting="M-43", day=DAY, scenes=("43",), attendees=(JACK,))
    s.do(
        c.ReceiveLot,
        MARA,
        lot="L-0009",
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.HALF,
        calibre=".38 Special",
        supplier="x",
        count=10,
        container="C-0001",
    )
    s.take_out_and_inspect(W2)
    r = s.load_blanks(W2, ["chamber 1"], lot="L-0009", scene="43", hammer_over=None)
    assert isinstance(r, list)


@pytest.mark.parametrize(
    ("hammer", "under", "fires"),
    [
        (HammerPosition.DOWN, RoundState.BLANK, True),
        (HammerPosition.SAFETY_NOTCH, RoundState.LIVE, True),
        (HammerPosition.DOWN, RoundState.UNKNOWN, True),
        (HammerPosition.HALF_COCK, RoundState.BLANK, False),
        (HammerPosition.DOWN, RoundState.EMPTY, False),
        (HammerPosition.DOWN, RoundState.DUMMY, False),
        (HammerPosition.DOWN, RoundState.SPENT, False),
    ],
)
def test_a_hammer_down_on_a_loaded_chamber_can_fire_without_a_trigger_R25(hammer, under, fires):
    saa = ActionType.SINGLE_ACTION_REVOLVER
    assert can_fire_without_trigger(saa, False, hammer, under) is fires
    assert not can_fire_without_trigger(saa, True, hammer, under)


# -- R26 -----------------------------------------------------------------------


def test_an_expired_armorer_permit_refuses_custody_R26():
    s = dry_gulch()
    s.do(
        c.RecordPermit,
        TOM,
        person=MARA,
        kind=PermitKind.ARMORER,
        number="AP",
        expires=s.now.date() - timedelta(days=1),
    )
    assert s.refused(c.TakeOutOfStorage, MARA, weapon=W1).rules == ("R26",)


def test_a_permit_is_valid_through_its_expiry_date_R26():
    s = dry_gulch()
    s.do(
        c.RecordPermit, TOM, person=MARA, kind=PermitKind.ARMORER, number="AP", expires=s.now.date()
    )
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)


def test_a_machine_gun_needs_a_current_ffl_sot_R26():
    s = dry_gulch()
    s.do(
        c.RegisterWeapon,
        MARA,
        weapon="W-0006",
        name="M60",
        make="US",
        model="M60",
        serial="M60-1",
        calibre="7.62",
        owner="Rental",
        kind=WeaponKind.BLANK_ADAPTED,
        action=ActionType.BELT_FED,
        capacity=50,
    )
    assert s.refused(c.TakeOutOfStorage, MARA, weapon="W-0006").rules == ("R26",)
    s.do(
        c.RecordPermit,
        TOM,
        person=MARA,
        kind=PermitKind.FFL_SOT,
        number="SOT",
        expires=date(2030, 1, 1),
    )
    s.do(c.TakeOutOfStorage, MARA, weapon="W-0006")


# -- R27 -----------------------------------------------------------------------


def test_a_correction_names_the_event_it_corrects_and_changes_nothing_else_R27():
    s = dry_gulch()
    before = s.state
    original = list(s.log)
    events = s.do(c.Correct, MARA, corrects=5, reason="Eli's name is spelled Tran")
    assert events[0].corrects == 5
    assert s.log[: len(original)] == original
    assert s.state.corrections[0].corrects == 5
    assert s.state.weapons == before.weapons and s.state.lots == before.lots


def test_correcting_an_event_that_does_not_exist_is_refused_R27():
    s = dry_gulch()
    assert s.refused(c.Correct, MARA, corrects=-1, reason="x").rules == ("R27",)


def test_a_correction_by_a_performer_is_refused_R27():
    s = dry_gulch()
    assert s.refused(c.Correct, JACK, corrects=1, reason="x").rules == ("AUTH",)


# -- R28 -----------------------------------------------------------------------


def test_taking_out_more_weapons_than_the_capacity_warns_R28():
    s = dry_gulch()
    s.do(c.ChangeSettings, TOM, settings=Settings(armorer_capacity=2))
    assert s.do(c.TakeOutOfStorage, MARA, weapon=W1)[0].warnings == ()
    assert s.do(c.TakeOutOfStorage, MARA, weapon=W2)[0].warnings == ()
    warned = s.do(c.TakeOutOfStorage, MARA, weapon=W3)[0]
    assert [w.rule for w in warned.warnings] == ["R28"]


def test_capacity_comes_from_the_production_settings_R28():
    s = dry_gulch()
    assert s.state.info.settings.armorer_capacity == 6
    for w in list(s.state.weapons)[:5]:
        assert s.do(c.TakeOutOfStorage, MARA, weapon=w)[0].warnings == ()


def test_warnings_travel_on_the_event_R28():
    e = ev.WeaponTakenOut(
        production="p", at=__import__("tests.factories").factories.DAWN, by=PRIYA, weapon=W1
    )
    assert e.warnings == ()
