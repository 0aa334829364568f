"""Anonymous safety reports from the no-sign-in form, held until staff accept them (issue 15).

Before, the form at ``/report/<production>`` wrote every post straight into the custody
log: 300 posts of 4,000 characters in ten seconds became 300 permanent ledger entries,
and the form told which production ids exist. Now:

- a post is **held** in ``held_reports``, outside the custody log, until the safety
  supervisor or the producer of the production **accepts** it (it is then filed as an
  anonymous ``FileSafetyReport``, report id ``A-<held id>``, so accepting twice never
  files twice) or **refuses** it (kept, marked refused, never deleted);
- posts are limited per client, overall per hour and per UTC day, and a refusal says
  which limit and when to try again;
- an unknown production gets the very same answer as a known one (nothing is kept).

The per-client and hourly counts live in the server's memory (a restart starts them
again); the daily cap also counts the held rows of the day, so a restart does not lift it.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from coldcheck.domain import commands as c
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.ids import PersonId, ProductionId, ReportId
from coldcheck.domain.model import Role
from coldcheck.domain.state import ProductionState
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Forbidden, NotFound, Refused, ServiceError

__all__ = [
    "DAILY_CAP",
    "HOURLY_LIMIT",
    "MAX_HELD_TEXT",
    "PER_CLIENT_LIMIT",
    "PER_CLIENT_WINDOW",
    "HeldReport",
    "HeldReportStore",
    "HeldReportTransactions",
    "HeldReports",
    "ReportsThrottled",
]

MAX_HELD_TEXT = 4000
"""Longest anonymous report, in characters (longer is cut, as the form says)."""

PER_CLIENT_LIMIT = 5
PER_CLIENT_WINDOW = timedelta(minutes=10)
"""At most 5 posts per client address in 10 minutes."""

HOURLY_LIMIT = 60
"""At most 60 posts an hour from everyone together."""

DAILY_CAP = 300
"""At most 300 posts a UTC day from everyone together."""

DECIDERS = (Role.SAFETY_SUPERVISOR, Role.PRODUCER)
"""Who accepts or refuses a held report."""


class ReportsThrottled(ServiceError):
    """A limit of the anonymous form was reached; ``retry_after`` seconds to wait."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


@dataclass(frozen=True)
class HeldReport:
    """One post of the anonymous form: ``status`` is held, accepted or refused."""

    id: str
    production: ProductionId
    text: str
    received_at: datetime
    status: str = "held"
    decided_at: datetime | None = None
    decided_by: str | None = None
    report: str | None = None


class HeldReportStore(Protocol):
    """Where held reports live; one instance per transaction."""

    def add(self, report: HeldReport) -> None:
        """Insert a held report."""
        ...

    def get(self, report_id: str) -> HeldReport | None:
        """The held report with this id."""
        ...

    def of_production(self, production: ProductionId, limit: int) -> list[HeldReport]:
        """The production's held reports, newest first (at most ``limit``)."""
        ...

    def decide(
        self, report_id: str, status: str, at: datetime, by: str, report: str | None
    ) -> bool:
        """Mark a still-held report accepted or refused; False if it was decided already."""
        ...

    def count_since(self, since: datetime) -> int:
        """How many reports (every production) were received at or after ``since``."""
        ...


class HeldReportTransactions(Protocol):
    """Opens one transaction over ``held_reports``."""

    def __call__(self, *, write: bool = True) -> AbstractContextManager[HeldReportStore]: ...


