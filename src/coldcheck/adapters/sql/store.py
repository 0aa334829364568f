"""The SQL unit of work: events, ledger and read tables in one transaction.

Writes are serialised: on SQLite by ``BEGIN IMMEDIATE`` (one writer at a
time, readers continue under WAL), on PostgreSQL by a transaction-scoped
advisory lock. Deciding happens inside that lock, so two devices acting on
the same weapon are judged one after the other against fresh state, and
the loser gets the rule's refusal, never a double issue or a lost event.

Production states are cached per process, keyed by the position of the
production's newest event; a transaction that finds the cache behind reads
only the events after it (and, on a cold start, starts from the newest
snapshot), so no request replays the whole history.

A write transaction is ``begin`` (the stored log must be exactly the tree of the
newest signed head; the commit's time), optionally ``write_subject_index``,
``append``, ``seal`` (commit record and signed head), ``commit``: see
``SqlLedger.prepare_commit`` / ``SqlLedger.seal``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import pickle
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, Table, bindparam, delete, insert, select, text, update
from sqlalchemy.engine import Connection, RootTransaction

from coldcheck import __version__
from coldcheck.adapters.sql import subject_index_store
from coldcheck.adapters.sql.account_store import SqlAccountStore
from coldcheck.adapters.sql.confirmation_store import SqlConfirmationStore
from coldcheck.adapters.sql.engine import WRITE, writer_lock
from coldcheck.adapters.sql.ledger_store import (
    CommitBase,
    SqlLedger,
    ledger_entries,
    run_on_driver,
)
from coldcheck.adapters.sql.photo_store import SqlPhotoStore
from coldcheck.adapters.sql.security_log_store import SecurityRecorder
from coldcheck.adapters.sql.tables import (
    event_refs,
    events,
    lot_view,
    memberships,
    productions,
    snapshots,
    weapon_view,
)
from coldcheck.domain.events import Event
from coldcheck.domain.ids import ProductionId
from coldcheck.domain.state import ProductionState, apply, empty_state
from coldcheck.ledger.chain import from_ms, ms_of
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.heads import SignedTreeHead, public_key_raw
from coldcheck.service import views
from coldcheck.service.envelope import Channel, decode_entry, encode_entry, refs
from coldcheck.service.errors import NotSigned
from coldcheck.service.ports import GroupBroken, IndexMark

PG_WRITE_LOCK = 0x636F6C64  # "cold": one advisory lock serialises every write
SNAPSHOT_EVERY = 1000
#: A snapshot of another format (an older coldcheck's state types) is never unpickled
#: (state-3: weapons carry their acquisition and disposition, issue 18; state-4: their
#: photos, issue 18; state-5: passkeys carry their highest signature counter, issue 17;
#: state-6: corrections carry the values they correct, issue 18; state-7: weapons carry
#: their mechanism, and the hammer, bolt and blank-firing adapter their state records, R25).
SNAPSHOT_FORMAT = f"pickle-5+hmac/coldcheck-{__version__}/state-7"
_MAC = 32


def snapshot_key(key: Ed25519PrivateKey) -> bytes:
    """The MAC key of snapshots, derived from the log's signing key (never stored)."""
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hashlib.sha256(b"coldcheck snapshot mac v1\x00" + raw).digest()


def seal_snapshot(mac_key: bytes, state: ProductionState) -> bytes:
    """MAC || pickle: only a snapshot this key wrote is ever unpickled."""
    blob = pickle.dumps(state, protocol=5)
    return hmac.new(mac_key, blob, hashlib.sha256).digest() + blob


def open_snapshot(mac_key: bytes, sealed: bytes) -> ProductionState | None:
    """The state in a sealed snapshot, or None when the MAC does not match (never unpickled)."""
    mac, blob = sealed[:_MAC], sealed[_MAC:]
    if len(mac) != _MAC or not hmac.compare_digest(
        mac, hmac.new(mac_key, blob, hashlib.sha256).digest()
    ):
        return None
    try:
        state = pickle.loads(blob)
    except Exception:
        return None
    return state if isinstance(state, ProductionState) else None


