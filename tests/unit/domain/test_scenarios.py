"""Whole stories: the SHOOT-DAY.md day, the Rust failure modes, the 1993 squib load."""

from __future__ import annotations

from datetime import timedelta

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.errors import Refusal
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import (
    BlankLoad,
    BoreFinding,
    Disposition,
    LotCount,
    PositionLoad,
    RoundCheck,
    RoundClass,
    StorageLocation,
)
from coldcheck.domain.state import Custody, DayState, replay
from coldcheck.domain.status import (
    LoadLabel,
    day_status,
    lot_status,
    overdue_reports,
    stop_work_active,
    weapon_status,
)
from tests.factories import (
    C_BLANKS,
    C_DUMMIES,
    C_NEW,
    DANA,
    DAY,
    JACK,
    L1,
    L2,
    L3,
    L4,
    L5,
    MARA,
    PRIYA,
    PROD,
    PROPS,
    ROSA,
    SAM,
    SCENE_41,
    SCENE_44,
    SCENE_45,
    TOM,
    W1,
    W4,
    W5,
    WEAPONS,
    Shoot,
    armed,
    dry_gulch,
    plan_scene_41,
)

SIX = tuple(f"chamber {i}" for i in range(1, 7))


def run_shoot_day() -> Shoot:
    """Day 14 of Dry Gulch, as told in SHOOT-DAY.md, through decide/apply."""
    s = dry_gulch(with_scene=False)

    # 06:00 unlock: every weapon unverified since last night; yesterday closed clean.
    s.at("06:00")
    assert all(weapon_status(s.state, w).label is LoadLabel.UNVERIFIED for w in WEAPONS)
    assert day_status(s.state, DAY - timedelta(days=1)).state is DayState.CLOSED

    # 06:20 delivery: L-0004 blanks; L-0005 "dummies" with a live primer in round 37.
    s.at("06:20")
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L4,
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.QUARTER,
        calibre=".45 Colt",
        supplier="Rental House",
        count=100,
        container=C_BLANKS,
    )
    s.do(c.CreateContainer, MARA, container=C_NEW, label="new supplier dummies")
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L5,
        round_class=RoundClass.DUMMY,
        calibre=".45 Colt",
        supplier="New Supplier",
        count=50,
        container=C_NEW,
    )
    s.at("06:35")
    rounds = tuple(
        RoundCheck(n, n != 37, "does not rattle, has a primer" if n == 37 else "")
        for n in range(1, 51)
    )
    events = s.do(c.VerifyDummies, MARA, lot=L5, method="rattle, primer, holed case", rounds=rounds)
    assert {type(e) for e in events} >= {ev.IncidentOpened, ev.LotQuarantined, ev.StopWorkStarted}
    assert stop_work_active(s.state)
    s.at("06:45")
    s.do(
        c.ReturnLot,
        MARA,
        (PRIYA,),
        lot=L5,
        container=C_NEW,
        count=50,
        note="sealed, back to supplier",
    )
    s.at("06:50")
    s.do(
        c.HoldSafetyMeeting,
        PRIYA,
        meeting="M-0650",
        day=DAY,
        scenes=(),
        attendees=(MARA, PRIYA, DANA),
        notes="L-0005 returned; dummies only from L-0002",
    )
    s.at("06:55")
    s.do(c.CloseIncident, PRIYA, incident="I-0001", resolution="lot returned to supplier")
    s.do(c.LiftStopWork, MARA, confirm=(PRIYA,), meeting="M-0650")
    assert lot_status(s.state, L5).returned == 50 and lot_status(s.state, L5).conserved

    # 07:30 safety meeting, scene 41.
    s.at("07:25")
    plan_scene_41(s, meeting=False)
    s.at("07:30")
    s.do(
        c.HoldSafetyMeeting,
        DANA,
        meeting="M-41",
        day=DAY,
        scenes=(SCENE_41,),
        attendees=(DANA, MARA, JACK, PRIYA),
    )

    # 08:00 rehearsal with the rubber replica: custody still tracked.
    s.at("08:00")
    s.do(c.TakeOutOfStorage, MARA, weapon=W5)
    s.do(c.HandOver, MARA, confirm=(JACK,), weapon=W5, to=JACK)
    assert weapon_status(s.state, W5).holder == JACK
    s.at("08:30")
    s.take_back(W5)
    s.do(c.ReturnToStorage, MARA, weapon=W5)

    # 08:40 before the take: inspect, load four blanks, hammer on an empty chamber, hand over.
    s.at("08:40")
    s.take_out_and_inspect(W1)
    loaded = s.load_blanks(W1, SIX[:4], take_in=10, hammer_over="chamber 6")
    assert isinstance(loaded, list) and loaded[0].announce
    s.at("08:45")
    s.do(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK)
    status = weapon_status(s.state, W1)
    assert (status.label, status.holder) == (LoadLabel.BLANK_LOADED, JACK)
    assert not status.can_fire_without_trigger

    # 08:52 Dana reaches for the revolver.
    s.at("08:52")
    refusal = s.refused(c.HandOver, DANA, confirm=(ROSA,), weapon=W1, to=ROSA)
    assert str(refusal.reasons[0]) == (
        "R08: only an armorer hands a weapon to a performer — give it back to Mara Voss."
    )

    # 09:05 cut: two fired, one misfire, one unfired.
    s.at("09:05")
    s.take_back(W1)
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1", "chamber 2"))
    s.do(c.RecordMisfire, MARA, weapon=W1, position="chamber 3")
    assert weapon_status(s.state, W1).can_fire_without_trigger
    s.tick(seconds=10)
    assert s.refused(
        c.UnloadWeapon,
        MARA,
        (PRIYA,),
        weapon=W1,
        positions=("chamber 3",),
        disposition=Disposition.DESTROY,
    ).rules == ("R19",)
    s.tick(seconds=5)
    s.do(
        c.UnloadWeapon,
        MARA,
        weapon=W1,
        positions=("chamber 3",),
        disposition=Disposition.DESTROY,
        confirm=(PRIYA,),
    )
    s.do(
        c.UnloadWeapon,
        MARA,
        weapon=W1,
        positions=("chamber 1", "chamber 2", "chamber 4"),
        container=C_BLANKS,
    )
    s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.CLEAR)
    s.inspect(W1)
    assert weapon_status(s.state, W1).label is LoadLabel.COLD

    # 12:30 lunch: nothing held by anyone before the break is logged.
    s.at("12:30")
    assert s.refused(c.LockUp, MARA, kind="lunch").rules == ("R09",)
    s.do(c.ReturnToStorage, MARA, weapon=W1)
    s.do(c.LockUp, MARA, kind="lunch")
    s.at("13:30")
    s.do(c.UnlockArmory, MARA)

    # 14:00 scene 44: six verified dummies, bore check before and after.
    s.at("13:45")
    s.do(
        c.PlanScene,
        DANA,
        scene=SCENE_44,
        day=DAY,
        title="close-up of a loaded revolver",
        weapons=(W1,),
        performers=(JACK,),
    )
    s.at("14:00")
    s.take_out_and_inspect(W1)
    s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.CLEAR)
    s.do(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_DUMMIES,
        loads=tuple(PositionLoad(p, L2) for p in SIX[:5]),
        hammer_over="chamber 6",
    )
    assert weapon_status(s.state, W1).label is LoadLabel.DUMMY_LOADED
    s.do(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK)
    s.at("14:40")
    s.take_back(W1)
    s.do(c.UnloadWeapon, MARA, weapon=W1, positions=SIX[:5], container=C_DUMMIES)
    s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.CLEAR)
    s.inspect(W1)
    s.do(c.ReturnToStorage, MARA, weapon=W1)

    # 16:10 an unplanned discharge of Sam's W-0004 during a reset (no firing planned).
    s.at("15:50")
    s.do(
        c.PlanScene,
        DANA,
        scene=SCENE_45,
        day=DAY,
        title="street reset",
        weapons=(W4,),
        performers=(SAM,),
    )
    s.take_out_and_inspect(W4)
    s.do(c.HandOver, MARA, confirm=(SAM, DANA), weapon=W4, to=SAM)
    s.at("16:10")
    events = s.do(c.RecordUnplannedDischarge, MARA, weapon=W4, description="went off in a reset")
    assert stop_work_active(s.state)
    assert weapon_status(s.state, W4).label is LoadLabel.QUARANTINED
    s.do(c.FileSafetyReport, None, report="SR-1", text="W-0004 went off near me", anonymous=True)
    s.take_back(W4)
    s.inspect(W4)
    s.do(c.ReturnToStorage, MARA, weapon=W4)
    s.at("16:40")
    s.do(
        c.HoldSafetyMeeting,
        PRIYA,
        meeting="M-1640",
        day=DAY,
        scenes=(),
        attendees=(MARA, PRIYA, DANA, SAM),
    )
    s.at("16:45")
    discharge = next(i for i in s.state.incidents.values() if i.kind == "unplanned_discharge")
    s.do(
        c.LiftStopWork,
        PRIYA,
        confirm=(MARA,),
        meeting="M-1640",
        carry_over=(discharge.id,),
        carry_over_reason="W-0004 quarantined in storage until the armorer clears it",
    )
    assert weapon_status(s.state, W4).quarantined  # out of use until the armorer clears it
    assert s.state.incidents[discharge.id].closed_at is None

    # 19:00 wrap.
    s.at("19:00")
    serials = tuple(spec["serial"] for spec in WEAPONS.values())
    wrap = s.do(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(
            LotCount(L1, 197, spent_cases=2),
            LotCount(L2, 50),
            LotCount(L3, 100),
            LotCount(L4, 100),
            LotCount(L5, 0),
        ),
    )
    assert wrap[0].discrepancies == ()
    s.do(c.CloseDay, MARA, confirm=(TOM,), day=DAY)
    s.do(c.LockUp, MARA, kind="wrap")
    return s


