"""Queries the pages use: weapon, lot, day, stop-work, reports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coldcheck import domain
from coldcheck.domain import commands as c
from coldcheck.domain.errors import UnknownEntity
from coldcheck.domain.mechanics import HammerPosition, RoundState
from coldcheck.domain.model import BlankLoad
from coldcheck.domain.state import Custody, DayState, Load
from coldcheck.domain.status import LoadLabel
from tests.factories import DAY, JACK, L1, MARA, PROD, W1, W4, armed, dry_gulch


def test_the_weapon_page_says_where_it_is_what_is_in_it_and_who_checked():
    s = dry_gulch()
    armed(s)
    st = domain.weapon_status(s.state, W1)
    assert (st.tag, st.location, st.holder, st.holder_name) == (
        "W-0001",
        Custody.PERFORMER,
        JACK,
        "Jack Hale",
    )
    assert st.label is LoadLabel.BLANK_LOADED
    assert dict(st.positions)["chamber 1"] == Load(RoundState.BLANK, L1, BlankLoad.QUARTER)
    assert str(dict(st.positions)["chamber 1"]) == "blank(L-0001, quarter load)"
    assert str(dict(st.positions)["chamber 6"]) == "empty"
    assert st.inspected_by == MARA and st.inspection_valid
    assert (st.hammer, st.hammer_over) == (HammerPosition.DOWN, "chamber 6")
    assert st.can_fire_without_trigger is False
    assert any("transfer bar" in h for h in st.hazards)


def test_loading_labels_are_exactly_the_five_of_the_design():
    assert [x.value for x in LoadLabel] == [
        "cold",
        "dummy-loaded",
        "blank-loaded",
        "unverified",
        "quarantined",
    ]


def test_an_unknown_weapon_or_lot_raises():
    s = dry_gulch()
    with pytest.raises(UnknownEntity):
        domain.weapon_status(s.state, "W-0099")
    with pytest.raises(UnknownEntity):
        domain.lot_status(s.state, "L-0099")


def test_the_lot_page_counts_every_round():
    s = dry_gulch()
    armed(s)
    st = domain.lot_status(s.state, L1)
    assert (st.received, st.in_store, st.in_weapons, st.fired) == (200, 196, 4, 0)
    assert st.conserved and st.verified is None
    assert domain.lot_status(s.state, "L-0002").verified is True


def test_the_day_page_shows_weapons_out_and_whether_issue_is_blocked():
    s = dry_gulch()
    armed(s)
    st = domain.day_status(s.state, DAY)
    assert st.state is DayState.OPEN and st.weapons_out == (W1,) and not st.blocks_issue


def test_stop_work_and_overdue_reports_are_queries():
    s = dry_gulch()
    assert not domain.stop_work_active(s.state)
    s.do(c.StopWork, MARA, reason="lightning")
    assert domain.stop_work_active(s.state)
    assert domain.overdue_reports(domain.empty_state(PROD), s.now) == []


def test_replay_rebuilds_the_same_state():
    s = dry_gulch()
    armed(s)
    s.do(c.RecordUnplannedDischarge, MARA, weapon=W4)
    assert domain.replay(PROD, s.log) == s.state
    assert s.state.event_count == len(s.log)


def test_the_public_surface_is_exported():
    for name in domain.__all__:
        assert hasattr(domain, name), name
    assert domain.Refusal and domain.Reason and domain.decide and domain.apply


def test_time_comes_only_from_commands():
    s = dry_gulch()
    s.tick(minutes=1)
    events = s.do(c.StopWork, MARA, reason="x")
    assert events[0].at == s.now and s.now - timedelta(minutes=1) > s.log[0].at
