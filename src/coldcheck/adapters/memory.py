"""In-memory storage: a working unit of work (not a mock) for tests and the contract suite.

Writes are buffered in the unit of work and land on ``commit``; a write
unit of work holds the database's lock, so writers run one at a time, as
on SQLite.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.adapters.memory_accounts import MemoryAccountStore
from coldcheck.domain.events import Event
from coldcheck.domain.ids import ProductionId
from coldcheck.domain.state import ProductionState, empty_state
from coldcheck.ledger.chain import check_extends, commit_time, from_ms, ms_of
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import SignedTreeHead, public_key_raw, sign_head
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.records import IndexLink, SubjectIndexRecord, commit_record
from coldcheck.service.envelope import Channel, decode_entry, encode_entry, refs
from coldcheck.service.errors import NotSigned
from coldcheck.service.ports import Challenge, Confirmation, GroupBroken, IndexMark, PhotoBlob
from coldcheck.service.subject_index import index_records


class MemoryConfirmations:
    """Challenges and confirmations in dictionaries, behind one lock (a ``ConfirmationStore``)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.challenges: dict[str, Challenge] = {}
        self.given: dict[str, Confirmation] = {}

    def add_challenge(self, challenge: Challenge) -> None:
        """Store a new challenge."""
        with self.lock:
            self.challenges[challenge.id] = challenge

    def challenge(self, challenge_id: str) -> Challenge | None:
        """The challenge with this id, expired or not."""
        with self.lock:
            return self.challenges.get(challenge_id)

    def add_confirmation(self, confirmation: Confirmation) -> None:
        """Store a confirmation of a stored challenge."""
        with self.lock:
            if confirmation.challenge not in self.challenges:
                raise ValueError(f"no challenge {confirmation.challenge}")
            self.given[confirmation.id] = confirmation

    def confirmations(self, ids: Sequence[str]) -> list[tuple[Confirmation, Challenge]]:
        """The confirmations with these ids (those that exist), each with its challenge."""
        with self.lock:
            return [
                (self.given[i], self.challenges[self.given[i].challenge])
                for i in ids
                if i in self.given
            ]

    def consume(self, ids: Sequence[str], at: datetime, seq: int) -> int:
        """Mark unused confirmations used; how many were marked."""
        with self.lock:
            fresh = [i for i in ids if i in self.given and self.given[i].consumed_at is None]
            for i in fresh:
                self.given[i] = replace(self.given[i], consumed_at=at, consumed_seq=seq)
            return len(fresh)

    def confirmations_of(self, challenge_id: str) -> list[Confirmation]:
        """Every confirmation given against this challenge, used or not."""
        with self.lock:
            return [c for c in self.given.values() if c.challenge == challenge_id]

    def delete_expired(self, now: datetime) -> int:
        """Forget challenges that expired a day ago and were never used."""
        with self.lock:
            used = {c.challenge for c in self.given.values() if c.consumed_at is not None}
            old = [
                k
                for k, ch in self.challenges.items()
                if ch.expires_at < now - timedelta(days=1) and k not in used
            ]
            for k in old:
                del self.challenges[k]
            for cid in [cid for cid, c in self.given.items() if c.challenge in old]:
                del self.given[cid]
            return len(old)

    @contextmanager
    def __call__(self, *, write: bool = True) -> Iterator[MemoryConfirmations]:
        """A "transaction" (writes are visible at once, as in ``MemoryAccountStore``)."""
        yield self


class _PendingPhotos:
    """Photo blobs written in one unit of work: visible to it at once, kept on commit."""

    def __init__(self, held: dict[str, PhotoBlob]) -> None:
        self.held = held
        self.pending: dict[str, PhotoBlob] = {}

    def put(self, blob: PhotoBlob) -> bool:
        """Keep ``blob`` unless its hash is held; True when new."""
        if blob.sha256 in self.held or blob.sha256 in self.pending:
            return False
        self.pending[blob.sha256] = blob
        return True

    def get(self, sha256: str) -> PhotoBlob | None:
        """The blob under ``sha256``, this unit of work's own included."""
        return self.pending.get(sha256) or self.held.get(sha256)

    def commit(self) -> None:
        """Keep what was put."""
        self.held.update(self.pending)
        self.pending.clear()


