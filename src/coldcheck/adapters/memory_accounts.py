"""An ``AccountStore`` in memory: the same contract as the SQL one, for tests and demos.

Every method holds one lock, so ``record_pin_failure`` is atomic across
threads just as the SQL ``UPDATE`` is. There are no transactions: a write
is visible at once and never rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from coldcheck.service.account_model import (
    PIN_HOLD_KEY,
    AuthEvent,
    AuthEventKind,
    Credentials,
    LoginTaken,
    PersonAlreadyHasAccount,
    PinFailure,
    Session,
    User,
)

__all__ = ["MemoryAccountStore", "MemoryAccountTransactions"]


class MemoryAccountStore:
    """Accounts, sessions and auth events in dictionaries."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._creds: dict[str, Credentials] = {}
        self._sessions: dict[str, Session] = {}
        self._events: list[AuthEvent] = []
        self._lockouts: dict[tuple[str, str], tuple[int, datetime | None]] = {}

    def __repr__(self) -> str:
        return f"MemoryAccountStore(users={len(self._users)}, sessions={len(self._sessions)})"

    # -- users -------------------------------------------------------------

    def add_user(self, user: User, credentials: Credentials) -> None:
        """Insert; raise ``LoginTaken`` / ``PersonAlreadyHasAccount`` on a clash."""
        with self._lock:
            if any(u.login == user.login for u in self._users.values()):
                raise LoginTaken(f"Login '{user.login}' is taken. Choose another.")
            if any(u.person_id == user.person_id for u in self._users.values()):
                raise PersonAlreadyHasAccount(
                    f"Person {user.person_id} already has an account; "
                    "change its password or PIN instead."
                )
            if user.id in self._users:
                raise ValueError(f"duplicate user id {user.id}")
            self._users[user.id] = user
            self._creds[user.id] = replace(credentials, user_id=user.id)

    def user_by_id(self, user_id: str) -> User | None:
        """The account with this id."""
        with self._lock:
            return self._users.get(user_id)

    def user_by_login(self, login: str) -> User | None:
        """The account with this login."""
        with self._lock:
            return next((u for u in self._users.values() if u.login == login), None)

    def user_by_person(self, person_id: str) -> User | None:
        """The account of this person."""
        with self._lock:
            return next((u for u in self._users.values() if u.person_id == person_id), None)

    def users(self) -> list[User]:
        """Every account, by login."""
        with self._lock:
            return sorted(self._users.values(), key=lambda u: u.login)

    def credentials(self, user_id: str) -> Credentials | None:
        """The hashes and PIN counters of this account."""
        with self._lock:
            return self._creds.get(user_id)

    def account_of_person(self, person_id: str) -> tuple[User, Credentials] | None:
        """This person's account and its credentials."""
        with self._lock:
            user = next((u for u in self._users.values() if u.person_id == person_id), None)
            return self.account_of_user(user.id) if user is not None else None

    def account_of_user(self, user_id: str) -> tuple[User, Credentials] | None:
        """The account with this id and its credentials."""
        with self._lock:
            user, creds = self._users.get(user_id), self._creds.get(user_id)
            return (user, creds) if user is not None and creds is not None else None

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace the password hash."""
        with self._lock:
            if user_id in self._creds:
                self._creds[user_id] = replace(self._creds[user_id], password_hash=password_hash)

    def set_pin_hash(self, user_id: str, pin_hash: str) -> None:
        """Replace the PIN hash and clear the failure counts and locks on every production."""
        with self._lock:
            if user_id in self._creds:
                self._creds[user_id] = replace(
                    self._creds[user_id], pin_hash=pin_hash, pin_failures=0, pin_locked_until=None
                )
                for key in [k for k in self._lockouts if k[0] == user_id]:
                    del self._lockouts[key]

    def pin_lockout(self, user_id: str, production: str = "") -> tuple[int, datetime | None]:
        """The wrong PINs in a row and the lock, on this production."""
        with self._lock:
            if not production:
                creds = self._creds.get(user_id)
                return (creds.pin_failures, creds.pin_locked_until) if creds else (0, None)
            return self._lockouts.get((user_id, production), (0, None))

    def pin_locks(self, user_id: str, production: str = "") -> tuple[bool, int, datetime | None]:
        """Whether the PIN is held, and the wrong PINs and the lock on this production."""
        with self._lock:
            held = self.pin_lockout(user_id, PIN_HOLD_KEY)[1] is not None
            return (held, *self.pin_lockout(user_id, production))

    def record_pin_failure(
        self, user_id: str, now: datetime, limit: int, lock_until: datetime, production: str = ""
    ) -> PinFailure | None:
        """Count one wrong PIN atomically on this production; at ``limit`` lock and zero it."""
        with self._lock:
            creds = self._creds.get(user_id)
            if creds is None:
                return None
            count, locked = self.pin_lockout(user_id, production)
            if locked is not None and locked > now:
                return None
            failures = count + 1
            reached = failures >= limit
            new = (0, lock_until) if reached else (failures, None)
            if production:
                self._lockouts[(user_id, production)] = new
            else:
                self._creds[user_id] = replace(creds, pin_failures=new[0], pin_locked_until=new[1])
            return PinFailure(failures, lock_until if reached else None)

    def reset_pin_failures(self, user_id: str, production: str = "") -> None:
        """Zero the failure count and clear the lock on this production."""
        with self._lock:
            if production:
                self._lockouts.pop((user_id, production), None)
            elif user_id in self._creds:
                self._creds[user_id] = replace(
                    self._creds[user_id], pin_failures=0, pin_locked_until=None
                )

    def set_pin_lock(self, user_id: str, production: str, until: datetime) -> None:
        """Lock the PIN on this production key until ``until``."""
        if not production:
            raise ValueError("set_pin_lock needs a production key")
        with self._lock:
            self._lockouts[(user_id, production)] = (0, until)

    # -- sessions ----------------------------------------------------------

    def add_session(self, session: Session) -> None:
        """Insert a session."""
        with self._lock:
            if session.user_id not in self._users:
                raise ValueError(f"no user {session.user_id}")
            if session.token_hash in self._sessions:
                raise ValueError("duplicate session token")
            self._sessions[session.token_hash] = session

    def session(self, token_hash: str) -> Session | None:
        """The session with this token hash, expired or not."""
        with self._lock:
            return self._sessions.get(token_hash)

    def touch_session(self, token_hash: str, now: datetime) -> None:
        """Set ``last_seen_at``."""
        with self._lock:
            if token_hash in self._sessions:
                self._sessions[token_hash] = replace(self._sessions[token_hash], last_seen_at=now)

    def delete_session(self, token_hash: str) -> Session | None:
        """Remove a session; return what was removed."""
        with self._lock:
            return self._sessions.pop(token_hash, None)

    def delete_user_sessions(self, user_id: str, keep: str | None = None) -> int:
        """Remove every session of a user except the one hashed ``keep``."""
        with self._lock:
            doomed = [h for h, s in self._sessions.items() if s.user_id == user_id and h != keep]
            for h in doomed:
                del self._sessions[h]
            return len(doomed)

    def delete_expired_sessions(self, now: datetime) -> int:
        """Remove sessions with ``expires_at <= now``."""
        with self._lock:
            doomed = [h for h, s in self._sessions.items() if s.expires_at <= now]
            for h in doomed:
                del self._sessions[h]
            return len(doomed)

    # -- audit -------------------------------------------------------------

    def add_event(self, event: AuthEvent) -> None:
        """Append an audit event, numbering it."""
        with self._lock:
            self._events.append(replace(event, id=len(self._events) + 1))

    def events(self, user_id: str | None = None, limit: int | None = None) -> list[AuthEvent]:
        """Audit events, oldest first; the latest ``limit`` if given; one user's if given."""
        with self._lock:
            found = [e for e in self._events if user_id is None or e.user_id == user_id]
        return found if limit is None else found[max(0, len(found) - limit) :]

    def events_since(
        self, user_id: str, since: datetime, kinds: frozenset[AuthEventKind]
    ) -> list[AuthEvent]:
        """One user's audit events of these kinds at or after ``since``, oldest first."""
        with self._lock:
            return [
                e
                for e in self._events
                if e.user_id == user_id and e.kind in kinds and e.at >= since
            ]


class MemoryAccountTransactions:
    """The ``AccountUnitOfWork`` in memory: every "transaction" is the one store (no rollback)."""

    def __init__(self, store: MemoryAccountStore | None = None) -> None:
        self.store = store if store is not None else MemoryAccountStore()

    @contextmanager
    def __call__(self, *, write: bool = True) -> Iterator[MemoryAccountStore]:
        yield self.store