class _Window:
    """Times of recent posts, to count them in a sliding window (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: dict[str, deque[datetime]] = {}

    def wait(self, key: str, now: datetime, limit: int, window: timedelta) -> int:
        """Seconds until ``key`` may post again (0: now), forgetting posts past the window."""
        with self._lock:
            times = self._times.get(key)
            if not times:
                return 0
            while times and now - times[0] >= window:
                times.popleft()
            if not times:
                del self._times[key]
                return 0
            if len(times) < limit:
                return 0
            return max(1, int((times[0] + window - now).total_seconds() + 0.999))

    def add(self, key: str, now: datetime) -> None:
        with self._lock:
            self._times.setdefault(key, deque()).append(now)
            if len(self._times) > 10_000:
                self._times.pop(next(iter(self._times)))


class HeldReports:
    """The anonymous form's use cases: submit (held), list, accept into the log, refuse."""

    def __init__(
        self,
        transactions: HeldReportTransactions,
        exists: Callable[[ProductionId], bool],
        state: Callable[[ProductionId], ProductionState],
        execute: Callable[[c.FileSafetyReport, Channel], object],
        clock: Callable[[], datetime],
    ) -> None:
        self._tx = transactions
        self._exists = exists
        self._state = state
        self._execute = execute
        self._now = clock
        self._windows = _Window()

    def submit(self, production: str, text: str, client: str) -> None:
        """Hold one anonymous report; ``ReportsThrottled`` past a limit, ``Refused`` for no text.

        The answer is the same whether or not ``production`` exists; only a known
        production's report is kept.
        """
        now = self._now()
        words = text.strip()[:MAX_HELD_TEXT]
        if not words:
            raise _no_text()
        self._check_limits(client, now)
        self._windows.add("client:" + client[:64], now)
        self._windows.add("all", now)
        pid = ProductionId(production)
        if len(production) > 64 or not self._exists(pid):
            return
        held = HeldReport(uuid.uuid4().hex[:12], pid, words, now)
        with self._tx() as store:
            store.add(held)

    def _check_limits(self, client: str, now: datetime) -> None:
        wait = self._windows.wait("client:" + client[:64], now, PER_CLIENT_LIMIT, PER_CLIENT_WINDOW)
        if wait:
            raise ReportsThrottled(
                f"This device has sent {PER_CLIENT_LIMIT} reports in the last "
                f"{int(PER_CLIENT_WINDOW.total_seconds() // 60)} minutes. Try again in "
                f"{_minutes(wait)}; if it cannot wait, tell the safety supervisor or call "
                "stop-work in person.",
                wait,
            )
        wait = self._windows.wait("all", now, HOURLY_LIMIT, timedelta(hours=1))
        if wait:
            raise ReportsThrottled(
                f"This form has taken {HOURLY_LIMIT} reports in the last hour. Try again in "
                f"{_minutes(wait)}; if it cannot wait, tell the safety supervisor in person.",
                wait,
            )
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        with self._tx(write=False) as store:
            today = store.count_since(day)
        if today >= DAILY_CAP or self._windows.wait("all", now, DAILY_CAP, now - day) > 0:
            wait = max(1, int((day + timedelta(days=1) - now).total_seconds()))
            raise ReportsThrottled(
                f"This form has taken its {DAILY_CAP} reports for today. It opens again at "
                "00:00 UTC; until then tell the safety supervisor in person.",
                wait,
            )

    def held(self, production: ProductionId, limit: int = 200) -> list[HeldReport]:
        """The production's anonymous reports, newest first (held, accepted and refused)."""
        with self._tx(write=False) as store:
            return store.of_production(production, limit)

    def accept(self, production: ProductionId, report_id: str, by: PersonId) -> str:
        """File a held report into the custody log as anonymous report ``A-<id>``; its id.

        Only the safety supervisor or the producer; accepting twice files once.
        """
        held = self._decidable(production, report_id, by)
        report = ReportId(f"A-{held.id}")
        if report not in self._state(production).reports:
            command = c.FileSafetyReport(
                production=production,
                actor=None,
                at=self._now(),
                report=report,
                text=held.text,
                anonymous=True,
            )
            self._execute(command, Channel.web())
        with self._tx() as store:
            store.decide(held.id, "accepted", self._now(), str(by), str(report))
        return str(report)

    def refuse(self, production: ProductionId, report_id: str, by: PersonId) -> None:
        """Mark a held report refused: kept, never filed, never deleted."""
        held = self._decidable(production, report_id, by)
        with self._tx() as store:
            store.decide(held.id, "refused", self._now(), str(by), None)

    def _decidable(self, production: ProductionId, report_id: str, by: PersonId) -> HeldReport:
        if not self._state(production).has_role(by, *DECIDERS):
            raise Forbidden(
                "Only the safety supervisor or the producer accepts or refuses an anonymous report."
            )
        with self._tx(write=False) as store:
            held = store.get(report_id[:64])
        if held is None or held.production != production:
            raise NotFound(f"No anonymous report {report_id[:64]} on {production}.")
        if held.status != "held":
            raise _already_decided(held)
        return held


def _no_text() -> Refused:
    return Refused(Refusal((Reason("INPUT", "say what is unsafe."),)))


def _already_decided(held: HeldReport) -> Refused:
    return Refused(
        Refusal(
            (Reason("INPUT", f"report {held.id} was already {held.status} by {held.decided_by}."),)
        )
    )


def _minutes(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"