class StateCache:
    """Per-process cache of production states, keyed by their newest event's position."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[ProductionId, tuple[int, ProductionState]] = {}

    def get(self, production: ProductionId) -> tuple[int, ProductionState] | None:
        """The cached (position, state), if any."""
        with self._lock:
            return self._states.get(production)

    def put(self, production: ProductionId, seq: int, state: ProductionState) -> None:
        """Remember a committed state unless a newer one is already cached."""
        with self._lock:
            current = self._states.get(production)
            if current is None or current[0] <= seq:
                self._states[production] = (seq, state)

    def states(self) -> list[ProductionState]:
        """Every cached state: the productions this process has served since it started."""
        with self._lock:
            return [state for _, state in self._states.values()]

    def clear(self) -> None:
        """Forget everything (tests, restore)."""
        with self._lock:
            self._states.clear()


class SqlUnitOfWork:
    """One transaction on the database; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        key: Ed25519PrivateKey,
        cache: StateCache,
        *,
        write: bool,
        channel: str = "server",
    ) -> None:
        self._engine = engine
        self._key = key
        self._cache = cache
        self._write = write
        self._channel = channel
        self._began_size = 0
        self._pending: list[tuple[ProductionId, int, ProductionState]] = []
        self._lock: threading.RLock | None = None
        self.conn: Connection
        self._tx: RootTransaction | None = None
        self._base: CommitBase | None = None
        self._ledger: SqlLedger | None = None  # the commit's, from begin to seal
        # a write transaction holds the writer lock: a production's newest event read
        # here stays its newest until this transaction appends (which updates it)
        self._last: dict[ProductionId, int] = {}

    def __enter__(self) -> Self:
        engine = self._engine.execution_options(**WRITE) if self._write else self._engine
        self._lock = writer_lock(self._engine) if self._write else None
        if self._lock is not None:
            self._lock.acquire()
        try:
            self.conn = engine.connect()
            self._tx = self.conn.begin()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        if self._write and self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            try:
                self.conn.close()
            finally:
                if self._lock is not None:
                    self._lock.release()

    # -- reading state --------------------------------------------------------

    def _last_seq(self, production: ProductionId) -> int:
        last = run_on_driver(
            self.conn, subject_index_store.LAST_SEQ, {"production": production}
        ).scalar()
        seq = -1 if last is None else int(last)
        if self._write:
            self._last[production] = seq
        return seq

    def is_event_of(self, production: ProductionId, seq: int) -> bool:
        """True when log position ``seq`` holds an event of ``production``."""
        found = self.conn.execute(select(events.c.production).where(events.c.seq == seq)).scalar()
        return found == production

    def event_at(self, production: ProductionId, seq: int) -> Event | None:
        """The event at log position ``seq`` when it is one of ``production``'s."""
        entry = self.conn.execute(
            select(ledger_entries.c.entry)
            .join(events, events.c.seq == ledger_entries.c.idx)
            .where(events.c.seq == seq, events.c.production == production)
        ).scalar()
        if entry is None:
            return None
        position, event = decode_entry(bytes(entry))
        return event if position == seq and event.production == production else None

    def production_exists(self, production: ProductionId) -> bool:
        """True when the production has at least one event."""
        return self._last_seq(production) >= 0

    def state(self, production: ProductionId) -> ProductionState:
        """The production's state as of its newest committed event.

        The events read are bounded by the newest position read first: on PostgreSQL a
        read transaction (READ COMMITTED) sees each statement's own snapshot, so events
        another process commits between the two statements would otherwise enter a state
        cached under the older position and be applied a second time by the next read.
        """
        last = self._last_seq(production)
        cached = self._cache.get(production)
        if cached is not None and cached[0] == last:
            return cached[1]
        if cached is not None and cached[0] < last:
            seq, state = cached
        else:
            seq, state = self._snapshot(production, last)
        rows = self.conn.execute(
            select(ledger_entries.c.entry)
            .join(events, events.c.seq == ledger_entries.c.idx)
            .where(events.c.production == production, events.c.seq > seq, events.c.seq <= last)
            .order_by(events.c.seq)
            .execution_options(yield_per=2000)
        )
        for (entry,) in rows:
            _, event = decode_entry(bytes(entry))
            state = apply(state, event)
        self._cache.put(production, last, state)
        return state

    def _snapshot(self, production: ProductionId, last: int) -> tuple[int, ProductionState]:
        row = self.conn.execute(
            select(snapshots.c.seq, snapshots.c.format, snapshots.c.state).where(
                snapshots.c.production == production
            )
        ).first()
        if row is not None and row.format == SNAPSHOT_FORMAT and row.seq <= last:
            state = open_snapshot(snapshot_key(self._key), bytes(row.state))
            if state is not None:
                return int(row.seq), state
        return -1, empty_state(production)

    # -- writing --------------------------------------------------------------

    def begin(self, now: datetime) -> datetime:
        """Check the stored log extends the newest signed head; the commit's time."""
        if not self._write:
            raise RuntimeError("begin needs a write unit of work")
        try:
            self._ledger = SqlLedger(self.conn)
            self._base = self._ledger.prepare_commit(public_key_raw(self._key), ms_of(now))
        except LedgerError as exc:
            raise NotSigned(f"the server refuses to sign: {exc}") from None
        self._began_size = self._ledger.size()
        return from_ms(self._base.timestamp_ms)

    def appended(self) -> bool:
        """True once this transaction appended to the log since ``begin``."""
        return self._ledger is not None and self._ledger.size() != self._began_size

    @contextmanager
    def isolated(self) -> Iterator[None]:
        """A savepoint: the block's writes are undone alone when it raises.

        ``GroupBroken`` when the block had appended to the log: the ledger's batch (its
        size and hashes, kept in memory until ``seal``) no longer matches the database.
        """
        size = self._ledger.size() if self._ledger is not None else None
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException as exc:
            broke = self._ledger is not None and self._ledger.size() != size
            nested.rollback()
            if broke:
                raise GroupBroken(f"a job failed after appending to the log: {exc}") from exc
            raise
        nested.commit()

    def accounts(self) -> SqlAccountStore:
        """The accounts in this same transaction; their security records join its batch."""
        if self._ledger is None:
            raise RuntimeError("call begin first")
        recorder = SecurityRecorder(self.conn, self._key, self._channel, batch=self._ledger)
        return SqlAccountStore(self.conn, recorder)

    def index_mark(self, production: ProductionId) -> IndexMark:
        """Where the production's subject index stands."""
        return subject_index_store.index_mark(self.conn, production, self._last.get(production))

    def write_subject_index(self, production: ProductionId, at: datetime) -> int:
        """Append subject-index records for the production's entries not indexed yet."""
        if self._base is None or self._ledger is None:
            raise RuntimeError("call begin first")
        return subject_index_store.write_subject_index(self.conn, production, at, self._ledger)

    def append(
        self,
        before: ProductionState,
        new_events: Sequence[Event],
        after: ProductionState,
        channel: Channel,
    ) -> list[int]:
        """Append ledger entries, index rows and read-table rows for ``new_events``."""
        if not self._write:
            raise RuntimeError("append needs a write unit of work")
        if self._base is None or self._ledger is None:
            raise RuntimeError("call begin first")
        if not new_events:
            return []
        ledger = self._ledger
        size = ledger.size()
        entries = [encode_entry(size + i, e, channel) for i, e in enumerate(new_events)]
        seqs = ledger.append(entries)
        self._last[after.production] = seqs[-1]
        run_on_driver(
            self.conn,
            _INSERT_EVENTS,
            [
                {
                    "seq": seq,
                    "production": e.production,
                    "type": e.type_name,
                    "version": e.version,
                    "at": e.at.isoformat(),
                }
                for seq, e in zip(seqs, new_events, strict=True)
            ],
        )
        ref_rows = [
            {"production": e.production, "ref": ref, "seq": seq}
            for seq, e in zip(seqs, new_events, strict=True)
            for ref in sorted(refs(e))
        ]
        if ref_rows:
            run_on_driver(self.conn, _INSERT_REFS, ref_rows)
        write_views(self.conn, before, after, seqs[-1])
        self._pending.append((after.production, seqs[-1], after))
        if after.event_count // SNAPSHOT_EVERY != before.event_count // SNAPSHOT_EVERY:
            self._save_snapshot(after, seqs[-1])
        return seqs

    def _save_snapshot(self, state: ProductionState, seq: int) -> None:
        self.conn.execute(delete(snapshots).where(snapshots.c.production == state.production))
        self.conn.execute(
            insert(snapshots).values(
                production=state.production,
                seq=seq,
                format=SNAPSHOT_FORMAT,
                state=seal_snapshot(snapshot_key(self._key), state),
            )
        )

    def confirmations(self) -> SqlConfirmationStore:
        """Challenges and confirmations in this same transaction."""
        return SqlConfirmationStore(self.conn)

    def photos(self) -> SqlPhotoStore:
        """Weapon photos' bytes in this same transaction."""
        return SqlPhotoStore(self.conn)

    def seal(self, at: datetime) -> SignedTreeHead:
        """Append the commit record and sign and store the head over the whole log."""
        if self._base is None or self._ledger is None:
            raise RuntimeError("call begin first")
        if ms_of(at) != self._base.timestamp_ms:
            raise ValueError("seal with the time begin gave")
        return self._ledger.seal(self._base, self._key)

    def commit(self) -> None:
        """Commit; then let the cache move on to the new states."""
        assert self._tx is not None
        self._tx.commit()
        for production, seq, state in self._pending:
            self._cache.put(production, seq, state)
        self._pending.clear()


