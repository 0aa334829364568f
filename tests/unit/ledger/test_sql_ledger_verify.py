"""verify_store finds, and names, every kind of tampering with the stored ledger."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from coldcheck.adapters.sql.ledger_store import (
    SqlLedger,
    ledger_entries,
    ledger_heads,
    ledger_nodes,
)
from coldcheck.adapters.sql.ledger_verify import verify_store
from coldcheck.ledger import SignedTreeHead, leaf_hash, public_key_raw

N = 100  # entries, appended in batches of 10 with a head after each batch


def _entry(i: int) -> bytes:
    # an event envelope's first key is "at" (what verify tells events from records by)
    return b'{"at":"2023-11-14T22:13:20+00:00","seq":%d,"type":"WeaponIssued"}' % i


@pytest.fixture
def filled(engine: Engine, key: Ed25519PrivateKey) -> Engine:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        for start in range(0, N, 10):
            ledger.append([_entry(i) for i in range(start, start + 10)])
            ledger.sign_and_store_head(key, 1_700_000_000_000 + start)
    return engine


def _verify(
    engine: Engine, key: Ed25519PrivateKey, trusted: SignedTreeHead | None = None, chunk: int = 16
) -> str:
    with engine.connect() as conn:
        report = verify_store(conn, public_key_raw(key), trusted, chunk=chunk)
    return "ok" if report.ok else str(report.problem)


def _flip(value: bytes, at: int = 0) -> bytes:
    b = bytearray(value)
    b[at % len(b)] ^= 0x01
    return bytes(b)


def _flip_column(conn: Connection, table: Table, column: str, where: dict[str, int]) -> None:
    cond = [table.c[k] == v for k, v in where.items()]
    old = conn.execute(select(table.c[column]).where(*cond)).scalar_one()
    conn.execute(update(table).where(*cond).values({column: _flip(bytes(old), 3)}))


def test_an_untouched_ledger_verifies(filled: Engine, key: Ed25519PrivateKey) -> None:
    progress: list[tuple[int, int]] = []
    with filled.connect() as conn:
        report = verify_store(
            conn, public_key_raw(key), progress=lambda d, t: progress.append((d, t)), chunk=32
        )
        latest = SqlLedger(conn).latest_head()
    assert report.ok, report.problem
    assert (report.entries_checked, report.heads_checked, report.tree_size) == (N, 10, N)
    assert latest is not None and report.root_hash == latest.root_hash
    assert progress == [(32, N), (64, N), (96, N), (100, N)]
    assert report.summary.startswith(f"ledger OK: {N} entries, 10 signed heads")


def test_an_empty_ledger_verifies(engine: Engine, key: Ed25519PrivateKey) -> None:
    assert _verify(engine, key) == "ok"


@pytest.mark.parametrize("index", [0, 41, 99])
@pytest.mark.parametrize("at", [0, 7, 20])
def test_a_flipped_byte_in_any_entry_is_named(
    filled: Engine, key: Ed25519PrivateKey, index: int, at: int
) -> None:
    with filled.begin() as conn:
        _flip_column(conn, ledger_entries, "entry", {"idx": index})
    assert _verify(filled, key) == f"entry {index}: stored leaf hash does not match its bytes"


@pytest.mark.parametrize("chunk", [16, 4096])
def test_a_changed_entry_with_recomputed_leaf_hash_is_caught_by_the_nodes(
    filled: Engine, key: Ed25519PrivateKey, chunk: int
) -> None:
    forged = b'{"seq":41,"type":"WeaponReturned"}'
    with filled.begin() as conn:
        conn.execute(
            update(ledger_entries)
            .where(ledger_entries.c.idx == 41)
            .values(entry=forged, leaf_hash=leaf_hash(forged))
        )
    # With one big chunk the head at size 50 fails inside the chunk first; the
    # node is still named, being the earlier (and more precise) fault.
    assert _verify(filled, key, chunk=chunk) == (
        "entries 40..41: stored subtree hash (1, 20) does not match them"
    )


def test_a_rewritten_entry_with_every_node_recomputed_is_caught_by_the_signed_heads(
    filled: Engine, key: Ed25519PrivateKey
) -> None:
    forged = b'{"seq":41,"type":"WeaponReturned"}'
    with filled.begin() as conn:
        # The attacker rebuilds entries and nodes, but cannot re-sign heads.
        rows = conn.execute(select(ledger_entries.c.entry).order_by(ledger_entries.c.idx))
        entries = [bytes(e) for (e,) in rows]
        entries[41] = forged
        conn.execute(delete(ledger_entries))
        conn.execute(delete(ledger_nodes))
        SqlLedger(conn).append(entries)
    problem = _verify(filled, key)
    assert problem.startswith(
        "entries 40..49: do not match the signed head at tree size 50 "
        "(the head at size 40 still matches)"
    )


@pytest.mark.parametrize(("level", "index"), [(1, 0), (1, 49), (2, 20), (3, 5), (6, 0)])
def test_a_flipped_byte_in_any_stored_node_is_named(
    filled: Engine, key: Ed25519PrivateKey, level: int, index: int
) -> None:
    with filled.begin() as conn:
        _flip_column(conn, ledger_nodes, "hash", {"level": level, "idx": index})
    first, last = index << level, ((index + 1) << level) - 1
    assert _verify(filled, key) == (
        f"entries {first}..{last}: stored subtree hash ({level}, {index}) does not match them"
    )


def test_a_flipped_stored_leaf_hash_is_named(filled: Engine, key: Ed25519PrivateKey) -> None:
    with filled.begin() as conn:
        _flip_column(conn, ledger_entries, "leaf_hash", {"idx": 63})
    assert _verify(filled, key) == "entry 63: stored leaf hash does not match its bytes"


@pytest.mark.parametrize("column", ["root_hash", "signature", "timestamp_ms", "log_id"])
def test_a_flipped_byte_in_a_head_is_named(
    filled: Engine, key: Ed25519PrivateKey, column: str
) -> None:
    with filled.begin() as conn:
        if column == "timestamp_ms":
            conn.execute(
                update(ledger_heads).where(ledger_heads.c.tree_size == 30).values(timestamp_ms=1)
            )
        else:
            _flip_column(conn, ledger_heads, column, {"tree_size": 30})
    problem = _verify(filled, key)
    assert problem.startswith("head at tree size 30: ")


def test_deleting_the_newest_entries_is_detected_by_the_stored_heads(
    filled: Engine, key: Ed25519PrivateKey
) -> None:
    with filled.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.idx >= 95))
    assert _verify(filled, key).startswith("entry 95: missing: a signed head covers 100 entries")


def test_deleting_newest_entries_nodes_and_heads_is_detected_by_a_trusted_head(
    filled: Engine, key: Ed25519PrivateKey
) -> None:
    with filled.connect() as conn:
        trusted = SqlLedger(conn).latest_head()
    assert trusted is not None
    with filled.begin() as conn:
        # A careful attacker truncates everything consistently to 90 entries.
        conn.execute(delete(ledger_entries).where(ledger_entries.c.idx >= 90))
        conn.execute(delete(ledger_heads).where(ledger_heads.c.tree_size > 90))
        conn.execute(delete(ledger_nodes))
        entries = [bytes(e) for (e,) in conn.execute(select(ledger_entries.c.entry))]
        conn.execute(delete(ledger_entries))
        SqlLedger(conn).append(entries)
    assert _verify(filled, key) == "ok"  # looks fine without a head kept elsewhere
    assert _verify(filled, key, trusted) == (
        "entry 90: missing: the trusted head covers 100 entries but the log holds only 90 "
        "(newest entries deleted)"
    )


def test_a_log_that_does_not_extend_the_trusted_head_is_detected(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    with engine.begin() as conn:
        ledger = SqlLedger(conn)
        ledger.append([_entry(i) for i in range(10)])
        trusted = ledger.sign_and_store_head(key, 1)
    with engine.begin() as conn:
        # Rebuilt from scratch with entry 3 changed; heads re-signed (key stolen).
        conn.execute(delete(ledger_entries))
        conn.execute(delete(ledger_nodes))
        conn.execute(delete(ledger_heads))
        ledger = SqlLedger(conn)
        ledger.append([_entry(i) if i != 3 else b"{}" for i in range(12)])
        ledger.sign_and_store_head(key, 2)
    assert _verify(engine, key, trusted) == (
        "the log does not extend the trusted head at tree size 10: an entry before it was"
        " changed (or the log was rewritten)"
    )


def test_a_trusted_head_with_a_bad_signature_is_refused(
    filled: Engine, key: Ed25519PrivateKey
) -> None:
    with filled.connect() as conn:
        head = SqlLedger(conn).head_at(50)
    assert head is not None
    forged = dataclasses.replace(head, signature=_flip(head.signature))
    assert _verify(filled, key, forged).startswith("the trusted head: signature")


def test_deleting_a_middle_entry_is_named(filled: Engine, key: Ed25519PrivateKey) -> None:
    with filled.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.idx == 37))
    assert _verify(filled, key) == "entry 37: missing (the next stored entry is 38)"


def test_deleting_the_first_entry_is_named(filled: Engine, key: Ed25519PrivateKey) -> None:
    with filled.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.idx == 0))
    assert _verify(filled, key) == "entry 0: missing (the next stored entry is 1)"


def test_swapping_two_entries_bytes_is_named(filled: Engine, key: Ed25519PrivateKey) -> None:
    with filled.begin() as conn:
        a = conn.execute(select(ledger_entries.c.entry).where(ledger_entries.c.idx == 12)).scalar()
        b = conn.execute(select(ledger_entries.c.entry).where(ledger_entries.c.idx == 70)).scalar()
        conn.execute(update(ledger_entries).where(ledger_entries.c.idx == 12).values(entry=b))
        conn.execute(update(ledger_entries).where(ledger_entries.c.idx == 70).values(entry=a))
    assert _verify(filled, key) == "entry 12: stored leaf hash does not match its bytes"


def test_swapping_two_whole_rows_is_named(filled: Engine, key: Ed25519PrivateKey) -> None:
    with filled.begin() as conn:
        rows = {
            int(i): (bytes(e), bytes(h))
            for i, e, h in conn.execute(
                select(ledger_entries).where(ledger_entries.c.idx.in_([12, 70]))
            )
        }
        for idx, other in ((12, 70), (70, 12)):
            e, h = rows[other]
            conn.execute(
                update(ledger_entries)
                .where(ledger_entries.c.idx == idx)
                .values(entry=e, leaf_hash=h)
            )
    assert _verify(filled, key) == "entries 12..13: stored subtree hash (1, 6) does not match them"


def test_a_missing_interior_node_is_named(filled: Engine, key: Ed25519PrivateKey) -> None:
    with filled.begin() as conn:
        conn.execute(delete(ledger_nodes).where(ledger_nodes.c.level == 2, ledger_nodes.c.idx == 4))
    assert _verify(filled, key) == "entries 16..19: stored subtree hash (2, 4) is missing"


def test_an_extra_stored_node_is_reported(filled: Engine, key: Ed25519PrivateKey) -> None:
    with filled.begin() as conn:
        conn.execute(insert(ledger_nodes).values(level=9, idx=0, hash=b"\x00" * 32))
    assert "subtree hashes are stored" in _verify(filled, key)


def test_entries_beyond_the_newest_head_are_reported(
    filled: Engine, key: Ed25519PrivateKey
) -> None:
    with filled.begin() as conn:
        SqlLedger(conn).append([b"slipped in"])
    assert _verify(filled, key) == "entry 100: not covered by any signed head (101 entries stored)"


def test_heads_signed_by_another_key_are_reported(filled: Engine, key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    assert _verify(filled, other).startswith("head at tree size 10: tree head's log_id")


@pytest.mark.parametrize("chunk", [1, 3, 64, 4096])
def test_chunk_size_does_not_change_the_verdict(
    filled: Engine, key: Ed25519PrivateKey, chunk: int
) -> None:
    assert _verify(filled, key, chunk=chunk) == "ok"
    with filled.begin() as conn:
        _flip_column(conn, ledger_nodes, "hash", {"level": 2, "idx": 11})
    assert _verify(filled, key, chunk=chunk) == (
        "entries 44..47: stored subtree hash (2, 11) does not match them"
    )
