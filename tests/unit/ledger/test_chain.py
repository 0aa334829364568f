"""Heads that cannot be dropped: the writer's checks and the reader's chain, on bytes alone."""

from __future__ import annotations

import dataclasses
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.chain import (
    CLOCK_TOLERANCE_MS,
    ChainBroken,
    ChainCheck,
    ClockBehind,
    DoesNotExtend,
    check_extends,
    commit_time,
    from_ms,
    ms_of,
)
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import SignedTreeHead, public_key_raw, sign_head
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.records import commit_record, is_event_entry, parse_record

KEY = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
PUBLIC = public_key_raw(KEY)
T0 = 1_764_590_400_000  # 2025-12-01T12:00:00Z


def event(seq: int, ms: int) -> bytes:
    at = from_ms(ms).isoformat()
    return b'{"at":"%s","seq":%d,"type":"WeaponTakenOut"}' % (at.encode(), seq)


class Log:
    """A log written the way the server writes it: events, commit record, signed head."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []
        self.heads: list[SignedTreeHead] = []
        self.store = MemoryHashStore()

    def commit(self, events: int, ms: int) -> SignedTreeHead:
        for _ in range(events):
            self._add(event(len(self.entries), ms))
        previous = self.heads[-1] if self.heads else None
        self._add(commit_record(len(self.entries), ms, previous))
        size = len(self.entries)
        head = sign_head(KEY, size, MerkleLog(self.store).root(size), ms)
        self.heads.append(head)
        return head

    def _add(self, entry: bytes) -> None:
        self.entries.append(entry)
        self.store.append([leaf_hash(entry)])


def read(entries: list[bytes], heads: list[SignedTreeHead]) -> ChainCheck:
    """Feed a chain check the way ``verify_store`` does (heads as their sizes are reached)."""
    chain = ChainCheck()
    by_size = {h.tree_size: h for h in heads}
    for index, entry in enumerate(entries):
        if is_event_entry(entry):
            chain.event(index, entry)
        else:
            fields = parse_record(entry)
            assert fields is not None
            chain.record(index, fields)
        size = index + 1
        if size in by_size:
            chain.head(by_size[size])
        elif chain.expected_head == size:
            chain.missing_head(size)
    chain.finish(len(entries))
    return chain


@pytest.fixture
def log() -> Log:
    log = Log()
    for n in range(5):
        log.commit(n % 3 + 1, T0 + n * 60_000)
    return log


def test_a_log_written_commit_by_commit_reads_as_an_unbroken_chain(log: Log) -> None:
    chain = read(log.entries, log.heads)
    assert chain.commits == 5
    assert chain.started_at == 1
    assert chain.warnings == []


def test_a_head_deleted_from_the_middle_breaks_the_chain(log: Log) -> None:
    heads = [h for i, h in enumerate(log.heads) if i != 2]
    with pytest.raises(ChainBroken, match="is missing: a head was deleted"):
        read(log.entries, heads)


def test_a_head_added_where_no_commit_ended_breaks_the_chain(log: Log) -> None:
    odd = sign_head(KEY, 3, MerkleLog(log.store).root(3), T0)  # inside the second commit
    with pytest.raises(ChainBroken, match="does not follow a commit record"):
        read(log.entries, sorted([*log.heads, odd], key=lambda h: h.tree_size))


def test_a_head_signed_at_another_time_than_its_commit_breaks_the_chain(log: Log) -> None:
    moved = log.heads[1]
    heads = list(log.heads)
    heads[1] = sign_head(KEY, moved.tree_size, moved.root_hash, moved.timestamp + 1)
    with pytest.raises(ChainBroken, match="not at its commit's time"):
        read(log.entries, heads)


def test_a_commit_that_names_another_previous_head_breaks_the_chain(log: Log) -> None:
    entries = list(log.entries)
    at = log.heads[2].tree_size - 1
    fields = json.loads(entries[at])
    fields["previous"]["tree_size"] -= 1
    entries[at] = json.dumps(fields).encode()
    with pytest.raises(ChainBroken, match=r"names the head at .* but the head before it"):
        read(entries, log.heads)


def test_a_time_running_backwards_after_commit_records_began_is_a_break() -> None:
    log = Log()
    log.commit(1, T0)
    log.commit(1, T0 + 1000)
    entries = list(log.entries)
    entries[2] = event(2, T0 - 3_600_000)  # the second commit's event, an hour early
    with pytest.raises(ChainBroken, match=r"time ran backwards|not after the commit"):
        read(entries, log.heads)


def test_a_time_running_backwards_in_a_legacy_prefix_is_only_flagged() -> None:
    entries = [event(0, T0), event(1, T0 - 6 * 3_600_000), event(2, T0)]
    chain = read(entries, [])
    assert len(chain.warnings) == 1
    assert "entry 1" in chain.warnings[0] and "backwards" in chain.warnings[0]


def test_the_first_commit_after_a_legacy_prefix_names_the_last_legacy_head() -> None:
    log = Log()
    for i in range(3):
        log._add(event(i, T0 + i))
    legacy = sign_head(KEY, 3, MerkleLog(log.store).root(3), T0 + 5)
    log.heads.append(legacy)
    log.commit(2, T0 + 10)
    chain = read(log.entries, log.heads)
    assert chain.started_at == 5 and chain.commits == 1


def test_the_writer_refuses_a_log_with_entries_after_its_newest_head(log: Log) -> None:
    newest = log.heads[-1]
    root = MerkleLog(log.store).root(newest.tree_size)
    with pytest.raises(DoesNotExtend, match="have no signed head"):
        check_extends(newest, newest.tree_size + 2, root, PUBLIC)


def test_the_writer_refuses_a_log_whose_entries_no_longer_hash_to_its_newest_head(
    log: Log,
) -> None:
    newest = log.heads[-1]
    with pytest.raises(DoesNotExtend, match="no longer hash"):
        check_extends(newest, newest.tree_size, b"\x00" * 32, PUBLIC)


def test_the_writer_refuses_a_newest_head_not_signed_by_its_key(log: Log) -> None:
    newest = log.heads[-1]
    forged = sign_head(Ed25519PrivateKey.generate(), newest.tree_size, newest.root_hash, 1)
    with pytest.raises(DoesNotExtend, match="not signed by this log's key"):
        check_extends(forged, newest.tree_size, newest.root_hash, PUBLIC)


def test_a_head_known_signed_here_skips_only_the_signature_check(log: Log) -> None:
    newest = log.heads[-1]
    unsigned = dataclasses.replace(newest, signature=bytes(64))
    check_extends(unsigned, newest.tree_size, newest.root_hash, PUBLIC, signature_known=True)
    with pytest.raises(DoesNotExtend, match="not signed by this log's key"):
        check_extends(unsigned, newest.tree_size, newest.root_hash, PUBLIC)
    with pytest.raises(DoesNotExtend, match="have no signed head"):
        check_extends(
            unsigned, newest.tree_size + 1, newest.root_hash, PUBLIC, signature_known=True
        )
    with pytest.raises(DoesNotExtend, match="no longer hash"):
        check_extends(unsigned, newest.tree_size, bytes(32), PUBLIC, signature_known=True)


def test_the_writer_refuses_entries_without_any_head() -> None:
    with pytest.raises(DoesNotExtend, match="no signed head"):
        check_extends(None, 3, None, PUBLIC)
    check_extends(None, 0, None, PUBLIC)  # an empty log may begin


def test_a_commit_time_is_strictly_after_the_newest_head(log: Log) -> None:
    newest = log.heads[-1]
    assert commit_time(newest.timestamp + 5, newest) == newest.timestamp + 5
    assert commit_time(newest.timestamp, newest) == newest.timestamp + 1
    assert commit_time(newest.timestamp - CLOCK_TOLERANCE_MS, newest) == newest.timestamp + 1


def test_a_clock_set_back_six_hours_is_refused(log: Log) -> None:
    newest = log.heads[-1]
    with pytest.raises(ClockBehind, match="set back") as refused:
        commit_time(newest.timestamp - 6 * 3_600_000, newest)
    assert "21600 s before" in str(refused.value)


def test_milliseconds_convert_exactly_both_ways() -> None:
    for ms in (0, 1, T0 + 123, 2**45 + 7):
        assert ms_of(from_ms(ms)) == ms
