"""The ledger in SQL: entries, stored perfect-subtree hashes and signed heads.

Portable SQLAlchemy 2 Core for SQLite and PostgreSQL. :class:`SqlLedger`
works on a ``Connection`` whose transaction the caller owns — the service
appends events and their ledger leaves in one transaction — and never
commits.

Tables (on the shared ``tables.metadata``):

``ledger_entries(idx, entry, leaf_hash)``
    one row per leaf, ``idx`` 0-based and contiguous; ``entry`` is the exact
    canonical bytes that were hashed, ``leaf_hash`` = SHA-256(0x00 || entry).
``ledger_nodes(level, idx, hash)``
    every perfect subtree of two or more leaves (``level >= 1``), written once
    when its last leaf is appended (see :mod:`coldcheck.ledger.tree`).
    **Level 0 is not stored here**: leaf hashes are read from
    ``ledger_entries.leaf_hash`` (one copy, so an append writes about two
    rows per entry, not three). A root or a proof is still one statement: a
    ``UNION ALL`` of point lookups on both primary keys.
``ledger_heads(tree_size, root_hash, timestamp_ms, signature, log_id)``
    every signed tree head, one per tree size, never updated.

Committing (see :mod:`coldcheck.ledger.chain`): :meth:`SqlLedger.prepare_commit` checks
that the stored log is exactly the tree of the newest signed head and picks the commit's
time; :meth:`SqlLedger.append` writes the batch; :meth:`SqlLedger.seal` appends the commit
record naming the previous head and signs the head over it. A single writer calls
``prepare_commit`` and ``seal`` once per group.

Costs: ``append`` of k entries reads O(log n) node rows and writes k entries
and < k nodes; ``root``, ``inclusion_proof`` and ``consistency_proof`` read
O(log n) node rows in a single query. Nothing ever scans the log except
``coldcheck.adapters.sql.ledger_verify.verify_store``.

On SQLite, ``ledger_entries.idx`` is an ``INTEGER PRIMARY KEY`` (the rowid)
and ``ledger_nodes`` is a ``WITHOUT ROWID`` table; both are DDL hints that
PostgreSQL ignores (there ``idx`` is ``BIGINT``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    BigInteger,
    Column,
    CompoundSelect,
    Dialect,
    Integer,
    LargeBinary,
    Row,
    Select,
    SmallInteger,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from coldcheck.adapters.sql.tables import metadata
from coldcheck.ledger.chain import check_extends, commit_time
from coldcheck.ledger.errors import LedgerError, OutOfRange
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import SignedTreeHead, log_id_for, sign_head
from coldcheck.ledger.merkle_log import MerkleLog
from coldcheck.ledger.records import commit_record
from coldcheck.ledger.tree import NodeId

__all__ = [
    "LEDGER_TABLES",
    "MAX_ENTRIES_PER_READ",
    "CommitBase",
    "DriverStatement",
    "SqlLedger",
    "StoredEntry",
    "driver_statement",
    "ledger_entries",
    "ledger_heads",
    "ledger_nodes",
    "run_on_driver",
]

_Index = BigInteger().with_variant(Integer(), "sqlite")

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("entry", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
)

ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("timestamp_ms", BigInteger, nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    Column("log_id", LargeBinary(32), nullable=False),
)

LEDGER_TABLES = (ledger_entries, ledger_nodes, ledger_heads)
"""The ledger's tables, for ``metadata.create_all(conn, tables=LEDGER_TABLES)``."""

MAX_ENTRIES_PER_READ = 1000
"""Most entries :meth:`SqlLedger.entries` returns at once (the HTTP limit)."""


@dataclass(frozen=True)
class CommitBase:
    """Where a commit starts: the newest signed head (checked), the log's size, its time (ms)."""

    newest: SignedTreeHead | None
    size: int
    timestamp_ms: int


@dataclass(frozen=True)
class StoredEntry:
    """One ledger entry as stored: its index, exact bytes and leaf hash."""

    index: int
    entry: bytes
    leaf_hash: bytes


