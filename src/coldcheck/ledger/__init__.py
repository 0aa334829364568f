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
- :mod:`.bundle`     the evidence bundle's zip (``build_zip``); :mod:`.verify_bundle`, the
  single-file verifier every bundle carries (``verify`` -> ``Report``)
- :mod:`.records`    ledger records that are not events: commit, subject-index, security
- :mod:`.chain`      heads that cannot be dropped: ``check_extends``, ``commit_time``,
  ``ChainCheck``
- :mod:`.paper`      the checkpoint fingerprint people read aloud
- :mod:`.errors`     ``LedgerError`` and its subclasses

The C2SP formats (see README "Witnesses (C2SP)"):

- :mod:`.note`       c2sp.org/signed-note: ``parse_note``, ``open_note``, ``sign_note``,
  ``Ed25519Signer`` / ``Ed25519Verifier``, vkeys (``parse_vkey``, ``VerifierKey``), ``key_id``
- :mod:`.checkpoint` c2sp.org/tlog-checkpoint: ``Checkpoint``, ``make_checkpoint_note``,
  ``log_vkey``, ``open_checkpoint``, ``check_origin``
- :mod:`.cosignature` c2sp.org/tlog-cosignature (Ed25519, type 0x04): ``CosignatureSigner``,
  ``CosignatureVerifier``, ``verify_cosignature``, ``cosignatures_on``
- :mod:`.tlog_proof` c2sp.org/tlog-proof@v1: ``build_tlog_proof``, ``parse_tlog_proof``,
  ``verify_tlog_proof``
- :mod:`.witness_protocol` c2sp.org/tlog-witness add-checkpoint messages:
  ``build_add_checkpoint_request``, ``parse_add_checkpoint_request``,
  ``verified_cosignatures``, ``parse_tree_size_body``
- :mod:`.c2sp_errors` ``C2spFormatError``, ``UntrustedNote``, ``BadNoteSignature``
"""

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError, UntrustedNote
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    check_origin,
    log_vkey,
    make_checkpoint_note,
    open_checkpoint,
)
from coldcheck.ledger.cosignature import (
    Cosignature,
    CosignatureSigner,
    CosignatureVerifier,
    cosignatures_on,
    verify_cosignature,
)
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
from coldcheck.ledger.note import (
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    NoteSignature,
    OpenedNote,
    VerifierKey,
    open_note,
    parse_note,
    parse_vkey,
    sign_note,
)
from coldcheck.ledger.proofs import HashReader, verify_consistency, verify_inclusion
from coldcheck.ledger.tlog_proof import (
    TlogProof,
    VerifiedTlogProof,
    build_tlog_proof,
    parse_tlog_proof,
    verify_tlog_proof,
)
from coldcheck.ledger.tree import CompactRange, NodeId
from coldcheck.ledger.witness_protocol import (
    TREE_SIZE_CONTENT_TYPE,
    AddCheckpointRequest,
    build_add_checkpoint_request,
    parse_add_checkpoint_request,
    parse_cosignature_response,
    parse_tree_size_body,
    verified_cosignatures,
)

__all__ = [
    "EMPTY_ROOT",
    "TREE_SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "BadNoteSignature",
    "BadSignature",
    "BundleError",
    "C2spFormatError",
    "CanonicalJsonError",
    "Checkpoint",
    "CompactRange",
    "Cosignature",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519Signer",
    "Ed25519Verifier",
    "HashReader",
    "LedgerError",
    "MalformedHead",
    "MemoryHashStore",
    "MerkleLog",
    "NodeId",
    "Note",
    "NoteSignature",
    "OpenedNote",
    "OutOfRange",
    "ProofError",
    "RootMismatch",
    "SignedCheckpoint",
    "SignedTreeHead",
    "TlogProof",
    "UntrustedNote",
    "VerifiedTlogProof",
    "VerifierKey",
    "WrongLog",
    "build_add_checkpoint_request",
    "build_tlog_proof",
    "canonical_json",
    "check_origin",
    "cosignatures_on",
    "leaf_hash",
    "log_id_for",
    "log_vkey",
    "make_checkpoint_note",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_add_checkpoint_request",
    "parse_cosignature_response",
    "parse_note",
    "parse_tlog_proof",
    "parse_tree_size_body",
    "parse_vkey",
    "public_key_raw",
    "sign_head",
    "sign_note",
    "verified_cosignatures",
    "verify_consistency",
    "verify_cosignature",
    "verify_head",
    "verify_inclusion",
    "verify_tlog_proof",
]
