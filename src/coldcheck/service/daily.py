"""The daily armory log: one shoot day (local day in the production's time zone).

Every weapon's custody that day, loads, blanks fired, spent cases, the wrap
reconciliation, incidents, and the day's closing signed tree head — a frozen
value the PDF and CSV adapters render. States "as of" a moment are folded
from the events, so a report of an earlier day shows that day as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from coldcheck.domain import events as ev
from coldcheck.domain.ids import IncidentId, WeaponId
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import ARMORER_ROLES, PRODUCTION_REPRESENTATIVE_ROLES
from coldcheck.domain.state import EMPTY, ProductionState, apply, empty_state
from coldcheck.domain.status import label
from coldcheck.service.corrections import (
    View,
    fixes_in,
    marks,
    record_as_viewed,
    registration_fixes,
)
from coldcheck.service.lanes import CustodyLanes, busy_window, custody_lanes
from coldcheck.service.queries import ReadModel, TimelineItem
from coldcheck.service.reports import (
    ClosingCheckpoint,
    Heading,
    HeadPrint,
    ReportError,
    TimelineRow,
    correction_words,
    day_bounds,
    head_print,
    report_heading,
    report_zone,
    timeline_row,
)
from coldcheck.service.witnessing import WitnessService


@dataclass(frozen=True)
class WeaponDay:
    """One weapon on one day: what happened to it, and where it ended up."""

    tag: str
    name: str
    serial: str
    movements: tuple[TimelineRow, ...]
    end_location: str
    end_holder: str
    end_label: str
    retired: bool = False
    correction: str = ""
    """The marks of the corrections of its registration (R27): its serial, make, model..."""


@dataclass(frozen=True)
class FiringRow:
    """Rounds that left a weapon by firing (or failed to)."""

    at: datetime
    weapon: str
    lot: str
    count: int
    kind: str
    by: str


@dataclass(frozen=True)
class LotDay:
    """A lot's counts at the end of the day (R05) and what the wrap counted (R23)."""

    tag: str
    description: str
    received: int
    loaded_today: int
    fired_today: int
    spent_cases_counted: int | None
    in_store: int
    in_weapons: int
    fired: int
    returned: int
    destroyed: int
    conserved: bool
    discrepancy: str = ""

    @property
    def balances(self) -> bool:
        """Counts add up (R05) and the wrap found nothing wrong with this lot (R23)."""
        return self.conserved and not self.discrepancy


@dataclass(frozen=True)
class IncidentLine:
    """An incident opened that day, or still open at its end."""

    id: str
    at: datetime
    kind: str
    severity: str
    description: str
    weapon: str
    status: str


@dataclass(frozen=True)
class Wrap:
    """The day's reconciliation and close (R23)."""

    state: str
    reconciled_at: datetime | None
    reconciled_by: str
    serials_seen: tuple[str, ...]
    discrepancies: tuple[str, ...]
    closed_at: datetime | None
    closed_by: str
    confirmed_by: str


@dataclass(frozen=True)
class DailyReport:
    """The daily armory log, signed at wrap by the armorer and the production's representative."""

    heading: Heading
    day: date
    start: datetime
    end: datetime
    over: bool
    weapons: tuple[WeaponDay, ...]
    loads: tuple[TimelineRow, ...]
    firing: tuple[FiringRow, ...]
    lots: tuple[LotDay, ...]
    wrap: Wrap
    incidents: tuple[IncidentLine, ...]
    stop_work: tuple[TimelineRow, ...]
    events: tuple[TimelineRow, ...]
    armorers: tuple[str, ...]
    representatives: tuple[str, ...]
    head: HeadPrint | None
    lanes: tuple[CustodyLanes, ...] = ()
    view: str = View.BOTH.value
    """Which values corrected entries show (R27): original, corrected or both."""

    @property
    def closed(self) -> bool:
        """The day was closed at wrap (it may still be the same day on the clock)."""
        return self.wrap.closed_at is not None

    @property
    def blanks_fired(self) -> int:
        """Blanks fired that day (unplanned discharges included)."""
        return sum(f.count for f in self.firing if f.kind != "misfire")


_CUSTODY_EVENTS = (
    ev.WeaponTakenOut,
    ev.WeaponReturnedToStorage,
    ev.WeaponHandedOver,
    ev.WeaponTakenBack,
    ev.InspectionRecorded,
    ev.BoreChecked,
    ev.WeaponLoaded,
    ev.WeaponUnloaded,
    ev.BlanksFired,
    ev.MisfireRecorded,
    ev.UnplannedDischargeRecorded,
    ev.WeaponQuarantined,
    ev.WeaponQuarantineCleared,
    ev.WeaponRegistered,
    ev.WeaponRetired,
)


