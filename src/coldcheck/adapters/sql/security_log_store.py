"""Writing the security log into the ledger, in the accounts' own transaction.

:class:`SecurityRecorder` turns each ``AuthEvent`` an account transaction adds into a
``security`` record (``service.security_log``) appended to the ledger at once, and
:meth:`SecurityRecorder.seal` ends the transaction's batch with its commit record and a
signed head — the same steps, and the same refusal to sign a log that does not extend
its own newest head, as the custody writes. For a job of the custody group commit the
records join the group's batch instead, and its unit of work seals them.
:func:`write_baseline` is ``coldcheck init``'s one-time baseline of a database whose
accounts predate the security log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql.ledger_store import CommitBase, SqlLedger
from coldcheck.ledger.chain import ms_of
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.heads import SignedTreeHead, public_key_raw
from coldcheck.ledger.records import record_entry
from coldcheck.service.account_model import AuthEvent, AuthEventKind, Session, SessionKind
from coldcheck.service.errors import NotSigned
from coldcheck.service.security_log import (
    BASELINE_ACCOUNT,
    BASELINE_AUTH_EVENTS,
    BASELINE_SESSION,
    account_state,
    credential_digest,
    legacy_rows_digest,
    security_fields,
    session_state,
)

if TYPE_CHECKING:
    from coldcheck.adapters.sql.account_store import SqlAccountStore

__all__ = ["PG_WRITE_LOCK", "SecurityRecorder", "write_baseline"]

PG_WRITE_LOCK = 0x636F6C64  # "cold": the same advisory lock the custody writes take


class SecurityRecorder:
    """Appends the security records of one account transaction; seals them at its end."""

    def __init__(
        self,
        conn: Connection,
        key: Ed25519PrivateKey,
        channel: str,
        batch: SqlLedger | None = None,
    ) -> None:
        self.conn = conn
        self._key = key
        self._channel = channel
        self._ledger = batch if batch is not None else SqlLedger(conn)
        self._joined = batch is not None
        """Appending to a custody group commit's batch: it began it and seals it."""
        self._base: CommitBase | None = None

    def _begin(self, clock_ms: int) -> None:
        if self._base is not None or self._joined:
            return
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
        try:
            self._base = self._ledger.prepare_commit(public_key_raw(self._key), clock_ms)
        except LedgerError as exc:
            raise NotSigned(f"the server refuses to sign: {exc}") from None

    def record(self, event: AuthEvent, store: SqlAccountStore) -> int:
        """Append the security record of ``event`` (the account as it is now); its position."""
        self._begin(ms_of(event.at))
        account = None
        if event.user_id is not None:
            found = store.account_of_user(event.user_id)
            if found is not None:
                account = account_state(*found)
        session: dict[str, Any] | None = None
        if event.session is not None:
            live = store.session(event.session)
            if event.kind == AuthEventKind.SESSION_OPENED and live is not None:
                session = session_state(live)
            else:
                session = {"token": credential_digest(event.session)}
        seq = self._ledger.size()
        self._ledger.append(
            [record_entry(security_fields(seq, event, self._channel, account, session))]
        )
        return seq

    def seal(self) -> SignedTreeHead | None:
        """The commit record and signed head over the records appended (None if none, or
        when they joined a group's batch, which its unit of work seals)."""
        if self._base is None:
            return None
        return self._ledger.seal(self._base, self._key)


def write_baseline(
    conn: Connection, key: Ed25519PrivateKey, clock_ms: int, channel: str
) -> SignedTreeHead | None:
    """Record every existing account and live session, and a digest of older audit rows.

    One commit; None when there is nothing to take as it is (a fresh database).
    """
    from coldcheck.adapters.sql.account_store import SqlAccountStore, sessions

    store = SqlAccountStore(conn)
    accounts = store.users()
    live = [
        Session(
            token_hash=r.token_hash,
            user_id=r.user_id,
            kind=SessionKind(r.kind),
            csrf_token=r.csrf_token,
            created_at=r.created_at,
            expires_at=r.expires_at,
            last_seen_at=r.last_seen_at,
        )
        for r in conn.execute(select(sessions).order_by(sessions.c.token_hash))
    ]
    legacy = [tuple(r) for r in conn.execute(legacy_auth_rows())]
    ledger = SqlLedger(conn)
    if not accounts and not live and not legacy and ledger.latest_head() is None:
        return None
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
    try:
        base = ledger.prepare_commit(public_key_raw(key), clock_ms)
    except LedgerError as exc:
        raise NotSigned(f"the server refuses to sign: {exc}") from None
    from coldcheck.ledger.chain import from_ms

    at = from_ms(base.timestamp_ms)

    def add(kind: str, account: Any, session: Any, detail: str = "", user: Any = None) -> None:
        seq = ledger.size()
        fields = security_fields(
            seq,
            AuthEvent(at=at, kind=AuthEventKind.USER_CREATED, detail=detail),
            channel,
            account,
            session,
        )
        fields.update(kind=kind, user=user.id if user else None, login=user.login if user else None)
        ledger.append([record_entry(fields)])

    for user in accounts:
        creds = store.credentials(user.id)
        assert creds is not None
        add(
            BASELINE_ACCOUNT,
            account_state(user, creds),
            None,
            "account before the security log",
            user,
        )
    for session in live:
        add(BASELINE_SESSION, None, session_state(session), "session before the security log")
    add(BASELINE_AUTH_EVENTS, None, None, f"{len(legacy)} {legacy_rows_digest(legacy)}")
    return ledger.seal(base, key)


def legacy_auth_rows() -> Any:
    """The audit rows written before the security log (no ledger position), in id order."""
    from coldcheck.adapters.sql.account_store import auth_events

    c = auth_events.c
    return (
        select(c.id, c.at, c.user_id, c.login, c.kind, c.detail)
        .where(c.seq.is_(None))
        .order_by(c.id)
    )
