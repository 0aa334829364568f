"""Ports the service talks through: a clock, and (see uow.py) the unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Where the time comes from; tests pass a fixed or stepping clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        """The time last set."""
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to ``at``."""
        self._at = at
