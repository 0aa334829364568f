"""Pure helpers for the weapon page: the SVG drawing of load positions, the timeline in words."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from coldcheck.domain.events import Event, event_payload
from coldcheck.domain.ids import PersonId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.state import ProductionState, WeaponStatus

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


def drawing(status: WeaponStatus) -> Drawing | None:
    """Where to draw each load position of ``status``; None for a replica (no positions)."""
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
    per_row = 8
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


def _value(value: Any, tz: tzinfo | None = None) -> str:
    if value is True:
        return "yes"
    if isinstance(value, str) and tz is not None and len(value) >= 19 and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value).astimezone(tz).strftime("%d %b %H:%M")
        except ValueError:
            return value
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(", ".join(str(v) for v in item.values()) for item in value)
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def event_words(state: ProductionState, event: Event, tz: tzinfo | None = None) -> tuple[str, str]:
    """(what happened, details) for a timeline row; times shown in ``tz`` when given."""
    kind = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in event.type_name).strip()
    payload = event_payload(event)
    details = []
    for key, value in payload.items():
        if value in (None, "", [], False) or key in ("weapon", "production"):
            continue
        label = key.replace("_", " ")
        if key in ("to", "from_person", "person", "supervisor", "signed_off_by"):
            value = state.name_of(PersonId(str(value)))
        elif key in ("performers", "attendees") and isinstance(value, list):
            value = [state.name_of(PersonId(str(v))) for v in value]
        details.append(f"{label}: {_value(value, tz)}")
    return kind[:1].upper() + kind[1:], " · ".join(details)
