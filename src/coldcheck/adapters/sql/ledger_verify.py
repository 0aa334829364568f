"""``verify_store``: re-check the whole stored ledger, streaming, in O(log n) memory.

What it checks, in one pass in index order (entries read in chunks):

1. entry indices are exactly 0, 1, ..., n-1 (a deleted or moved row shows up);
2. every entry's stored ``leaf_hash`` is SHA-256(0x00 || its bytes);
3. every stored interior node equals the hash recomputed from the entries,
   with a compact-range accumulator (:class:`CompactRange`), and no node is
   missing or left over;
4. every stored head's signature verifies with the public key, its log_id is
   this key's, and its root equals the root recomputed at its tree size —
   which also makes each head consistent with every earlier one;
5. the newest head covers exactly the stored entries (entries beyond it, or
   a head beyond them, mean entries were added outside the ledger or deleted);
6. if a ``trusted_head`` (saved outside the server) is given, its signature
   verifies and the log extends it: its size is at most n and its root equals
   the recomputed root at that size; the same for every ``anchor`` (a checkpoint
   a witness holds, or one printed on paper: its signature checked by the caller);
7. the chain of heads (``coldcheck.ledger.chain.ChainCheck``): every commit record
   names the head before it and is followed by its own head, signed at its time;
   no head stands where no commit ended; times never run backwards (before the
   first commit record — a log written by an older coldcheck — a time running
   backwards is a warning).

The first problem ends the run and is named in :attr:`VerifyReport.problem`,
e.g. ``entry 41: stored leaf hash does not match its bytes``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql.ledger_store import (
    SqlLedger,
    driver_statement,
    ledger_entries,
    ledger_nodes,
)
from coldcheck.ledger.chain import ChainBroken, ChainCheck
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.hashing import EMPTY_ROOT
from coldcheck.ledger.heads import SignedTreeHead, verify_head
from coldcheck.ledger.records import parse_record
from coldcheck.ledger.tree import CompactRange, NodeId, coverage
from coldcheck.service.ports import Anchor, Problem, VerifyReport

__all__ = ["CHUNK", "Problem", "VerifyReport", "verify_store"]

CHUNK = 8192
"""Entries read per query (a few MB). A power of two keeps interior-node queries small."""

Progress = Callable[[int, int], None]


class _Tampered(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _created_ranges(begin: int, end: int) -> list[tuple[int, int, int]]:
    """Per level >= 1, the node indices [lo, hi] completed by appending leaves [begin, end)."""
    out = []
    level = 1
    while (1 << level) <= end:
        lo = -(-(begin + 1) // (1 << level)) - 1
        hi = (end >> level) - 1
        if lo <= hi:
            out.append((level, lo, hi))
        level += 1
    return out


_ENTRY_CHUNK = (
    select(ledger_entries.c.idx, ledger_entries.c.entry, ledger_entries.c.leaf_hash)
    .where(ledger_entries.c.idx >= bindparam("start"))
    .order_by(ledger_entries.c.idx)
    .limit(bindparam("n"))
)


_NODE_RANGE = (
    select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash)
    .where(
        ledger_nodes.c.level == bindparam("level"),
        ledger_nodes.c.idx >= bindparam("lo"),
        ledger_nodes.c.idx <= bindparam("hi"),
    )
    .order_by(ledger_nodes.c.idx)
)


def _fetch(cursor: Any, conn: Connection, stmt: Select[Any], values: dict[str, int]) -> list[Any]:
    ds = driver_statement(stmt, conn.dialect)
    cursor.execute(ds.sql, ds.params(values))
    return list(cursor.fetchall())


_NODE_HASHES = (
    select(ledger_nodes.c.hash)
    .where(
        ledger_nodes.c.level == bindparam("level"),
        ledger_nodes.c.idx >= bindparam("lo"),
        ledger_nodes.c.idx <= bindparam("hi"),
    )
    .order_by(ledger_nodes.c.idx)
)

Ranges = list[tuple[int, int, int]]


def _stored_hashes(cursor: Any, conn: Connection, ranges: Ranges) -> list[list[bytes]]:
    """Per range of :func:`_created_ranges`, the stored hashes of its nodes in index order.

    (level, idx) is the key, so a range holds each of its nodes at most once: a list as
    long as the range is every node, in order. Anything else goes to :func:`_compare_nodes`.
    """
    return [
        [row[0] for row in _fetch(cursor, conn, _NODE_HASHES, {"level": lv, "lo": lo, "hi": hi})]
        for lv, lo, hi in ranges
    ]


def _stored_nodes(
    cursor: Any, conn: Connection, begin: int, end: int
) -> list[tuple[int, int, bytes]]:
    """Stored interior nodes completed by entries [begin, end), in (level, idx) order.

    One primary-key range scan per level: cheaper than one OR-ed query, which
    SQLite answers with a de-duplicating multi-index OR and a sort.
    """
    nodes: list[tuple[int, int, bytes]] = []
    for level, lo, hi in _created_ranges(begin, end):
        nodes.extend(_fetch(cursor, conn, _NODE_RANGE, {"level": level, "lo": lo, "hi": hi}))
    return nodes


def _expected_node_count(size: int) -> int:
    """Stored interior nodes (levels >= 1) of a log of ``size`` entries."""
    total, level = 0, 1
    while (size >> level) > 0:
        total += size >> level
        level += 1
    return total


class _Checkpoints:
    """Stored heads (in tree-size order) and the trusted head, checked as sizes are reached."""

    def __init__(
        self,
        ledger: SqlLedger,
        public_key: bytes,
        trusted: SignedTreeHead | None,
        anchors: Sequence[Anchor] = (),
    ) -> None:
        self._iter: Iterator[SignedTreeHead] = ledger.heads()
        self._key = public_key
        self.trusted = trusted
        self.anchors = list(anchors)
        if trusted is not None:
            self.anchors.append(Anchor(trusted.tree_size, trusted.root_hash, "the trusted head"))
        self.chain = ChainCheck()
        self.checked = 0
        self.latest: SignedTreeHead | None = None
        self.last_good_size = 0
        self.next: SignedTreeHead | None = None
        self._advance()

    def _advance(self) -> None:
        try:
            self.next = next(self._iter)
        except LedgerError as exc:  # a stored head row is malformed
            raise _Tampered(Problem(None, f"a stored tree head is malformed: {exc}")) from None
        except StopIteration:
            self.next = None

    def next_stop(self, after: int) -> int:
        """The next tree size greater than ``after`` at which something must be checked."""
        stops = [-1, *(a.tree_size for a in self.anchors)]
        if self.next is not None:
            stops.append(self.next.tree_size)
        expected = self.chain.expected_head
        if expected is not None:
            stops.append(expected)
        candidates = [s for s in stops if s > after]
        return min(candidates) if candidates else -1

    def check_at(self, size: int, root: bytes) -> None:
        """Check the stored head, the chain and the anchors for ``size`` entries, if any."""
        head = self.next
        if self.chain.expected_head == size and (head is None or head.tree_size != size):
            _chain(lambda: self.chain.missing_head(size))
        if head is not None and head.tree_size == size:
            try:
                verify_head(head, self._key)
            except LedgerError as exc:
                raise _Tampered(Problem(None, f"head at tree size {size}: {exc}")) from None
            if head.root_hash != root:
                first = self.last_good_size
                raise _Tampered(
                    Problem(
                        first,
                        f"do not match the signed head at tree size {size} (the head at "
                        f"size {first} still matches): one of them was changed, reordered "
                        "or replaced",
                        last=size - 1,
                    )
                )
            _chain(lambda: self.chain.head(head))
            self.checked += 1
            self.latest = head
            self.last_good_size = size
            self._advance()
        for anchor in self.anchors:
            if anchor.tree_size == size and anchor.root_hash != root:
                raise _Tampered(
                    Problem(
                        None,
                        f"the log does not extend {anchor.source} at tree size {size}: "
                        "an entry before it was changed (or the log was rewritten)",
                    )
                )


def _chain(step: Callable[[], None]) -> None:
    """Run a ``ChainCheck`` step; a break is the report's problem."""
    try:
        step()
    except ChainBroken as exc:
        raise _Tampered(Problem(exc.index, exc.what)) from None


