"""SqlLedger on SQLite and PostgreSQL: appends, roots, proofs and heads match the pure ledger."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select, update

from coldcheck.adapters.sql.ledger_store import SqlLedger, ledger_heads, ledger_nodes
from coldcheck.ledger import (
    EMPTY_ROOT,
    LedgerError,
    MemoryHashStore,
    MerkleLog,
    OutOfRange,
    chain,
    leaf_hash,
    public_key_raw,
    verify_consistency,
    verify_head,
    verify_inclusion,
)
from coldcheck.ledger.chain import DoesNotExtend

from .test_proofs import mth, path, proof


def _entries(n: int, start: int = 0) -> list[bytes]:
    return [b'{"seq":%d}' % i for i in range(start, start + n)]


def test_an_empty_ledger_has_size_zero_and_the_empty_root(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        assert ledger.size() == 0
        assert ledger.root() == EMPTY_ROOT
        assert ledger.latest_head() is None


def test_appends_in_batches_give_the_rfc_root_and_proofs(engine: Engine) -> None:
    entries = _entries(77)
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        assert ledger.append(entries[:1]) == [0]
        assert ledger.append(entries[1:30]) == list(range(1, 30))
        for e in entries[30:]:
            ledger.append([e])
    with engine.connect() as conn:
        ledger = SqlLedger(conn)
        assert ledger.size() == 77
        for n in (1, 2, 31, 64, 77):
            assert ledger.root(n) == mth(entries[:n])
        for m, n in ((0, 77), (30, 31), (64, 77), (76, 77), (5, 64)):
            assert ledger.inclusion_proof(m, n) == path(m, entries[:n])
        assert ledger.inclusion_proof(76) == path(76, entries)
        for m, n in ((1, 77), (30, 77), (64, 77), (63, 64), (77, 77)):
            expected = proof(m, entries[:n]) if m < n else []
            assert ledger.consistency_proof(m, n) == expected


def test_stored_nodes_are_exactly_the_perfect_subtrees_above_the_leaves(engine: Engine) -> None:
    entries = _entries(45)
    with engine.begin() as conn:
        SqlLedger(conn).append(entries[:20])
        SqlLedger(conn).append(entries[20:])
        stored = {
            (lvl, i): bytes(h)
            for lvl, i, h in conn.execute(
                select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash)
            )
        }
    memory = MemoryHashStore()
    memory.append([leaf_hash(e) for e in entries])
    # Level 0 (leaf hashes) lives in ledger_entries.leaf_hash only.
    assert stored == {node: h for node, h in memory.nodes.items() if node[0] > 0}


def test_a_rolled_back_append_leaves_nothing_behind(engine: Engine) -> None:
    with engine.begin() as conn:
        SqlLedger(conn).append(_entries(3))
    with engine.connect() as conn:
        trans = conn.begin()
        SqlLedger(conn).append(_entries(5, 3))
        trans.rollback()
    with engine.connect() as conn:
        assert SqlLedger(conn).size() == 3
        assert conn.execute(select(func.count()).select_from(ledger_nodes)).scalar() == 1


def test_signed_heads_verify_and_are_consistent_with_each_other(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        ledger.append(_entries(10))
        first = ledger.sign_and_store_head(key, 1_000)
        ledger.append(_entries(13, 10))
        second = ledger.sign_and_store_head(key, 2_000)
    with engine.connect() as conn:
        ledger = SqlLedger(conn)
        assert [h.tree_size for h in ledger.heads()] == [10, 23]
        assert ledger.latest_head() == second
        assert ledger.head_at(10) == first
        for head in (first, second):
            verify_head(head, public_key_raw(key))
        verify_consistency(
            10, 23, ledger.consistency_proof(10, 23), first.root_hash, second.root_hash
        )
        e = _entries(23)
        verify_inclusion(leaf_hash(e[17]), 17, 23, ledger.inclusion_proof(17, 23), second.root_hash)


def test_signing_again_without_new_entries_returns_the_same_head(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        ledger.append(_entries(4))
        head = ledger.sign_and_store_head(key, 1_000)
        assert ledger.sign_and_store_head(key, 9_000) == head
        assert conn.execute(select(func.count()).select_from(ledger_heads)).scalar() == 1


def test_heads_are_listed_in_batches(engine: Engine, key: Ed25519PrivateKey) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        for i in range(7):
            ledger.append(_entries(1, i))
            ledger.sign_and_store_head(key, i)
        assert [h.tree_size for h in ledger.heads(batch=3)] == list(range(1, 8))


def test_a_head_is_not_signed_over_a_tampered_node(engine: Engine, key: Ed25519PrivateKey) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        ledger.append(_entries(8))
        ledger.sign_and_store_head(key, 1)
        conn.execute(
            update(ledger_nodes)
            .where(ledger_nodes.c.level == 3, ledger_nodes.c.idx == 0)
            .values(hash=b"\x00" * 32)
        )
        ledger.append(_entries(1, 8))
        with pytest.raises(LedgerError, match="disagree"):
            ledger.sign_and_store_head(key, 2)


def _commit(engine: Engine, key: Ed25519PrivateKey, clock_ms: int) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        base = ledger.prepare_commit(public_key_raw(key), clock_ms)
        ledger.append(_entries(1, ledger.size()))
        ledger.seal(base, key)


def test_the_head_this_process_just_signed_is_not_verified_again(
    engine: Engine, key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    _commit(engine, key, 1_700_000_000_000)
    checked: list[int] = []
    monkeypatch.setattr(chain, "verify_head", lambda head, _key: checked.append(head.tree_size))
    _commit(engine, key, 1_700_000_001_000)
    assert checked == []
    with engine.begin() as conn:  # a head row this process did not write: checked
        conn.execute(
            update(ledger_heads).where(ledger_heads.c.tree_size == 4).values(signature=b"\x02" * 64)
        )
    with engine.begin() as conn:
        SqlLedger(conn).prepare_commit(public_key_raw(key), 1_700_000_002_000)
    assert checked == [4]


@pytest.mark.parametrize(
    "change",
    [{"signature": b"\x01" * 64}, {"timestamp_ms": 1_700_000_999_999}],
    ids=["signature", "timestamp"],
)
def test_a_head_this_process_signed_is_checked_again_once_its_row_is_changed(
    engine: Engine, key: Ed25519PrivateKey, change: dict[str, object]
) -> None:
    _commit(engine, key, 1_700_000_000_000)
    _commit(engine, key, 1_700_000_001_000)  # the newest head is the one this process signed
    with engine.begin() as conn:
        newest = conn.execute(select(func.max(ledger_heads.c.tree_size))).scalar()
        conn.execute(update(ledger_heads).where(ledger_heads.c.tree_size == newest).values(change))
    with engine.begin() as conn, pytest.raises(DoesNotExtend, match="not signed by this log"):
        SqlLedger(conn).prepare_commit(public_key_raw(key), 1_700_000_002_000)


def test_entries_come_back_byte_for_byte_in_a_half_open_range(engine: Engine) -> None:
    entries = _entries(12)
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        ledger.append(entries)
        got = ledger.entries(3, 7)
        assert [(s.index, s.entry, s.leaf_hash) for s in got] == [
            (i, entries[i], leaf_hash(entries[i])) for i in range(3, 7)
        ]
        assert [s.index for s in ledger.entries(10, 50)] == [10, 11]
        assert ledger.entries(5, 5) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda ledger: ledger.entries(-1, 3),
        lambda ledger: ledger.entries(4, 3),
        lambda ledger: ledger.entries(0, 1001),
        lambda ledger: ledger.inclusion_proof(5, 5),
        lambda ledger: ledger.inclusion_proof(0, 6),
        lambda ledger: ledger.consistency_proof(3, 2),
        lambda ledger: ledger.consistency_proof(1, 6),
        lambda ledger: ledger.root(6),
    ],
)
def test_out_of_range_requests_raise_out_of_range(engine: Engine, call: object) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        ledger.append(_entries(5))
        with pytest.raises(OutOfRange):
            call(ledger)  # type: ignore[operator]


def test_sql_ledger_is_a_hash_reader_for_merkle_log(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        ledger.append(_entries(9))
        assert MerkleLog(ledger).root(9) == mth(_entries(9))
        with pytest.raises(LedgerError, match="missing"):
            ledger.get([(4, 0)])
