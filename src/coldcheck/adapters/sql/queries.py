"""SQL implementation of the read model (``service.queries.ReadModel``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Row, bindparam, select
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql.account_store import auth_events, users
from coldcheck.adapters.sql.ledger_store import SqlLedger, ledger_entries
from coldcheck.adapters.sql.subject_index_store import subject_index_records
from coldcheck.adapters.sql.tables import event_refs, events, memberships, productions
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.ledger.errors import LedgerError, OutOfRange
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.ledger.records import (
    COMMIT,
    SUBJECT_INDEX,
    SubjectIndexRecord,
    is_event_entry,
    parse_record,
)
from coldcheck.service.envelope import decode_entry_with_channel
from coldcheck.service.queries import (
    LedgerEntry,
    ProductionSummary,
    SecurityEvent,
    TimelineItem,
)

T = TypeVar("T")

# Built once: the per-request membership check only binds its two values (see membership_on).
_MEMBERSHIP_ON = (
    select(productions, memberships.c.roles)
    .join(memberships, memberships.c.production == productions.c.id)
    .where(
        memberships.c.person == bindparam("person"),
        memberships.c.production == bindparam("production"),
    )
)


def _summary(r: Row[Any]) -> ProductionSummary:
    """A production row joined with the person's ``roles`` (comma-separated, maybe empty)."""
    return ProductionSummary(
        ProductionId(r.id),
        r.title,
        r.company,
        r.location,
        r.time_zone,
        tuple(r.roles.split(",")) if r.roles else (),
    )


def _record_fields(entry: bytes) -> dict[str, Any]:
    """A record's fields; empty for an event or an entry that is neither (served to nobody)."""
    if is_event_entry(entry):
        return {}
    try:
        return parse_record(entry) or {}
    except LedgerError:
        return {}