def verify_store(
    conn: Connection,
    public_key_raw: bytes,
    trusted_head: SignedTreeHead | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    anchors: Sequence[Anchor] = (),
) -> VerifyReport:
    """Re-hash and re-check every stored entry, node and head; stop at the first problem.

    ``progress(done, total)`` is called after every chunk. Memory is
    O(chunk + log n). Never raises for a tampered store: the report names it.
    """
    ledger = SqlLedger(conn)
    total = ledger.size()
    cr = CompactRange()
    checks: _Checkpoints | None = None
    try:
        if trusted_head is not None:
            try:
                verify_head(trusted_head, public_key_raw)
            except LedgerError as exc:
                raise _Tampered(Problem(None, f"the trusted head: {exc}")) from None
            if trusted_head.tree_size > total:
                raise _Tampered(
                    Problem(
                        total,
                        f"missing: the trusted head covers {trusted_head.tree_size} entries "
                        f"but the log holds only {total} (newest entries deleted)",
                    )
                )
        for anchor in anchors:
            if anchor.tree_size > total:
                raise _Tampered(
                    Problem(
                        total,
                        f"missing: {anchor.source} covers {anchor.tree_size} entries but the"
                        f" log holds only {total} (newest entries deleted, or the log cut back)",
                    )
                )
        checks = _Checkpoints(ledger, public_key_raw, trusted_head, anchors)
        checks.check_at(0, EMPTY_ROOT)
        # The scan reads through the DBAPI cursor of this same connection and
        # transaction: SQLAlchemy's per-row result processing would cost more
        # than the hashing (see DriverStatement).
        cursor = conn.connection.cursor()
        try:
            while True:
                begin = cr.size
                rows = _fetch(cursor, conn, _ENTRY_CHUNK, {"start": begin, "n": chunk})
                if not rows:
                    break
                if int(rows[-1][0]) != begin + len(rows) - 1:
                    # Indices are unique and sorted, so some index in here was skipped.
                    for expected, row in enumerate(rows, start=begin):
                        if int(row[0]) != expected:
                            raise _Tampered(
                                Problem(
                                    expected, f"missing (the next stored entry is {int(row[0])})"
                                )
                            )
                end = begin + len(rows)
                ranges = _created_ranges(begin, end)
                stored = _stored_hashes(cursor, conn, ranges)
                _walk(
                    cr,
                    checks,
                    ranges,
                    stored,
                    rows,
                    lambda: _stored_nodes(cursor, conn, begin, end),  # noqa: B023 (called now)
                )
                if progress is not None:
                    progress(cr.size, total)
        finally:
            cursor.close()
        checked = cr.size
        _chain(lambda: checks.chain.finish(checked))
        if checks.next is not None:
            raise _Tampered(
                Problem(
                    checked,
                    f"missing: a signed head covers {checks.next.tree_size} entries but only "
                    f"{checked} are stored (newest entries deleted)",
                )
            )
        if checked and (checks.latest is None or checks.latest.tree_size != checked):
            covered = 0 if checks.latest is None else checks.latest.tree_size
            raise _Tampered(
                Problem(covered, f"not covered by any signed head ({checked} entries stored)")
            )
        stored_nodes = conn.execute(select(func.count()).select_from(ledger_nodes)).scalar()
        if stored_nodes != _expected_node_count(checked):
            raise _Tampered(
                Problem(
                    None,
                    f"{stored_nodes} subtree hashes are stored but {checked} entries "
                    f"need {_expected_node_count(checked)}",
                )
            )
    except _Tampered as exc:
        return VerifyReport(
            entries_checked=cr.size,
            heads_checked=0 if checks is None else checks.checked,
            tree_size=cr.size,
            root_hash=cr.root(),
            latest_head=None if checks is None else checks.latest,
            problem=exc.problem,
            warnings=() if checks is None else tuple(checks.chain.warnings),
            commits=0 if checks is None else checks.chain.commits,
        )
    return VerifyReport(
        cr.size,
        checks.checked,
        cr.size,
        cr.root(),
        checks.latest,
        warnings=tuple(checks.chain.warnings),
        commits=checks.chain.commits,
    )


