"""What an attacker does to a SQLite data folder: with plain SQL and hashlib, or with the key.

Used by the tests that must catch them (tamper, witnesses, the server's refusal to sign).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import sign_head
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.tree import CompactRange

DB = "coldcheck.sqlite3"


def _entries(db: sqlite3.Connection) -> list[bytes]:
    return [bytes(e) for (e,) in db.execute("select entry from ledger_entries order by idx")]


def first_entry_holding(data: Path, needle: bytes) -> int:
    """The position of the first entry of the log in ``data`` whose bytes hold ``needle``."""
    with sqlite3.connect(data / DB) as db:
        return next(i for i, e in enumerate(_entries(db)) if needle in e)


def _write_tree(db: sqlite3.Connection, entries: list[bytes]) -> MemoryHashStore:
    store = MemoryHashStore()
    store.append([leaf_hash(e) for e in entries])
    db.execute("delete from ledger_nodes")
    db.executemany(
        "insert into ledger_nodes(level, idx, hash) values (?, ?, ?)",
        [(lvl, i, h) for (lvl, i), h in store.nodes.items() if lvl > 0],
    )
    db.executemany(
        "update ledger_entries set entry = ?, leaf_hash = ? where idx = ?",
        [(e, leaf_hash(e), i) for i, e in enumerate(entries)],
    )
    return store


def rewrite_without_key(data: Path, index: int, old: bytes, new: bytes) -> int:
    """Change entry ``index``, recompute its leaf and every subtree hash, delete the heads
    from it on (they no longer verify): what plain SQL and hashlib can do. The newest
    head left is the one before ``index``; its tree size is returned."""
    with sqlite3.connect(data / DB) as db:
        entries = _entries(db)
        assert old in entries[index], f"entry {index} does not hold {old!r}"
        entries[index] = entries[index].replace(old, new)
        _write_tree(db, entries)
        db.execute("delete from ledger_heads where tree_size > ?", (index,))
        (kept,) = db.execute("select max(tree_size) from ledger_heads").fetchone()
        db.commit()
        db.execute("pragma wal_checkpoint(truncate)")
    return int(kept)


def rewrite_with_key(
    data: Path, key: Ed25519PrivateKey, index: int, old: bytes, new: bytes
) -> None:
    """Change entry ``index`` and re-sign everything after it, consistently: every stored
    hash, every head (same sizes and times) and every commit record's link to the head
    before it. Nothing in the data folder can tell; only a copy held outside can."""
    with sqlite3.connect(data / DB) as db:
        entries = _entries(db)
        assert old in entries[index], f"entry {index} does not hold {old!r}"
        entries[index] = entries[index].replace(old, new)
        heads = dict(db.execute("select tree_size, timestamp_ms from ledger_heads").fetchall())
        cr = CompactRange()
        previous: tuple[int, bytes, int] | None = None
        signed = []
        for i, entry in enumerate(entries):
            if not entry.startswith(b'{"at":'):
                fields = json.loads(entry)
                if fields.get("record") == "commit" and fields["previous"] is not None:
                    assert previous is not None
                    fields["previous"]["root_hash"] = base64.b64encode(previous[1]).decode()
                    entries[i] = entry = canonical_json(fields)
            cr.append(leaf_hash(entry))
            if i + 1 in heads:
                head = sign_head(key, i + 1, cr.root(), int(heads[i + 1]))
                previous = (head.tree_size, head.root_hash, head.timestamp)
                signed.append(head)
        store = _write_tree(db, entries)
        assert MerkleLog(store).root(len(entries)) == cr.root()
        db.executemany(
            "update ledger_heads set root_hash = ?, signature = ? where tree_size = ?",
            [(h.root_hash, h.signature, h.tree_size) for h in signed],
        )
        db.commit()
        db.execute("pragma wal_checkpoint(truncate)")
