"""A correction recorded before it named its subjects still decodes (they are empty)."""

from __future__ import annotations

from datetime import UTC, datetime

from coldcheck.domain import events as ev
from coldcheck.domain.codec import event_from_envelope, event_payload, event_refs, refs_by_type
from coldcheck.domain.ids import LotId, PersonId, ProductionId, WeaponId

AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_an_old_correction_without_subjects_decodes_with_none() -> None:
    event = event_from_envelope(
        "CorrectionRecorded",
        1,
        "dry-gulch",
        AT.isoformat(),
        "mara-voss",
        [],
        {"corrects": 12, "reason": "the time was 09:25"},
    )
    assert isinstance(event, ev.CorrectionRecorded)
    assert (event.weapons, event.lots, event.people) == ((), (), ())
    assert event_refs(event) == {"mara-voss"}


def test_a_correction_concerns_the_subjects_it_names() -> None:
    event = ev.CorrectionRecorded(
        production=ProductionId("dry-gulch"),
        at=AT,
        by=PersonId("tom-reyes"),
        corrects=12,
        reason="the time was 09:25",
        weapons=(WeaponId("W-0002"),),
        lots=(LotId("L-0001"),),
        people=(PersonId("rosa-lind"),),
    )
    assert event_refs(event) == {"W-0002", "L-0001", "rosa-lind", "tom-reyes"}
    assert refs_by_type(event)[WeaponId] == ("W-0002",)
    assert event_payload(event)["weapons"] == ["W-0002"]
