"""Corrected entries in every report and timeline (R27, ATF Ruling 2016-1).

An entry stays as it was recorded; a correction names it and the corrected values. Each
report and timeline can be shown three ways (:class:`View`): the entries as recorded
(``original``), as corrected (``corrected``: the latest correction of each field wins), or
``both`` (the default: the corrected words, then the recorded ones). Whatever the view, a
corrected entry carries its mark (:func:`mark`): "corrected by #31 on 2026-12-02 09:40 by
Mara Voss: serial was SAA-1873, now SAA-1874 — misread from the frame".

Pure: built from the events and the state; no IO.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from coldcheck.domain import events as ev
from coldcheck.domain.correcting import corrected_event, corrected_record, shown
from coldcheck.domain.events import Event
from coldcheck.domain.ids import PersonId
from coldcheck.domain.model import FieldChange
from coldcheck.domain.state import ProductionState
from coldcheck.service.queries import TimelineItem

__all__ = [
    "VIEWS",
    "Fix",
    "View",
    "as_viewed",
    "change_words",
    "fixes_in",
    "mark",
    "marks",
    "parse_view",
    "record_as_viewed",
    "registration_fixes",
    "registration_marks",
    "state_as_viewed",
]


R = TypeVar("R")


class View(StrEnum):
    """Which values a report shows for a corrected entry."""

    ORIGINAL = "original"
    CORRECTED = "corrected"
    BOTH = "both"


VIEWS = tuple(v.value for v in View)
"""The words a ``view`` query parameter or ``--view`` option takes."""


def parse_view(text: str | None) -> View:
    """``original``, ``corrected`` or ``both`` (the default when none is given)."""
    if text is None or not text.strip():
        return View.BOTH
    try:
        return View(text.strip().casefold())
    except ValueError:
        raise ValueError(
            f"view {text!r} is not known — give original, corrected or both."
        ) from None


@dataclass(frozen=True)
class Fix:
    """One correction of an entry: its own log position, when, by whom, why, what values."""

    seq: int
    at: datetime
    by: PersonId | None
    reason: str
    changes: tuple[FieldChange, ...] = ()
    of_type: str = ""
    """The corrected entry's type, and the id its values describe (a registration's)."""
    subject: str = ""


def fixes_in(items: Iterable[TimelineItem]) -> dict[int, tuple[Fix, ...]]:
    """The corrections among ``items``, by the log position of the entry they correct
    (each entry's in log order: the latest wins)."""
    out: dict[int, list[Fix]] = {}
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        if isinstance(e, ev.CorrectionRecorded):
            fix = Fix(item.seq, e.at, e.by, e.reason, e.changes, e.of_type, e.subject)
            out.setdefault(e.corrects, []).append(fix)
    return {seq: tuple(fixes) for seq, fixes in out.items()}


def _quoted(text: str) -> str:
    return text if text else "not recorded"


def change_words(changes: Sequence[FieldChange]) -> str:
    """ "serial was SAA-1873, now SAA-1874; setup was 41A, now 41B" """
    return "; ".join(
        f"{shown(ch.field)} was {_quoted(ch.was)}, now {_quoted(ch.value)}" for ch in changes
    )


def mark(fix: Fix, s: ProductionState, tz: ZoneInfo) -> str:
    """ "corrected by #31 on 2026-12-02 09:40 by Mara Voss: serial was X, now Y — reason" """
    who = s.name_of(fix.by) if fix.by else "anonymous"
    when = fix.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    values = f": {change_words(fix.changes)}" if fix.changes else ""
    return f"corrected by #{fix.seq} on {when} by {who}{values} — {fix.reason}"


def marks(fixes: Sequence[Fix], s: ProductionState, tz: ZoneInfo) -> str:
    """Every correction of one entry, oldest first, as one line."""
    return "; ".join(mark(f, s, tz) for f in fixes)


def as_viewed(e: Event, fixes: Sequence[Fix], view: View) -> Event:
    """The entry as the view shows its values: as recorded, or with every correction."""
    if view is View.ORIGINAL or not fixes:
        return e
    return corrected_event(e, [ch for f in fixes for ch in f.changes])


def latest(fixes: Mapping[int, Sequence[Fix]], seq: int) -> tuple[Fix, ...]:
    """The corrections of the entry at ``seq`` (none when it was never corrected)."""
    return tuple(fixes.get(seq, ()))


def registration_fixes(
    fixes: Mapping[int, Sequence[Fix]], of_type: str, subject: str
) -> tuple[Fix, ...]:
    """The corrections, with values, of the entry that registered ``subject`` (a
    ``WeaponRegistered``, ``PersonAdded`` or ``LotReceived``), oldest first."""
    found = [
        f
        for by_entry in fixes.values()
        for f in by_entry
        if f.of_type == of_type and f.subject == subject and f.changes
    ]
    return tuple(sorted(found, key=lambda f: f.seq))


def record_as_viewed(record: R, fixes: Sequence[Fix], view: View) -> R:
    """A registered record (weapon, person, lot) with the values the view shows: as first
    recorded (each field's value before its first correction), or as now corrected."""
    if not fixes:
        return record
    if view is View.ORIGINAL:
        first: dict[str, str] = {}
        for f in fixes:
            for ch in f.changes:
                first.setdefault(ch.field, ch.was)
        changes = [FieldChange(k, v) for k, v in first.items()]
    else:
        changes = [ch for f in fixes for ch in f.changes]
    out: R = corrected_record(record, changes)
    return out


_REGISTRATIONS = (
    ("WeaponRegistered", "weapons"),
    ("PersonAdded", "people"),
    ("LotReceived", "lots"),
)


def state_as_viewed(
    state: ProductionState, fixes: Mapping[int, Sequence[Fix]], view: View
) -> ProductionState:
    """The state with its weapons, people and lots as ``view`` shows them: as first recorded
    (``original``), or as now corrected (``corrected`` and ``both``: the state already holds
    the corrected values, R27). What the exports and the bound book print is read from it.
    ``fixes``: the production's corrections (:func:`fixes_in`)."""
    if view is not View.ORIGINAL or not fixes:
        return state
    weapons = {}
    for tag, ws in state.weapons.items():
        registered = registration_fixes(fixes, "WeaponRegistered", tag)
        retired = registration_fixes(fixes, "WeaponRetired", tag)
        if registered or retired:
            seen = record_as_viewed(ws, retired, view)
            weapons[tag] = replace(seen, weapon=record_as_viewed(ws.weapon, registered, view))
    people = {
        pid: record_as_viewed(p, found, view)
        for pid, p in state.people.items()
        if (found := registration_fixes(fixes, "PersonAdded", pid))
    }
    lots = {
        tag: replace(ls, lot=record_as_viewed(ls.lot, found, view))
        for tag, ls in state.lots.items()
        if (found := registration_fixes(fixes, "LotReceived", tag))
    }
    return replace(
        state,
        weapons={**state.weapons, **weapons},
        people={**state.people, **people},
        lots={**state.lots, **lots},
    )


def registration_marks(
    state: ProductionState, fixes: Mapping[int, Sequence[Fix]], tz: ZoneInfo
) -> list[str]:
    """ "W-0001: corrected by #31 on ...: serial was X, now Y — reason", for every weapon,
    person and lot whose registration was corrected (what an export prints beside its CSV)."""
    out = []
    for of_type, kind in _REGISTRATIONS:
        records: Mapping[str, object] = getattr(state, kind)
        for tag in sorted(records):
            found = registration_fixes(fixes, of_type, tag)
            if found:
                out.append(f"{tag}: {marks(found, state, tz)}")
    return out