def head_from_row(row: Row[tuple[int, bytes, int, bytes, bytes]]) -> SignedTreeHead:
    """A ``SignedTreeHead`` from a ``ledger_heads`` row (raises ``MalformedHead``)."""
    tree_size, root_hash, timestamp_ms, signature, log_id = row
    return SignedTreeHead(
        log_id=bytes(log_id),
        tree_size=int(tree_size),
        root_hash=bytes(root_hash),
        timestamp=int(timestamp_ms),
        signature=bytes(signature),
    )


_HEAD_COLUMNS = (
    ledger_heads.c.tree_size,
    ledger_heads.c.root_hash,
    ledger_heads.c.timestamp_ms,
    ledger_heads.c.signature,
    ledger_heads.c.log_id,
)


@functools.cache
def _lookup(
    leaves: int, inner: int
) -> CompoundSelect[tuple[int, int, bytes]] | Select[tuple[int, int, bytes]]:
    """One statement reading ``leaves`` leaf hashes and ``inner`` interior nodes by key.

    Point lookups OR-ed together use the primary keys on SQLite and PostgreSQL
    (a row-value ``IN`` does not on SQLite). Cached per shape.
    """
    parts: list[Select[tuple[int, int, bytes]]] = []
    if leaves:
        e = ledger_entries.c
        parts.append(
            select(literal_column("0", SmallInteger).label("level"), e.idx, e.leaf_hash).where(
                e.idx.in_([bindparam(f"l{i}") for i in range(leaves)])
            )
        )
    if inner:
        n = ledger_nodes.c
        parts.append(
            select(n.level, n.idx, n.hash).where(
                or_(
                    *(
                        and_(n.level == bindparam(f"a{i}"), n.idx == bindparam(f"b{i}"))
                        for i in range(inner)
                    )
                )
            )
        )
    return union_all(*parts) if len(parts) == 2 else parts[0]


_SIZE = select(func.max(ledger_entries.c.idx))
_LATEST_HEAD = select(*_HEAD_COLUMNS).order_by(ledger_heads.c.tree_size.desc()).limit(1)
_INSERT_HEAD = insert(ledger_heads)


class DriverStatement:
    """A Core statement compiled once for one dialect, run on the DBAPI driver directly.

    The ledger's two hot paths — appends and the full verify scan — spend more
    time in SQLAlchemy's per-row parameter and result processing than in the
    database. SQLAlchemy still writes the SQL (so it stays portable); the
    plain values go to, and come from, the driver. Use only with columns whose
    values the driver returns as-is (integers and bytes).
    """

    def __init__(self, stmt: ClauseElement, dialect: Dialect) -> None:
        self.compiled = cast(SQLCompiler, stmt.compile(dialect=dialect))
        self.sql = str(self.compiled)
        positional = self.compiled.positional and self.compiled.positiontup
        self.order = tuple(self.compiled.positiontup or ()) if positional else None

    def params(self, values: Mapping[str, object]) -> Any:
        """Driver parameters for ``values`` (tuple or dict, as the driver's paramstyle wants)."""
        full = self.compiled.construct_params(dict(values))
        assert full is not None
        if self.order is None:
            return full
        return tuple(full[name] for name in self.order)


@functools.lru_cache(maxsize=256)
def driver_statement(stmt: ClauseElement, dialect: Dialect) -> DriverStatement:
    """:class:`DriverStatement` for ``stmt`` on ``dialect``, compiled once."""
    return DriverStatement(stmt, dialect)


def run_on_driver(
    conn: Connection,
    stmt: ClauseElement,
    params: Mapping[str, object] | Sequence[Mapping[str, object]],
) -> Any:
    """Run ``stmt`` (compiled once per dialect) on the driver; a list of parameters is one
    ``executemany`` (never empty). The driver's cursor result: plain tuples, no type
    processing, so only for integers, text, booleans and bytes (see :class:`DriverStatement`).
    """
    ds = driver_statement(stmt, conn.dialect)
    if isinstance(params, Mapping):
        return conn.exec_driver_sql(ds.sql, ds.params(params))
    rows = [ds.params(p) for p in params]
    return conn.exec_driver_sql(ds.sql, rows if len(rows) > 1 else rows[0])


