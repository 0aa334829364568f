"""R27 the ATF way (Ruling 2016-1): a correction names the entry and the corrected values.

The domain does not see the log; the service fills in the corrected entry's type, the id
its values describe and each field's value before. ``_correct`` does the same here from the
test's own log, so these tests drive ``decide`` exactly as the service does.
"""

from __future__ import annotations

from typing import Any

from coldcheck.domain import commands as c
from coldcheck.domain import correcting
from coldcheck.domain import events as ev
from coldcheck.domain.codec import event_from_envelope, event_payload
from coldcheck.domain.errors import Refusal
from coldcheck.domain.model import FieldChange, TakeContext
from coldcheck.domain.state import replay
from tests.factories import JACK, MARA, PROD, TOM, W1, W2, Shoot, correction_of, dry_gulch
from tests.factories import armed as arm


def _seq(s: Shoot, kind: type[Any], **match: Any) -> int:
    """The log position of the first entry of ``kind`` with these field values."""
    for i, e in enumerate(s.log):
        if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items()):
            return i
    raise AssertionError(f"no {kind.__name__} {match}")


def _command_fields(s: Shoot, seq: int, values: dict[str, str]) -> dict[str, Any]:
    return correction_of(s, seq, **values)


def _correct(s: Shoot, seq: int, why: str = "typed wrong", **values: str) -> list[Any]:
    return s.do(c.Correct, MARA, reason=why, **_command_fields(s, seq, values))


def _refused(s: Shoot, seq: int, **values: str) -> Refusal:
    return s.refused(c.Correct, MARA, reason="typed wrong", **_command_fields(s, seq, values))


def armed() -> Shoot:
    """Dry Gulch with W-0001 loaded with blanks for scene 41 and handed to Jack."""
    s = dry_gulch()
    arm(s)
    return s


# -- allowed ---------------------------------------------------------------------------


def test_a_corrected_serial_is_recorded_with_the_value_before_and_reaches_the_weapon_R27():
    s = dry_gulch()
    seq = _seq(s, ev.WeaponRegistered, weapon=W1)
    recorded = s.state.weapons[W1].weapon.serial
    (e,) = _correct(s, seq, "the serial was misread from the frame", serial="SA-48213X")
    assert isinstance(e, ev.CorrectionRecorded)
    assert e.of_type == "WeaponRegistered" and e.subject == W1
    assert e.changes == (FieldChange("serial", "SA-48213X", recorded),)
    assert s.state.weapons[W1].weapon.serial == "SA-48213X"
    assert s.log[seq].serial == recorded  # the entry itself stays as recorded


def test_make_model_calibre_and_owner_are_correctable_and_counts_are_not():
    fields = correcting.correctable_fields("WeaponRegistered")
    assert {"name", "make", "model", "serial", "calibre", "owner"} <= set(fields)
    assert not {"capacity", "weapon", "action", "kind", "at", "by"} & set(fields)


def test_the_take_context_of_a_handoff_is_correctable_field_by_field_R27():
    s = armed()
    seq = _seq(s, ev.WeaponHandedOver)
    (e,) = _correct(s, seq, "it was the rehearsal", **{"context.rehearsal": "yes"})
    assert e.changes[0].field == "context.rehearsal"
    corrected = correcting.corrected_event(s.log[seq], e.changes)
    assert isinstance(corrected, ev.WeaponHandedOver)
    assert corrected.context is not None and corrected.context.rehearsal is True


def test_a_persons_name_is_corrected_everywhere_it_is_shown_R27():
    s = dry_gulch()
    seq = _seq(s, ev.PersonAdded, person=JACK)
    _correct(s, seq, "spelled as on the call sheet", name="Jack Kincaide")
    assert s.state.name_of(JACK) == "Jack Kincaide"


def test_two_corrections_of_one_field_keep_both_and_the_latest_wins_R27():
    s = dry_gulch()
    seq = _seq(s, ev.WeaponRegistered, weapon=W1)
    first = s.log[seq].serial
    _correct(s, seq, serial="SA-1")
    (second,) = _correct(s, seq, "still wrong", serial="SA-2")
    assert second.changes[0].was == "SA-1"
    notes = [n for n in s.state.corrections if n.corrects == seq]
    assert [n.changes[0].value for n in notes] == ["SA-1", "SA-2"]
    both = [ch for n in notes for ch in n.changes]
    assert correcting.corrected_event(s.log[seq], both).serial == "SA-2"  # type: ignore[attr-defined]
    assert s.state.weapons[W1].weapon.serial == "SA-2" and first != "SA-2"


