"""Proofs served over HTTP equal those of an independent RFC 9162 implementation.

The reference (``mth``, ``path``, ``proof``) is RFC 9162 §2.1 written out
recursively in tests/unit/ledger/test_proofs.py, sharing no code with
coldcheck's ledger; here it is fed the entry bytes the API serves.
"""

from __future__ import annotations

import base64
import hashlib

import httpx

from tests.conftest import Server
from tests.unit.ledger.test_proofs import _k


def mth(h: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf hashes."""
    if not h:
        return hashlib.sha256(b"").digest()
    if len(h) == 1:
        return h[0]
    k = _k(len(h))
    return hashlib.sha256(b"\x01" + mth(h[:k]) + mth(h[k:])).digest()


def path(m: int, h: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes."""
    if len(h) <= 1:
        return []
    k = _k(len(h))
    if m < k:
        return [*path(m, h[:k]), mth(h[k:])]
    return [*path(m - k, h[k:]), mth(h[:k])]


def _subproof(m: int, h: list[bytes], b: bool) -> list[bytes]:
    n = len(h)
    if m == n:
        return [] if b else [mth(h)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, h[:k], b), mth(h[k:])]
    return [*_subproof(m - k, h[k:], False), mth(h[:k])]


def proof(m: int, h: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) over leaf hashes."""
    return _subproof(m, h, True)


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_http_proofs_match_the_rfc_reference(demo_server: Server) -> None:
    url = demo_server.url + "/api/v1"
    token = httpx.post(
        f"{url}/auth/token", json={"login": "tom", "password": "dry-gulch-demo"}
    ).json()["token"]
    head = httpx.get(f"{url}/ledger/head").json()
    n = head["tree_size"]
    entries = httpx.get(
        f"{url}/ledger/entries",
        params={"start": 0, "end": n - 1},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["entries"]
    # Security records are served to nobody, only their (public) leaf hashes: the reference
    # is run on the leaf hashes (RFC 9162's MTH with its leaf step already taken).
    for e in entries:
        if "entry" in e:
            assert hashlib.sha256(b"\x00" + b64(e["entry"])).digest() == b64(e["leaf_hash"])
    hidden = [e["index"] for e in entries if "entry" not in e]
    assert len(hidden) < n // 2
    leaves = [b64(e["leaf_hash"]) for e in entries]
    assert len(leaves) == n
    assert mth(leaves) == b64(head["root_hash"])
    for size in (1, 2, 7, n // 2, n - 1, n):
        for index in sorted({0, size // 3, size - 1}):
            got = httpx.get(
                f"{url}/ledger/proof/inclusion", params={"index": index, "tree_size": size}
            ).json()
            assert [b64(h) for h in got["audit_path"]] == path(index, leaves[:size])
            assert b64(got["root_hash"]) == mth(leaves[:size])
        for first in sorted({1, max(1, size // 2), size}):
            got = httpx.get(
                f"{url}/ledger/proof/consistency", params={"first": first, "second": size}
            ).json()
            assert [b64(h) for h in got["consistency_path"]] == proof(first, leaves[:size])


def test_entry_bytes_are_only_for_members_but_hashes_are_public(demo_server: Server) -> None:
    url = demo_server.url + "/api/v1"
    anonymous = httpx.get(f"{url}/ledger/entries", params={"start": 0, "end": 3}).json()
    assert all(e["leaf_hash"] for e in anonymous["entries"])
    # event entries are only for members; a commit record (head links only) is for anyone
    served = [base64.b64decode(e["entry"]) for e in anonymous["entries"] if "entry" in e]
    assert served and all(b'"record":"commit"' in entry for entry in served)
    assert len(served) < len(anonymous["entries"])
    bad = httpx.get(f"{url}/ledger/entries", params={"start": 0, "end": 5000})
    assert bad.status_code == 400 and "1000" in bad.json()["detail"]
    key = httpx.get(f"{url}/ledger/key").json()
    assert hashlib.sha256(b64(key["public_key"])).digest() == b64(key["log_id"])
