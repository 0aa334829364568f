"""Server-side SVG: a weapon's load positions (a cylinder from behind, or a row), lot bars,
custody swim-lanes and the day's takes with their blank-load windows."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.state import ProductionState
from coldcheck.domain.status import LotStatus, WeaponStatus
from coldcheck.service.lanes import LANES, CustodyLanes, Take, takes
from coldcheck.service.queries import TimelineItem


def local_time(dt: datetime, tz: ZoneInfo) -> str:
    """'13:05' in the production's zone."""
    return dt.astimezone(tz).strftime("%H:%M")


REVOLVERS = {ActionType.SINGLE_ACTION_REVOLVER, ActionType.DOUBLE_ACTION_REVOLVER}
CONTENT_WORDS = {
    "empty": "empty",
    "dummy": "dummy round",
    "blank": "BLANK",
    "spent": "spent case",
    "live": "LIVE ROUND",
    "unknown": "unidentified round",
}


@dataclass(frozen=True)
class Spot:
    """One load position drawn: where, what it holds, and its words."""

    position: str
    short: str
    state: str
    words: str
    x: float
    y: float
    under_hammer: bool = False


@dataclass(frozen=True)
class Drawing:
    """An SVG drawing: ``shape`` is 'cylinder' (circles) or 'row' (squares)."""

    shape: str
    width: int
    height: int
    spots: tuple[Spot, ...]
    hammer: tuple[float, float] | None
    title: str


def _short(position: str) -> str:
    """'chamber 3' → '3', 'magazine 12' → 'M12', 'chamber' → 'C'."""
    parts = position.split()
    if len(parts) == 1:
        return parts[0][:1].upper()
    if parts[0] in ("chamber", "barrel"):
        return parts[1]
    return parts[0][:1].upper() + parts[1]


def _words(position: str, state: str, lot: str | None) -> str:
    what = CONTENT_WORDS.get(state, state)
    return f"{position}: {what}" + (f" from {lot}" if lot and state != "empty" else "")


