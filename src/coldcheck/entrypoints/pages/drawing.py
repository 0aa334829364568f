"""The SVG drawing of a weapon's load positions (a cylinder seen from behind, or a row)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.status import WeaponStatus

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
