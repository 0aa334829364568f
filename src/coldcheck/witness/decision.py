"""What a witness answers to an add-checkpoint request: pure functions, no IO, no clock.

The checks run in the order c2sp.org/tlog-witness@v1.0.0 lists them:

1. the body parses (else 400);
2. the origin is one this witness was told to witness (else 404);
3. a signature by a trusted key of that origin verifies, and none by such a key fails (else 403);
4. the old size is at most the checkpoint's size (else 400);
5. the old size is the size this witness last cosigned, or 0 if it never did (else 409, with
   that size as a ``text/x.tlog.size`` body);
6. a size-0 checkpoint has the empty tree's root; the proof is empty when the old size is 0;
   the consistency proof verifies from the held root to the new one (else 422);
7. at the same size, the root is the one held (else 409 — v1.0.0 says 409 here; a later draft
   moved it to 422; the body is the held size, which then equals the old size sent).

From step 4 on the request carries a valid log signature: a refusal there is kept as evidence
(:attr:`Refusal.evidence`), since it may prove that the log forked.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError, UntrustedNote
from coldcheck.ledger.checkpoint import Checkpoint
from coldcheck.ledger.errors import ProofError
from coldcheck.ledger.hashing import EMPTY_ROOT
from coldcheck.ledger.note import NoteSignature, NoteVerifier, open_note
from coldcheck.ledger.proofs import verify_consistency
from coldcheck.ledger.witness_protocol import AddCheckpointRequest, parse_add_checkpoint_request

__all__ = [
    "NEVER_COSIGNED",
    "SAME_SIZE_OTHER_ROOT_STATUS",
    "LogState",
    "Refusal",
    "Submission",
    "check_submission",
    "judge",
]

SAME_SIZE_OTHER_ROOT_STATUS = 409
"""tlog-witness v1.0.0: "If they don't match, the witness MUST respond with a 409 Conflict"."""


@dataclass(frozen=True)
class LogState:
    """The newest checkpoint a witness cosigned for a log: its size and root."""

    tree_size: int
    root_hash: bytes


NEVER_COSIGNED = LogState(0, EMPTY_ROOT)
"""The state of a log this witness never cosigned: the empty tree."""


@dataclass(frozen=True)
class Refusal:
    """A refused submission: HTTP status, the reason in words, and what to keep."""

    status: int
    reason: str
    tree_size: int | None = None
    """For a 409: the size this witness last cosigned (the ``text/x.tlog.size`` body)."""
    evidence: bool = False
    """True when the request carries a valid log signature (keep it: it may prove a fork)."""


@dataclass(frozen=True)
class Submission:
    """A well-formed request whose checkpoint a trusted key of its origin signed."""

    request: AddCheckpointRequest
    checkpoint: Checkpoint
    log_signatures: tuple[NoteSignature, ...]


def check_submission(
    body: bytes, trusted: Mapping[str, Sequence[NoteVerifier]]
) -> Submission | Refusal:
    """Steps 1-3: parse the body and verify the log's signature."""
    try:
        request = parse_add_checkpoint_request(body)
        checkpoint = request.checkpoint
    except C2spFormatError as exc:
        return Refusal(400, f"malformed add-checkpoint request: {exc}")
    verifiers = trusted.get(checkpoint.origin)
    if not verifiers:
        return Refusal(404, f"this witness does not witness the log {checkpoint.origin!r}")
    try:
        opened = open_note(request.checkpoint_note, verifiers)
    except BadNoteSignature as exc:
        return Refusal(403, str(exc))
    except UntrustedNote:
        return Refusal(
            403,
            f"the checkpoint is not signed by a key this witness trusts for {checkpoint.origin}",
        )
    return Submission(request, checkpoint, opened.verified)


def _kept(status: int, reason: str, tree_size: int | None = None) -> Refusal:
    return Refusal(status, reason, tree_size, evidence=True)


def judge(submission: Submission, held: LogState) -> Refusal | None:
    """Steps 4-7 against the state held now; ``None`` means: cosign it."""
    old = submission.request.old_size
    proof = submission.request.consistency_proof
    new = submission.checkpoint
    if old > new.tree_size:
        return _kept(
            400, f"the old size {old} is larger than the checkpoint's size {new.tree_size}"
        )
    if old != held.tree_size:
        return _kept(
            409,
            f"the old size is {old}, but this witness last cosigned size {held.tree_size}",
            held.tree_size,
        )
    if new.tree_size == 0 and not hmac.compare_digest(new.root_hash, EMPTY_ROOT):
        return _kept(422, "a checkpoint of size 0 must have the empty tree's root")
    if old == 0 and proof:
        return _kept(422, "the consistency proof from size 0 must be empty")
    if old == new.tree_size:
        if not hmac.compare_digest(new.root_hash, held.root_hash):
            return _kept(
                SAME_SIZE_OTHER_ROOT_STATUS,
                f"this witness cosigned another root at size {old}: the log has forked",
                held.tree_size,
            )
        if proof:
            return _kept(422, "the consistency proof between equal sizes must be empty")
        return None
    if old == 0:
        return None
    try:
        verify_consistency(old, new.tree_size, proof, held.root_hash, new.root_hash)
    except ProofError as exc:
        return _kept(
            422, f"the consistency proof from size {old} to {new.tree_size} does not verify: {exc}"
        )
    return None
