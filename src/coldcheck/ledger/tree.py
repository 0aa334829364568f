"""Which nodes: RFC 9162 §2.1 tree shape over stored perfect subtrees.

The log stores only *perfect* subtrees, addressed as ``(level, index)``: node
``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)``.
Level 0 nodes are leaf hashes. A perfect node never changes once all its
leaves exist, so it can be written once, at append time, and read forever.

Any range ``[begin, end)`` is covered by a *compact range*: the fewest
perfect nodes that tile it (at most two per level). The RFC 9162 tree of
``size`` leaves is the right fold of the compact range ``[0, size)``; every
"ragged" (imperfect) node of that tree is the right fold of a compact range,
so roots and proofs need only O(log n) stored hashes.

This module only does index arithmetic and is shaped like transparency-dev's
``merkle/compact/range.go`` and ``merkle/proof/proof.go``; hashing happens in
:class:`CompactRange` and :meth:`ProofNodes.rehash`, with the hash function
passed in (RFC 9162 :func:`~coldcheck.ledger.hashing.node_hash` by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from coldcheck.ledger.errors import OutOfRange
from coldcheck.ledger.hashing import EMPTY_ROOT, node_hash

__all__ = [
    "CompactRange",
    "HashChildren",
    "NodeId",
    "ProofNodes",
    "consistency_nodes",
    "coverage",
    "fold_right",
    "inclusion_nodes",
    "nodes_created_by_append",
    "range_nodes",
    "root_nodes",
]

NodeId = tuple[int, int]
"""``(level, index)`` of a perfect subtree: leaves ``[index << level, (index + 1) << level)``."""

HashChildren = Callable[[bytes, bytes], bytes]


def coverage(node: NodeId) -> tuple[int, int]:
    """The half-open leaf range ``[begin, end)`` a node covers."""
    level, index = node
    return index << level, (index + 1) << level


def _decompose(begin: int, end: int) -> tuple[int, int]:
    """Level bitmasks of the left and right parts of the compact range [begin, end)."""
    if begin == 0:
        return 0, end
    xbegin = begin - 1
    d = (xbegin ^ end).bit_length() - 1
    mask = (1 << d) - 1
    return ~xbegin & mask, end & mask


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The compact range covering leaves ``[begin, end)``, left to right."""
    if not 0 <= begin <= end:
        raise OutOfRange(f"invalid range [{begin}, {end})")
    if begin == end:
        return []
    left, right = _decompose(begin, end)
    nodes: list[NodeId] = []
    pos = begin
    level = 0
    while left:
        if left & 1:
            nodes.append((level, pos >> level))
            pos += 1 << level
        left >>= 1
        level += 1
    for level in range(right.bit_length() - 1, -1, -1):
        if right >> level & 1:
            nodes.append((level, pos >> level))
            pos += 1 << level
    return nodes


def root_nodes(size: int) -> list[NodeId]:
    """The stored nodes whose right fold is the root of a tree of ``size`` leaves."""
    return range_nodes(0, size)


def nodes_created_by_append(size: int) -> list[NodeId]:
    """The perfect nodes completed when leaf number ``size`` (0-based) is appended, bottom up."""
    if size < 0:
        raise OutOfRange("size must be non-negative")
    created: list[NodeId] = [(0, size)]
    n = size + 1
    level = 1
    while n & ((1 << level) - 1) == 0:
        created.append((level, (n >> level) - 1))
        level += 1
    return created


