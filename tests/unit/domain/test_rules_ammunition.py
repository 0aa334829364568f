"""R01-R05: ammunition."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import (
    BlankLoad,
    Disposition,
    LotCount,
    PositionLoad,
    RoundCheck,
    RoundClass,
    StorageLocation,
)
from coldcheck.domain.status import LoadLabel, lot_status, stop_work_active, weapon_status
from tests.factories import (
    C_BLANKS,
    C_DUMMIES,
    C_NEW,
    DAY,
    JACK,
    L1,
    L2,
    L4,
    L5,
    MARA,
    PRIYA,
    TOM,
    W1,
    dry_gulch,
)


def _receive_live(s, lot=L4, container=C_NEW):
    s.do(c.CreateContainer, MARA, container=container, label="range box")
    return s.try_(
        c.ReceiveLot,
        MARA,
        lot=lot,
        round_class=RoundClass.LIVE,
        calibre=".45 Colt",
        supplier="Range",
        count=20,
        container=container,
    )


def test_receiving_a_live_lot_without_an_exception_is_refused_R01():
    s = dry_gulch()
    refusal = _receive_live(s)
    assert "R01" in refusal.rules


def test_receiving_a_live_lot_under_a_recorded_9155_exception_is_allowed_R01():
    s = dry_gulch()
    s.do(c.RecordLiveException, TOM, (PRIYA,), supervisor=PRIYA, purpose="range training off set")
    events = _receive_live(s)
    assert isinstance(events[0], ev.LotReceived)


def test_loading_live_rounds_is_refused_even_under_an_exception_R01():
    s = dry_gulch()
    s.do(c.RecordLiveException, TOM, (PRIYA,), supervisor=PRIYA, purpose="sound recording")
    _receive_live(s)
    s.take_out_and_inspect(W1)
    refusal = s.refused(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_NEW,
        loads=(PositionLoad("chamber 1", L4),),
        hammer_over="chamber 6",
    )
    assert "R01" in refusal.rules


def test_an_inspection_finding_a_live_round_stops_work_and_quarantines_weapon_and_lot_R01():
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
    events = s.inspect(W1, found={"chamber 1": RoundState.LIVE})
    kinds = [type(e) for e in events]
    assert ev.IncidentOpened in kinds and ev.StopWorkStarted in kinds
    assert stop_work_active(s.state)
    assert weapon_status(s.state, W1).label is LoadLabel.QUARANTINED
    assert lot_status(s.state, L2).quarantined
    refusal = s.hand_to(W1, JACK)
    assert {"R01", "R20", "R21"} <= set(refusal.rules)


def test_a_clean_inspection_opens_no_incident_R01():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    assert not s.state.incidents and not stop_work_active(s.state)


def test_receiving_blanks_without_their_load_is_refused_R02():
    s = dry_gulch()
    refusal = s.refused(
        c.ReceiveLot,
        MARA,
        lot=L4,
        round_class=RoundClass.BLANK,
        calibre=".45 Colt",
        supplier="Rental",
        count=100,
        container=C_BLANKS,
    )
    assert refusal.rules == ("R02",)


def test_receiving_a_lot_without_supplier_calibre_or_count_lists_every_reason_R02():
    s = dry_gulch()
    refusal = s.refused(
        c.ReceiveLot,
        MARA,
        lot=L4,
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.FULL,
        calibre="",
        supplier="",
        count=0,
        container=C_BLANKS,
    )
    assert [r.rule for r in refusal.reasons] == ["R02", "R02"]


def test_loading_from_a_lot_never_received_is_refused_R02():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    refusal = s.refused(
        c.LoadWeapon, MARA, weapon=W1, container=C_DUMMIES, loads=(PositionLoad("chamber 1", L5),)
    )
    assert "R02" in refusal.rules


def test_receiving_a_complete_blank_lot_is_allowed_R02():
    s = dry_gulch()
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L4,
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.QUARTER,
        calibre=".45 Colt",
        supplier="Rental",
        count=100,
        container=C_BLANKS,
    )
    assert lot_status(s.state, L4).in_store == 100


def _new_dummy_lot(s, count=10):
    s.do(c.CreateContainer, MARA, container=C_NEW, label="new dummies")
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L5,
        round_class=RoundClass.DUMMY,
        calibre=".45 Colt",
        supplier="New Supplier",
        count=count,
        container=C_NEW,
    )


def test_loading_unverified_dummies_is_refused_R03():
    s = dry_gulch()
    _new_dummy_lot(s)
    s.take_out_and_inspect(W1)
    refusal = s.refused(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_NEW,
        loads=(PositionLoad("chamber 1", L5),),
        hammer_over="chamber 6",
    )
    assert refusal.rules == ("R03",)


def test_verifying_only_some_dummies_is_refused_R03():
    s = dry_gulch()
    _new_dummy_lot(s)
    refusal = s.refused(
        c.VerifyDummies,
        MARA,
        lot=L5,
        method="rattle",
        rounds=tuple(RoundCheck(n, True) for n in range(1, 9)),
    )
    assert refusal.rules == ("R03",)
    assert "9, 10" in refusal.reasons[0].message


def test_a_dummy_that_fails_opens_an_incident_and_quarantines_the_lot_R03():
    s = dry_gulch()
    _new_dummy_lot(s)
    rounds = tuple(RoundCheck(n, n != 7, "live primer" if n == 7 else "") for n in range(1, 11))
    s.do(c.VerifyDummies, MARA, lot=L5, method="rattle, primer, hole", rounds=rounds)
    status = lot_status(s.state, L5)
    assert status.quarantined and status.verified is False
    assert stop_work_active(s.state)


def test_loading_verified_dummies_is_allowed_R03():
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


def test_receiving_dummies_into_a_blank_container_is_refused_R04():
    s = dry_gulch()
    refusal = s.refused(
        c.ReceiveLot,
        MARA,
        lot=L5,
        round_class=RoundClass.DUMMY,
        calibre=".45 Colt",
        supplier="x",
        count=5,
        container=C_BLANKS,
    )
    assert refusal.rules == ("R04",)


def test_moving_blanks_into_a_dummy_container_is_refused_R04():
    s = dry_gulch()
    refusal = s.refused(
        c.MoveRounds, MARA, lot=L1, from_container=C_BLANKS, to_container=C_DUMMIES, count=5
    )
    assert refusal.rules == ("R04",)


def test_unloading_dummies_back_into_a_blank_container_is_refused_R04():
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
    refusal = s.refused(
        c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 1",), container=C_BLANKS
    )
    assert refusal.rules == ("R04",)


def test_moving_blanks_into_an_empty_container_is_allowed_R04():
    s = dry_gulch()
    s.do(c.CreateContainer, MARA, container=C_NEW, label="cart box", location=StorageLocation.CART)
    s.do(c.MoveRounds, MARA, lot=L1, from_container=C_BLANKS, to_container=C_NEW, count=20)
    assert dict(lot_status(s.state, L1).containers) == {C_BLANKS: 180, C_NEW: 20}


def test_rounds_are_conserved_through_load_fire_and_unload_R05():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1", "chamber 2", "chamber 3"])
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1",))
    s.do(c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 1", "chamber 2"), container=C_BLANKS)
    s.do(
        c.UnloadWeapon,
        MARA,
        weapon=W1,
        positions=("chamber 3",),
        disposition=Disposition.DESTROY,
        confirm=(PRIYA,),
    )
    st = lot_status(s.state, L1)
    assert (st.in_store, st.in_weapons, st.fired, st.destroyed) == (198, 0, 1, 1)
    assert st.conserved


def test_destroying_more_rounds_than_the_container_holds_is_refused_R05():
    s = dry_gulch()
    refusal = s.refused(c.DestroyRounds, MARA, lot=L1, container=C_BLANKS, count=201)
    assert refusal.rules == ("R05",)


def test_an_inspection_that_finds_a_recorded_round_gone_is_refused_R05():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1"])
    refusal = s.inspect(W1, found={"chamber 1": RoundState.EMPTY})
    assert refusal.rules == ("R05",)


def test_a_wrap_count_that_differs_opens_an_incident_R05():
    s = dry_gulch()
    serials = tuple(w.weapon.serial for w in s.state.weapons.values())
    events = s.do(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(LotCount(L1, 199), LotCount(L2, 50), LotCount("L-0003", 100)),
    )
    assert events[0].discrepancies == ("L-0001: counted 199 in store, records say 200",)
    assert any(isinstance(e, ev.IncidentOpened) for e in events)
