"""Roots and proofs from stored nodes equal RFC 9162's recursive definitions, and verify.

``mth``, ``path`` and ``subproof`` below are written straight from RFC 9162
§2.1.1, §2.1.3.1 and §2.1.4.1 with hashlib only; they share no code with
``coldcheck.ledger`` and are the independent reference for every test here.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coldcheck.ledger.errors import ProofError, RootMismatch
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.proofs import (
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

# --- the reference: RFC 9162 §2.1, verbatim ---------------------------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1."""
    if not d:
        return _sha256(b"")
    if len(d) == 1:
        return _sha256(b"\x00" + d[0])
    k = _k(len(d))
    return _sha256(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    if len(d) <= 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1."""
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 (0 < m < n)."""
    return subproof(m, d, True)


# --- the RFC 6962 reference tree ---------------------------------------------
# The 8 leaves used by Certificate Transparency's merkle_tree_test.cc and
# transparency-dev/merkle rfc6962_test.go / testonly. Every hex value below is
# what `mth`/`path`/`proof` above print for these leaves, and equals the value
# published in those test suites.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
H_96A2 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
H_5F08 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
H_6B47 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
H_BC1A = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
H_CA85 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
H_0EBC = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
INCLUSION = [  # (index, tree size, audit path)
    (0, 1, []),
    (0, 8, [H_96A2, H_5F08, H_6B47]),
    (5, 8, [H_BC1A, H_CA85, ROOTS[4]]),
    (2, 3, [ROOTS[2]]),
    (1, 5, [ROOTS[1], H_5F08, H_BC1A]),
]
CONSISTENCY = [  # (size1, size2, proof)
    (1, 1, []),
    (1, 8, [H_96A2, H_5F08, H_6B47]),
    (6, 8, [H_0EBC, H_CA85, ROOTS[4]]),
    (2, 5, [H_5F08, H_BC1A]),
]


def _log(leaves: list[bytes]) -> MerkleLog:
    store = MemoryHashStore()
    store.append([leaf_hash(x) for x in leaves])
    return MerkleLog(store)


def _hex(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def test_the_reference_implementation_reproduces_the_published_roots() -> None:
    assert {n: mth(LEAVES[:n]).hex() for n in ROOTS} == ROOTS


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_roots_from_stored_nodes_match_the_reference_tree(size: int) -> None:
    assert _log(LEAVES).root(size).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs_match_the_reference_tree(
    index: int, size: int, expected: list[str]
) -> None:
    assert _hex(path(index, LEAVES[:size])) == expected
    got = _log(LEAVES).inclusion_proof(index, size)
    assert _hex(got) == expected
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, got, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("size1", "size2", "expected"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_tree(
    size1: int, size2: int, expected: list[str]
) -> None:
    if size1 < size2:
        assert _hex(proof(size1, LEAVES[:size2])) == expected
    got = _log(LEAVES).consistency_proof(size1, size2)
    assert _hex(got) == expected
    verify_consistency(size1, size2, got, bytes.fromhex(ROOTS[size1]), bytes.fromhex(ROOTS[size2]))


# --- every size up to ~300, against the reference ----------------------------


def _leaves(n: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(n)]


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, 300))
    return size, draw(st.integers(0, size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(1, 300))
    return draw(st.integers(1, size2)), size2


@settings(max_examples=150, deadline=None)
@given(tree_and_index())
def test_every_inclusion_proof_equals_rfc_path_and_verifies(case: tuple[int, int]) -> None:
    size, index = case
    leaves = _leaves(size)
    got = _log(leaves).inclusion_proof(index, size)
    assert got == path(index, leaves)
    verify_inclusion(leaf_hash(leaves[index]), index, size, got, mth(leaves))


@settings(max_examples=150, deadline=None)
@given(two_sizes())
def test_every_consistency_proof_equals_rfc_proof_and_verifies(case: tuple[int, int]) -> None:
    size1, size2 = case
    leaves = _leaves(size2)
    got = _log(leaves).consistency_proof(size1, size2)
    assert got == (proof(size1, leaves) if size1 < size2 else [])
    verify_consistency(size1, size2, got, mth(leaves[:size1]), mth(leaves))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300))
def test_a_log_of_any_size_has_the_rfc_root(size: int) -> None:
    leaves = _leaves(size)
    assert _log(leaves).root(size) == mth(leaves)


def test_all_small_trees_exhaustively() -> None:
    leaves = _leaves(40)
    log = _log(leaves)
    for n in range(1, 41):
        for m in range(n):
            assert log.inclusion_proof(m, n) == path(m, leaves[:n])
            assert log.consistency_proof(m + 1, n) == (
                proof(m + 1, leaves[:n]) if m + 1 < n else []
            )


# --- tampering: any flipped bit is caught ------------------------------------


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


