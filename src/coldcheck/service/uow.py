"""The storage port: a unit of work over the log, its index and the read tables.

One unit of work is one database transaction. The service asks it for a
production's current state, decides, and hands it the accepted events; the
unit of work appends their ledger entries, stored hashes, index rows and
read-table rows, signs a new tree head, and commits — or leaves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from coldcheck.domain.events import Event
from coldcheck.domain.ids import ProductionId
from coldcheck.domain.state import ProductionState
from coldcheck.ledger.heads import SignedTreeHead


class UnitOfWork(Protocol):
    """A write transaction. Leaving the ``with`` block without ``commit`` rolls back."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def state(self, production: ProductionId) -> ProductionState:
        """The production's state as of the newest committed event (empty if new)."""
        ...

    def is_event_of(self, production: ProductionId, seq: int) -> bool:
        """True when log position ``seq`` holds an event of ``production``."""
        ...

    def production_exists(self, production: ProductionId) -> bool:
        """True when the production has at least one event."""
        ...

    def append(
        self, before: ProductionState, events: Sequence[Event], after: ProductionState
    ) -> list[int]:
        """Write ``events`` (ledger entries, index, read tables); their log positions."""
        ...

    def sign_head(self, now: datetime) -> SignedTreeHead:
        """Sign and keep a tree head over everything appended so far."""
        ...

    def commit(self) -> None:
        """Make everything durable; then the state cache may move on."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens transactions: write ones (serialised, one at a time) or read-only ones."""

    def __call__(self, *, write: bool = True) -> UnitOfWork: ...

    def active_states(self) -> list[ProductionState]:
        """States of the productions in use, already in memory (no database work)."""
        ...