def _insert_rows(conn: Connection, table: Table, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert rows (tuples in table column order) with one driver ``executemany``.

    See :class:`DriverStatement`.
    """
    ds = driver_statement(_INSERTS[table.name], conn.dialect)
    names = tuple(table.c.keys())
    if ds.order is None:
        params: Sequence[Any] = [dict(zip(names, row, strict=True)) for row in rows]
    elif ds.order == names:
        params = rows
    else:
        params = [tuple(dict(zip(names, row, strict=True))[n] for n in ds.order) for row in rows]
    conn.exec_driver_sql(ds.sql, params if len(params) > 1 else params[0])


_INSERTS = {t.name: insert(t) for t in (ledger_entries, ledger_nodes)}

_SIGNED_HERE: dict[bytes, SignedTreeHead] = {}
"""Per log id, the newest head this process signed (``seal``), committed or not.

``prepare_commit`` checks the newest stored head's signature unless that head is equal,
field for field and signature included, to the one here for the same log id: this process
made that signature with the log's key, and Ed25519 signing is deterministic, so the check
could only pass. A head row changed in any way, another process's head, or a head from
before this process started is checked as before. (A dict's get and set hold the GIL.)
"""


class SqlLedger:
    """The RFC 9162 log stored in SQL, on a connection whose transaction the caller owns.

    Typical use (the service, in the same transaction as its events)::

        with engine.begin() as conn:
            ledger = SqlLedger(conn)
            base = ledger.prepare_commit(public_key, clock_ms)
            ledger.append([canonical_json(envelope) for envelope in new_events])
            ledger.seal(base, private_key)

    Two writers appending at once both try to insert the same ``idx``: the
    second fails on the primary key (``IntegrityError``) and its transaction
    must be retried. On SQLite, ``BEGIN IMMEDIATE`` serialises writers first.

    Also a :class:`~coldcheck.ledger.proofs.HashReader` over the stored hashes.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._log = MerkleLog(self)
        # Between prepare_commit and seal this instance is the only writer of the log on
        # its connection (the caller holds the write lock), so it knows the size and keeps
        # every hash it read or wrote: the commit then reads the log's size once and the
        # compact range once. Outside a commit both are None and every call reads.
        self._size: int | None = None
        self._known: dict[NodeId, bytes] | None = None

    # -- HashReader ---------------------------------------------------------

    def get(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """The stored hashes of ``nodes``, in order; ``LedgerError`` if one is missing."""
        if not nodes:
            return []
        known = self._known
        wanted = list(dict.fromkeys(nodes))
        if known is not None:
            wanted = [n for n in wanted if n not in known]
            if not wanted:
                return [known[n] for n in nodes]
        leaves = [idx for level, idx in wanted if level == 0]
        inner = [(level, idx) for level, idx in wanted if level != 0]
        params: dict[str, int] = {f"l{i}": idx for i, idx in enumerate(leaves)}
        for i, (level, idx) in enumerate(inner):
            params[f"a{i}"] = level
            params[f"b{i}"] = idx
        ds = driver_statement(_lookup(len(leaves), len(inner)), self.conn.dialect)
        rows = self.conn.exec_driver_sql(ds.sql, ds.params(params)).all()
        found = {(int(level), int(idx)): bytes(h) for level, idx, h in rows}
        if known is not None:
            known.update(found)
            found = known
        try:
            return [found[n] for n in nodes]
        except KeyError as exc:
            raise LedgerError(f"stored node {exc.args[0]} is missing") from None

    # -- reading -------------------------------------------------------------

    def size(self) -> int:
        """Number of entries in the log (one indexed read; none during a commit)."""
        if self._size is not None:
            return self._size
        ds = driver_statement(_SIZE, self.conn.dialect)
        last = self.conn.exec_driver_sql(ds.sql, ds.params({})).scalar()
        return 0 if last is None else int(last) + 1

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` entries (default: all of them)."""
        current = self.size()
        size = current if size is None else size
        if not 0 <= size <= current:
            raise OutOfRange(f"tree size {size} is beyond the log's {current} entries")
        return self._log.root(size)

    def entries(self, start: int, end: int) -> list[StoredEntry]:
        """Entries with ``start <= index < end`` (end exclusive), at most ``MAX_ENTRIES_PER_READ``.

        The HTTP API's inclusive ``end`` is ``end + 1`` here. Raises
        ``OutOfRange`` if ``start`` is negative, ``end < start`` or the range
        is longer than ``MAX_ENTRIES_PER_READ``; a range past the end of the
        log is cut short.
        """
        if start < 0 or end < start:
            raise OutOfRange(f"invalid entry range [{start}, {end})")
        if end - start > MAX_ENTRIES_PER_READ:
            raise OutOfRange(f"at most {MAX_ENTRIES_PER_READ} entries at a time")
        rows = self.conn.execute(
            select(ledger_entries.c.idx, ledger_entries.c.entry, ledger_entries.c.leaf_hash)
            .where(ledger_entries.c.idx >= start, ledger_entries.c.idx < end)
            .order_by(ledger_entries.c.idx)
        )
        return [StoredEntry(int(i), bytes(e), bytes(h)) for i, e, h in rows]

    def entries_at(self, indices: Iterable[int]) -> list[StoredEntry]:
        """The entries at ``indices`` (any order; duplicates once), sorted by index.

        Raises ``OutOfRange`` if any index is not in the log.
        """
        wanted = sorted(set(indices))
        found: list[StoredEntry] = []
        c = ledger_entries.c
        for start in range(0, len(wanted), MAX_ENTRIES_PER_READ):
            batch = wanted[start : start + MAX_ENTRIES_PER_READ]
            rows = self.conn.execute(
                select(c.idx, c.entry, c.leaf_hash).where(c.idx.in_(batch)).order_by(c.idx)
            )
            found.extend(StoredEntry(int(i), bytes(e), bytes(h)) for i, e, h in rows)
        missing = sorted(set(wanted) - {s.index for s in found})
        if missing:
            raise OutOfRange(f"no entry {missing[0]} in the log")
        return found

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 audit path of entry ``index`` in the tree of ``size`` entries (default: all)."""
        current = self.size()
        size = current if size is None else size
        if not 0 <= index < size <= current:
            raise OutOfRange(f"no entry {index} in a tree of {size} (log has {current})")
        return self._log.inclusion_proof(index, size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 consistency proof between tree sizes ``first <= second``."""
        current = self.size()
        if not 0 <= first <= second <= current:
            raise OutOfRange(f"no consistency proof from {first} to {second} (log has {current})")
        return self._log.consistency_proof(first, second)

    def latest_head(self) -> SignedTreeHead | None:
        """The signed head with the largest tree size, or None if none was signed yet."""
        row = run_on_driver(self.conn, _LATEST_HEAD, {}).first()
        return None if row is None else head_from_row(row)

    def latest_head_before(self, timestamp_ms: int) -> SignedTreeHead | None:
        """The largest head signed strictly before ``timestamp_ms`` (a day's closing head)."""
        row = self.conn.execute(
            select(*_HEAD_COLUMNS)
            .where(ledger_heads.c.timestamp_ms < timestamp_ms)
            .order_by(ledger_heads.c.tree_size.desc())
            .limit(1)
        ).first()
        return None if row is None else head_from_row(row)

    def head_at(self, tree_size: int) -> SignedTreeHead | None:
        """The signed head for exactly ``tree_size`` entries, if one was stored."""
        row = self.conn.execute(
            select(*_HEAD_COLUMNS).where(ledger_heads.c.tree_size == tree_size)
        ).first()
        return None if row is None else head_from_row(row)

    def heads(self, batch: int = 500) -> Iterator[SignedTreeHead]:
        """Every stored head in tree-size order, read ``batch`` rows at a time."""
        after = -1
        while True:
            rows = self.conn.execute(
                select(*_HEAD_COLUMNS)
                .where(ledger_heads.c.tree_size > after)
                .order_by(ledger_heads.c.tree_size)
                .limit(batch)
            ).all()
            for row in rows:
                yield head_from_row(row)
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    # -- writing -------------------------------------------------------------

    def append(self, entries: Sequence[bytes]) -> list[int]:
        """Append entries (exact bytes) and the nodes they complete; returns their indices."""
        if not entries:
            return []
        size = self.size()
        hashes = [leaf_hash(e) for e in entries]
        _insert_rows(
            self.conn,
            ledger_entries,
            [(size + i, e, h) for i, (e, h) in enumerate(zip(entries, hashes, strict=True))],
        )
        created = self._log.append_nodes(size, hashes)
        nodes = [(level, idx, h) for (level, idx), h in created if level > 0]
        if nodes:
            nodes.sort()  # key order: consecutive inserts land on the same b-tree page
            _insert_rows(self.conn, ledger_nodes, nodes)
        if self._size is not None:
            self._size = size + len(entries)
        if self._known is not None:
            self._known.update(created)
        return list(range(size, size + len(entries)))

    def prepare_commit(self, public_key: bytes, clock_ms: int) -> CommitBase:
        """Check the log may be extended and pick the commit's time (before appending).

        Raises ``DoesNotExtend`` when the stored entries are not exactly the tree of the
        newest signed head (written, changed or deleted outside coldcheck, or a head
        deleted) and ``ClockBehind`` when the clock reads well before that head. O(log n):
        three reads (the newest head, the size, the compact range). Until :meth:`seal`,
        this instance then keeps the size and the hashes it reads or writes (see
        ``__init__``): the caller holds the write lock and appends through it only.
        """
        self._size = self._known = None
        newest = self.latest_head()
        size = self.size()
        self._known = {}
        root = None
        if newest is not None and newest.tree_size <= size:
            root = self._log.root(newest.tree_size)
        signed_here = newest is not None and _SIGNED_HERE.get(log_id_for(public_key)) == newest
        check_extends(newest, size, root, public_key, signature_known=signed_here)
        self._size = size
        return CommitBase(newest, size, commit_time(clock_ms, newest))

    def seal(self, base: CommitBase, private_key: Ed25519PrivateKey) -> SignedTreeHead:
        """End the commit: append its commit record, sign and store the head over it.

        ``base`` is what :meth:`prepare_commit` returned in this transaction; the entries
        appended since are the batch (at least one).
        """
        size = self.size()
        if size <= base.size:
            raise LedgerError("nothing was appended since prepare_commit: there is nothing to seal")
        self.append([commit_record(size, base.timestamp_ms, base.newest)])
        head = sign_head(private_key, size + 1, self._log.root(size + 1), base.timestamp_ms)
        self._store_head(head)
        _SIGNED_HERE[head.log_id] = head
        self._size = self._known = None
        return head

    def _store_head(self, head: SignedTreeHead) -> None:
        run_on_driver(
            self.conn,
            _INSERT_HEAD,
            {
                "tree_size": head.tree_size,
                "root_hash": head.root_hash,
                "timestamp_ms": head.timestamp,
                "signature": head.signature,
                "log_id": head.log_id,
            },
        )

    def sign_and_store_head(
        self, private_key: Ed25519PrivateKey, timestamp_ms: int
    ) -> SignedTreeHead:
        """Sign the current size and root *without* a commit record (a legacy head).

        Kept for logs written before commit records (tests build such logs with it);
        everything coldcheck commits now goes through :meth:`prepare_commit` and
        :meth:`seal`.

        If the newest stored head already covers every entry it is returned
        unchanged (heads are never rewritten). Before signing, the previous
        head's root is recomputed from stored nodes (O(log n)); if it differs
        the log was tampered with and ``LedgerError`` is raised instead of
        signing over it.
        """
        size = self.size()
        latest = self.latest_head()
        if latest is not None:
            if latest.tree_size > size:
                raise LedgerError(
                    f"newest head covers {latest.tree_size} entries but only {size} are stored"
                )
            if self._log.root(latest.tree_size) != latest.root_hash:
                raise LedgerError(
                    f"stored nodes disagree with the signed head at tree size {latest.tree_size}"
                )
            if latest.tree_size == size:
                return latest
        head = sign_head(private_key, size, self._log.root(size), timestamp_ms)
        self._store_head(head)
        return head