@st.composite
def inclusion_case(draw: st.DrawFn) -> tuple[int, int, str, int, int]:
    size, index = draw(tree_and_index())
    target = draw(st.sampled_from(["leaf", "root", "proof"] if size > 1 else ["leaf", "root"]))
    element = draw(st.integers(0, 63))
    bit = draw(st.integers(0, 255))
    return size, index, target, element, bit


@settings(max_examples=200, deadline=None)
@given(inclusion_case())
def test_a_flipped_bit_anywhere_fails_inclusion_verification(
    case: tuple[int, int, str, int, int],
) -> None:
    size, index, target, element, bit = case
    leaves = _leaves(size)
    leaf, root = leaf_hash(leaves[index]), mth(leaves)
    audit = _log(leaves).inclusion_proof(index, size)
    if target == "leaf":
        leaf = _flip(leaf, bit)
    elif target == "root":
        root = _flip(root, bit)
    else:
        i = element % len(audit)
        audit[i] = _flip(audit[i], bit)
    with pytest.raises(RootMismatch):
        verify_inclusion(leaf, index, size, audit, root)


@st.composite
def consistency_case(draw: st.DrawFn) -> tuple[int, int, str, int, int]:
    size1, size2 = draw(two_sizes().filter(lambda s: s[0] < s[1]))
    target = draw(st.sampled_from(["root1", "root2", "proof"]))
    return size1, size2, target, draw(st.integers(0, 63)), draw(st.integers(0, 255))


@settings(max_examples=200, deadline=None)
@given(consistency_case())
def test_a_flipped_bit_anywhere_fails_consistency_verification(
    case: tuple[int, int, str, int, int],
) -> None:
    size1, size2, target, element, bit = case
    leaves = _leaves(size2)
    root1, root2 = mth(leaves[:size1]), mth(leaves)
    cproof = _log(leaves).consistency_proof(size1, size2)
    if target == "root1":
        root1 = _flip(root1, bit)
    elif target == "root2":
        root2 = _flip(root2, bit)
    else:
        i = element % len(cproof)
        cproof[i] = _flip(cproof[i], bit)
    with pytest.raises(RootMismatch):
        verify_consistency(size1, size2, cproof, root1, root2)


# --- malformed proofs and arguments ------------------------------------------


def test_root_mismatch_carries_both_roots() -> None:
    leaves = _leaves(5)
    wrong = mth(leaves[:4])
    with pytest.raises(RootMismatch) as info:
        verify_inclusion(leaf_hash(leaves[1]), 1, 5, path(1, leaves), wrong)
    assert info.value.expected == wrong
    assert info.value.calculated == mth(leaves)
    assert isinstance(info.value, ProofError)


def test_an_inclusion_proof_with_a_hash_too_many_or_too_few_is_a_proof_error() -> None:
    leaves = _leaves(6)
    audit = path(2, leaves)
    for bad in (audit[:-1], [*audit, audit[0]], []):
        with pytest.raises(ProofError):
            verify_inclusion(leaf_hash(leaves[2]), 2, 6, bad, mth(leaves))


def test_an_index_beyond_the_tree_is_a_proof_error() -> None:
    leaves = _leaves(4)
    with pytest.raises(ProofError, match="beyond"):
        root_from_inclusion_proof(leaf_hash(b"x"), 4, 4, path(3, leaves))


def test_a_proof_element_of_the_wrong_length_is_a_proof_error() -> None:
    leaves = _leaves(4)
    with pytest.raises(ProofError, match="bytes"):
        verify_inclusion(leaf_hash(leaves[0]), 0, 4, [b"short", b"x" * 32], mth(leaves))


def test_consistency_edge_cases() -> None:
    leaves = _leaves(7)
    r7 = mth(leaves)
    verify_consistency(7, 7, [], r7, r7)
    verify_consistency(0, 7, [], mth([]), r7)
    with pytest.raises(RootMismatch):
        verify_consistency(7, 7, [], r7, mth(leaves[:6]))
    with pytest.raises(ProofError):
        verify_consistency(7, 7, [r7], r7, r7)
    with pytest.raises(ProofError):
        verify_consistency(0, 7, [r7], mth([]), r7)
    with pytest.raises(ProofError):
        verify_consistency(7, 6, [], r7, r7)
    with pytest.raises(ProofError, match="empty"):
        verify_consistency(3, 7, [], mth(leaves[:3]), r7)
    good = proof(3, leaves)
    for bad in (good[:-1], [*good, good[0]]):
        with pytest.raises(ProofError):
            verify_consistency(3, 7, bad, mth(leaves[:3]), r7)


def test_proof_generation_refuses_out_of_range_arguments() -> None:
    log = _log(_leaves(4))
    with pytest.raises(ValueError):
        log.inclusion_proof(4, 4)
    with pytest.raises(ValueError):
        log.consistency_proof(3, 2)
