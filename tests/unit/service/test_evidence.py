"""Evidence bundles: made in one place, every proof checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.domain.codec import event_refs
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.ledger import MemoryHashStore, MerkleLog, leaf_hash, public_key_raw, verify_bundle
from coldcheck.ledger.heads import SignedTreeHead, sign_head
from coldcheck.service.envelope import encode_entry
from coldcheck.service.evidence import EvidenceError, closing_head, evidence_bundle
from coldcheck.service.queries import LedgerEntry, ProductionSummary, TimelineItem
from tests.factories import PROD, W1, W4, dry_gulch


@dataclass
class LogReads:
    """The part of the read model a bundle needs, over an in-memory Merkle log."""

    key: Ed25519PrivateKey
    items: list[TimelineItem] = field(default_factory=list)
    entries: list[bytes] = field(default_factory=list)
    heads: list[SignedTreeHead] = field(default_factory=list)
    store: MemoryHashStore = field(default_factory=MemoryHashStore)

    def add(self, item: TimelineItem) -> None:
        entry = encode_entry(item.seq, item.event)
        self.items.append(item)
        self.entries.append(entry)
        self.store.append([leaf_hash(entry)])

    def sign(self, timestamp: int) -> SignedTreeHead:
        size = len(self.entries)
        head = sign_head(self.key, size, MerkleLog(self.store).root(size), timestamp)
        self.heads.append(head)
        return head

    def ledger_head(self) -> SignedTreeHead | None:
        return self.heads[-1] if self.heads else None

    def ledger_head_before(self, timestamp_ms: int) -> SignedTreeHead | None:
        earlier = [h for h in self.heads if h.timestamp < timestamp_ms]
        return earlier[-1] if earlier else None

    def timeline(
        self, production: ProductionId, ref: str | None, limit: int = 500
    ) -> list[TimelineItem]:
        return [i for i in self.items if ref is None or ref in event_refs(i.event)][-limit:]

    def ledger_entries(self, start: int, end: int) -> list[LedgerEntry]:
        return [
            LedgerEntry(i, self.entries[i], leaf_hash(self.entries[i]), PROD)
            for i in range(start, end + 1)
        ]

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        return MerkleLog(self.store).inclusion_proof(index, tree_size)

    def productions_for(self, person: PersonId) -> list[ProductionSummary]:  # pragma: no cover
        return []


@pytest.fixture
def reads() -> LogReads:
    log = LogReads(Ed25519PrivateKey.generate())
    for seq, event in enumerate(dry_gulch().log):
        log.add(TimelineItem(seq, event))
    log.sign(1_000)
    return log


def test_a_bundle_holds_every_entry_about_its_weapon_and_verifies_offline(reads: LogReads) -> None:
    bundle = evidence_bundle(reads, public_key_raw(reads.key), PROD, W1, None, None)
    report = verify_bundle(bundle.data, trusted_public_key=public_key_raw(reads.key))
    assert report.ok, report.problems
    about = [i.seq for i in reads.items if W1 in event_refs(i.event)]
    assert [e.index for e in report.entries] == about
    assert bundle.entries == len(about)


def test_a_log_that_disagrees_with_its_own_head_is_not_exported(reads: LogReads) -> None:
    seq = next(i.seq for i in reads.items if W1 in event_refs(i.event))
    reads.entries[seq] = reads.entries[seq].replace(b'"by":"mara"', b'"by":"eli"')
    with pytest.raises(EvidenceError, match=f"entry {seq} does not prove"):
        evidence_bundle(reads, public_key_raw(reads.key), PROD, W1, None, None)


def test_an_empty_log_or_a_subject_without_entries_says_so(reads: LogReads) -> None:
    empty = LogReads(reads.key)
    with pytest.raises(EvidenceError, match="the log is empty"):
        evidence_bundle(empty, public_key_raw(reads.key), PROD, W1, None, None)
    with pytest.raises(EvidenceError, match="no entries about W-0999"):
        evidence_bundle(reads, public_key_raw(reads.key), PROD, "W-0999", None, None)
    assert W4  # the demo production has more weapons than the one asked about


def test_the_closing_head_is_the_newest_signed_before_the_moment(reads: LogReads) -> None:
    first = reads.ledger_head()
    reads.add(TimelineItem(len(reads.items), reads.items[-1].event))
    later = reads.sign(5_000)
    assert closing_head(reads, None) == later
    assert closing_head(reads, datetime.fromtimestamp(2, UTC)) == first
