"""The witness's memory, in one SQLite file: its name, the newest cosigned checkpoint per
origin, and the refused submissions that carried a valid log signature (fork evidence).

The newest checkpoint changes only by compare-and-swap (:meth:`WitnessStore.advance`): the
update names the size and root it expects to replace, so of two submissions decided against
the same state only one can win, and the loser cannot roll the state back (tlog-witness's
"check and persist atomically"). Every write is one transaction, ``synchronous=FULL`` in WAL
mode, committed before the witness answers. Each call opens its own connection, so the store
may be used from many threads (and processes) at once.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from coldcheck.witness.decision import LogState

__all__ = ["MAX_EVIDENCE_PER_ORIGIN", "Evidence", "HeldCheckpoint", "WitnessStore"]

MAX_EVIDENCE_PER_ORIGIN = 10_000
"""Distinct refused submissions kept per origin; past it they are counted, not kept."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS witness_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS witness_log (
    origin          TEXT PRIMARY KEY,
    tree_size       INTEGER NOT NULL CHECK (tree_size >= 0),
    root_hash       BLOB NOT NULL CHECK (length(root_hash) = 32),
    checkpoint_note BLOB NOT NULL,
    cosigned_at     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS witness_evidence (
    id             INTEGER PRIMARY KEY,
    origin         TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    status         INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    request_sha256 BLOB NOT NULL UNIQUE,
    request        BLOB NOT NULL,
    held_size      INTEGER NOT NULL,
    held_root      BLOB NOT NULL,
    held_note      BLOB,
    times_seen     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS witness_evidence_origin ON witness_evidence (origin, id);
"""


@dataclass(frozen=True)
class HeldCheckpoint:
    """The newest checkpoint cosigned for an origin, as kept."""

    origin: str
    tree_size: int
    root_hash: bytes
    checkpoint_note: bytes
    """The checkpoint with the log signatures verified and this witness's cosignature."""
    cosigned_at: int

    @property
    def state(self) -> LogState:
        """Size and root."""
        return LogState(self.tree_size, self.root_hash)


@dataclass(frozen=True)
class Evidence:
    """A refused submission with a valid log signature, and what the witness held then."""

    id: int
    origin: str
    received_at: int
    status: int
    reason: str
    request: bytes
    held_size: int
    held_root: bytes
    held_note: bytes | None
    times_seen: int


class WitnessStore:
    """The SQLite file of one witness."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def create(self, name: str) -> None:
        """Make the tables and record the witness name (refused if another name is there)."""
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        with self._write() as conn:
            row = conn.execute("SELECT value FROM witness_meta WHERE key = 'name'").fetchone()
            if row is not None and row[0] != name:
                raise ValueError(f"this witness is already named {row[0]!r}")
            conn.execute("INSERT OR IGNORE INTO witness_meta VALUES ('name', ?)", (name,))

    def name(self) -> str | None:
        """The witness name recorded at ``init``, or None if the file has none."""
        try:
            with self._connect() as conn:
                row = conn.execute("SELECT value FROM witness_meta WHERE key = 'name'").fetchone()
        except sqlite3.OperationalError:
            return None
        return None if row is None else str(row[0])

    def held(self, origin: str) -> HeldCheckpoint | None:
        """The newest checkpoint cosigned for ``origin``, or None if never."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT origin, tree_size, root_hash, checkpoint_note, cosigned_at"
                " FROM witness_log WHERE origin = ?",
                (origin,),
            ).fetchone()
        if row is None:
            return None
        return HeldCheckpoint(row[0], row[1], bytes(row[2]), bytes(row[3]), row[4])

    def all_held(self) -> list[HeldCheckpoint]:
        """Every origin's newest cosigned checkpoint, by origin."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT origin, tree_size, root_hash, checkpoint_note, cosigned_at"
                " FROM witness_log ORDER BY origin"
            ).fetchall()
        return [HeldCheckpoint(r[0], r[1], bytes(r[2]), bytes(r[3]), r[4]) for r in rows]

    def advance(self, expected: LogState | None, new: HeldCheckpoint) -> bool:
        """Replace the held checkpoint if it is still ``expected`` (None: none held yet).

        Never moves to a smaller size. False if another submission changed it first.
        """
        if expected is not None and new.tree_size < expected.tree_size:
            raise ValueError("a witness never rolls a log back to a smaller size")
        with self._write() as conn:
            if expected is None:
                cur = conn.execute(
                    "INSERT INTO witness_log VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (origin) DO NOTHING",
                    (
                        new.origin,
                        new.tree_size,
                        new.root_hash,
                        new.checkpoint_note,
                        new.cosigned_at,
                    ),
                )
            else:
                cur = conn.execute(
                    "UPDATE witness_log SET tree_size = ?, root_hash = ?, checkpoint_note = ?,"
                    " cosigned_at = ? WHERE origin = ? AND tree_size = ? AND root_hash = ?"
                    " AND tree_size <= ?",
                    (
                        new.tree_size,
                        new.root_hash,
                        new.checkpoint_note,
                        new.cosigned_at,
                        new.origin,
                        expected.tree_size,
                        expected.root_hash,
                        new.tree_size,
                    ),
                )
            return cur.rowcount == 1

    def keep_evidence(
        self,
        *,
        origin: str,
        received_at: int,
        status: int,
        reason: str,
        request: bytes,
        held: HeldCheckpoint | None,
        held_state: LogState,
    ) -> bool:
        """Keep a refused submission (once per distinct body; repeats are counted).

        False if the origin already has :data:`MAX_EVIDENCE_PER_ORIGIN` kept: then it is counted
        under ``evidence_dropped:<origin>`` in the meta table.
        """
        digest = hashlib.sha256(request).digest()
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE witness_evidence SET times_seen = times_seen + 1 WHERE request_sha256 = ?",
                (digest,),
            )
            if cur.rowcount == 1:
                return True
            (count,) = conn.execute(
                "SELECT count(*) FROM witness_evidence WHERE origin = ?", (origin,)
            ).fetchone()
            if count >= MAX_EVIDENCE_PER_ORIGIN:
                conn.execute(
                    "INSERT INTO witness_meta VALUES (?, '1') ON CONFLICT (key)"
                    " DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                    (f"evidence_dropped:{origin}",),
                )
                return False
            conn.execute(
                "INSERT INTO witness_evidence (origin, received_at, status, reason,"
                " request_sha256, request, held_size, held_root, held_note)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    origin,
                    received_at,
                    status,
                    reason,
                    digest,
                    request,
                    held_state.tree_size,
                    held_state.root_hash,
                    None if held is None else held.checkpoint_note,
                ),
            )
            return True

    def evidence(self, origin: str | None = None, *, limit: int = 1000) -> list[Evidence]:
        """Kept refusals, oldest first (of one origin, if given), at most ``limit``."""
        query = (
            "SELECT id, origin, received_at, status, reason, request, held_size, held_root,"
            " held_note, times_seen FROM witness_evidence"
        )
        args: tuple[object, ...] = ()
        if origin is not None:
            query += " WHERE origin = ?"
            args = (origin,)
        query += " ORDER BY id LIMIT ?"
        with self._connect() as conn:
            rows = conn.execute(query, (*args, max(0, min(limit, 100_000)))).fetchall()
        return [
            Evidence(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                bytes(r[5]),
                r[6],
                bytes(r[7]),
                None if r[8] is None else bytes(r[8]),
                r[9],
            )
            for r in rows
        ]
