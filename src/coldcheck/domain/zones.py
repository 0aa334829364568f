"""Times in the production's own zone (standard library ``zoneinfo`` only).

Every message the rules write about a time says it in the production's zone,
the zone its screens and paper use: "the take at 13:11 (America/Denver)", never
the UTC the log keeps.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


def is_time_zone(name: str) -> bool:
    """True when ``name`` is an IANA time zone this machine knows (e.g. America/Denver)."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def zone_of(name: str | None) -> ZoneInfo:
    """The zone called ``name``, or UTC when it is missing or unknown."""
    return ZoneInfo(name) if name and is_time_zone(name) else UTC_ZONE


def local_hhmm(at: datetime, zone: ZoneInfo) -> str:
    """'13:11' in ``zone``."""
    return at.astimezone(zone).strftime("%H:%M")


def local_words(at: datetime, zone: ZoneInfo, with_day: bool = False) -> str:
    """'13:11 (America/Denver)', or with the day: '2 Dec 13:11 (America/Denver)'."""
    fmt = "%d %b %H:%M" if with_day else "%H:%M"
    return f"{at.astimezone(zone).strftime(fmt).lstrip('0')} ({zone.key})"
