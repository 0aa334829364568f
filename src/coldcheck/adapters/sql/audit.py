"""The ``LedgerAudit`` port on SQL: re-check the whole stored log, rebuild what derives from it.

``verify`` re-hashes every entry and checks every signed head and the chain of
commits (``ledger_verify.verify_store``), then replays the log and compares the
event and subject indexes, read tables, snapshots, audit rows and accounts with
what the log says (``projections.check``), and hashes every weapon photo the log names
(``photo_store.photo_problems``: missing or altered bytes, which no rebuild can mend).
``rebuild`` writes the derived tables anew from the log. :func:`verify_connection` is the
same check on any connection (``restore`` runs it on the staged copy of a backup).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql import projections
from coldcheck.adapters.sql.engine import WRITE
from coldcheck.adapters.sql.ledger_store import SqlLedger
from coldcheck.adapters.sql.ledger_verify import verify_store
from coldcheck.adapters.sql.photo_store import photo_problems
from coldcheck.adapters.sql.store import snapshot_key
from coldcheck.ledger.heads import SignedTreeHead, public_key_raw
from coldcheck.service.ports import Anchor, Progress, VerifyOutcome

__all__ = ["SqlLedgerAudit", "verify_connection"]


def verify_connection(
    conn: Connection,
    key: Ed25519PrivateKey,
    trusted_head: SignedTreeHead | None = None,
    progress: Progress | None = None,
    anchors: Sequence[Anchor] = (),
) -> VerifyOutcome:
    """The whole check of ``coldcheck verify`` on one connection (read only)."""
    total = SqlLedger(conn).size()
    report = verify_store(
        conn,
        public_key_raw(key),
        trusted_head,
        progress=(lambda done, n: progress("ledger", done, n)) if progress else None,
        anchors=anchors,
    )
    if not report.ok:
        return VerifyOutcome(report, ())
    derived, replay = projections.check_with_replay(
        conn,
        snapshot_key(key),
        (lambda done: progress("replay", done, total)) if progress else None,
    )
    photos = photo_problems(conn, replay.states.values())
    return VerifyOutcome(report, tuple(derived), tuple(photos))


class SqlLedgerAudit:
    """Verify and rebuild one database's log with its signing key."""

    def __init__(
        self,
        engine: Engine,
        signing_key: Ed25519PrivateKey,
        on_rebuilt: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._key = signing_key
        self._on_rebuilt = on_rebuilt

    def verify(
        self,
        trusted_head: SignedTreeHead | None,
        progress: Progress | None = None,
        anchors: Sequence[Anchor] = (),
    ) -> VerifyOutcome:
        """Re-check the whole log, its heads, and the derived tables against a replay."""
        with self._engine.connect() as conn, conn.begin():
            return verify_connection(conn, self._key, trusted_head, progress, anchors)

    def rebuild(self) -> int:
        """Rebuild the event index, read tables and snapshots from the log; events replayed."""
        with self._engine.execution_options(**WRITE).begin() as conn:
            count = projections.rebuild(conn)
        self._on_rebuilt()
        return count