class _PendingConfirmations:
    """The confirmations as a custody unit of work sees them: consumed on its commit."""

    def __init__(self, data: MemoryConfirmations) -> None:
        self._data = data
        self.pending: list[tuple[list[str], datetime, int]] = []

    def add_challenge(self, challenge: Challenge) -> None:
        self._data.add_challenge(challenge)

    def challenge(self, challenge_id: str) -> Challenge | None:
        return self._data.challenge(challenge_id)

    def add_confirmation(self, confirmation: Confirmation) -> None:
        self._data.add_confirmation(confirmation)

    def confirmations(self, ids: Sequence[str]) -> list[tuple[Confirmation, Challenge]]:
        """As stored, with the ones this transaction consumed already seen as used."""
        taken = {i: (at, seq) for batch, at, seq in self.pending for i in batch}
        found = self._data.confirmations(ids)
        return [
            (replace(conf, consumed_at=taken[conf.id][0], consumed_seq=taken[conf.id][1]), ch)
            if conf.id in taken and conf.consumed_at is None
            else (conf, ch)
            for conf, ch in found
        ]

    def consume(self, ids: Sequence[str], at: datetime, seq: int) -> int:
        with self._data.lock:
            taken = {i for batch, _, _ in self.pending for i in batch}
            fresh = [
                i
                for i in ids
                if i in self._data.given
                and self._data.given[i].consumed_at is None
                and i not in taken
            ]
        self.pending.append((fresh, at, seq))
        return len(fresh)

    def confirmations_of(self, challenge_id: str) -> list[Confirmation]:
        return self._data.confirmations_of(challenge_id)

    def delete_expired(self, now: datetime) -> int:
        return self._data.delete_expired(now)

    def commit(self) -> None:
        for ids, at, seq in self.pending:
            self._data.consume(ids, at, seq)
        self.pending.clear()


@dataclass
class MemoryDatabase:
    """Everything a SQL database would hold, in Python objects."""

    key: Ed25519PrivateKey
    entries: list[bytes] = field(default_factory=list)
    hashes: MemoryHashStore = field(default_factory=MemoryHashStore)
    heads: list[SignedTreeHead] = field(default_factory=list)
    event_productions: list[ProductionId | None] = field(default_factory=list)
    """Per log position, the production of its event (None for a ledger record)."""
    refs: dict[tuple[ProductionId, str], list[int]] = field(default_factory=dict)
    indexes: dict[ProductionId, list[IndexLink]] = field(default_factory=dict)
    states: dict[ProductionId, ProductionState] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    confirmations: MemoryConfirmations = field(default_factory=MemoryConfirmations)
    photos: dict[str, PhotoBlob] = field(default_factory=dict)
    """Weapon photos' bytes by SHA-256."""
    accounts: MemoryAccountStore = field(default_factory=MemoryAccountStore)
    """The accounts a group commit's jobs use (``MemoryUnitOfWork.accounts``)."""


