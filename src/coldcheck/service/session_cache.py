"""A short-lived, per-process cache of verified sessions.

Checking a session token costs a database transaction; a tablet polling
the board would pay it on every request. A verified session is reused for
``ttl`` seconds (never past its own expiry). Signing out in this process
drops it at once; a session revoked by another server process stops
working within ``ttl``.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from coldcheck.service.account_model import Session, User, hash_token

DEFAULT_TTL = timedelta(seconds=15)
MAX_ENTRIES = 10_000


class SessionCache:
    """token hash → (session, user, verified at)."""

    def __init__(self, ttl: timedelta = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[str, tuple[Session, User, datetime]] = {}

    def get(self, raw: str, now: datetime) -> tuple[Session, User] | None:
        """The cached session for a raw token, if verified recently and not expired."""
        key = hash_token(raw)
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            session, user, verified = item
            if now - verified > self.ttl or session.expires_at <= now:
                del self._items[key]
                return None
            return session, user

    def put(self, raw: str, session: Session, user: User, now: datetime) -> None:
        """Remember a session just verified against the database."""
        with self._lock:
            if len(self._items) >= MAX_ENTRIES:
                self._items.clear()
            self._items[hash_token(raw)] = (session, user, now)

    def drop(self, raw: str | None) -> None:
        """Forget a token (sign-out, revocation)."""
        if raw:
            with self._lock:
                self._items.pop(hash_token(raw), None)

    def clear(self) -> None:
        """Forget every session (a password changed: its sessions were ended)."""
        with self._lock:
            self._items.clear()
