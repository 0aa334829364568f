"""Live alerts: what every signed-in screen of a production must see at once.

The hub is in-process: publishers call :meth:`AlertHub.publish` from any
thread after a commit; each subscriber (one per open SSE stream) gets the
alerts of its production on its own asyncio queue.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.ids import ProductionId
from coldcheck.domain.state import ProductionState


@dataclass(frozen=True)
class Alert:
    """One thing to show on every screen: ``kind`` is stop_work, stop_work_lifted,
    blank_load, incident or overdue."""

    production: ProductionId
    kind: str
    message: str
    at: datetime
    seq: int


def alerts_for(events: Sequence[Event], seqs: Sequence[int], state: ProductionState) -> list[Alert]:
    """The alerts a batch of committed events raises."""
    out: list[Alert] = []
    for seq, e in zip(seqs, events, strict=True):
        who = state.name_of(e.by) if e.by else "someone"
        if isinstance(e, ev.StopWorkStarted):
            out.append(Alert(e.production, "stop_work", f"STOP WORK — {e.reason}", e.at, seq))
        elif isinstance(e, ev.StopWorkLifted):
            out.append(Alert(e.production, "stop_work_lifted", "Stop-work lifted.", e.at, seq))
        elif isinstance(e, ev.WeaponLoaded) and e.announce:
            out.append(
                Alert(
                    e.production,
                    "blank_load",
                    f"BLANKS LOADED — {e.weapon} loaded with blanks by {who}.",
                    e.at,
                    seq,
                )
            )
        elif isinstance(e, ev.IncidentOpened):
            out.append(
                Alert(
                    e.production,
                    "incident",
                    f"Incident {e.incident} ({e.severity.value}): {e.description}",
                    e.at,
                    seq,
                )
            )
    return out


class Subscription:
    """One listener's queue; close it when the stream ends."""

    def __init__(self, hub: AlertHub, production: ProductionId, loop: asyncio.AbstractEventLoop):
        self.hub = hub
        self.production = production
        self.loop = loop
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=1000)

    def deliver(self, alert: Alert) -> None:
        """Thread-safe hand-off onto the subscriber's loop."""
        self.loop.call_soon_threadsafe(self._put, alert)

    def _put(self, alert: Alert) -> None:
        if not self.queue.full():
            self.queue.put_nowait(alert)

    def close(self) -> None:
        """Stop receiving alerts."""
        self.hub.unsubscribe(self)


class AlertHub:
    """Fan-out of alerts to the open streams of each production."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[ProductionId, set[Subscription]] = {}

    def subscribe(self, production: ProductionId) -> Subscription:
        """Start receiving alerts for ``production`` on the running event loop."""
        sub = Subscription(self, production, asyncio.get_running_loop())
        with self._lock:
            self._subs.setdefault(production, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget a subscription (idempotent)."""
        with self._lock:
            self._subs.get(sub.production, set()).discard(sub)

    def publish(self, alerts: Sequence[Alert]) -> None:
        """Send each alert to every subscriber of its production."""
        for alert in alerts:
            with self._lock:
                subs = list(self._subs.get(alert.production, ()))
            for sub in subs:
                try:
                    sub.deliver(alert)
                except RuntimeError:  # its loop has closed
                    self.unsubscribe(sub)


class OverdueWatch:
    """Escalates open safety reports past the production's escalation time (R22), and weapons
    a performer still holds past wrap or past the production's setting (R23).

    ``tick(states, now)`` returns one ``overdue`` alert per report, and per weapon
    handoff, the first time it is found overdue; the server calls it once a minute.
    """

    def __init__(self) -> None:
        self._told: set[tuple[ProductionId, str]] = set()

    def tick(self, states: Sequence[ProductionState], now: datetime) -> list[Alert]:
        """Alerts for newly overdue reports and weapons."""
        from coldcheck.domain.status import overdue_reports, overdue_weapons

        out = []
        for state in states:
            for weapon in overdue_weapons(state, now):
                key = (state.production, f"{weapon.weapon}@{weapon.since.isoformat()}")
                if key in self._told:
                    continue
                self._told.add(key)
                out.append(
                    Alert(
                        state.production,
                        "overdue",
                        f"OVERDUE: {weapon.why} — get it back to the armorer.",
                        now,
                        -1,
                    )
                )
            for report in overdue_reports(state, now):
                key = (state.production, report.id)
                if key in self._told:
                    continue
                self._told.add(key)
                hours = int((now - report.at).total_seconds() // 3600)
                out.append(
                    Alert(
                        state.production,
                        "overdue",
                        f"Safety report {report.id} has been open {hours} h: the producer must"
                        " answer it (R22).",
                        now,
                        -1,
                    )
                )
        return out
