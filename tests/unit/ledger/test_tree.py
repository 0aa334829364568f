"""Which stored nodes: compact ranges, appends, and how few hashes a proof reads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.tree import (
    CompactRange,
    consistency_nodes,
    coverage,
    inclusion_nodes,
    nodes_created_by_append,
    range_nodes,
    root_nodes,
)


def test_a_node_covers_a_power_of_two_aligned_range() -> None:
    assert coverage((0, 5)) == (5, 6)
    assert coverage((3, 2)) == (16, 24)


def test_the_root_of_13_leaves_is_folded_from_three_perfect_subtrees() -> None:
    # 13 = 8 + 4 + 1
    assert root_nodes(13) == [(3, 0), (2, 2), (0, 12)]
    assert root_nodes(0) == []


@given(st.integers(0, 5000), st.integers(0, 5000))
def test_a_compact_range_tiles_its_range_with_at_most_two_nodes_per_level(a: int, b: int) -> None:
    begin, end = min(a, b), max(a, b)
    nodes = range_nodes(begin, end)
    pos = begin
    for node in nodes:
        start, stop = coverage(node)
        assert start == pos
        pos = stop
    assert pos == end
    levels = [lvl for lvl, _ in nodes]
    assert all(levels.count(lvl) <= 2 for lvl in levels)


def test_appending_leaf_7_completes_four_nodes() -> None:
    assert nodes_created_by_append(7) == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert nodes_created_by_append(4) == [(0, 4)]


@given(st.integers(0, 2000))
def test_append_creates_exactly_the_nodes_that_become_perfect(size: int) -> None:
    created = set(nodes_created_by_append(size))
    for level in range(12):
        width = 1 << level
        node = (level, size >> level)
        complete_now = (size + 1) % width == 0
        assert (node in created) == complete_now


@given(st.integers(1, 1 << 40), st.data())
def test_proofs_read_logarithmically_many_nodes(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    bound = 2 * size.bit_length() + 2
    assert len(inclusion_nodes(index, size).ids) <= bound
    assert len(consistency_nodes(first, size).ids) <= bound
    for node in inclusion_nodes(index, size).ids + consistency_nodes(first, size).ids:
        assert coverage(node)[1] <= size  # only perfect subtrees inside the tree


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_a_compact_range_reports_every_node_it_completes(entries: list[bytes]) -> None:
    seen: dict[tuple[int, int], bytes] = {}
    cr = CompactRange()
    cr.extend((leaf_hash(e) for e in entries), lambda n, h: seen.__setitem__(n, h))
    store = MemoryHashStore()
    store.append([leaf_hash(e) for e in entries])
    assert seen == store.nodes
    assert cr.root() == MerkleLog(store).root(len(entries))


def test_append_nodes_continues_an_existing_log_from_its_peaks_only() -> None:
    store = MemoryHashStore()
    store.append([leaf_hash(b"%d" % i) for i in range(11)])
    created = MerkleLog(store).append_nodes(11, [leaf_hash(b"11")])
    assert [n for n, _ in created] == [(0, 11), (1, 5), (2, 2)]


@given(st.integers(0, 100), st.lists(st.binary(max_size=4), max_size=40))
def test_extend_collect_reports_what_visit_reports(start: int, entries: list[bytes]) -> None:
    base = [leaf_hash(b"%d" % i) for i in range(start)]
    a, b = CompactRange(), CompactRange()
    a.extend(base)
    b.extend(base)
    seen: list[tuple[tuple[int, int], bytes]] = []
    a.extend((leaf_hash(e) for e in entries), lambda n, h: seen.append((n, h)))
    assert b.extend_collect(leaf_hash(e) for e in entries) == seen
    assert (a.size, a.peaks) == (b.size, b.peaks)
