"""Live alerts: what every signed-in screen of a production must see at once.

The hub is in-process: publishers call :meth:`AlertHub.publish` from any
thread after a commit; each subscriber (one per open SSE stream) gets the
alerts of its production on its own asyncio queue.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections import deque
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


def pin_held_alerts(person: str, productions: Sequence[str], at: datetime) -> list[Alert]:
    """The alert each production of ``person`` gets when their PIN is held (issue 15): the
    armorer or the producer must clear it; until then nobody can confirm with that PIN."""
    message = (
        f"PIN HELD — the PIN of {person} was locked again and again (someone may be guessing"
        " it). It stays locked until the armorer or the producer clears it: "
        "coldcheck user clear-pin-hold."
    )
    return [Alert(ProductionId(p), "pin_held", message, at, -1) for p in productions]


def throttle_alerts(
    kind: str, who: str, failures: int, until: datetime, productions: Sequence[str], at: datetime
) -> list[Alert]:
    """The ``sign_in_wait`` alert when wrong passwords or PINs began a wait (issue 15):
    ``kind`` is login (``who``: the account's person), client or pin (``who``: an address)."""
    when = until.strftime("%H:%M:%S")
    if kind == "login":
        message = (
            f"SIGN-IN WAIT — {failures} wrong passwords for the account of {who}; its next"
            f" try waits until {when} UTC. If that was not them, someone may be guessing."
        )
    elif kind == "client":
        message = (
            f"SIGN-IN WAIT — {failures} wrong passwords from the device at {who}; it waits"
            f" until {when} UTC before the next try."
        )
    else:
        message = (
            f"PIN WAIT — {failures} wrong PINs from the device at {who}; it waits until"
            f" {when} UTC before the next try."
        )
    return [Alert(ProductionId(p), "sign_in_wait", message, at, -1) for p in productions]


@dataclass(frozen=True)
class Numbered:
    """An alert as a stream sends it: ``id`` is ``<hub>-<n>``, ``n`` rising per hub."""

    id: str
    n: int
    alert: Alert


@dataclass(frozen=True)
class Replay:
    """What a reconnecting stream missed: the alerts after its last id, or that it cannot know.

    ``complete`` is False when the last id came from another server process (a restart)
    or is older than the buffer holds: alerts may have been lost, so the screen must
    reload what it shows rather than trust the alerts alone.
    """

    alerts: tuple[Numbered, ...]
    complete: bool


class Subscription:
    """One listener's queue; close it when the stream ends."""

    def __init__(self, hub: AlertHub, production: ProductionId, loop: asyncio.AbstractEventLoop):
        self.hub = hub
        self.production = production
        self.loop = loop
        self.queue: asyncio.Queue[Numbered] = asyncio.Queue(maxsize=1000)

    def deliver(self, item: Numbered) -> None:
        """Thread-safe hand-off onto the subscriber's loop."""
        self.loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: Numbered) -> None:
        if not self.queue.full():
            self.queue.put_nowait(item)

    def close(self) -> None:
        """Stop receiving alerts."""
        self.hub.unsubscribe(self)


class AlertHub:
    """Fan-out of alerts to the open streams of each production, with a replay buffer.

    Every alert gets an id ``<hub>-<n>`` (``hub`` is random per process, ``n`` rises).
    The last ``buffer`` alerts of each production are kept, so a stream that reconnects
    with ``Last-Event-ID`` gets every alert it missed, or is told it cannot (``Replay``).
    """

    def __init__(self, buffer: int = 256) -> None:
        self._lock = threading.Lock()
        self._subs: dict[ProductionId, set[Subscription]] = {}
        self._kept: dict[ProductionId, deque[Numbered]] = {}
        self._evicted: dict[ProductionId, int] = {}
        self._buffer = buffer
        self._n = 0
        self.hub_id = secrets.token_hex(4)

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

    def last_id(self) -> str:
        """The id of the newest alert of any production (a stream starts from here)."""
        with self._lock:
            return f"{self.hub_id}-{self._n}"

    def since(self, production: ProductionId, last_id: str | None) -> Replay:
        """The alerts of ``production`` after ``last_id`` (all it missed), or an honest gap."""
        if not last_id:
            return Replay((), True)
        hub, _, number = last_id.partition("-")
        with self._lock:
            kept = tuple(self._kept.get(production, ()))
            newest = self._n
            evicted = self._evicted.get(production, 0)
        if hub != self.hub_id or not number.isdigit() or int(number) > newest:
            return Replay((), False)
        after = int(number)
        missed = tuple(k for k in kept if k.n > after)
        # complete unless an alert after ``after`` has already left the buffer
        return Replay(missed, evicted <= after)

    def publish(self, alerts: Sequence[Alert]) -> None:
        """Number each alert, keep it for replay, send it to every subscriber of its production."""
        for alert in alerts:
            with self._lock:
                self._n += 1
                item = Numbered(f"{self.hub_id}-{self._n}", self._n, alert)
                kept = self._kept.setdefault(alert.production, deque(maxlen=self._buffer))
                if len(kept) == self._buffer:
                    self._evicted[alert.production] = kept[0].n
                kept.append(item)
                subs = list(self._subs.get(alert.production, ()))
            for sub in subs:
                try:
                    sub.deliver(item)
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
