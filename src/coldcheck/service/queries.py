"""The read side's port: what pages, API and reports ask the store, without replaying."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from coldcheck.domain.events import Event
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.ledger.records import SubjectIndexRecord
from coldcheck.service.envelope import Channel


@dataclass(frozen=True)
class ProductionSummary:
    """A production as a list shows it, with the asking person's roles on it."""

    id: ProductionId
    title: str
    company: str
    location: str
    time_zone: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry: index, exact canonical bytes, leaf hash, and its production.

    ``production`` is empty for a record of no production (a security record: served to
    nobody); ``public`` marks a commit record (only head links: served to anyone).
    """

    index: int
    entry: bytes
    leaf_hash: bytes
    production: ProductionId
    public: bool = False


@dataclass(frozen=True)
class SecurityEvent:
    """One line of the security log: when, what, whose account, and its log position."""

    seq: int | None
    at: datetime
    kind: str
    login: str | None
    person: str | None
    detail: str


@dataclass(frozen=True)
class TimelineItem:
    """An event with its log position (and how it came in, when the entry says)."""

    seq: int
    event: Event
    channel: Channel | None = None


class ReadModel(Protocol):
    """Queries over the read tables, the event index and the ledger."""

    def productions_for(self, person: PersonId) -> list[ProductionSummary]:
        """Productions on which ``person`` has a role."""
        ...

    def membership_on(self, person: PersonId, production: ProductionId) -> ProductionSummary | None:
        """``production`` as ``productions_for`` gives it, or None when ``person`` has no role."""
        ...

    def all_productions(self) -> list[ProductionSummary]:
        """Every production on this server (roles empty)."""
        ...

    def timeline(
        self, production: ProductionId, ref: str | None, limit: int = 500
    ) -> list[TimelineItem]:
        """Events of a production (about ``ref`` if given), oldest first, the newest ``limit``."""
        ...

    def ledger_size(self) -> int:
        """Entries in the log."""
        ...

    def ledger_head(self) -> SignedTreeHead | None:
        """The newest signed tree head."""
        ...

    def ledger_head_before(self, timestamp_ms: int) -> SignedTreeHead | None:
        """The newest head signed before ``timestamp_ms`` (ms since the epoch, UTC)."""
        ...

    def ledger_head_at(self, tree_size: int) -> SignedTreeHead | None:
        """The head signed at exactly ``tree_size`` entries, if there is one."""
        ...

    def ledger_entries(self, start: int, end: int) -> list[LedgerEntry]:
        """Entries ``start..end`` inclusive (at most 1000)."""
        ...

    def ledger_entries_at(self, indices: Sequence[int]) -> list[bytes]:
        """The exact bytes of the entries at ``indices``, in that order (``OutOfRange``)."""
        ...

    def subject_index(self, production: ProductionId) -> list[SubjectIndexRecord]:
        """Every subject-index record of the production, oldest first."""
        ...

    def security_events(
        self, start: datetime, end: datetime, kinds: Sequence[str]
    ) -> list[SecurityEvent]:
        """The security log's events of these kinds between two times, oldest first."""
        ...

    def ledger_root(self, tree_size: int) -> bytes:
        """The Merkle tree hash of the first ``tree_size`` entries."""
        ...

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """RFC 9162 audit path."""
        ...

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 consistency proof."""
        ...

    def leaf_hash(self, index: int) -> bytes:
        """The stored leaf hash of entry ``index``."""
        ...
