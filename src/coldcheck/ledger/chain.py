"""Heads that cannot be dropped: the rules a writer follows and a reader checks (pure).

**Writing** (a single writer calls these once per committed batch):

1. :func:`check_extends` — before anything is appended, the stored log must be exactly
   the tree of the newest signed head: as many entries, the same root, a valid
   signature. Otherwise the server refuses to sign (entries written or changed outside
   coldcheck, or a head deleted) instead of putting its signature over them.
2. :func:`commit_time` — the batch's time, in whole milliseconds, strictly after the
   newest head's: a clock a little behind (up to ``CLOCK_TOLERANCE_MS``, e.g. two servers
   on one PostgreSQL) is moved on by a millisecond; a clock further behind is refused
   (``ClockBehind``), so nothing is ever recorded before what it follows.
3. the batch's entries, then :func:`~coldcheck.ledger.records.commit_record` naming the
   previous head, then the head over all of it signed with that time.

**Reading** (:class:`ChainCheck`, fed every entry in order and every stored head as its
size is reached) finds: a head missing after a commit record, a head where no commit
ended, a commit record naming another head than the one before it, a head whose time is
not its commit's, times that run backwards. Logs written before commit records existed
(a *legacy prefix*) are checked as before, and a time running backwards there is a
warning, not a failure: it was recorded when coldcheck still allowed it.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.heads import SignedTreeHead, verify_head
from coldcheck.ledger.records import COMMIT, CommitRecord, HeadLink

__all__ = [
    "CLOCK_TOLERANCE_MS",
    "ChainBroken",
    "ChainCheck",
    "ClockBehind",
    "DoesNotExtend",
    "check_extends",
    "commit_time",
    "from_ms",
    "iso_ms",
    "ms_of",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

CLOCK_TOLERANCE_MS = 5_000
"""How far behind the newest head a clock may be and still record (moved on by 1 ms)."""


class DoesNotExtend(LedgerError):
    """The stored log is not the tree of the newest signed head; nothing may be signed."""


class ClockBehind(LedgerError):
    """The clock reads earlier than the newest signed head by more than the tolerance."""

    def __init__(self, clock_ms: int, newest_ms: int) -> None:
        self.clock_ms = clock_ms
        self.newest_ms = newest_ms
        behind = (newest_ms - clock_ms) / 1000
        super().__init__(
            f"the server's clock reads {iso_ms(clock_ms)}, {behind:.0f} s before the newest"
            f" signed record ({iso_ms(newest_ms)}): it was set back. Nothing was recorded;"
            " correct the clock, then try again"
        )


class ChainBroken(LedgerError):
    """The chain of heads is broken at ``index`` (an entry position, when one is known)."""

    def __init__(self, index: int | None, what: str) -> None:
        self.index = index
        self.what = what
        super().__init__(what if index is None else f"entry {index}: {what}")


def iso_ms(ms: int) -> str:
    """A millisecond timestamp as ISO 8601 UTC."""
    return from_ms(ms).isoformat(timespec="milliseconds")


def check_extends(
    newest: SignedTreeHead | None,
    stored_size: int,
    stored_root_at_newest: bytes | None,
    public_key: bytes,
    *,
    signature_known: bool = False,
) -> None:
    """Refuse (``DoesNotExtend``) unless the stored log is exactly the newest head's tree.

    ``stored_root_at_newest`` is the root recomputed from the stored hashes at the newest
    head's size (None when there is no head). The head's own signature is checked too: a
    head row written without the key must not be extended. ``signature_known`` skips only
    that signature check, for a caller that holds a byte-equal head it signed itself with
    this log's key (Ed25519 signing is deterministic, so that head verifies).
    """
    if newest is None:
        if stored_size:
            raise DoesNotExtend(
                f"the log holds {stored_size} entries but no signed head: they were written"
                " outside coldcheck; run `coldcheck verify`"
            )
        return
    try:
        if not signature_known:
            verify_head(newest, public_key)
    except LedgerError as exc:
        raise DoesNotExtend(
            f"the newest stored head (tree size {newest.tree_size}) is not signed by this"
            f" log's key ({exc}); run `coldcheck verify`"
        ) from None
    if stored_size < newest.tree_size:
        raise DoesNotExtend(
            f"the newest signed head covers {newest.tree_size} entries but only {stored_size}"
            " are stored: entries were deleted; run `coldcheck verify`"
        )
    if stored_size > newest.tree_size:
        raise DoesNotExtend(
            f"{stored_size - newest.tree_size} entries after the newest signed head (tree size"
            f" {newest.tree_size}) have no signed head: they were written outside coldcheck,"
            " or the heads after them were deleted; run `coldcheck verify`"
        )
    if stored_root_at_newest is None or not hmac.compare_digest(
        stored_root_at_newest, newest.root_hash
    ):
        raise DoesNotExtend(
            f"the stored entries no longer hash to the signed head at tree size"
            f" {newest.tree_size}: the log was changed; run `coldcheck verify`"
        )


def commit_time(
    clock_ms: int, newest: SignedTreeHead | None, tolerance_ms: int = CLOCK_TOLERANCE_MS
) -> int:
    """The time (ms) of the next commit: the clock, but strictly after the newest head."""
    if newest is None or clock_ms > newest.timestamp:
        return clock_ms
    if newest.timestamp - clock_ms > tolerance_ms:
        raise ClockBehind(clock_ms, newest.timestamp)
    return newest.timestamp + 1


def ms_of(moment: datetime) -> int:
    """Whole milliseconds since the epoch of an aware datetime (exact: no float rounding)."""
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    """The UTC datetime of a millisecond timestamp (exact)."""
    return _EPOCH + ms * _MS


def _at_ms(at: bytes) -> int:
    """Milliseconds of an envelope's ISO ``at`` (with its UTC offset), truncated."""
    return ms_of(datetime.fromisoformat(at.decode("ascii")))


