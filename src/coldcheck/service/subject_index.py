"""The subject index: when to write it, what it says, which records cover a period (pure).

A *subject-index record* (``coldcheck.ledger.records``) lists, for one production and a
range of log positions, which positions concern each weapon, lot, container, incident
and person (the typed ids of ``domain.codec.event_refs``). Together they let a bundle
prove that it holds every entry about its subject in a period, not just some:

- **when**: at the start of the first commit of a production on a new local day (so each
  day's entries are indexed once the day is over), and when evidence is exported
  (so a bundle of today can be complete up to the export);
- **what**: every entry of the production after the previous index record, computed from
  the entries themselves (decoded), never from the derived tables;
- **which cover a period** ``[start, end]``: from the first record written at or after
  ``start`` (the one before it has a time ≤ start, so everything it covered came
  before the period) to the first *final* record written after ``end`` (everything of
  the production after it comes later still, since commit times strictly increase).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from coldcheck.ledger.chain import from_ms, ms_of
from coldcheck.ledger.records import (
    MAX_INDEX_POSITIONS,
    IndexLink,
    SubjectIndexRecord,
    subject_index_record,
)
from coldcheck.service.ports import IndexMark

__all__ = ["covering", "index_due", "index_records"]


def index_due(mark: IndexMark, at: datetime, tz: ZoneInfo) -> bool:
    """True when a commit at ``at`` should first index the production's earlier entries.

    That is: it has entries not indexed yet, and its newest index (if any) was written on
    an earlier local day than ``at``.
    """
    covered = mark.last.through if mark.last is not None else -1
    if mark.last_seq <= covered:
        return False
    if mark.last is None:
        return True
    return from_ms(mark.last.timestamp).astimezone(tz).date() < at.astimezone(tz).date()


def index_records(
    start_seq: int,
    production: str,
    at: datetime,
    previous: IndexLink | None,
    items: Sequence[tuple[int, frozenset[str]]],
    last_seq: int,
    max_positions: int = MAX_INDEX_POSITIONS,
) -> list[bytes]:
    """The records (to append at ``start_seq``, ``start_seq + 1``, ...) indexing ``items``.

    ``items`` are ``(position, subjects)`` of every entry of the production after
    ``previous`` (in order), ``last_seq`` its newest position. A range holding more than
    ``max_positions`` (subject, position) pairs is split into several records, chained;
    the last is ``final``.
    """
    first = previous.through + 1 if previous is not None else 0
    chunks: list[list[tuple[int, frozenset[str]]]] = [[]]
    pairs = 0
    for seq, subjects in items:
        if seq < first or seq > last_seq:
            raise ValueError(f"position {seq} is outside {first}..{last_seq}")
        if chunks[-1] and pairs + len(subjects) > max_positions:
            chunks.append([])
            pairs = 0
        chunks[-1].append((seq, subjects))
        pairs += len(subjects)
    timestamp = ms_of(at)
    out: list[bytes] = []
    link = previous
    for number, chunk in enumerate(chunks):
        final = number == len(chunks) - 1
        through = last_seq if final else chunk[-1][0]
        if final:
            through = max(through, first - 1)
        by_subject: dict[str, list[int]] = {}
        for seq, subjects in chunk:
            for ref in subjects:
                by_subject.setdefault(ref, []).append(seq)
        seq_here = start_seq + number
        out.append(
            subject_index_record(
                seq_here, production, timestamp, first, through, link, by_subject, final=final
            )
        )
        link = IndexLink(seq_here, through, timestamp)
        first = through + 1
    return out


def covering(
    records: Sequence[SubjectIndexRecord], start: datetime | None, end: datetime | None
) -> list[SubjectIndexRecord] | None:
    """The production's index records (oldest first) that cover ``[start, end]``.

    None when the newest final record is not after ``end`` (index first, then ask again).
    """
    begin = 0
    if start is not None:
        start_ms = ms_of(start)
        begin = next((i for i, r in enumerate(records) if r.timestamp >= start_ms), len(records))
    end_ms = None if end is None else ms_of(end)
    for last in range(begin, len(records)):
        r = records[last]
        if r.final and (end_ms is None or r.timestamp > end_ms):
            if end_ms is None and last != len(records) - 1:
                continue
            return list(records[begin : last + 1])
    return None