def test_a_correction_of_a_correction_corrects_its_reason_only_R27():
    s = dry_gulch()
    seq = _seq(s, ev.WeaponRegistered, weapon=W1)
    _correct(s, seq, "misread", serial="SA-1")
    correction = len(s.log) - 1
    (e,) = _correct(s, correction, "the reason was wrong", reason="misread from the receipt")
    assert e.of_type == "CorrectionRecorded" and e.changes[0].was == "misread"
    refusal = _refused(s, correction, corrects="3")
    assert refusal.rules == ("R27",) and "new correction" in refusal.reasons[0].message
    assert correcting.why_not("CorrectionRecorded", "changes", tuple[FieldChange, ...])


def test_a_correction_in_words_only_is_still_accepted_R27():
    s = dry_gulch()
    (e,) = s.do(c.Correct, MARA, corrects=5, reason="the time was 09:25")
    assert isinstance(e, ev.CorrectionRecorded) and e.changes == ()


# -- refused ---------------------------------------------------------------------------


def test_a_round_count_cannot_be_corrected_record_a_count_instead_R27():
    s = dry_gulch()
    refusal = _refused(s, _seq(s, ev.LotReceived), count="190")
    assert refusal.rules == ("R27",)
    assert "record the real count at wrap" in refusal.reasons[0].message


def test_who_holds_a_weapon_cannot_be_corrected_record_a_new_event_R27():
    s = armed()
    refusal = _refused(s, _seq(s, ev.WeaponHandedOver), to=TOM)
    assert refusal.rules == ("R27",)
    assert "new event" in refusal.reasons[0].message


def test_chamber_contents_cannot_be_corrected_R27():
    s = armed()
    refusal = _refused(s, _seq(s, ev.WeaponLoaded), loads="[]")
    assert refusal.rules == ("R27",) and "chamber contents" in refusal.reasons[0].message


def test_the_action_type_and_when_and_by_whom_cannot_be_corrected_R27():
    s = dry_gulch()
    seq = _seq(s, ev.WeaponRegistered, weapon=W1)
    assert _refused(s, seq, action="pump").rules == ("R27",)
    assert "log's own record" in _refused(s, seq, by=TOM).reasons[0].message


def test_an_unknown_field_is_refused_naming_the_correctable_ones():
    s = dry_gulch()
    refusal = _refused(s, _seq(s, ev.WeaponRegistered, weapon=W1), colour="blue")
    assert refusal.rules == ("INPUT",)
    assert (
        "no field 'colour'" in refusal.reasons[0].message and "serial" in refusal.reasons[0].message
    )


def test_a_value_that_is_not_of_the_fields_type_is_refused():
    s = armed()
    seq = _seq(s, ev.WeaponHandedOver)
    refusal = _refused(s, seq, **{"context.take": "third"})
    assert refusal.rules == ("INPUT",) and "whole number" in refusal.reasons[0].message
    assert _refused(s, seq, **{"context.rehearsal": "maybe"}).rules == ("INPUT",)
    assert _refused(s, seq, **{"context.take": "0"}).rules == ("INPUT",)


def test_an_over_long_serial_or_one_with_a_line_break_is_refused():
    s = dry_gulch()
    seq = _seq(s, ev.WeaponRegistered, weapon=W1)
    assert "at most 200" in _refused(s, seq, serial="S" * 201).reasons[0].message
    assert "one line" in _refused(s, seq, serial="SA\n1").reasons[0].message
    assert "nothing" in _refused(s, seq, serial="  ").reasons[0].message


def test_another_weapons_serial_and_the_same_value_are_refused():
    s = dry_gulch()
    seq = _seq(s, ev.WeaponRegistered, weapon=W1)
    other = s.state.weapons[W2].weapon.serial
    assert "already registered as W-0002" in _refused(s, seq, serial=other).reasons[0].message
    same = s.state.weapons[W1].weapon.serial
    assert "nothing to correct" in _refused(s, seq, serial=same).reasons[0].message


def test_an_unplanned_scene_in_a_take_context_is_refused():
    s = armed()
    refusal = _refused(s, _seq(s, ev.WeaponHandedOver), **{"context.scene": "99"})
    assert refusal.rules == ("INPUT",) and "not planned" in refusal.reasons[0].message


