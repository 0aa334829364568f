"""The bundle's single-file verifier agrees with coldcheck's own ledger, part by part.

``verify_bundle.py`` is a second implementation (it must stand alone inside every bundle):
its RFC 9162 proofs, signed-note and vkey parsing and fingerprint are held to the ledger's
on every tree size up to 70, and the fingerprint to a golden vector.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger import verify_bundle as v
from coldcheck.ledger.checkpoint import log_vkey, make_checkpoint_note
from coldcheck.ledger.cosignature import CosignatureSigner
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.paper import fingerprint
from coldcheck.ledger.records import commit_record

LEAVES = [b"entry %d" % i for i in range(70)]


@pytest.fixture(scope="module")
def log() -> MerkleLog:
    store = MemoryHashStore()
    store.append([leaf_hash(e) for e in LEAVES])
    return MerkleLog(store)


def test_inclusion_proofs_of_the_ledger_verify_in_the_standalone_verifier(log: MerkleLog) -> None:
    for size in range(1, 71):
        root = log.root(size)
        for index in range(size):
            path = log.inclusion_proof(index, size)
            assert v.inclusion_ok(v.leaf_hash(LEAVES[index]), index, size, path, root)
            assert not v.inclusion_ok(v.leaf_hash(b"other"), index, size, path, root)


def test_consistency_proofs_of_the_ledger_verify_in_the_standalone_verifier(
    log: MerkleLog,
) -> None:
    for second in range(1, 71):
        for first in range(1, second + 1):
            proof = log.consistency_proof(first, second)
            assert v.consistency_ok(first, second, proof, log.root(first), log.root(second))
            if first < second:
                assert not v.consistency_ok(first, second, proof, log.root(second), log.root(first))


def test_the_fingerprint_is_the_same_in_both_and_matches_its_golden_vector() -> None:
    text = "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    # printf 'coldcheck checkpoint fingerprint v1\nexample.com/log\n5\nAAAA…A=\n' | sha256sum
    #   = 9870eb401c3d5126 0833…; 0x9870eb401c3d5126 mod 10**12 = 151740854566
    digest = hashlib.sha256(b"coldcheck checkpoint fingerprint v1\n" + text.encode()).digest()
    n = int.from_bytes(digest[:8], "big") % 10**12
    expected = f"{n:012d}"
    assert (
        fingerprint(text) == v.fingerprint(text) == f"{expected[:4]} {expected[4:8]} {expected[8:]}"
    )
    assert fingerprint(text) == "1517 4085 4566"


def test_a_commit_record_is_canonical_json_with_its_previous_head() -> None:
    # the bytes of the first commit record of a log: nothing before it
    assert commit_record(1, 1764590400000, None) == (
        b'{"previous":null,"record":"commit","seq":1,"timestamp":1764590400000}'
    )


def test_notes_vkeys_and_cosignatures_read_the_same_in_both() -> None:
    key = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
    note = make_checkpoint_note("example.com/log", 5, b"\x00" * 32, key)
    vkey = v.parse_vkey(log_vkey("example.com/log", key), "vkey")
    parsed = v.parse_note(note, "note")
    assert v.log_signed(parsed, vkey)
    assert v.Checkpoint.parse(parsed.text, "note").size == 5
    witness = CosignatureSigner("w.example/1", Ed25519PrivateKey.generate(), clock=lambda: 1234)
    cosigned = note + witness.cosign(parsed.text).line().encode()
    wkey = v.parse_vkey(witness.vkey, "witness")
    assert v.cosigned_at(v.parse_note(cosigned, "note"), wkey) == 1234
    assert v.cosigned_at(parsed, wkey) is None
    other = v.parse_vkey(log_vkey("example.com/log", Ed25519PrivateKey.generate()), "other")
    assert not v.log_signed(parsed, other)