class MemoryUnitOfWork:
    """A transaction on a :class:`MemoryDatabase`."""

    def __init__(self, db: MemoryDatabase, *, write: bool) -> None:
        self.db = db
        self._write = write
        self._entries: list[bytes] = []
        self._productions: list[ProductionId | None] = []
        self._refs: list[tuple[ProductionId, str, int]] = []
        self._states: dict[ProductionId, ProductionState] = {}
        self._indexes: list[tuple[ProductionId, IndexLink]] = []
        self._head: SignedTreeHead | None = None
        self._confirmations = _PendingConfirmations(db.confirmations)
        self._photos = _PendingPhotos(db.photos)
        self._time: int | None = None

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

    def event_at(self, production: ProductionId, seq: int) -> Event | None:
        """The event at log position ``seq`` when it is one of ``production``'s."""
        if not self.is_event_of(production, seq):
            return None
        _, event = decode_entry(self.db.entries[seq])
        return event

    def production_exists(self, production: ProductionId) -> bool:
        """True when the production has at least one event."""
        return production in self.db.states or production in self._states

    def begin(self, now: datetime) -> datetime:
        """Check the log extends its newest head; the commit's time (as the SQL store does)."""
        db = self.db
        newest = db.heads[-1] if db.heads else None
        root = MerkleLog(db.hashes).root(newest.tree_size) if newest is not None else None
        try:
            check_extends(newest, len(db.entries), root, public_key_raw(db.key))
            self._time = commit_time(ms_of(now), newest)
        except LedgerError as exc:
            raise NotSigned(f"the server refuses to sign: {exc}") from None
        return from_ms(self._time)

    def _size(self) -> int:
        return len(self.db.entries) + len(self._entries)

    def _add(self, entry: bytes, production: ProductionId | None) -> int:
        seq = self._size()
        self._entries.append(entry)
        self._productions.append(production)
        return seq

    def index_mark(self, production: ProductionId) -> IndexMark:
        """Where the production's subject index stands."""
        links = self.db.indexes.get(production, []) + [
            link for p, link in self._indexes if p == production
        ]
        productions = self.db.event_productions + self._productions
        last = max((i for i, p in enumerate(productions) if p == production), default=-1)
        return IndexMark(links[-1] if links else None, last)

    def write_subject_index(self, production: ProductionId, at: datetime) -> int:
        """Append the production's subject-index records (computed from its entries)."""
        mark = self.index_mark(production)
        covered = mark.last.through if mark.last is not None else -1
        entries = self.db.entries + self._entries
        productions = self.db.event_productions + self._productions
        items = []
        for seq in range(covered + 1, mark.last_seq + 1):
            if productions[seq] == production:
                _, event = decode_entry(entries[seq])
                items.append((seq, refs(event)))
        records = index_records(self._size(), production, at, mark.last, items, mark.last_seq)
        for entry in records:
            record = SubjectIndexRecord.from_fields(json.loads(entry))
            self._add(entry, None)
            self._indexes.append((production, record.link))
        return len(records)

    def append(
        self,
        before: ProductionState,
        new_events: Sequence[Event],
        after: ProductionState,
        channel: Channel,
    ) -> list[int]:
        """Buffer the events' entries until commit."""
        if not self._write:
            raise RuntimeError("append needs a write unit of work")
        if self._time is None:
            raise RuntimeError("call begin first")
        seqs = []
        for e in new_events:
            seq = self._add(encode_entry(self._size(), e, channel), e.production)
            seqs.append(seq)
            self._refs.extend((e.production, r, seq) for r in refs(e))
        self._states[after.production] = after
        return seqs

    def confirmations(self) -> _PendingConfirmations:
        """Challenges and confirmations; the ones consumed here are used on commit."""
        return self._confirmations

    def photos(self) -> _PendingPhotos:
        """Photo blobs; the ones put here are kept on commit."""
        return self._photos

    def accounts(self) -> MemoryAccountStore:
        """The database's accounts (written at once, as ``MemoryAccountTransactions`` does)."""
        return self.db.accounts

    @contextmanager
    def isolated(self) -> Iterator[None]:
        """The block's log appends make the group fail (``GroupBroken``) when it raises.

        In memory, accounts, challenges and confirmations are written at once and not undone
        (as their own in-memory transactions do): only the SQL store has savepoints.
        """
        size = self._size()
        try:
            yield
        except BaseException as exc:
            if self._size() != size:
                raise GroupBroken(f"a job failed after appending to the log: {exc}") from exc
            raise

    def appended(self) -> bool:
        """True once this unit of work appended to the log."""
        return bool(self._entries)

    def seal(self, at: datetime) -> SignedTreeHead:
        """The commit record and a head over the log as it will be after commit."""
        if self._time is None or ms_of(at) != self._time:
            raise RuntimeError("seal with the time begin gave")
        newest = self.db.heads[-1] if self.db.heads else None
        self._add(commit_record(self._size(), self._time, newest), None)
        pending = MemoryHashStore()
        pending.nodes = dict(self.db.hashes.nodes)
        pending.size = self.db.hashes.size
        pending.append([leaf_hash(e) for e in self._entries])
        size = pending.size
        self._head = sign_head(self.db.key, size, MerkleLog(pending).root(size), self._time)
        return self._head

    def commit(self) -> None:
        """Make the buffered writes visible."""
        db = self.db
        db.entries.extend(self._entries)
        db.hashes.append([leaf_hash(e) for e in self._entries])
        db.event_productions.extend(self._productions)
        for production, ref, seq in self._refs:
            db.refs.setdefault((production, ref), []).append(seq)
        for production, link in self._indexes:
            db.indexes.setdefault(production, []).append(link)
        db.states.update(self._states)
        if self._head is not None:
            db.heads.append(self._head)
        self._confirmations.commit()
        self._photos.commit()
        self._entries, self._productions, self._refs, self._states = [], [], [], {}
        self._indexes = []


class MemoryUnitOfWorkFactory:
    """Opens units of work on one in-memory database."""

    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db

    def __call__(self, *, write: bool = True) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.db, write=write)

    def active_states(self) -> list[ProductionState]:
        """Every production's state."""
        return list(self.db.states.values())
