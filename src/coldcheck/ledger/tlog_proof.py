"""Offline inclusion proofs in the c2sp.org/tlog-proof@v1 file format (``.tlog-proof``).

A proof file is::

    c2sp.org/tlog-proof@v1
    extra <base64 opaque data>          optional, unauthenticated
    index <0-based entry index, ASCII decimal, no leading zeroes>
    <base64 hash>                       zero or more: the RFC 6962 audit path, leaf's sibling first
    <empty line>
    <the signed checkpoint, verbatim, with any witness cosignatures>

Verifying one (:func:`verify_tlog_proof`) takes what the specification's steps need: the leaf
hash (computed by the application from the entry), the log keys trusted for the origin, the
witness keys known and how many of their cosignatures the policy requires; it checks the
log's signature, the cosignatures, then the inclusion proof against the checkpoint's root.
The ``extra`` data is returned as it came and is never trusted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coldcheck.ledger.c2sp_errors import C2spFormatError
from coldcheck.ledger.checkpoint import Checkpoint, open_checkpoint, parse_decimal
from coldcheck.ledger.cosignature import Cosignature, CosignatureVerifier, cosignatures_on
from coldcheck.ledger.errors import ProofError
from coldcheck.ledger.hashing import HASH_SIZE
from coldcheck.ledger.note import (
    MAX_NOTE_BYTES,
    Note,
    NoteSignature,
    NoteVerifier,
    b64decode_canonical,
    b64encode,
    parse_note,
)
from coldcheck.ledger.proofs import verify_inclusion

__all__ = [
    "MAX_EXTRA_BYTES",
    "MAX_PROOF_HASHES",
    "TLOG_PROOF_HEADER",
    "TlogProof",
    "VerifiedTlogProof",
    "build_tlog_proof",
    "parse_tlog_proof",
    "verify_tlog_proof",
]

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
"""The first line of every proof file."""

MAX_PROOF_HASHES = 63
"""Most audit-path hashes: a tree of at most 2^63-1 leaves is at most 63 levels deep."""

MAX_EXTRA_BYTES = 65_536
"""Largest ``extra`` data accepted, decoded."""

MAX_PROOF_FILE_BYTES = MAX_NOTE_BYTES + 4 * MAX_EXTRA_BYTES // 3 + 4096
"""Largest proof file accepted."""


@dataclass(frozen=True)
class TlogProof:
    """A parsed proof file: entry index, audit path, checkpoint note, optional extra data."""

    index: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint_note: Note
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int):
            raise C2spFormatError("a tlog-proof index must be an integer")
        if not 0 <= self.index < 2**63 - 1:
            raise C2spFormatError("a tlog-proof index must be between 0 and 2^63-2")
        if len(self.inclusion_proof) > MAX_PROOF_HASHES:
            raise C2spFormatError(f"an inclusion proof has at most {MAX_PROOF_HASHES} hashes")
        if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in self.inclusion_proof):
            raise C2spFormatError(f"every inclusion proof hash is {HASH_SIZE} bytes")
        if self.extra is not None and len(self.extra) > MAX_EXTRA_BYTES:
            raise C2spFormatError(f"the extra data must be at most {MAX_EXTRA_BYTES} bytes")
        Checkpoint.from_text(self.checkpoint_note.text)

    @property
    def checkpoint(self) -> Checkpoint:
        """The checkpoint's text, parsed (not yet trusted: see :func:`verify_tlog_proof`)."""
        return Checkpoint.from_text(self.checkpoint_note.text)

    def to_bytes(self) -> bytes:
        """The proof file."""
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(b64encode(h) for h in self.inclusion_proof)
        head = "".join(f"{line}\n" for line in lines) + "\n"
        return head.encode("ascii") + self.checkpoint_note.to_bytes()


def build_tlog_proof(
    index: int,
    inclusion_proof: Sequence[bytes],
    checkpoint_note: bytes,
    *,
    extra: bytes | None = None,
) -> bytes:
    """The proof file for entry ``index``: its RFC 9162 audit path and the signed checkpoint.

    ``checkpoint_note`` is the checkpoint with its log signature and any cosignatures, as
    :func:`coldcheck.ledger.checkpoint.make_checkpoint_note` makes it (plus witness lines).
    """
    return TlogProof(index, tuple(inclusion_proof), parse_note(checkpoint_note), extra).to_bytes()