_INSERT_EVENTS = insert(events)
_INSERT_REFS = insert(event_refs)
_LAST_SEQ_OF = (
    update(productions)
    .where(productions.c.id == bindparam("p_id"))
    .values(last_seq=bindparam("p_last"))
)


@functools.cache
def _upsert_statement(table: Table, dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` every other column (one statement)."""
    from sqlalchemy.dialects import postgresql, sqlite

    stmt = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    key = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=key,
        set_={c.name: stmt.excluded[c.name] for c in table.c if c.name not in key},
    )


def write_views(
    conn: Connection, before: ProductionState, after: ProductionState, seq: int
) -> None:
    """Bring the read tables of one production from ``before`` to ``after``."""
    pid = after.production
    if after.info is not None and after.info is before.info:
        run_on_driver(conn, _LAST_SEQ_OF, {"p_id": pid, "p_last": seq})
    elif after.info is not None:
        _upsert(conn, productions, [views.production_row(after, seq)])
    if after.roles is not before.roles or after.people is not before.people:
        conn.execute(delete(memberships).where(memberships.c.production == pid))
        rows = views.membership_rows(after)
        if rows:
            conn.execute(insert(memberships), rows)
    _upsert(
        conn,
        weapon_view,
        [views.weapon_row(after, w) for w in views.changed_weapons(before, after)],
    )
    _upsert(
        conn, lot_view, [views.lot_row(after, lot) for lot in views.changed_lots(before, after)]
    )


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Write whole rows, replacing any with the same primary key (one ``executemany``)."""
    if rows:
        run_on_driver(conn, _upsert_statement(table, conn.dialect.name), rows)


class SqlUnitOfWorkFactory:
    """Opens :class:`SqlUnitOfWork` transactions sharing one state cache."""

    def __init__(self, engine: Engine, key: Ed25519PrivateKey, channel: str = "server") -> None:
        self.engine = engine
        self.key = key
        self.cache = StateCache()
        self.channel = channel
        """The program the security records of the group's account jobs name."""

    def __call__(self, *, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.key, self.cache, write=write, channel=self.channel)

    def active_states(self) -> list[ProductionState]:
        """States of the productions this process has served (no database work)."""
        return self.cache.states()