def _where(s: ProductionState, tag: str) -> tuple[str, str, str]:
    ws = s.weapons[tag]  # type: ignore[index]
    holder = s.name_of(ws.holder) if ws.holder else ""
    return ws.location.value, holder, label(ws).value


def daily_report(
    state_now: ProductionState,
    items: Sequence[TimelineItem],
    day: date,
    now: datetime,
    head: ClosingCheckpoint | None,
    view: View = View.BOTH,
) -> DailyReport:
    """The armory log of ``day``; ``head`` is the newest signed head at the end of that day.

    ``view``: a corrected entry (R27) shows its values as recorded, as corrected, or both;
    whichever, it carries the marks of its corrections, later ones included.
    """
    heading = report_heading(state_now, now)
    tz = report_zone(state_now)
    start, end = day_bounds(day, tz)
    s = empty_state(state_now.production)
    moves: dict[str, list[TimelineRow]] = {}
    loads: list[TimelineRow] = []
    firing: list[FiringRow] = []
    loaded: dict[str, int] = {}
    fired: dict[str, int] = {}
    spent_counted: dict[str, int] = {}
    stop: list[TimelineRow] = []
    today: list[TimelineRow] = []
    opened: set[IncidentId] = set()
    wrap = Wrap("open", None, "", (), (), None, "", "")
    by_seq = {item.seq: item.event for item in items}
    fixes = fixes_in(items)
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        if e.at >= end:
            break
        if e.at < start:
            s = apply(s, e)
            continue
        row = timeline_row(item, s, tz, fixes=fixes.get(item.seq, ()), view=view, names=state_now)
        if isinstance(e, ev.CorrectionRecorded):
            row = replace(row, what=correction_words(item.seq, e, by_seq, fixes, s, view))
        today.append(row)
        if isinstance(e, _CUSTODY_EVENTS):
            moves.setdefault(e.weapon, []).append(row)
        match e:
            case ev.WeaponLoaded():
                loads.append(row)
                for pl in e.loads:
                    loaded[pl.lot] = loaded.get(pl.lot, 0) + 1
            case ev.BlanksFired():
                ws = s.weapons[e.weapon]
                per_lot: dict[str, int] = {}
                for p in e.positions:
                    from_lot = str(ws.contents.get(p, EMPTY).lot or "?")
                    per_lot[from_lot] = per_lot.get(from_lot, 0) + 1
                for from_lot, n in sorted(per_lot.items()):
                    fired[from_lot] = fired.get(from_lot, 0) + n
                    firing.append(FiringRow(row.at, e.weapon, from_lot, n, "fired", row.by))
            case ev.MisfireRecorded():
                from_lot = str(s.weapons[e.weapon].contents.get(e.position, EMPTY).lot or "?")
                firing.append(FiringRow(row.at, e.weapon, from_lot, 1, "misfire", row.by))
            case ev.UnplannedDischargeRecorded():
                held = s.weapons[e.weapon].contents.get(e.position or "", EMPTY)
                live = held.state not in (RoundState.EMPTY, RoundState.SPENT)
                from_lot = str(held.lot or "?")
                if live:
                    fired[from_lot] = fired.get(from_lot, 0) + 1
                firing.append(
                    FiringRow(
                        row.at, e.weapon, from_lot, 1 if live else 0, "unplanned discharge", row.by
                    )
                )
            case ev.StopWorkStarted() | ev.StopWorkLifted():
                stop.append(row)
            case ev.IncidentOpened():
                opened.add(e.incident)
            case ev.DayReconciled() if e.day == day:
                for lc in e.lot_counts:
                    spent_counted[lc.lot] = spent_counted.get(lc.lot, 0) + lc.spent_cases
                wrap = Wrap(
                    "reconciled",
                    row.at,
                    row.by,
                    e.serials_seen,
                    e.discrepancies,
                    None,
                    "",
                    "",
                )
            case ev.DayClosed() if e.day == day:
                wrap = Wrap(
                    "closed with a discrepancy" if e.with_discrepancy else "closed clean",
                    wrap.reconciled_at,
                    wrap.reconciled_by,
                    wrap.serials_seen,
                    wrap.discrepancies,
                    row.at,
                    row.by,
                    row.confirmed_by,
                )
            case _:
                pass
        s = apply(s, e)
    if s.info is None:
        raise ReportError(f"production {state_now.production} did not exist on {day}")
    weapons = []
    for tag in sorted(s.weapons):
        ws = s.weapons[tag]
        if ws.retired and tag not in moves:
            continue
        location, holder, lab = _where(s, tag)
        registered = registration_fixes(fixes, "WeaponRegistered", tag)
        weapon = record_as_viewed(ws.weapon, registered, view)
        weapons.append(
            WeaponDay(
                tag,
                weapon.name,
                weapon.serial,
                tuple(moves.get(tag, ())),
                "retired" if ws.retired else location,
                holder,
                lab,
                ws.retired,
                marks(registered, state_now, tz),
            )
        )
    lots = []
    for lot_tag in sorted(s.lots):
        ls = s.lots[lot_tag]
        ammo = ls.lot
        strength = f", {ammo.blank_load.value} load" if ammo.blank_load else ""
        lots.append(
            LotDay(
                lot_tag,
                f"{ammo.calibre} {ammo.round_class.value}s{strength}",
                ammo.count,
                loaded.get(lot_tag, 0),
                fired.get(lot_tag, 0),
                spent_counted.get(lot_tag) if wrap.reconciled_at else None,
                ls.in_store,
                ls.in_weapons,
                ls.fired,
                ls.returned,
                ls.destroyed,
                ls.accounted == ammo.count,
                "; ".join(d for d in wrap.discrepancies if _mentions(d, lot_tag)),
            )
        )
    incidents = []
    for inc in sorted(s.incidents.values(), key=lambda i: i.id):
        if inc.id not in opened and inc.closed_at is not None:
            continue
        status = (
            f"closed {inc.closed_at.astimezone(tz):%H:%M}: {inc.resolution}"
            if inc.closed_at
            else "open"
        )
        incidents.append(
            IncidentLine(
                inc.id,
                inc.at.astimezone(tz),
                inc.kind,
                inc.severity.value,
                inc.description,
                inc.weapon or "",
                status,
            )
        )
    armorers = tuple(s.name_of(p) for p in sorted(s.roles) if s.roles[p] & ARMORER_ROLES)
    reps = tuple(
        s.name_of(p) for p in sorted(s.roles) if s.roles[p] & PRODUCTION_REPRESENTATIVE_ROLES
    )
    over = now >= end or wrap.closed_at is not None
    handled = [w.tag for w in weapons if any(m.event != "WeaponRegistered" for m in w.movements)]
    window = busy_window([i for i in items if start <= i.event.at < end], start, end, min(now, end))
    lanes = tuple(custody_lanes(items, s, WeaponId(tag), window[0], window[1]) for tag in handled)
    return DailyReport(
        heading=heading,
        day=day,
        start=start,
        end=end,
        over=over,
        weapons=tuple(weapons),
        loads=tuple(loads),
        firing=tuple(firing),
        lots=tuple(lots),
        wrap=wrap,
        incidents=tuple(incidents),
        stop_work=tuple(stop),
        events=tuple(today),
        armorers=armorers,
        representatives=reps,
        head=head_print(head, tz, over) if head is not None else None,
        lanes=lanes,
        view=view.value,
    )


def _mentions(text: str, tag: str) -> bool:
    """True when ``text`` names ``tag`` as a whole tag (L-0001, not L-00011)."""
    return re.search(rf"(?<![A-Z0-9-]){re.escape(tag)}(?![0-9])", text) is not None


def daily_rows(report: DailyReport) -> list[list[str]]:
    """The day's events as CSV rows (TIMELINE_COLUMNS)."""
    return [r.cells() for r in report.events]


def day_log(
    state: ProductionState,
    reads: ReadModel,
    witnessing: WitnessService,
    vkey: str,
    day: date,
    now: datetime,
    view: View = View.BOTH,
) -> DailyReport:
    """The daily armory log of ``day`` from the read side: every event, and the checkpoint
    (with the cosignatures held) that closes the day (the newest when it is not over yet)."""
    from coldcheck.service.evidence import closing_checkpoint

    _, end = day_bounds(day, report_zone(state))
    closing = closing_checkpoint(reads, witnessing, vkey, end if now >= end else None)
    items = reads.timeline(state.production, None, limit=2**62)
    return daily_report(state, items, day, now, closing, view)