class ChainCheck:
    """Reads the chain of heads while a verifier streams the log (see the module docstring).

    Call :meth:`event` or :meth:`record` for every entry in order, :meth:`head` for every
    stored head when the stream has reached its size, and :meth:`finish` at the end.
    Each raises ``ChainBroken`` at the first break; ``warnings`` collects what is only
    flagged (times running backwards in a legacy prefix).
    """

    MAX_WARNINGS = 20

    def __init__(self) -> None:
        self.started_at: int | None = None
        """Position of the first commit record (None: the whole log so far is legacy)."""
        self.commits = 0
        self.warnings: list[str] = []
        self._last_head: HeadLink | None = None
        self._pending: CommitRecord | None = None
        self._last_commit_ms: int | None = None
        self._last_at: bytes | None = None
        self._last_at_index = -1
        self._check_first_event = False

    @property
    def expected_head(self) -> int | None:
        """The tree size at which a stored head must exist next (after a commit record)."""
        return None if self._pending is None else self._pending.seq + 1

    def event(self, index: int, entry: bytes) -> None:
        """An event entry (``{"at": ...`` first): its time must not run backwards."""
        if self._pending is not None:
            raise ChainBroken(index, "an entry follows a commit record: the signed head is missing")
        end = entry.find(b'"', 7)
        at = entry[7:end]
        last = self._last_at
        if last is not None and at < last and _at_ms(at) < _at_ms(last):
            what = (
                f"its time {at.decode()} is before entry {self._last_at_index}'s"
                f" {last.decode()}: the time ran backwards"
            )
            if self.started_at is not None:
                raise ChainBroken(index, what)
            if len(self.warnings) < self.MAX_WARNINGS:
                self.warnings.append(f"entry {index}: {what} (recorded before commit records)")
        if self._check_first_event and self._last_commit_ms is not None:
            self._check_first_event = False
            if _at_ms(at) <= self._last_commit_ms:
                raise ChainBroken(
                    index,
                    f"its time {at.decode()} is not after the commit before it"
                    f" ({iso_ms(self._last_commit_ms)})",
                )
        self._last_at, self._last_at_index = at, index

    def record(self, index: int, fields: dict[str, Any]) -> None:
        """A record entry; commit records are checked against the heads before them."""
        if self._pending is not None:
            raise ChainBroken(index, "an entry follows a commit record: the signed head is missing")
        if fields.get("record") != COMMIT:
            return
        try:
            commit = CommitRecord.from_fields(fields)
        except LedgerError as exc:
            raise ChainBroken(index, f"malformed commit record: {exc}") from None
        if commit.seq != index:
            raise ChainBroken(index, f"the commit record says it is entry {commit.seq}")
        if commit.previous != self._last_head:
            named = (
                "no head" if commit.previous is None else f"the head at {commit.previous.tree_size}"
            )
            had = "none" if self._last_head is None else f"the one at {self._last_head.tree_size}"
            raise ChainBroken(
                index,
                f"the commit record names {named} as the previous signed head, but the head"
                f" before it is {had}: a head was deleted, replaced or added",
            )
        if self._last_commit_ms is not None and commit.timestamp <= self._last_commit_ms:
            raise ChainBroken(
                index,
                f"commit time {iso_ms(commit.timestamp)} is not after the previous commit's"
                f" {iso_ms(self._last_commit_ms)}: the time ran backwards",
            )
        last_at = self._last_at
        if last_at is not None and _at_ms(last_at) > commit.timestamp:
            raise ChainBroken(
                self._last_at_index,
                f"its time {last_at.decode()} is after its commit's {iso_ms(commit.timestamp)}",
            )
        if self.started_at is None:
            self.started_at = index
        self._pending = commit

    def head(self, head: SignedTreeHead) -> None:
        """A stored head (already checked for signature and root) at its tree size."""
        pending = self._pending
        if pending is not None and head.tree_size == pending.seq + 1:
            if head.timestamp != pending.timestamp:
                raise ChainBroken(
                    pending.seq,
                    f"the head at tree size {head.tree_size} is signed at"
                    f" {iso_ms(head.timestamp)}, not at its commit's time"
                    f" {iso_ms(pending.timestamp)}",
                )
            self._last_commit_ms = pending.timestamp
            self._pending = None
            self._check_first_event = True
            self.commits += 1
        elif self.started_at is not None:
            raise ChainBroken(
                head.tree_size - 1,
                f"a signed head at tree size {head.tree_size} does not follow a commit record:"
                " heads and commits were reordered or a head was added",
            )
        self._last_head = HeadLink.of(head)

    def missing_head(self, size: int) -> None:
        """Called when the stream reached :attr:`expected_head` and no stored head is there."""
        pending = self._pending
        assert pending is not None and size == pending.seq + 1
        raise ChainBroken(
            pending.seq,
            f"the signed head at tree size {size} (after this commit record) is missing:"
            " a head was deleted",
        )

    def finish(self, size: int) -> None:
        """The whole log was read: the last commit must have its head."""
        if self._pending is not None:
            self.missing_head(self._pending.seq + 1)