class SqlReadModel:
    """Read-only queries, each in its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn, conn.begin():
            return fn(conn)

    def productions_for(self, person: PersonId) -> list[ProductionSummary]:
        """Productions on which ``person`` has a role."""
        q = (
            select(productions, memberships.c.roles)
            .join(memberships, memberships.c.production == productions.c.id)
            .where(memberships.c.person == person)
            .order_by(productions.c.title)
        )
        return self._read(lambda c: [_summary(r) for r in c.execute(q)])

    def membership_on(self, person: PersonId, production: ProductionId) -> ProductionSummary | None:
        """One production with ``person``'s roles on it; None without a membership row."""
        params = {"person": person, "production": production}
        row = self._read(lambda c: c.execute(_MEMBERSHIP_ON, params).first())
        return None if row is None else _summary(row)

    def all_productions(self) -> list[ProductionSummary]:
        """Every production on this server."""
        q = select(productions).order_by(productions.c.title)
        return self._read(
            lambda c: [
                ProductionSummary(
                    ProductionId(r.id), r.title, r.company, r.location, r.time_zone, ()
                )
                for r in c.execute(q)
            ]
        )

    def timeline(
        self, production: ProductionId, ref: str | None, limit: int = 500
    ) -> list[TimelineItem]:
        """The newest ``limit`` events of a production (about ``ref``), oldest first."""
        if ref is None:
            seqs = (
                select(events.c.seq)
                .where(events.c.production == production)
                .order_by(events.c.seq.desc())
                .limit(limit)
            )
        else:
            seqs = (
                select(event_refs.c.seq)
                .where(event_refs.c.production == production, event_refs.c.ref == ref)
                .order_by(event_refs.c.seq.desc())
                .limit(limit)
            )
        q = (
            select(ledger_entries.c.entry)
            .where(ledger_entries.c.idx.in_(seqs.scalar_subquery()))
            .order_by(ledger_entries.c.idx)
        )

        def run(c: Connection) -> list[TimelineItem]:
            out = []
            for (entry,) in c.execute(q):
                seq, event, channel = decode_entry_with_channel(bytes(entry))
                out.append(TimelineItem(seq, event, channel))
            return out

        return self._read(run)

    def ledger_size(self) -> int:
        """Entries in the log."""
        return self._read(lambda c: SqlLedger(c).size())

    def ledger_head(self) -> SignedTreeHead | None:
        """The newest signed head."""
        return self._read(lambda c: SqlLedger(c).latest_head())

    def ledger_head_before(self, timestamp_ms: int) -> SignedTreeHead | None:
        """The newest head signed before ``timestamp_ms``."""
        return self._read(lambda c: SqlLedger(c).latest_head_before(timestamp_ms))

    def ledger_head_at(self, tree_size: int) -> SignedTreeHead | None:
        """The head signed at exactly ``tree_size`` entries."""
        return self._read(lambda c: SqlLedger(c).head_at(tree_size))

    def ledger_entries(self, start: int, end: int) -> list[LedgerEntry]:
        """Entries ``start..end`` inclusive, each with its production."""

        def run(c: Connection) -> list[LedgerEntry]:
            stored = SqlLedger(c).entries(start, end + 1)
            owners = {
                seq: production
                for seq, production in c.execute(
                    select(events.c.seq, events.c.production).where(
                        events.c.seq >= start, events.c.seq <= end
                    )
                )
            }
            out = []
            for s in stored:
                owner, public = owners.get(s.index), False
                if owner is None:
                    fields = _record_fields(s.entry)
                    kind = fields.get("record")
                    public = kind == COMMIT
                    owner = str(fields.get("production", "")) if kind == SUBJECT_INDEX else ""
                out.append(LedgerEntry(s.index, s.entry, s.leaf_hash, ProductionId(owner), public))
            return out

        return self._read(run)

    def ledger_entries_at(self, indices: Sequence[int]) -> list[bytes]:
        """The exact bytes of the entries at ``indices``, in that order."""

        def run(c: Connection) -> list[bytes]:
            found = {e.index: e.entry for e in SqlLedger(c).entries_at(indices)}
            return [found[i] for i in indices]

        return self._read(run)

    def subject_index(self, production: ProductionId) -> list[SubjectIndexRecord]:
        """Every subject-index record of the production, oldest first."""
        return self._read(lambda c: subject_index_records(c, production))

    def security_events(
        self, start: datetime, end: datetime, kinds: Sequence[str]
    ) -> list[SecurityEvent]:
        """Security-log events of these kinds in [start, end], with the account's person."""
        a = auth_events.c
        q = (
            select(a.seq, a.at, a.kind, a.login, a.detail, users.c.person_id)
            .select_from(auth_events.outerjoin(users, users.c.id == a.user_id))
            .where(a.at >= start, a.at <= end, a.kind.in_(list(kinds)))
            .order_by(a.at, a.id)
            .limit(10_000)
        )
        return self._read(
            lambda c: [
                SecurityEvent(
                    None if r.seq is None else int(r.seq),
                    r.at,
                    r.kind,
                    r.login,
                    r.person_id,
                    r.detail,
                )
                for r in c.execute(q)
            ]
        )

    def ledger_root(self, tree_size: int) -> bytes:
        """The Merkle tree hash of the first ``tree_size`` entries."""
        return self._read(lambda c: SqlLedger(c).root(tree_size))

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """RFC 9162 audit path of ``index`` in the tree of ``tree_size``."""
        return self._read(lambda c: SqlLedger(c).inclusion_proof(index, tree_size))

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 consistency proof from ``first`` to ``second``."""
        return self._read(lambda c: SqlLedger(c).consistency_proof(first, second))

    def leaf_hash(self, index: int) -> bytes:
        """The stored leaf hash of entry ``index``."""

        def run(c: Connection) -> bytes:
            h = c.execute(
                select(ledger_entries.c.leaf_hash).where(ledger_entries.c.idx == index)
            ).scalar()
            if h is None:
                raise OutOfRange(f"no entry {index}")
            return bytes(h)

        return self._read(run)
