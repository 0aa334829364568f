"""c2sp.org/tlog-proof@v1 files: written byte for byte, parsed strictly, verified in order."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError, UntrustedNote
from coldcheck.ledger.cosignature import CosignatureSigner, CosignatureVerifier
from coldcheck.ledger.errors import ProofError, RootMismatch
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.note import Ed25519Verifier, NoteSignature, parse_note
from coldcheck.ledger.tlog_proof import (
    TLOG_PROOF_HEADER,
    build_tlog_proof,
    parse_tlog_proof,
    verify_tlog_proof,
)
from tests.unit.ledger import c2sp_vectors as v

LOG = [Ed25519Verifier.from_vkey(v.LOG_VKEY)]
WITNESS = [CosignatureVerifier.from_vkey(v.WITNESS_VKEY)]
PATH = [v.unb64(h) for h in v.PATH_5]


def test_a_proof_file_is_the_golden_written_with_printf() -> None:
    built = build_tlog_proof(5, PATH, v.COSIGNED_NOTE, extra=v.EXTRA)
    assert built == v.TLOG_PROOF
    assert hashlib.sha256(built).hexdigest() == v.TLOG_PROOF_SHA256


def test_a_proof_file_parses_back_to_its_parts() -> None:
    proof = parse_tlog_proof(v.TLOG_PROOF)
    assert (proof.index, list(proof.inclusion_proof), proof.extra) == (5, PATH, v.EXTRA)
    assert proof.checkpoint_note.to_bytes() == v.COSIGNED_NOTE
    assert proof.to_bytes() == v.TLOG_PROOF


def test_the_golden_proof_verifies_for_leaf_5_with_the_witness_cosignature() -> None:
    result = verify_tlog_proof(
        v.TLOG_PROOF,
        leaf_hash=leaf_hash(v.LEAF_5),
        log_keys=LOG,
        origin=v.ORIGIN,
        witnesses=WITNESS,
        min_cosignatures=1,
    )
    assert result.index == 5 and result.checkpoint.tree_size == 8
    assert [c.timestamp for c in result.cosignatures] == [v.COSIGNATURE_TIME]
    assert result.extra == v.EXTRA


def test_a_proof_for_another_entry_fails_with_the_roots_named() -> None:
    with pytest.raises(RootMismatch):
        verify_tlog_proof(v.TLOG_PROOF, leaf_hash=leaf_hash(b"other"), log_keys=LOG)


def test_a_proof_moved_to_another_index_fails() -> None:
    moved = v.TLOG_PROOF.replace(b"index 5\n", b"index 4\n")
    with pytest.raises(ProofError):
        verify_tlog_proof(moved, leaf_hash=leaf_hash(v.LEAF_5), log_keys=LOG)


def test_a_proof_with_a_hash_missing_fails() -> None:
    short = v.TLOG_PROOF.replace(f"{v.PATH_5[2]}\n".encode(), b"")
    with pytest.raises(ProofError, match="too short"):
        verify_tlog_proof(short, leaf_hash=leaf_hash(v.LEAF_5), log_keys=LOG)


def test_a_proof_under_another_log_key_is_refused() -> None:
    stranger = Ed25519Verifier(v.ORIGIN, bytes.fromhex(v.WITNESS_PUBLIC_HEX))
    with pytest.raises(UntrustedNote):
        verify_tlog_proof(v.TLOG_PROOF, leaf_hash=leaf_hash(v.LEAF_5), log_keys=[stranger])


def test_a_proof_of_another_origin_is_refused() -> None:
    with pytest.raises(C2spFormatError, match="not of"):
        verify_tlog_proof(
            v.TLOG_PROOF, leaf_hash=leaf_hash(v.LEAF_5), log_keys=LOG, origin="other.example/log"
        )


def test_too_few_known_cosignatures_fail_the_policy() -> None:
    stranger = CosignatureSigner("w.example/2", Ed25519PrivateKey.from_private_bytes(b"\x03" * 32))
    with pytest.raises(ProofError, match="2 are required"):
        verify_tlog_proof(
            v.TLOG_PROOF,
            leaf_hash=leaf_hash(v.LEAF_5),
            log_keys=LOG,
            witnesses=[*WITNESS, stranger.verifier],
            min_cosignatures=2,
        )


def test_the_same_witness_twice_counts_once() -> None:
    note = parse_note(v.COSIGNED_NOTE)
    again = CosignatureSigner(v.WITNESS_NAME, v.witness_key(), clock=lambda: 1700000000)
    twice = note.adding([again.cosign(note.text).note_signature()])
    proof = build_tlog_proof(5, PATH, twice.to_bytes())
    with pytest.raises(ProofError, match="1 known witnesses"):
        verify_tlog_proof(
            proof,
            leaf_hash=leaf_hash(v.LEAF_5),
            log_keys=LOG,
            witnesses=WITNESS,
            min_cosignatures=2,
        )


def test_a_forged_cosignature_of_a_known_witness_fails_the_proof() -> None:
    sig = NoteSignature.from_line(v.COSIGNATURE_LINE)
    forged = NoteSignature(sig.name, sig.key_id, sig.signature[:8] + bytes(64))
    note = parse_note(v.CHECKPOINT_NOTE).adding([forged])
    proof = build_tlog_proof(5, PATH, note.to_bytes())
    with pytest.raises(BadNoteSignature):
        verify_tlog_proof(proof, leaf_hash=leaf_hash(v.LEAF_5), log_keys=LOG, witnesses=WITNESS)


def test_the_specification_s_example_head_parses_up_to_its_elided_signatures() -> None:
    # The example elides its signatures as "[...]", which is not base64: the head lines are
    # read as written and the elided lines are refused, as any real file with them would be.
    example = v.SPEC_PROOF_HEAD + v.SPEC_PROOF_ELIDED_SIGNATURES
    with pytest.raises(C2spFormatError, match="base64"):
        parse_tlog_proof(example)
    sig = NoteSignature("example.com/fancylog", 0x11223344, bytes(64))
    proof = parse_tlog_proof(v.SPEC_PROOF_HEAD + b"\n" + sig.line().encode())
    assert proof.index == 73894 and len(proof.inclusion_proof) == 5
    assert proof.checkpoint.tree_size == 109482
    assert proof.extra is not None and len(proof.extra) == 39
    assert proof.to_bytes() == v.SPEC_PROOF_HEAD + b"\n" + sig.line().encode()


def test_a_proof_without_extra_and_without_hashes_is_well_formed() -> None:
    built = build_tlog_proof(0, [], v.CHECKPOINT_NOTE)
    assert built.startswith(f"{TLOG_PROOF_HEADER}\nindex 0\n\n".encode())
    assert parse_tlog_proof(built).extra is None


BODY = v.TLOG_PROOF.split(b"\n\n", 1)[1]
MALFORMED = {
    "another header": b"c2sp.org/tlog-proof@v2\nindex 5\n\n" + BODY,
    "no index line": b"c2sp.org/tlog-proof@v1\n\n" + BODY,
    "index before extra": b"c2sp.org/tlog-proof@v1\nindex 5\nextra AA==\n\n" + BODY,
    "leading zero index": b"c2sp.org/tlog-proof@v1\nindex 05\n\n" + BODY,
    "negative index": b"c2sp.org/tlog-proof@v1\nindex -5\n\n" + BODY,
    "two spaces": b"c2sp.org/tlog-proof@v1\nindex  5\n\n" + BODY,
    "short hash": b"c2sp.org/tlog-proof@v1\nindex 5\nAAAA\n\n" + BODY,
    "hex hash": b"c2sp.org/tlog-proof@v1\nindex 5\n" + bytes(64).hex().encode() + b"\n\n" + BODY,
    "no checkpoint": b"c2sp.org/tlog-proof@v1\nindex 5\n",
    "unsigned checkpoint": b"c2sp.org/tlog-proof@v1\nindex 5\n\n" + v.CHECKPOINT_TEXT.encode(),
    "not a checkpoint": b"c2sp.org/tlog-proof@v1\nindex 5\n\nhello\n\n"
    + v.COSIGNATURE_LINE.encode(),
    "64 hashes": b"c2sp.org/tlog-proof@v1\nindex 5\n"
    + (v.PATH_5[0] + "\n").encode() * 64
    + b"\n"
    + BODY,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_proof_files_are_refused(case: str) -> None:
    with pytest.raises(C2spFormatError):
        parse_tlog_proof(MALFORMED[case])
