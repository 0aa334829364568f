"""Pictures of a day as data: a weapon's custody swim-lane and the takes with their windows.

Both the weapon page (SVG) and the daily PDF (fpdf2) draw these same values, so the
screen and the paper show the same picture:

- :func:`custody_lanes`: where a weapon was (storage → armorer → performer) from ``start``
  to ``end``, as stints on three lanes, with marks for loads, shots, misfires, discharges,
  inspections and unloads on the time axis;
- :func:`takes`: every blank load of a day with its take time and R13's load window (the
  take time minus the production's window), and the shots fired from that load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from coldcheck.domain import events as ev
from coldcheck.domain.ids import WeaponId
from coldcheck.domain.state import ProductionState
from coldcheck.service.queries import TimelineItem

LANES = ("storage", "armorer", "performer")


@dataclass(frozen=True)
class Stint:
    """The weapon on one lane (with one holder) from ``start`` to ``end``."""

    lane: str
    holder: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Mark:
    """Something done to the weapon at ``at``: load, shot, misfire, discharge, inspect, unload."""

    kind: str
    at: datetime
    lane: str
    words: str


@dataclass(frozen=True)
class CustodyLanes:
    """One weapon's day: stints on the three lanes and what happened, between start and end."""

    weapon: str
    start: datetime
    end: datetime
    stints: tuple[Stint, ...]
    marks: tuple[Mark, ...]


def _moved(e: ev.Event, s: ProductionState) -> tuple[str, str] | None:
    """(lane, holder) after a custody event, or None when it does not move the weapon."""
    match e:
        case ev.WeaponTakenOut() | ev.WeaponTakenBack():
            return "armorer", s.name_of(e.by)
        case ev.WeaponReturnedToStorage() | ev.WeaponRegistered():
            return "storage", ""
        case ev.WeaponHandedOver():
            lane = "armorer" if s.is_armorer(e.to) else "performer"
            return lane, s.name_of(e.to)
    return None


def _mark(e: ev.Event) -> tuple[str, str] | None:
    match e:
        case ev.WeaponLoaded():
            return "load", f"loaded {len(e.loads)}"
        case ev.BlanksFired():
            return "shot", f"{len(e.positions)} fired"
        case ev.MisfireRecorded():
            return "misfire", f"misfire {e.position}"
        case ev.UnplannedDischargeRecorded():
            return "discharge", "UNPLANNED DISCHARGE"
        case ev.InspectionRecorded():
            return "inspect", "inspected"
        case ev.WeaponUnloaded():
            return "unload", f"unloaded {len(e.positions)}"
    return None


def custody_lanes(
    items: Sequence[TimelineItem],
    state: ProductionState,
    weapon: WeaponId,
    start: datetime,
    end: datetime,
) -> CustodyLanes:
    """The swim-lane of ``weapon`` from ``start`` to ``end`` (``items``: its events, any order)."""
    lane, holder = "storage", ""
    since = start
    stints: list[Stint] = []
    marks: list[Mark] = []
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        if getattr(e, "weapon", None) != weapon or e.at >= end:
            continue
        moved = _moved(e, state)
        if e.at < start:
            if moved:
                lane, holder = moved
            continue
        if moved:
            if e.at > since:
                stints.append(Stint(lane, holder, since, e.at))
            lane, holder = moved
            since = e.at
        mark = _mark(e)
        if mark:
            marks.append(Mark(mark[0], e.at, lane, mark[1]))
    stints.append(Stint(lane, holder, since, end))
    return CustodyLanes(str(weapon), start, end, tuple(stints), tuple(marks))


def busy_window(
    items: Sequence[TimelineItem], start: datetime, end: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The part of a day worth drawing: its first to last event, an hour around, at least 2 h."""
    times = [i.event.at for i in items if start <= i.event.at < end]
    if not times:
        return start, min(end, max(now, start + timedelta(hours=2)))
    lo = max(start, min(times) - timedelta(hours=1))
    hi = min(end, max(max(times) + timedelta(hours=1), min(now, end)))
    if hi - lo < timedelta(hours=2):
        hi = min(end, lo + timedelta(hours=2))
    lo = lo.replace(minute=0, second=0, microsecond=0)
    return lo, hi


@dataclass(frozen=True)
class Take:
    """A blank load for a take: when it was loaded, the take, R13's window, the shots."""

    weapon: str
    scene: str
    loaded_at: datetime
    take_at: datetime
    window_from: datetime
    shots: tuple[datetime, ...]
    by: str


def takes(
    items: Sequence[TimelineItem], state: ProductionState, start: datetime, end: datetime
) -> tuple[Take, ...]:
    """Every load with a take time between ``start`` and ``end``, oldest first."""
    window = state.info.settings.blank_load_window if state.info else timedelta(minutes=15)
    ordered = sorted(items, key=lambda i: i.seq)
    out: list[Take] = []
    for n, item in enumerate(ordered):
        e = item.event
        if not isinstance(e, ev.WeaponLoaded) or e.take_at is None:
            continue
        if not start <= e.take_at < end:
            continue
        shots: list[datetime] = []
        for later in ordered[n + 1 :]:
            f = later.event
            if getattr(f, "weapon", None) != e.weapon:
                continue
            if isinstance(f, ev.WeaponLoaded):
                break
            if isinstance(f, ev.BlanksFired | ev.UnplannedDischargeRecorded):
                shots.append(f.at)
        out.append(
            Take(
                str(e.weapon),
                str(e.scene or ""),
                e.at,
                e.take_at,
                e.take_at - window,
                tuple(shots),
                state.name_of(e.by),
            )
        )
    return tuple(out)
