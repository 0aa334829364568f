"""Proofs served over HTTP equal those of an independent RFC 9162 implementation.

The reference (``mth``, ``path``, ``proof``) is RFC 9162 §2.1 written out
recursively in tests/unit/ledger/test_proofs.py, sharing no code with
coldcheck's ledger; here it is fed the entry bytes the API serves.
"""

from __future__ import annotations

import base64

import httpx

from tests.conftest import Server
from tests.unit.ledger.test_proofs import mth, path, proof


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
    leaves = [b64(e["entry"]) for e in entries]
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
    assert all("entry" not in e and e["leaf_hash"] for e in anonymous["entries"])
    bad = httpx.get(f"{url}/ledger/entries", params={"start": 0, "end": 5000})
    assert bad.status_code == 400 and "1000" in bad.json()["detail"]
    key = httpx.get(f"{url}/ledger/key").json()
    import hashlib

    assert hashlib.sha256(b64(key["public_key"])).digest() == b64(key["log_id"])
