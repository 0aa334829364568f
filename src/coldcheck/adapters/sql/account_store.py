"""Accounts in SQL: the ``users``, ``sessions`` and ``auth_events`` tables and their store.

Portable SQLAlchemy Core for SQLite and PostgreSQL. ``SqlAccountStore``
works on a ``Connection`` whose transaction the caller owns; it never
commits. Given a ``SecurityRecorder`` (as ``SqlAccountTransactions`` gives it),
every audit event is also a ``security`` record in the ledger, and the
``auth_events`` row names its log position (``seq``): the audit trail is then
evidence (see ``service.security_log``). Times go in and come out
timezone-aware UTC on both databases (``UtcDateTime``). Raw session tokens are
never stored: ``sessions`` is keyed by the hex SHA-256 of the token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    delete,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from coldcheck.adapters.sql.engine import WRITE, writer_lock
from coldcheck.adapters.sql.security_log_store import SecurityRecorder
from coldcheck.adapters.sql.tables import metadata
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.service.account_model import (
    PIN_HOLD_KEY,
    AuthEvent,
    AuthEventKind,
    Credentials,
    LoginTaken,
    PersonAlreadyHasAccount,
    PinFailure,
    Session,
    SessionKind,
    User,
)

__all__ = [
    "ACCOUNT_TABLES",
    "SqlAccountStore",
    "SqlAccountTransactions",
    "UtcDateTime",
    "auth_events",
    "pin_lockouts",
    "sessions",
    "users",
]


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite stores naive UTC text, which
    sorts and compares correctly because every value has the same format.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("coldcheck stores only timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("person_id", String(64), nullable=False, unique=True),
    Column("login", String(80), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("pin_hash", String(255), nullable=True),
    Column("pin_failures", Integer, nullable=False, server_default="0"),
    Column("pin_locked_until", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Index("ix_sessions_user_id", "user_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)

auth_events = Table(
    "auth_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("user_id", String(36), nullable=True),
    Column("login", String(80), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
    Column("seq", BigInteger, nullable=True),
    Index("ix_auth_events_user_id", "user_id"),
    Index("ix_auth_events_seq", "seq", unique=True),
)

pin_lockouts = Table(
    "pin_lockouts",
    metadata,
    Column(
        "user_id",
        String(36),
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("production", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("locked_until", UtcDateTime(), nullable=True),
)
"""Wrong PINs in a row and the lock, per person and production (issue 19, item 11);
a PIN checked outside any production counts on ``users.pin_failures``."""

ACCOUNT_TABLES = (users, sessions, auth_events, pin_lockouts)
"""The accounts tables, in creation order (``metadata.create_all(tables=...)``)."""


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        login=row["login"],
        display_name=row["display_name"],
        person_id=row["person_id"],
        created_at=row["created_at"],
    )


def _credentials(user_id: str, row: RowMapping) -> Credentials:
    return Credentials(
        user_id=user_id,
        password_hash=row["password_hash"],
        pin_hash=row["pin_hash"],
        pin_failures=row["pin_failures"],
        pin_locked_until=row["pin_locked_until"],
    )


def _session(row: RowMapping) -> Session:
    return Session(
        token_hash=row["token_hash"],
        user_id=row["user_id"],
        kind=SessionKind(row["kind"]),
        csrf_token=row["csrf_token"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_seen_at=row["last_seen_at"],
    )


_USER_COLUMNS = (
    users.c.id,
    users.c.login,
    users.c.display_name,
    users.c.person_id,
    users.c.created_at,
)

# The statements of the hot paths (a PIN check, a session lookup, an audit row) are built
# once: SQLAlchemy builds and keys a statement made per call again on every call, which
# cost more than the database's own work for these point lookups.
_USER_BY = {
    column: select(*_USER_COLUMNS).where(users.c[column] == bindparam("key"))
    for column in ("id", "login", "person_id")
}
_CREDENTIAL_COLUMNS = (
    users.c.password_hash,
    users.c.pin_hash,
    users.c.pin_failures,
    users.c.pin_locked_until,
)
_CREDENTIALS = select(*_CREDENTIAL_COLUMNS).where(users.c.id == bindparam("user_id"))
_ACCOUNT_BY = {
    column: select(*_USER_COLUMNS, *_CREDENTIAL_COLUMNS).where(users.c[column] == bindparam("key"))
    for column in ("id", "person_id")
}
_LOCKS = select(
    pin_lockouts.c.production, pin_lockouts.c.failures, pin_lockouts.c.locked_until
).where(
    pin_lockouts.c.user_id == bindparam("user_id"),
    pin_lockouts.c.production.in_([bindparam("hold"), bindparam("production")]),
)
_LOCKOUT = select(pin_lockouts.c.failures, pin_lockouts.c.locked_until).where(
    pin_lockouts.c.user_id == bindparam("user_id"),
    pin_lockouts.c.production == bindparam("production"),
)
_SESSION = select(sessions).where(sessions.c.token_hash == bindparam("token"))
_TOUCH_SESSION = (
    update(sessions)
    .where(sessions.c.token_hash == bindparam("token"))
    .values(last_seen_at=bindparam("b_now"))
)
_ADD_AUTH_EVENT = insert(auth_events)


class SqlAccountStore:
    """``AccountStore`` on one SQLAlchemy connection; the caller begins and commits."""

    def __init__(self, conn: Connection, recorder: SecurityRecorder | None = None) -> None:
        self._conn = conn
        self._recorder = recorder

    def __repr__(self) -> str:
        return "SqlAccountStore(<connection>)"

    # -- users -------------------------------------------------------------

    def add_user(self, user: User, credentials: Credentials) -> None:
        """Insert; raise ``LoginTaken`` / ``PersonAlreadyHasAccount`` on a clash.

        The insert runs in a savepoint so a clash leaves the caller's
        transaction usable (PostgreSQL aborts a transaction on any error).
        """
        values: dict[str, Any] = {
            "id": user.id,
            "person_id": user.person_id,
            "login": user.login,
            "display_name": user.display_name,
            "password_hash": credentials.password_hash,
            "pin_hash": credentials.pin_hash,
            "pin_failures": credentials.pin_failures,
            "pin_locked_until": credentials.pin_locked_until,
            "created_at": user.created_at,
        }
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(users).values(**values))
        except IntegrityError:
            if self.user_by_login(user.login) is not None:
                raise LoginTaken(f"Login '{user.login}' is taken. Choose another.") from None
            if self.user_by_person(user.person_id) is not None:
                raise PersonAlreadyHasAccount(
                    f"Person {user.person_id} already has an account; "
                    "change its password or PIN instead."
                ) from None
            raise

    def _one_user(self, column: str, key: str) -> User | None:
        row = self._conn.execute(_USER_BY[column], {"key": key}).mappings().first()
        return _user(row) if row is not None else None

    def user_by_id(self, user_id: str) -> User | None:
        """The account with this id."""
        return self._one_user("id", user_id)

    def user_by_login(self, login: str) -> User | None:
        """The account with this login."""
        return self._one_user("login", login)

    def user_by_person(self, person_id: str) -> User | None:
        """The account of this person."""
        return self._one_user("person_id", person_id)

    def users(self) -> list[User]:
        """Every account, by login."""
        rows = self._conn.execute(select(*_USER_COLUMNS).order_by(users.c.login)).mappings()
        return [_user(r) for r in rows]

    def credentials(self, user_id: str) -> Credentials | None:
        """The hashes and PIN counters of this account."""
        row = self._conn.execute(_CREDENTIALS, {"user_id": user_id}).mappings().first()
        return _credentials(user_id, row) if row is not None else None

    def account_of_person(self, person_id: str) -> tuple[User, Credentials] | None:
        """This person's account and its credentials, in one read."""
        return self._account("person_id", person_id)

    def account_of_user(self, user_id: str) -> tuple[User, Credentials] | None:
        """The account with this id and its credentials, in one read."""
        return self._account("id", user_id)

    def _account(self, column: str, key: str) -> tuple[User, Credentials] | None:
        row = self._conn.execute(_ACCOUNT_BY[column], {"key": key}).mappings().first()
        return (_user(row), _credentials(row["id"], row)) if row is not None else None

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace the password hash."""
        self._conn.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    def set_pin_hash(self, user_id: str, pin_hash: str) -> None:
        """Replace the PIN hash and clear the failure counts and locks on every production."""
        self._conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(pin_hash=pin_hash, pin_failures=0, pin_locked_until=None)
        )
        self._conn.execute(delete(pin_lockouts).where(pin_lockouts.c.user_id == user_id))

    def pin_lockout(self, user_id: str, production: str = "") -> tuple[int, datetime | None]:
        """The wrong PINs in a row and the lock, on this production."""
        if not production:
            creds = self.credentials(user_id)
            return (creds.pin_failures, creds.pin_locked_until) if creds else (0, None)
        row = self._conn.execute(_LOCKOUT, {"user_id": user_id, "production": production}).first()
        return (int(row.failures), row.locked_until) if row is not None else (0, None)

    def pin_locks(self, user_id: str, production: str = "") -> tuple[bool, int, datetime | None]:
        """Whether the PIN is held, and the wrong PINs and the lock on this production: one
        read of both lock-out rows (outside any production, the counts on the account)."""
        rows = {
            r.production: r
            for r in self._conn.execute(
                _LOCKS, {"user_id": user_id, "hold": PIN_HOLD_KEY, "production": production}
            )
        }
        hold = rows.get(PIN_HOLD_KEY)
        held = hold is not None and hold.locked_until is not None
        if not production:
            return (held, *self.pin_lockout(user_id))
        row = rows.get(production)
        return (held, int(row.failures), row.locked_until) if row is not None else (held, 0, None)

    def record_pin_failure(
        self, user_id: str, now: datetime, limit: int, lock_until: datetime, production: str = ""
    ) -> PinFailure | None:
        """Count one wrong PIN on this production (``""``: outside any); see ``_record_failure``."""
        if production:
            return self._record_production_failure(user_id, now, limit, lock_until, production)
        return self._record_failure(user_id, now, limit, lock_until)

    def _record_production_failure(
        self, user_id: str, now: datetime, limit: int, lock_until: datetime, production: str
    ) -> PinFailure | None:
        """The same single ``UPDATE`` as for ``users``, on this production's row."""
        key = and_(pin_lockouts.c.user_id == user_id, pin_lockouts.c.production == production)
        if self._conn.execute(select(pin_lockouts.c.user_id).where(key)).first() is None:
            try:
                with self._conn.begin_nested():
                    self._conn.execute(
                        insert(pin_lockouts).values(
                            user_id=user_id, production=production, failures=0
                        )
                    )
            except IntegrityError:
                pass  # a concurrent attempt made the row first
        reached = pin_lockouts.c.failures + 1 >= limit
        result = self._conn.execute(
            update(pin_lockouts)
            .where(
                and_(
                    key,
                    or_(
                        pin_lockouts.c.locked_until.is_(None),
                        pin_lockouts.c.locked_until <= now,
                    ),
                )
            )
            .values(
                failures=case((reached, 0), else_=pin_lockouts.c.failures + 1),
                locked_until=case((reached, literal(lock_until, UtcDateTime())), else_=null()),
            )
        )
        if result.rowcount != 1:
            return None
        failures, locked = self.pin_lockout(user_id, production)
        if locked is not None:
            return PinFailure(limit, locked)
        return PinFailure(failures, None)

    def _record_failure(
        self, user_id: str, now: datetime, limit: int, lock_until: datetime
    ) -> PinFailure | None:
        """Count one wrong PIN in a single ``UPDATE``; at ``limit`` lock and zero the count.

        On PostgreSQL the row lock serialises concurrent attempts and the
        ``WHERE`` is re-checked against the newest row, so two racing wrong
        PINs can neither lose a count nor lock twice.
        """
        reached = users.c.pin_failures + 1 >= limit
        result = self._conn.execute(
            update(users)
            .where(
                and_(
                    users.c.id == user_id,
                    or_(users.c.pin_locked_until.is_(None), users.c.pin_locked_until <= now),
                )
            )
            .values(
                pin_failures=case((reached, 0), else_=users.c.pin_failures + 1),
                pin_locked_until=case((reached, literal(lock_until, UtcDateTime())), else_=null()),
            )
        )
        if result.rowcount != 1:
            return None
        creds = self.credentials(user_id)
        assert creds is not None
        if creds.pin_locked_until is not None:
            return PinFailure(limit, creds.pin_locked_until)
        return PinFailure(creds.pin_failures, None)

    def reset_pin_failures(self, user_id: str, production: str = "") -> None:
        """Zero the failure count and clear the lock on this production."""
        if production:
            self._conn.execute(
                delete(pin_lockouts).where(
                    pin_lockouts.c.user_id == user_id, pin_lockouts.c.production == production
                )
            )
            return
        self._conn.execute(
            update(users).where(users.c.id == user_id).values(pin_failures=0, pin_locked_until=None)
        )

    def set_pin_lock(self, user_id: str, production: str, until: datetime) -> None:
        """Lock the PIN on this production key until ``until`` (replacing its row)."""
        if not production:
            raise ValueError("set_pin_lock needs a production key")
        self._conn.execute(
            delete(pin_lockouts).where(
                pin_lockouts.c.user_id == user_id, pin_lockouts.c.production == production
            )
        )
        self._conn.execute(
            insert(pin_lockouts).values(
                user_id=user_id, production=production, failures=0, locked_until=until
            )
        )

    # -- sessions ----------------------------------------------------------

    def add_session(self, session: Session) -> None:
        """Insert a session."""
        self._conn.execute(
            insert(sessions).values(
                token_hash=session.token_hash,
                user_id=session.user_id,
                kind=session.kind.value,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
                last_seen_at=session.last_seen_at,
            )
        )

    def session(self, token_hash: str) -> Session | None:
        """The session with this token hash, expired or not."""
        row = self._conn.execute(_SESSION, {"token": token_hash}).mappings().first()
        return _session(row) if row is not None else None

    def touch_session(self, token_hash: str, now: datetime) -> None:
        """Set ``last_seen_at``."""
        self._conn.execute(_TOUCH_SESSION, {"token": token_hash, "b_now": now})

    def delete_session(self, token_hash: str) -> Session | None:
        """Remove a session; return what was removed."""
        found = self.session(token_hash)
        if found is None:
            return None
        result = self._conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))
        return found if result.rowcount == 1 else None

    def delete_user_sessions(self, user_id: str, keep: str | None = None) -> int:
        """Remove every session of a user except the one hashed ``keep``."""
        stmt = delete(sessions).where(sessions.c.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(sessions.c.token_hash != keep)
        return int(self._conn.execute(stmt).rowcount)

    def delete_expired_sessions(self, now: datetime) -> int:
        """Remove sessions with ``expires_at <= now``."""
        result = self._conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
        return int(result.rowcount)

    # -- audit -------------------------------------------------------------

    def add_event(self, event: AuthEvent) -> None:
        """Append an audit event (and its security record, with a recorder); numbered here."""
        event = replace(event, login=event.login[:80] if event.login is not None else None)
        seq = self._recorder.record(event, self) if self._recorder is not None else None
        self._conn.execute(
            _ADD_AUTH_EVENT,
            {
                "at": event.at,
                "user_id": event.user_id,
                "login": event.login,
                "kind": event.kind.value,
                "detail": event.detail,
                "seq": seq,
            },
        )

    def events(self, user_id: str | None = None, limit: int | None = None) -> list[AuthEvent]:
        """Audit events, oldest first; the latest ``limit`` if given; one user's if given."""
        stmt = select(auth_events).order_by(auth_events.c.id.desc())
        if user_id is not None:
            stmt = stmt.where(auth_events.c.user_id == user_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = list(self._conn.execute(stmt).mappings())
        rows.reverse()
        return [
            AuthEvent(
                id=r["id"],
                at=r["at"],
                kind=AuthEventKind(r["kind"]),
                user_id=r["user_id"],
                login=r["login"],
                detail=r["detail"],
            )
            for r in rows
        ]

    def events_since(
        self, user_id: str, since: datetime, kinds: frozenset[AuthEventKind]
    ) -> list[AuthEvent]:
        """One user's audit events of these kinds at or after ``since``, oldest first."""
        stmt = (
            select(auth_events)
            .where(
                auth_events.c.user_id == user_id,
                auth_events.c.at >= since,
                auth_events.c.kind.in_(sorted(k.value for k in kinds)),
            )
            .order_by(auth_events.c.id)
        )
        return [
            AuthEvent(
                id=r["id"],
                at=r["at"],
                kind=AuthEventKind(r["kind"]),
                user_id=r["user_id"],
                login=r["login"],
                detail=r["detail"],
            )
            for r in self._conn.execute(stmt).mappings()
        ]


class SqlAccountTransactions:
    """The ``AccountUnitOfWork`` on SQL: each call opens one transaction over the account tables.

    Write transactions queue on the engine's writer lock and, on SQLite, start
    with ``BEGIN IMMEDIATE`` (see ``engine.WRITE``), as the custody writes do.
    With the log's ``key``, every audit event is a security record in the ledger
    and a transaction that wrote any ends with a commit record and a signed head
    (then ``on_new_head`` is called, after the commit); ``channel`` says which
    program wrote them (``server``, ``cli:<OS user>``, ``demo``).
    """

    def __init__(
        self,
        engine: Engine,
        key: Ed25519PrivateKey | None = None,
        channel: str = "server",
        on_new_head: Callable[[SignedTreeHead], None] = lambda _: None,
    ) -> None:
        self._engine = engine
        self._key = key
        self.channel = channel
        self.on_new_head = on_new_head

    @contextmanager
    def __call__(self, *, write: bool = True) -> Iterator[SqlAccountStore]:
        if not write:
            with self._engine.begin() as conn:
                yield SqlAccountStore(conn)
            return
        head = None
        with writer_lock(self._engine), self._engine.execution_options(**WRITE).begin() as conn:
            recorder = (
                SecurityRecorder(conn, self._key, self.channel) if self._key is not None else None
            )
            yield SqlAccountStore(conn, recorder)
            if recorder is not None:
                head = recorder.seal()
        if head is not None:
            self.on_new_head(head)
