"""RFC 9162 §2.1.1 leaf and node hashes, checked against sha256sum."""

from coldcheck.ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash

# printf '' | sha256sum
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# printf '\x00' | sha256sum            (leaf hash of the empty entry)
LEAF_OF_EMPTY = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
# printf '\x00\x00' | sha256sum        (leaf hash of the one-byte entry 0x00)
LEAF_OF_00 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
# (printf '\x01'; printf '\x00' | sha256sum | xxd -r -p;
#  printf '\x00\x00' | sha256sum | xxd -r -p) | sha256sum
NODE_OF_THOSE = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"


def test_the_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == EMPTY_SHA256


def test_a_leaf_hash_prefixes_the_entry_with_a_zero_byte() -> None:
    assert leaf_hash(b"").hex() == LEAF_OF_EMPTY
    assert leaf_hash(b"\x00").hex() == LEAF_OF_00


def test_a_node_hash_prefixes_its_children_with_a_one_byte() -> None:
    assert node_hash(leaf_hash(b""), leaf_hash(b"\x00")).hex() == NODE_OF_THOSE


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) != leaf_hash(left + right)