def drawing(status: WeaponStatus, per_row: int = 8) -> Drawing | None:
    """Where to draw each load position of ``status``; None for a replica (no positions).

    ``per_row``: squares per row for magazines and tubes (fewer, so bigger, to tap).
    """
    if not status.positions:
        return None
    names = [p for p, _ in status.positions]
    contents = {p: load for p, load in status.positions}
    if status.action in REVOLVERS:
        n = len(names)
        top = names.index(status.hammer_over) if status.hammer_over in names else 0
        cx, cy, ring = 120.0, 130.0, 62.0 if n <= 6 else 78.0
        spots = []
        for i, name in enumerate(names):
            angle = -math.pi / 2 + 2 * math.pi * ((i - top) % n) / n
            load = contents[name]
            spots.append(
                Spot(
                    name,
                    _short(name),
                    load.state.value,
                    _words(name, load.state.value, load.lot),
                    round(cx + ring * math.cos(angle), 1),
                    round(cy + ring * math.sin(angle), 1),
                    under_hammer=name == status.hammer_over,
                )
            )
        hammer = (cx, cy - ring - 44) if status.hammer_over in names else None
        return Drawing(
            "cylinder",
            240,
            240,
            tuple(spots),
            hammer,
            f"Cylinder of {status.tag}, seen from behind",
        )
    spots = []
    for i, name in enumerate(names):
        load = contents[name]
        spots.append(
            Spot(
                name,
                _short(name),
                load.state.value,
                _words(name, load.state.value, load.lot),
                10 + (i % per_row) * 44,
                10 + (i // per_row) * 44,
            )
        )
    rows = (len(names) + per_row - 1) // per_row
    width = 20 + min(len(names), per_row) * 44
    return Drawing(
        "row", width, 16 + rows * 44, tuple(spots), None, f"Load positions of {status.tag}"
    )


# -- charts: stacked lot bars, custody swim-lanes, the day's takes (server-side SVG) ---------


@dataclass(frozen=True)
class Shape:
    """One rectangle, circle or text of a chart; ``cls`` colours it, ``title`` says it."""

    kind: str  # "rect", "circle", "text", "line"
    x: float
    y: float
    w: float = 0
    h: float = 0
    cls: str = ""
    title: str = ""
    text: str = ""


@dataclass(frozen=True)
class Chart:
    """An SVG chart: its size, its shapes, and its description in words (``title``)."""

    width: int
    height: int
    shapes: tuple[Shape, ...]
    title: str


LOT_PARTS = (
    ("in_store", "in store"),
    ("in_weapons", "in weapons"),
    ("fired", "fired"),
    ("returned", "returned"),
    ("destroyed", "destroyed"),
)


def lot_bar(lot: LotStatus) -> Chart:
    """One lot as a stacked bar of ``received``: in store, in weapons, fired, returned, destroyed.

    A lot whose parts do not add up to what was received shows the gap in red (R05).
    """
    width, height = 300, 30
    total = max(lot.received, sum(getattr(lot, k) for k, _ in LOT_PARTS), 1)
    shapes: list[Shape] = []
    x = 0.0
    for key, words in LOT_PARTS:
        n = getattr(lot, key)
        if n <= 0:
            continue
        w = width * n / total
        shapes.append(
            Shape("rect", round(x, 1), 0, round(w, 1), height, f"seg-{key}", f"{n} {words}")
        )
        x += w
    missing = lot.received - sum(getattr(lot, k) for k, _ in LOT_PARTS)
    if missing > 0:
        shapes.append(
            Shape(
                "rect",
                round(x, 1),
                0,
                round(width * missing / total, 1),
                height,
                "seg-missing",
                f"{missing} not accounted for",
            )
        )
    said = ", ".join(f"{getattr(lot, k)} {w}" for k, w in LOT_PARTS)
    return Chart(width, height, tuple(shapes), f"{lot.lot}: {lot.received} received — {said}")


def _axis(
    start: datetime, end: datetime, x0: float, width: float, y: float, tz: ZoneInfo, height: float
) -> tuple[list[Shape], Callable[[datetime], float]]:
    span = max((end - start).total_seconds(), 60.0)

    def at(t: datetime) -> float:
        return round(x0 + width * min(max((t - start).total_seconds(), 0), span) / span, 1)

    shapes = []
    step = next((m for m in (15, 30, 60, 120, 180) if span / 60 / m <= 8), 240)
    t = start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    while t <= end:
        if t >= start and (t.hour * 60 + t.minute) % step == 0:
            shapes.append(Shape("line", at(t), 0, 0, y, "tick"))
            shapes.append(Shape("text", at(t), y + 14, cls="tick-label", text=t.strftime("%H:%M")))
        t += timedelta(minutes=15)
    return shapes, at


MARK_WORDS = {
    "load": "L",
    "shot": "✱",
    "misfire": "!",
    "discharge": "‼",
    "inspect": "✓",
    "unload": "U",
}


def lanes_chart(lanes: CustodyLanes, tz: ZoneInfo) -> Chart:
    """The weapon's day on three lanes (storage, armorer, performer) with its marks."""
    x0, width, lane_h = 86.0, 600.0, 34.0
    top = 6.0
    height = top + lane_h * len(LANES) + 24
    shapes, at = _axis(lanes.start, lanes.end, x0, width, top + lane_h * len(LANES), tz, lane_h)
    for i, lane in enumerate(LANES):
        y = top + i * lane_h
        shapes.insert(0, Shape("rect", x0, y, width, lane_h - 4, "lane"))
        shapes.append(Shape("text", 4, y + lane_h / 2 + 2, cls="lane-label", text=lane))
    for st in lanes.stints:
        y = top + LANES.index(st.lane) * lane_h + 5
        x1, x2 = at(st.start), at(st.end)
        who = f" — {st.holder}" if st.holder else ""
        shapes.append(
            Shape(
                "rect",
                x1,
                y,
                max(x2 - x1, 2),
                lane_h - 14,
                f"stint stint-{st.lane}",
                f"{st.lane}{who}, {local_time(st.start, tz)}–{local_time(st.end, tz)}",
            )
        )
        if x2 - x1 > 70 and st.holder:
            shapes.append(
                Shape("text", x1 + 4, y + lane_h / 2 - 1, cls="stint-label", text=st.holder)
            )
    for m in lanes.marks:
        y = top + LANES.index(m.lane) * lane_h + lane_h / 2 - 2
        shapes.append(
            Shape(
                "circle",
                at(m.at),
                y,
                9,
                9,
                f"mark mark-{m.kind}",
                f"{local_time(m.at, tz)} {m.words}",
            )
        )
        shapes.append(
            Shape("text", at(m.at), y + 4, cls=f"mark-text mark-{m.kind}", text=MARK_WORDS[m.kind])
        )
    said = "; ".join(
        f"{st.lane}{' ' + st.holder if st.holder else ''}"
        f" {local_time(st.start, tz)}–{local_time(st.end, tz)}"
        for st in lanes.stints
    )
    marks = "; ".join(f"{local_time(m.at, tz)} {m.words}" for m in lanes.marks)
    return Chart(
        int(x0 + width + 10),
        int(height),
        tuple(shapes),
        f"Custody of {lanes.weapon}: {said}" + (f". {marks}" if marks else ""),
    )


@dataclass(frozen=True)
class TakesChart:
    """The day's takes: each blank load's R13 window, when it was loaded, and its shots."""

    chart: Chart
    takes: tuple[Take, ...]


def takes_chart(
    items: Sequence[TimelineItem], state: ProductionState, day: date, tz: ZoneInfo
) -> TakesChart | None:
    """The takes of ``day`` (None when there was no blank load with a take time)."""
    start = datetime.combine(day, time.min, tz)
    end = start + timedelta(days=1)
    found = takes(items, state, start, end)
    if not found:
        return None
    lo = min(min(t.window_from, t.loaded_at) for t in found) - timedelta(minutes=30)
    hi = max(max((t.take_at, *t.shots)) for t in found) + timedelta(minutes=30)
    x0, width, row = 120.0, 560.0, 30.0
    height = row * len(found) + 26
    shapes, at = _axis(lo, hi, x0, width, row * len(found), tz, row)
    for i, t in enumerate(found):
        y = i * row
        shapes.append(
            Shape(
                "text",
                4,
                y + 19,
                cls="lane-label",
                text=f"{'Scene ' + t.scene if t.scene else 'no scene'} · {t.weapon}",
            )
        )
        shapes.append(
            Shape(
                "rect",
                at(t.window_from),
                y + 6,
                max(at(t.take_at) - at(t.window_from), 2),
                row - 12,
                "window",
                f"load window {local_time(t.window_from, tz)}–{local_time(t.take_at, tz)}",
            )
        )
        shapes.append(
            Shape(
                "line",
                at(t.take_at),
                y + 2,
                0,
                row - 4,
                "take-line",
                f"take {local_time(t.take_at, tz)}",
            )
        )
        shapes.append(
            Shape(
                "circle",
                at(t.loaded_at),
                y + row / 2,
                8,
                8,
                "mark mark-load",
                f"loaded {local_time(t.loaded_at, tz)} by {t.by}",
            )
        )
        for shot in t.shots:
            shapes.append(
                Shape(
                    "circle",
                    at(shot),
                    y + row / 2,
                    6,
                    6,
                    "mark mark-shot",
                    f"fired {local_time(shot, tz)}",
                )
            )
    said = "; ".join(
        f"scene {t.scene or '—'} {t.weapon}: loaded {local_time(t.loaded_at, tz)}, window "
        f"{local_time(t.window_from, tz)}–{local_time(t.take_at, tz)}, {len(t.shots)} firing(s)"
        for t in found
    )
    return TakesChart(
        Chart(int(x0 + width + 10), int(height), tuple(shapes), f"Takes: {said}"), found
    )
