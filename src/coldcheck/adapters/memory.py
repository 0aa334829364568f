"""In-memory storage: a working unit of work (not a mock) for tests and the contract suite.

Writes are buffered in the unit of work and land on ``commit``; a write
unit of work holds the database's lock, so writers run one at a time, as
on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.domain.events import Event
from coldcheck.domain.ids import ProductionId
from coldcheck.domain.state import ProductionState, empty_state
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import SignedTreeHead, sign_head
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.service.envelope import encode_entry, refs


@dataclass
class MemoryDatabase:
    """Everything a SQL database would hold, in Python objects."""

    key: Ed25519PrivateKey
    entries: list[bytes] = field(default_factory=list)
    hashes: MemoryHashStore = field(default_factory=MemoryHashStore)
    heads: list[SignedTreeHead] = field(default_factory=list)
    event_productions: list[ProductionId] = field(default_factory=list)
    refs: dict[tuple[ProductionId, str], list[int]] = field(default_factory=dict)
    states: dict[ProductionId, ProductionState] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


class MemoryUnitOfWork:
    """A transaction on a :class:`MemoryDatabase`."""

    def __init__(self, db: MemoryDatabase, *, write: bool) -> None:
        self.db = db
        self._write = write
        self._entries: list[bytes] = []
        self._productions: list[ProductionId] = []
        self._refs: list[tuple[ProductionId, str, int]] = []
        self._states: dict[ProductionId, ProductionState] = {}
        self._head: SignedTreeHead | None = None

    def __enter__(self) -> Self:
        if self._write:
            self.db.lock.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._write:
            self.db.lock.release()

    def state(self, production: ProductionId) -> ProductionState:
        """The production's state, including this transaction's own appends."""
        if production in self._states:
            return self._states[production]
        return self.db.states.get(production) or empty_state(production)

    def is_event_of(self, production: ProductionId, seq: int) -> bool:
        """True when log position ``seq`` holds an event of ``production``."""
        return 0 <= seq < len(self.db.event_productions) and (
            self.db.event_productions[seq] == production
        )

    def production_exists(self, production: ProductionId) -> bool:
        """True when the production has at least one event."""
        return production in self.db.states or production in self._states

    def append(
        self, before: ProductionState, new_events: Sequence[Event], after: ProductionState
    ) -> list[int]:
        """Buffer the events' entries until commit."""
        if not self._write:
            raise RuntimeError("append needs a write unit of work")
        start = len(self.db.entries) + len(self._entries)
        seqs = list(range(start, start + len(new_events)))
        for seq, e in zip(seqs, new_events, strict=True):
            self._entries.append(encode_entry(seq, e))
            self._productions.append(e.production)
            self._refs.extend((e.production, r, seq) for r in refs(e))
        self._states[after.production] = after
        return seqs

    def sign_head(self, now: datetime) -> SignedTreeHead:
        """Sign a head over the log as it will be after commit."""
        pending = MemoryHashStore()
        pending.nodes = dict(self.db.hashes.nodes)
        pending.size = self.db.hashes.size
        pending.append([leaf_hash(e) for e in self._entries])
        size = pending.size
        self._head = sign_head(
            self.db.key, size, MerkleLog(pending).root(size), int(now.timestamp() * 1000)
        )
        return self._head

    def commit(self) -> None:
        """Make the buffered writes visible."""
        db = self.db
        db.entries.extend(self._entries)
        db.hashes.append([leaf_hash(e) for e in self._entries])
        db.event_productions.extend(self._productions)
        for production, ref, seq in self._refs:
            db.refs.setdefault((production, ref), []).append(seq)
        db.states.update(self._states)
        if self._head is not None:
            db.heads.append(self._head)
        self._entries, self._productions, self._refs, self._states = [], [], [], {}


class MemoryUnitOfWorkFactory:
    """Opens units of work on one in-memory database."""

    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db

    def __call__(self, *, write: bool = True) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.db, write=write)

    def active_states(self) -> list[ProductionState]:
        """Every production's state."""
        return list(self.db.states.values())
