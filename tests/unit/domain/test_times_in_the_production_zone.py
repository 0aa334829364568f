"""Refusals say times in the production's zone, the one its forms are labelled with."""

from __future__ import annotations

from datetime import UTC, date, datetime

from coldcheck.domain.errors import Refusal
from coldcheck.domain.ids import normalise_tag, production_id_from
from coldcheck.domain.localtime import is_time_zone, local_words, zone_of
from coldcheck.domain.status import still_needed
from tests.factories import W1, dry_gulch


def test_r13_says_the_take_time_in_the_productions_zone_not_utc():
    s = dry_gulch()  # scene 41 planned, its safety meeting held
    s.at("13:00")  # 13:00 in Denver (UTC-6 in the factory's day) = 19:00 UTC
    s.take_out_and_inspect(W1)
    refusal = s.load_blanks(W1, ("chamber 1",), take_in=40)
    assert isinstance(refusal, Refusal)
    (r13,) = [r for r in refusal.reasons if r.rule == "R13"]
    assert "13:40 (America/Denver)" in r13.message
    assert "no earlier than 13:25" in r13.message
    assert "UTC" not in r13.message and "19:" not in r13.message


def test_a_zone_name_is_checked_and_times_are_said_with_it():
    assert is_time_zone("America/Denver") and is_time_zone("UTC")
    assert not is_time_zone("Mars/Olympus") and not is_time_zone("../etc/passwd")
    at = datetime(2026, 7, 1, 19, 11, tzinfo=UTC)
    assert local_words(at, zone_of("America/Denver")) == "13:11 (America/Denver)"
    assert zone_of("nowhere").key == "UTC"


def test_times_after_midnight_and_in_the_morning_keep_their_hour():
    denver = zone_of("America/Denver")
    just_after_midnight = datetime(2026, 12, 2, 7, 11, tzinfo=UTC)  # 00:11 in Denver
    assert local_words(just_after_midnight, denver) == "00:11 (America/Denver)"
    assert local_words(datetime(2026, 12, 2, 16, 5, tzinfo=UTC), denver) == "09:05 (America/Denver)"
    assert local_words(just_after_midnight, denver, with_day=True) == "2 Dec 00:11 (America/Denver)"


def test_short_tags_find_the_full_tag():
    for typed in ("w-1", "W1", "1", " w-0001 ", "W 1"):
        assert normalise_tag(typed, "W") == "W-0001", typed
    assert normalise_tag("l-12", "L") == "L-0012"
    assert normalise_tag("L-1", "W") == "L-1"  # another kind of tag stays as typed
    assert normalise_tag("revolver", "W") == "REVOLVER"


def test_a_production_id_is_made_from_its_title():
    assert production_id_from("Dry Gulch") == "dry-gulch"
    assert production_id_from("  Señor Río: Part 2! ") == "senor-rio-part-2"


def test_a_new_production_is_told_what_custody_still_needs():
    s = dry_gulch()
    needed = still_needed(s.state, date(2026, 6, 1))
    # the factory's production has armorers with permits, performers with training, weapons
    assert not any("armorer permit" in n for n in needed)
    assert not any("training" in n or "Weapons" in n for n in needed)
    from coldcheck.domain.state import empty_state

    empty = still_needed(empty_state(s.state.production), date(2026, 6, 1))
    assert any("armorer" in n for n in empty) and any("Performers" in n for n in empty)
    assert any("Weapons" in n for n in empty) and any("Ammunition" in n for n in empty)