def test_the_whole_shoot_day_runs_through_decide_and_apply():
    s = run_shoot_day()
    l1 = lot_status(s.state, L1)
    assert (l1.received, l1.fired, l1.destroyed, l1.in_store, l1.in_weapons) == (200, 2, 1, 197, 0)
    assert lot_status(s.state, L2).in_store == 50
    assert lot_status(s.state, L4).in_store == 100
    assert lot_status(s.state, L5).returned == 50
    assert all(lot_status(s.state, lot).conserved for lot in s.state.lots)
    assert day_status(s.state, DAY).state is DayState.CLOSED
    assert all(w.location is Custody.STORAGE for w in s.state.weapons.values())
    assert [r.id for r in overdue_reports(s.state, s.now + timedelta(days=1))] == ["SR-1"]
    assert replay(PROD, s.log) == s.state


# ---------------------------------------------------------------------------
# Rust (New Mexico, October 2021)
# ---------------------------------------------------------------------------


def test_rust_live_rounds_in_a_box_of_dummies_never_reach_a_performer():
    s = dry_gulch()
    s.do(c.CreateContainer, MARA, container=C_NEW, label='"45 LONG COLT DUMMIES"')
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L5,
        round_class=RoundClass.DUMMY,
        calibre=".45 Colt",
        supplier="unknown",
        count=6,
        container=C_NEW,
    )
    s.take_out_and_inspect(W1)
    # Unverified: refused.
    refusal = s.refused(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_NEW,
        loads=(PositionLoad("chamber 1", L5),),
        hammer_over="chamber 6",
    )
    assert refusal.rules == ("R03",)
    # Verified round by round: the live one is found, and everything stops.
    s.do(
        c.VerifyDummies,
        MARA,
        lot=L5,
        method="rattle, primer",
        rounds=tuple(RoundCheck(n, n != 4, "live primer, no rattle") for n in range(1, 7)),
    )
    assert stop_work_active(s.state) and lot_status(s.state, L5).quarantined
    assert "R21" in s.hand_to(W1, JACK).rules