def _walk(
    cr: CompactRange,
    checks: _Checkpoints,
    ranges: Ranges,
    stored: list[list[bytes]],
    rows: Sequence[tuple[int, bytes, bytes]],
    stored_nodes: Callable[[], list[tuple[int, int, bytes]]],
) -> None:
    """Feed one chunk of contiguous entries through the compact range, checking as it goes.

    This is ``CompactRange.append`` unrolled, with the RFC 9162 hashes of
    :mod:`coldcheck.ledger.hashing` inlined (the hot loop of ``verify``).
    Merging two equal peaks completes node (level, i); the completed hashes
    are collected per level — so in index order, the nodes of ``ranges`` — and
    compared with the stored ones (``stored``, per range) at the end of the
    chunk, one list comparison per level. Only when they differ are the stored
    rows read whole (``stored_nodes``) to name the first node that is wrong.
    """
    peaks = cr.peaks
    size = cr.size
    stop = checks.next_stop(size)
    by_level: list[list[bytes]] = [[] for _ in range(64)]
    sha256 = hashlib.sha256
    chain = checks.chain
    event = chain.event
    try:
        for index, entry, stored_leaf in rows:
            h = sha256(b"\x00" + entry).digest()
            if h != stored_leaf:
                raise _Tampered(Problem(index, "stored leaf hash does not match its bytes"))
            i = size
            level = 0
            while i & 1:
                h = sha256(b"\x01" + peaks.pop() + h).digest()
                level += 1
                i >>= 1
                by_level[level].append(h)
            peaks.append(h)
            if entry.startswith(b'{"at":'):
                event(index, entry)
            else:
                _record(chain, index, entry)
                stop = checks.next_stop(size)  # a commit record: its head is due next
            size += 1
            if size == stop:
                cr.size = size
                checks.check_at(size, cr.root())
                stop = checks.next_stop(size)
    except (_Tampered, ChainBroken) as exc:
        # A stored node that went wrong earlier is the better (first) answer.
        _compare_nodes(
            _completed(by_level, ranges),
            [n for n in stored_nodes() if _completed_by(n) < size + 1],
        )
        if isinstance(exc, ChainBroken):
            raise _Tampered(Problem(exc.index, exc.what)) from None
        raise
    cr.size = size
    if any(by_level[level] != got for (level, _, _), got in zip(ranges, stored, strict=True)):
        _compare_nodes(_completed(by_level, ranges), stored_nodes())


