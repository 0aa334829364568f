"""coldcheck ledger: an RFC 9162 Merkle log with signed heads, proofs and evidence bundles.

Pure: bytes in, bytes out; depends on the standard library and
``cryptography`` only, and knows nothing of weapons.

- :mod:`.canonical`  RFC 8785 canonical JSON (``canonical_json``)
- :mod:`.hashing`    ``leaf_hash``, ``node_hash``, ``EMPTY_ROOT``
- :mod:`.tree`       which stored nodes a root / proof / append needs; ``CompactRange``
- :mod:`.proofs`     proof generation from a ``HashReader``; ``verify_inclusion``,
  ``verify_consistency``
- :mod:`.merkle_log` ``MerkleLog`` over any ``HashReader``; ``MemoryHashStore``
- :mod:`.heads`      ``SignedTreeHead``, ``sign_head``, ``verify_head``
- :mod:`.bundle`     ``build_bundle``, ``verify_bundle`` -> ``BundleReport``
- :mod:`.errors`     ``LedgerError`` and its subclasses
"""

from coldcheck.ledger.bundle import BundleEntry, BundleReport, build_bundle, verify_bundle
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.errors import (
    BadSignature,
    BundleError,
    CanonicalJsonError,
    LedgerError,
    MalformedHead,
    OutOfRange,
    ProofError,
    RootMismatch,
    WrongLog,
)
from coldcheck.ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from coldcheck.ledger.heads import (
    SignedTreeHead,
    log_id_for,
    public_key_raw,
    sign_head,
    verify_head,
)
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.proofs import HashReader, verify_consistency, verify_inclusion
from coldcheck.ledger.tree import CompactRange, NodeId

__all__ = [
    "EMPTY_ROOT",
    "BadSignature",
    "BundleEntry",
    "BundleError",
    "BundleReport",
    "CanonicalJsonError",
    "CompactRange",
    "HashReader",
    "LedgerError",
    "MalformedHead",
    "MemoryHashStore",
    "MerkleLog",
    "NodeId",
    "OutOfRange",
    "ProofError",
    "RootMismatch",
    "SignedTreeHead",
    "WrongLog",
    "build_bundle",
    "canonical_json",
    "leaf_hash",
    "log_id_for",
    "node_hash",
    "public_key_raw",
    "sign_head",
    "verify_bundle",
    "verify_consistency",
    "verify_head",
    "verify_inclusion",
]