def test_a_performer_cannot_correct_values():
    s = dry_gulch()
    fields = _command_fields(s, _seq(s, ev.WeaponRegistered, weapon=W1), {"serial": "SA-9"})
    assert s.refused(c.Correct, JACK, reason="x", **fields).rules == ("AUTH",)


# -- stored form ------------------------------------------------------------------------


def test_an_old_correction_upcasts_to_one_without_values():
    event = event_from_envelope(
        "CorrectionRecorded",
        1,
        PROD,
        "2026-12-01T15:00:00+00:00",
        MARA,
        [],
        {"corrects": 12, "reason": "the time was 09:25", "weapons": ["W-0001"]},
    )
    assert isinstance(event, ev.CorrectionRecorded)
    assert (event.of_type, event.subject, event.changes) == ("", "", ())
    assert replay(PROD, [event]).corrections[0].changes == ()


def test_a_correction_with_values_round_trips_through_its_stored_form():
    s = dry_gulch()
    (e,) = _correct(s, _seq(s, ev.WeaponRegistered, weapon=W1), serial="SA-9")
    payload = event_payload(e)
    assert payload["changes"] == [{"field": "serial", "value": "SA-9", "was": "SAA-1873"}]
    back = event_from_envelope(
        e.type_name, ev.CorrectionRecorded.version, PROD, e.at.isoformat(), MARA, [], payload
    )
    assert back == e


def test_a_field_added_to_an_event_later_is_correctable_without_a_change():
    import dataclasses

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Grown(ev.WeaponRegistered):
        importer: str = ""

    assert correcting.why_not("WeaponRegistered", "importer", str) is None
    grown = Grown(**{f.name: getattr(_w(), f.name) for f in dataclasses.fields(_w())})
    out = correcting.corrected_event(grown, [FieldChange("importer", "Century Arms")])  # type: ignore[arg-type]
    assert out.importer == "Century Arms"  # type: ignore[attr-defined]
    assert TakeContext().words() == ""


def _w() -> ev.WeaponRegistered:
    s = dry_gulch()
    e = s.log[_seq(s, ev.WeaponRegistered, weapon=W1)]
    assert isinstance(e, ev.WeaponRegistered)
    return e


def test_a_photos_digest_added_later_is_refused_like_evidence():
    refused = correcting.why_not("WeaponRegistered", "photo_sha256", str)
    assert refused is not None and "record a new one" in refused
    assert correcting.correctable_fields("WeaponPhotographed") == ("note",)


# -- the bound book's records (acquisition, disposition) -----------------------------------


def test_an_acquisition_is_corrected_part_by_part_and_reaches_the_weapon_R27():
    s = dry_gulch()
    seq = _seq(s, ev.WeaponRegistered, weapon=W1)
    assert {"acquisition.name", "acquisition.licence", "acquisition.received"} <= set(
        correcting.correctable_fields("WeaponRegistered")
    )
    (e,) = _correct(s, seq, "the house's licence", **{"acquisition.licence": "9-86-001-01"})
    assert e.changes[0].was == ""
    acquisition = s.state.weapons[W1].weapon.acquisition
    assert acquisition is not None and acquisition.licence == "9-86-001-01"
    refusal = _refused(s, seq, acquisition="Sierra")
    assert refusal.rules == ("R27",) and "acquisition.x" in refusal.reasons[0].message


def test_a_disposition_is_corrected_but_not_how_the_weapon_left_R27():
    s = dry_gulch()
    s.do(c.RetireWeapon, MARA, weapon=W2, to_name="Sierra Prop Rentals")
    seq = _seq(s, ev.WeaponRetired, weapon=W2)
    _correct(s, seq, "returned to the Burbank branch", **{"disposition.name": "Sierra Burbank"})
    disposition = s.state.weapons[W2].disposition
    assert disposition is not None and disposition.name == "Sierra Burbank"
    assert _refused(s, seq, **{"disposition.how": "destroyed"}).rules == ("R27",)
    assert _refused(s, seq, **{"disposition.on": "2026-13-01"}).rules == ("INPUT",)


def test_the_production_settings_are_not_corrected_part_by_part_R27():
    assert not any(
        f.startswith("settings.") for f in correcting.correctable_fields("SettingsChanged")
    )