def parse_tlog_proof(data: bytes) -> TlogProof:
    """Parse a proof file; ``C2spFormatError`` says which line breaks the format."""
    if not isinstance(data, bytes):
        raise TypeError("a tlog-proof file is parsed from bytes")
    if len(data) > MAX_PROOF_FILE_BYTES:
        raise C2spFormatError(f"the proof file is larger than {MAX_PROOF_FILE_BYTES} bytes")
    split = data.find(b"\n\n")
    if split < 0:
        raise C2spFormatError("the proof file has no empty line before its checkpoint")
    try:
        head = data[:split].decode("ascii")
    except UnicodeDecodeError:
        raise C2spFormatError("the lines before the checkpoint must be ASCII") from None
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise C2spFormatError(f"the first line of a proof file must be {TLOG_PROOF_HEADER!r}")
    rest = lines[1:]
    extra: bytes | None = None
    if rest and rest[0].startswith("extra "):
        encoded = rest[0][len("extra ") :]
        if len(encoded) > 4 * MAX_EXTRA_BYTES // 3 + 4:
            raise C2spFormatError(f"the extra data must be at most {MAX_EXTRA_BYTES} bytes")
        extra = b64decode_canonical(encoded, "the extra line")
        rest = rest[1:]
    if not rest or not rest[0].startswith("index "):
        raise C2spFormatError("the proof file needs an 'index <n>' line after its header")
    index = parse_decimal(rest[0][len("index ") :], "the entry index")
    hash_lines = rest[1:]
    if len(hash_lines) > MAX_PROOF_HASHES:
        raise C2spFormatError(f"an inclusion proof has at most {MAX_PROOF_HASHES} hashes")
    proof: list[bytes] = []
    for number, line in enumerate(hash_lines, start=1):
        raw = b64decode_canonical(line, f"inclusion proof hash {number}")
        if len(raw) != HASH_SIZE:
            raise C2spFormatError(f"inclusion proof hash {number} is {len(raw)} bytes, not 32")
        proof.append(raw)
    return TlogProof(index, tuple(proof), parse_note(data[split + 2 :]), extra)


@dataclass(frozen=True)
class VerifiedTlogProof:
    """What a verified proof file establishes, for the entry with the given leaf hash."""

    index: int
    checkpoint: Checkpoint
    log_signatures: tuple[NoteSignature, ...]
    cosignatures: tuple[Cosignature, ...]
    extra: bytes | None


def verify_tlog_proof(
    proof: bytes | TlogProof,
    *,
    leaf_hash: bytes,
    log_keys: Sequence[NoteVerifier],
    origin: str | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    min_cosignatures: int = 0,
) -> VerifiedTlogProof:
    """Verify a proof file for the entry whose RFC 9162 leaf hash is ``leaf_hash``.

    Checks, in the specification's order: the origin (``origin``, if given) and a log signature
    by one of ``log_keys``; the cosignatures of the known ``witnesses`` (unknown ones ignored),
    at least ``min_cosignatures`` of them from distinct witnesses; the inclusion proof.
    Raises ``C2spFormatError``, ``UntrustedNote``/``BadNoteSignature``, or ``ProofError``
    (``RootMismatch`` when the path leads to another root).
    """
    parsed = parse_tlog_proof(proof) if isinstance(proof, bytes) else proof
    signed = open_checkpoint(parsed.checkpoint_note, log_keys, origin=origin)
    cosigs = cosignatures_on(parsed.checkpoint_note, witnesses)
    distinct = {(c.name, c.key_id) for c in cosigs}
    if len(distinct) < min_cosignatures:
        raise ProofError(
            f"the checkpoint carries cosignatures of {len(distinct)} known witnesses;"
            f" {min_cosignatures} are required"
        )
    checkpoint = signed.checkpoint
    verify_inclusion(
        leaf_hash, parsed.index, checkpoint.tree_size, parsed.inclusion_proof, checkpoint.root_hash
    )
    return VerifiedTlogProof(
        parsed.index, checkpoint, signed.opened.verified, tuple(cosigs), parsed.extra
    )
