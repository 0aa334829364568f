"""RFC 9162 inclusion (§2.1.3) and consistency (§2.1.4) proofs.

Generation reads O(log n) stored perfect-subtree hashes through a
:class:`HashReader`; verification is the RFC's §2.1.3.2 / §2.1.4.2
algorithm, step by step, and raises :class:`~coldcheck.ledger.errors.ProofError`
(or its subclass :class:`~coldcheck.ledger.errors.RootMismatch`, carrying the
expected and the calculated root). Indices are 0-based.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Protocol

from coldcheck.ledger.errors import ProofError, RootMismatch
from coldcheck.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from coldcheck.ledger.tree import NodeId, consistency_nodes, fold_right, inclusion_nodes, root_nodes

__all__ = [
    "HashReader",
    "consistency_proof",
    "inclusion_proof",
    "root_from_inclusion_proof",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]


class HashReader(Protocol):
    """Reads stored perfect-subtree hashes by ``(level, index)``."""

    def get(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """The hashes of ``nodes``, in the same order; raises if one is missing."""
        ...


def tree_root(reader: HashReader, size: int) -> bytes:
    """MTH of the first ``size`` leaves, from at most log2(size)+1 stored hashes."""
    return fold_right(reader.get(root_nodes(size)))


def inclusion_proof(reader: HashReader, index: int, size: int) -> list[bytes]:
    """The audit path PATH(index, D[0:size]) of RFC 9162 §2.1.3.1."""
    nodes = inclusion_nodes(index, size)
    return nodes.rehash(reader.get(nodes.ids))


def consistency_proof(reader: HashReader, size1: int, size2: int) -> list[bytes]:
    """The consistency proof PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1 (empty if size1 is 0)."""
    nodes = consistency_nodes(size1, size2)
    return nodes.rehash(reader.get(nodes.ids))


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, expected {HASH_SIZE}")


def _equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root ``proof`` implies for ``leaf_hash`` at ``index`` (RFC 9162 §2.1.3.2, 1-5)."""
    _check_hash("leaf hash", leaf_hash)
    for p in proof:
        _check_hash("proof element", p)
    if index < 0 or tree_size < 0:
        raise ProofError("index and tree size must be non-negative")
    # 1. leaf_index must be less than tree_size.
    if index >= tree_size:
        raise ProofError(f"index {index} is beyond tree size {tree_size}")
    # 2-3.
    fn, sn = index, tree_size - 1
    r = leaf_hash
    # 4.
    for p in proof:
        if sn == 0:
            raise ProofError(f"inclusion proof too long ({len(proof)} hashes)")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # 5.
    if sn != 0:
        raise ProofError(f"inclusion proof too short ({len(proof)} hashes)")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` proves leaf ``index`` with ``leaf_hash`` is in the tree with ``root``.

    Raises ``ProofError`` for a malformed proof, ``RootMismatch`` if it leads elsewhere.
    """
    _check_hash("root", root)
    calculated = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)
    if not _equal(calculated, root):
        raise RootMismatch(root, calculated)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check the tree (``size2``, ``root2``) extends the tree (``size1``, ``root1``).

    Follows RFC 9162 §2.1.4.2; raises ``ProofError`` or ``RootMismatch``.
    Trivial cases: ``size1 == size2`` needs an empty proof and equal roots;
    ``size1 == 0`` needs an empty proof and ``root1`` the empty-tree root.
    """
    _check_hash("first root", root1)
    _check_hash("second root", root2)
    for c in proof:
        _check_hash("proof element", c)
    if size1 < 0 or size2 < 0:
        raise ProofError("tree sizes must be non-negative")
    if size1 > size2:
        raise ProofError(f"first size {size1} is larger than second size {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        if not _equal(root1, root2):
            raise RootMismatch(root1, root2)
        return
    if size1 == 0:
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        if not _equal(root1, EMPTY_ROOT):
            raise RootMismatch(EMPTY_ROOT, root1)
        return
    # 1.
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    # 2.
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # 3.
    fn, sn = size1 - 1, size2 - 1
    # 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof too long ({len(proof)} hashes)")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    if sn != 0:
        raise ProofError(f"consistency proof too short ({len(proof)} hashes)")
    if not _equal(fr, root1):
        raise RootMismatch(root1, fr)
    if not _equal(sr, root2):
        raise RootMismatch(root2, sr)