def test_rust_a_live_round_missed_at_verification_is_caught_by_the_handoff_inspection():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.do(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_DUMMIES,
        loads=(PositionLoad("chamber 1", L2), PositionLoad("chamber 2", L2)),
        hammer_over="chamber 6",
    )
    s.inspect(W1, found={"chamber 2": RoundState.LIVE})
    assert weapon_status(s.state, W1).label is LoadLabel.QUARANTINED
    assert lot_status(s.state, L2).quarantined and stop_work_active(s.state)
    assert {"R01", "R20", "R21"} <= set(s.hand_to(W1, JACK).rules)


def test_rust_the_first_ad_cannot_take_the_revolver_from_the_cart_and_call_it_cold():
    s = dry_gulch()
    assert s.refused(c.TakeOutOfStorage, DANA, weapon=W1).rules == ("R06",)
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)  # on the cart with the armorer, uninspected
    refusal = s.refused(c.HandOver, DANA, confirm=(JACK,), weapon=W1, to=JACK)
    assert refusal.reasons[0].rule == "R08" and "Mara Voss" in refusal.reasons[0].message
    # Nobody can type "cold": the label is derived, and it says unverified.
    assert weapon_status(s.state, W1).label is LoadLabel.UNVERIFIED
    # Even the armorer cannot hand it over before inspecting it.
    assert "R10" in s.hand_to(W1, JACK).rules


