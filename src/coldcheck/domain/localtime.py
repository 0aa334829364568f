"""The production's local calendar: which shoot day a UTC time falls on.

The one module of the domain that reads the time-zone database (``zoneinfo``,
standard library). It is reference data, read-only and the same on every
machine with the same tzdata; no clock is read here: every time comes in on a
command or an event. An unknown zone is refused when the production is
created; a state built before that check falls back to UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=64)
def zone_of(name: str) -> tzinfo:
    """The time zone called ``name`` (UTC for a name the database does not know)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return UTC


def is_time_zone(name: str) -> bool:
    """True when ``name`` is an IANA time zone such as ``America/Denver``."""
    if not name or len(name) > 64 or not name.isascii() or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def local_day(name: str, at: datetime) -> date:
    """The date of ``at`` on the production's clock (``name`` is its time zone)."""
    return at.astimezone(zone_of(name)).date()