def fold_right(hashes: Sequence[bytes], hash_children: HashChildren = node_hash) -> bytes:
    """``H(h0, H(h1, ... H(h[-2], h[-1])))``: the RFC 9162 root of a compact range."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = hash_children(h, acc)
    return acc


@dataclass(frozen=True)
class ProofNodes:
    """The stored nodes a proof needs, and how to turn their hashes into the proof.

    ``ids[begin:end]`` (left to right) fold into one *ephemeral* hash: the
    imperfect right-edge node of the RFC tree. Every other id is one proof
    element as is. The proof is ordered from the leaf (or seed) up to the root.
    """

    ids: tuple[NodeId, ...]
    begin: int = 0
    end: int = 0

    def rehash(
        self, hashes: Sequence[bytes], hash_children: HashChildren = node_hash
    ) -> list[bytes]:
        """The RFC 9162 proof, given the hashes of ``ids`` in the same order."""
        if len(hashes) != len(self.ids):
            raise ValueError(f"expected {len(self.ids)} hashes, got {len(hashes)}")
        proof = list(hashes[: self.begin])
        if self.end > self.begin:
            proof.append(fold_right(hashes[self.begin : self.end], hash_children))
        proof.extend(hashes[max(self.end, self.begin) :])
        return proof


def _path_nodes(index: int, level: int, size: int) -> tuple[list[NodeId], int, int]:
    """Nodes of the RFC 9162 audit path from node (level, index) to the root of ``size`` leaves.

    Returns ``(ids, begin, end)`` with ``ids[0]`` the seed node itself.
    """
    # The fork is where the path to (level, index) leaves the right edge of the
    # tree; its sibling is the ephemeral (imperfect) node, or nothing at all.
    inner = (index ^ (size >> level)).bit_length() - 1
    fork_level = level + inner
    fork_begin, fork_end = coverage((fork_level, index >> inner))
    ids: list[NodeId] = [(level, index)]
    lvl, idx = level, index
    while lvl < fork_level:
        ids.append((lvl, idx ^ 1))
        lvl, idx = lvl + 1, idx >> 1
    begin = len(ids)
    ids.extend(range_nodes(fork_end, size))
    end = len(ids)
    ids.extend(reversed(range_nodes(0, fork_begin)))
    return ids, begin, end


def inclusion_nodes(index: int, size: int) -> ProofNodes:
    """Stored nodes for the inclusion proof of leaf ``index`` in a tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise OutOfRange(f"index {index} out of range for tree size {size}")
    ids, begin, end = _path_nodes(index, 0, size)
    return ProofNodes(tuple(ids[1:]), begin - 1, end - 1)


def consistency_nodes(size1: int, size2: int) -> ProofNodes:
    """Stored nodes for the consistency proof from ``size1`` to ``size2`` leaves."""
    if not 0 <= size1 <= size2:
        raise OutOfRange(f"invalid consistency range {size1} -> {size2}")
    if size1 == size2 or size1 == 0:
        return ProofNodes(())
    # The biggest perfect subtree that ends at size1 is the seed.
    level = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> level
    ids, begin, end = _path_nodes(index, level, size2)
    if index == 0:
        # size1 is a power of two: the seed is the old root, which the verifier knows.
        return ProofNodes(tuple(ids[1:]), begin - 1, end - 1)
    return ProofNodes(tuple(ids), begin, end)


@dataclass
class CompactRange:
    """Accumulator for the compact range ``[0, size)``: O(log n) memory, O(1) amortised append.

    ``peaks`` are the hashes of :func:`root_nodes` ``(size)``, left to right.
    Appending a leaf merges equal-sized peaks; each merge completes a stored
    node, reported to ``visit``.
    """

    size: int = 0
    peaks: list[bytes] = field(default_factory=list)
    hash_children: HashChildren = node_hash

    def __post_init__(self) -> None:
        if len(self.peaks) != self.size.bit_count():
            raise ValueError(f"a range of {self.size} leaves has {self.size.bit_count()} peaks")

    def append(self, leaf: bytes, visit: Callable[[NodeId, bytes], None] | None = None) -> None:
        """Append one leaf hash, calling ``visit(node, hash)`` for every node it completes."""
        index = self.size
        h = leaf
        if visit is not None:
            visit((0, index), h)
        level = 0
        while index >> level & 1:
            h = self.hash_children(self.peaks.pop(), h)
            level += 1
            if visit is not None:
                visit((level, index >> level), h)
        self.peaks.append(h)
        self.size += 1

    def extend(
        self, leaves: Iterable[bytes], visit: Callable[[NodeId, bytes], None] | None = None
    ) -> None:
        """Append many leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf, visit)

    def extend_collect(self, leaves: Iterable[bytes]) -> list[tuple[NodeId, bytes]]:
        """Append leaf hashes; return every node they complete, in completion order.

        The same as :meth:`extend` with a collecting ``visit``, unrolled: it is
        the inner loop of every append.
        """
        created: list[tuple[NodeId, bytes]] = []
        add = created.append
        peaks = self.peaks
        hash_children = self.hash_children
        size = self.size
        for h in leaves:
            add(((0, size), h))
            index = size
            level = 0
            while index & 1:
                h = hash_children(peaks.pop(), h)
                level += 1
                index >>= 1
                add(((level, index), h))
            peaks.append(h)
            size += 1
        self.size = size
        return created

    def root(self) -> bytes:
        """The RFC 9162 root of the ``size`` leaves appended so far."""
        return fold_right(self.peaks, self.hash_children)
