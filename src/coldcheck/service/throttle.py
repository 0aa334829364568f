"""Progressive delays for wrong passwords and PINs, per login and per client (issue 15).

A ``Throttle`` counts failures per key (``login:mara``, ``client:10.0.0.7``, ...). The
first ``free`` failures cost nothing; after that every failure makes the key wait before
its next try, ``first_wait`` at first and twice as long each time, up to ``max_wait``.
A key with no failure for ``forget_after`` starts again. A success forgets a login's
count (the right password proves the person) but never a client's: someone who has one
account must not reset their guessing from the same device by signing in between.

The counts live in the server process's memory (a restart starts them again; two server
processes count apart): the durable defences are the PIN lock and hold in the database
and the audit trail. At most ``max_keys`` keys are kept; the oldest go first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "LOGIN_THROTTLE",
    "PASSWORD_CLIENT_THROTTLE",
    "PIN_CLIENT_THROTTLE",
    "Throttle",
    "ThrottlePolicy",
    "Waiting",
]


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free, how long the first wait is, its cap, when to forget."""

    free: int
    first_wait: timedelta
    max_wait: timedelta
    forget_after: timedelta


LOGIN_THROTTLE = ThrottlePolicy(5, timedelta(seconds=30), timedelta(minutes=15), timedelta(days=1))
"""Wrong passwords for one login (known or not: the same for both)."""

PASSWORD_CLIENT_THROTTLE = ThrottlePolicy(
    20, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1)
)
"""Wrong passwords from one client address, whatever the login."""

PIN_CLIENT_THROTTLE = ThrottlePolicy(
    10, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1)
)
"""Wrong PINs from one client address, whoever's PIN."""


@dataclass(frozen=True)
class Waiting:
    """A key that must wait: until when, and how many failures it has."""

    until: datetime
    failures: int

    def seconds(self, now: datetime) -> int:
        """Whole seconds left (at least 1)."""
        return max(1, int((self.until - now).total_seconds() + 0.999))


@dataclass
class _Entry:
    failures: int
    waits: int
    last: datetime
    until: datetime | None


class Throttle:
    """Failure counts and waits per key; thread-safe; see the module docstring."""

    def __init__(self, policy: ThrottlePolicy, max_keys: int = 10_000) -> None:
        self.policy = policy
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._keys: dict[str, _Entry] = {}

    def waiting(self, key: str, now: datetime) -> Waiting | None:
        """The wait this key is in at ``now``, or None when it may try."""
        with self._lock:
            entry = self._live(key, now)
            if entry is None or entry.until is None or entry.until <= now:
                return None
            return Waiting(entry.until, entry.failures)

    def failed(self, key: str, now: datetime) -> Waiting | None:
        """Count one failure; the wait it starts (None while failures are still free)."""
        p = self.policy
        with self._lock:
            entry = self._live(key, now)
            if entry is None:
                entry = _Entry(0, 0, now, None)
                self._keys[key] = entry
                self._evict()
            entry.failures += 1
            entry.last = now
            if entry.failures <= p.free:
                return None
            wait = min(p.first_wait * (2**entry.waits), p.max_wait)
            entry.waits += 1
            entry.until = now + wait
            return Waiting(entry.until, entry.failures)

    def succeeded(self, key: str) -> None:
        """Forget this key's failures."""
        with self._lock:
            self._keys.pop(key, None)

    def _live(self, key: str, now: datetime) -> _Entry | None:
        entry = self._keys.get(key)
        if entry is not None and now - entry.last >= self.policy.forget_after:
            del self._keys[key]
            return None
        return entry

    def _evict(self) -> None:
        while len(self._keys) > self._max_keys:
            self._keys.pop(next(iter(self._keys)))
