"""``MerkleLog``: roots, proofs and appends over any store of perfect-subtree hashes.

The store only has to answer :class:`~coldcheck.ledger.proofs.HashReader.get`;
``MerkleLog`` says what to write. ``MemoryHashStore`` is the in-memory store
used by tests and by the in-memory adapters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from coldcheck.ledger import proofs
from coldcheck.ledger.proofs import HashReader
from coldcheck.ledger.tree import CompactRange, NodeId, root_nodes

__all__ = ["MemoryHashStore", "MerkleLog"]


class MerkleLog:
    """RFC 9162 operations on a log whose perfect-subtree hashes live in ``reader``."""

    def __init__(self, reader: HashReader) -> None:
        self.reader = reader

    def compact_range(self, size: int) -> CompactRange:
        """The accumulator for ``[0, size)``, loaded from at most log2(size)+1 stored hashes."""
        return CompactRange(size, self.reader.get(root_nodes(size)))

    def append_nodes(self, size: int, leaf_hashes: Iterable[bytes]) -> list[tuple[NodeId, bytes]]:
        """Stored nodes (level 0 included) to write when ``leaf_hashes`` follow ``size`` leaves."""
        return self.compact_range(size).extend_collect(leaf_hashes)

    def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves."""
        return proofs.tree_root(self.reader, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 audit path for leaf ``index`` in the tree of ``size`` leaves."""
        return proofs.inclusion_proof(self.reader, index, size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 consistency proof from ``first`` to ``second`` leaves."""
        return proofs.consistency_proof(self.reader, first, second)


class MemoryHashStore:
    """A dict of stored nodes that is a ``HashReader``; ``append`` keeps it up to date."""

    def __init__(self) -> None:
        self.nodes: dict[NodeId, bytes] = {}
        self.size = 0

    def get(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """The hashes of ``nodes``; ``KeyError`` names the first missing one."""
        return [self.nodes[n] for n in nodes]

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append leaf hashes, storing every node they complete."""
        self.nodes.update(MerkleLog(self).append_nodes(self.size, leaf_hashes))
        self.size += len(leaf_hashes)
