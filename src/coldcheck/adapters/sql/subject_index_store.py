"""The subject index in SQL: where a production's index stands, and writing the next records.

The records are computed from the production's entries themselves (decoded, their typed
ids read by ``service.envelope.refs``) — never from ``event_refs`` — and appended to the
ledger in the caller's transaction; the ``subject_index`` table is their derived index.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql.evidence_tables import subject_index
from coldcheck.adapters.sql.ledger_store import SqlLedger, ledger_entries, run_on_driver
from coldcheck.adapters.sql.tables import events
from coldcheck.domain.ids import ProductionId
from coldcheck.ledger.records import IndexLink, SubjectIndexRecord
from coldcheck.service.envelope import decode_entry, refs
from coldcheck.service.ports import IndexMark
from coldcheck.service.subject_index import index_records

__all__ = ["index_mark", "index_row", "subject_index_records", "write_subject_index"]


_NEWEST = (
    select(subject_index.c.seq, subject_index.c.through, subject_index.c.timestamp_ms)
    .where(subject_index.c.production == bindparam("production"))
    .order_by(subject_index.c.seq.desc())
    .limit(1)
)
LAST_SEQ = select(func.max(events.c.seq)).where(events.c.production == bindparam("production"))


def index_mark(
    conn: Connection, production: ProductionId, last_seq: int | None = None
) -> IndexMark:
    """The production's newest index record and newest event (two indexed reads).

    ``last_seq``: the newest event's position when the caller read it in this same
    write transaction (then one read).
    """
    row = run_on_driver(conn, _NEWEST, {"production": production}).first()
    if last_seq is None:
        last = run_on_driver(conn, LAST_SEQ, {"production": production}).scalar()
    else:
        last = last_seq
    link = None if row is None else IndexLink(int(row[0]), int(row[1]), int(row[2]))
    return IndexMark(link, -1 if last is None else int(last))


def index_row(record: SubjectIndexRecord) -> dict[str, object]:
    """The ``subject_index`` row of a record."""
    return {
        "seq": record.seq,
        "production": record.production,
        "first": record.first,
        "through": record.through,
        "timestamp_ms": record.timestamp,
    }


def write_subject_index(
    conn: Connection, production: ProductionId, at: datetime, ledger: SqlLedger | None = None
) -> int:
    """Append the production's subject-index records up to its newest entry; how many.

    ``ledger``: the commit's own :class:`SqlLedger` (between its ``prepare_commit`` and
    ``seal`` every append of the transaction must go through it).
    """
    mark = index_mark(conn, production)
    covered = mark.last.through if mark.last is not None else -1
    rows = conn.execute(
        select(events.c.seq, ledger_entries.c.entry)
        .join(ledger_entries, ledger_entries.c.idx == events.c.seq)
        .where(events.c.production == production, events.c.seq > covered)
        .order_by(events.c.seq)
        .execution_options(yield_per=2000)
    )
    items = []
    for seq, entry in rows:
        position, event = decode_entry(bytes(entry))
        if position != int(seq) or event.production != production:
            raise ValueError(f"entry {seq} is not the event the index says it is")
        items.append((position, refs(event)))
    ledger = ledger if ledger is not None else SqlLedger(conn)
    records = index_records(ledger.size(), production, at, mark.last, items, mark.last_seq)
    ledger.append(records)
    parsed = [SubjectIndexRecord.from_fields(json.loads(r)) for r in records]
    conn.execute(insert(subject_index), [index_row(r) for r in parsed])
    return len(records)


def subject_index_records(conn: Connection, production: ProductionId) -> list[SubjectIndexRecord]:
    """Every index record of the production, oldest first (read from the ledger)."""
    seqs = [
        int(s)
        for (s,) in conn.execute(
            select(subject_index.c.seq)
            .where(subject_index.c.production == production)
            .order_by(subject_index.c.seq)
        )
    ]
    out: list[SubjectIndexRecord] = []
    for entry in SqlLedger(conn).entries_at(seqs):
        out.append(SubjectIndexRecord.from_fields(json.loads(entry.entry)))
    return out
