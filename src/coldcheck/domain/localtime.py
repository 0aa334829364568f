"""The production's local clock: which shoot day a UTC time falls on, and times in words.

The one module of the domain that reads the time-zone database (``zoneinfo``,
standard library). It is reference data, read-only and the same on every
machine with the same tzdata; no clock is read here: every time comes in on a
command or an event. An unknown zone is refused when the production is
created; a state built before that check falls back to UTC.

Every message the rules write about a time says it in the production's zone,
the zone its screens and paper use: "the take at 13:11 (America/Denver)", never
the UTC the log keeps.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


def is_time_zone(name: str) -> bool:
    """True when ``name`` is an IANA time zone such as ``America/Denver``."""
    if (
        not name
        or len(name) > 64
        or not name.isascii()
        or name.startswith(("/", "."))
        or ".." in name
    ):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        return False
    return True


@lru_cache(maxsize=64)
def zone_of(name: str | None) -> ZoneInfo:
    """The zone called ``name``, or UTC when it is missing or unknown."""
    return ZoneInfo(name) if name and is_time_zone(name) else UTC_ZONE


def local_day(name: str, at: datetime) -> date:
    """The date of ``at`` on the production's clock (``name`` is its time zone)."""
    return at.astimezone(zone_of(name)).date()


def local_hhmm(at: datetime, zone: ZoneInfo) -> str:
    """'13:11' in ``zone``."""
    return at.astimezone(zone).strftime("%H:%M")


def local_words(at: datetime, zone: ZoneInfo, with_day: bool = False) -> str:
    """'13:11 (America/Denver)', or with the day: '2 Dec 13:11 (America/Denver)'."""
    local = at.astimezone(zone)
    day = f"{local.day} {local:%b} " if with_day else ""  # '2 Dec', never '02 Dec'
    return f"{day}{local:%H:%M} ({zone.key})"