def _completed(by_level: list[list[bytes]], ranges: Ranges) -> list[tuple[int, int, bytes]]:
    """The completed nodes as (level, idx, hash), in (level, idx) order: at each level the
    first of its range onwards (a walk cut short completes a prefix of each)."""
    return [(level, lo + k, h) for level, lo, _ in ranges for k, h in enumerate(by_level[level])]


def _record(chain: ChainCheck, index: int, entry: bytes) -> None:
    """A record joins the chain check; an entry that is neither an event nor a record is
    left to the heads and to the replay (which reports it)."""
    try:
        fields = parse_record(entry)
    except LedgerError:
        return
    assert fields is not None
    _chain(lambda: chain.record(index, fields))


def _completed_by(node: tuple[int, int, bytes] | NodeId) -> int:
    """Index of the entry whose append completes ``node``."""
    return coverage((int(node[0]), int(node[1])))[1] - 1


def _compare_nodes(
    expected: list[tuple[int, int, bytes]], stored: list[tuple[int, int, bytes]]
) -> None:
    if expected == stored:
        return
    found = {(int(lvl), int(i)): bytes(h) for lvl, i, h in stored}
    if len(found) == len(expected) and all(found.get((lvl, i)) == h for lvl, i, h in expected):
        return  # equal after normalising driver types
    for lvl, i, h in sorted(expected, key=lambda n: (_completed_by(n), n[0])):
        if found.get((lvl, i)) != h:
            first, end = coverage((lvl, i))
            what = "is missing" if (lvl, i) not in found else "does not match them"
            raise _Tampered(Problem(first, f"stored subtree hash {(lvl, i)} {what}", last=end - 1))