def test_rust_earlier_unplanned_discharges_cannot_go_unaddressed():
    s = dry_gulch()
    s.take_out_and_inspect(W4)
    s.hand_to(W4, SAM)
    s.do(c.RecordUnplannedDischarge, MARA, weapon=W4, description="stunt double's gun fired")
    assert stop_work_active(s.state)
    s.take_back(W4)
    # Work goes on as if nothing happened? No: every issue and load is refused.
    s.take_out_and_inspect(W1)
    assert "R21" in s.load_blanks(W1, ["chamber 1"]).rules
    assert "R21" in s.hand_to(W1, JACK).rules
    s.inspect(W4)
    assert {"R20", "R21"} <= set(s.hand_to(W4, SAM).rules)
    # A meeting held before the discharge does not count.
    assert s.refused(c.LiftStopWork, MARA, confirm=(PRIYA,), meeting="M-41").rules == ("R21",)


def test_rust_ammunition_left_on_the_cart_over_lunch_is_refused():
    s = dry_gulch()
    s.do(c.MoveContainer, MARA, container=C_BLANKS, to=StorageLocation.CART)
    refusal = s.refused(c.LockUp, MARA, kind="lunch")
    assert refusal.rules == ("R09",) and "on the cart" in refusal.reasons[0].message
    s.do(c.MoveContainer, MARA, container=C_BLANKS, to=StorageLocation.STORAGE)
    s.do(c.LockUp, MARA, kind="lunch")


def test_rust_the_armorer_cannot_double_as_props_assistant():
    s = dry_gulch()
    armed(s)
    refusal = s.refused(c.AssignDuty, TOM, person=MARA, duty="props assistant")
    assert refusal.rules == ("R07",)
    assert s.refused(c.TakeBack, PROPS, confirm=(JACK,), weapon=W1).rules == ("R08",)


# ---------------------------------------------------------------------------
# Brandon Lee (1993): a squib from a bad dummy, then a blank behind it
# ---------------------------------------------------------------------------


def test_squib_load_a_bore_check_comes_between_dummies_and_blanks_R16():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.do(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_DUMMIES,
        loads=tuple(PositionLoad(p, L2) for p in SIX[:5]),
        hammer_over="chamber 6",
    )
    s.do(c.UnloadWeapon, MARA, weapon=W1, positions=SIX[:5], container=C_DUMMIES)
    # The close-up is done; blanks next. Refused until the bore is checked.
    refusal = s.load_blanks(W1, ["chamber 1"])
    assert isinstance(refusal, Refusal) and refusal.rules == ("R16",)
    assert "Brandon Lee" in refusal.reasons[0].message
    # The bore check finds the bullet: incident, quarantine, stop-work.
    s.do(c.CheckBore, MARA, weapon=W1, bore=BoreFinding.OBSTRUCTED)
    assert weapon_status(s.state, W1).label is LoadLabel.QUARANTINED
    assert stop_work_active(s.state)
    assert {"R16", "R20", "R21"} <= set(s.load_blanks(W1, ["chamber 1"]).rules)


def test_squib_load_blanks_never_join_dummies_in_one_weapon_R16():
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


def test_the_rifle_lots_are_untouched_by_the_revolver_day():
    s = run_shoot_day()
    assert lot_status(s.state, L3).in_store == 100
