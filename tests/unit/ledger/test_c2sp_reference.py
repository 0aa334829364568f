"""coldcheck and an implementation written from the C2SP documents accept each other's output.

``tests/c2sp_reference.py`` imports nothing of coldcheck. Here it first reproduces the
documents' own examples (so it is a fair judge), then checks what coldcheck writes, and
coldcheck checks what it writes: notes, checkpoints, cosignatures, tlog-proof files, and
add-checkpoint requests accepted by the reference's witness.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.checkpoint import log_vkey, make_checkpoint_note, open_checkpoint
from coldcheck.ledger.cosignature import CosignatureSigner, CosignatureVerifier, cosignatures_on
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.note import Ed25519Verifier, parse_note
from coldcheck.ledger.tlog_proof import build_tlog_proof, verify_tlog_proof
from coldcheck.ledger.witness_protocol import build_add_checkpoint_request, verified_cosignatures
from tests import c2sp_reference as ref
from tests.unit.ledger import c2sp_vectors as v

ORIGIN = "studio.example/coldcheck/dry-gulch"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
WITNESS_NAME = "witness.union.example/w1"
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32)
ENTRIES = [f'{{"seq":{i},"type":"WeaponIssued"}}'.encode() for i in range(40)]


def _log(n: int) -> MerkleLog:
    store = MemoryHashStore()
    store.append([leaf_hash(e) for e in ENTRIES[:n]])
    return MerkleLog(store)


def test_the_reference_verifies_the_documents_own_example() -> None:
    text = ref.verify_note(v.SPEC_VKEY_NOTE, [ref.parse_vkey(v.SPEC_VKEY)])
    assert text == "This is an example message.\n"
    assert ref.cosignature_message(v.SPEC_CHECKPOINT_TEXT, 1679315147) == (v.SPEC_COSIGNED_MESSAGE)


def test_the_reference_and_coldcheck_derive_the_same_vkeys() -> None:
    assert log_vkey(ORIGIN, LOG_KEY) == ref.vkey(ORIGIN, 0x01, ref.raw_public(LOG_KEY))
    signer = CosignatureSigner(WITNESS_NAME, WITNESS_KEY)
    assert signer.vkey == ref.vkey(WITNESS_NAME, 0x04, ref.raw_public(WITNESS_KEY))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 9, 40])
def test_the_reference_verifies_coldcheck_checkpoints(size: int) -> None:
    note = make_checkpoint_note(ORIGIN, size, _log(size).root(size), LOG_KEY)
    text = ref.verify_note(note, [ref.parse_vkey(log_vkey(ORIGIN, LOG_KEY))])
    checkpoint = ref.parse_checkpoint(text)
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, size)
    assert checkpoint.root == ref.mth(ENTRIES[:size])


def test_coldcheck_verifies_reference_checkpoints_with_extension_lines() -> None:
    text = ref.checkpoint_text(ORIGIN, 9, ref.mth(ENTRIES[:9]), ("closing day 2024-05-01",))
    note = ref.sign_note_ed25519(text, ORIGIN, LOG_KEY)
    signed = open_checkpoint(note, [Ed25519Verifier.from_vkey(log_vkey(ORIGIN, LOG_KEY))])
    assert signed.checkpoint.extensions == ("closing day 2024-05-01",)
    assert signed.checkpoint.root_hash == _log(9).root(9)


def test_the_reference_verifies_coldcheck_cosignatures_and_coldcheck_the_reference_s() -> None:
    note = make_checkpoint_note(ORIGIN, 8, _log(8).root(8), LOG_KEY)
    text = parse_note(note).text
    signer = CosignatureSigner(WITNESS_NAME, WITNESS_KEY, clock=lambda: 1714550400)
    ours = note + signer.cosign(text).line().encode()
    witness = ref.parse_vkey(signer.vkey)
    assert ref.cosignatures(ours, [witness]) == {WITNESS_NAME: 1714550400}
    theirs = note + ref.cosign(WITNESS_NAME, WITNESS_KEY, text, 1714550401).encode()
    cosigs = cosignatures_on(theirs, [CosignatureVerifier.from_vkey(signer.vkey)])
    assert [c.timestamp for c in cosigs] == [1714550401]
    # and the same line means the same thing to both
    assert (
        ref.cosign(WITNESS_NAME, WITNESS_KEY, text, 1714550400)
        == signer.cosign(text, 1714550400).line()
    )


@pytest.mark.parametrize(("index", "size"), [(0, 1), (0, 8), (5, 8), (12, 13), (39, 40)])
def test_the_reference_verifies_coldcheck_tlog_proof_files(index: int, size: int) -> None:
    log = _log(size)
    note = make_checkpoint_note(ORIGIN, size, log.root(size), LOG_KEY)
    text = parse_note(note).text
    cosigned = note + ref.cosign(WITNESS_NAME, WITNESS_KEY, text, 1714550400).encode()
    proof = build_tlog_proof(index, log.inclusion_proof(index, size), cosigned, extra=b"W-0001")
    witness = ref.parse_vkey(ref.vkey(WITNESS_NAME, 0x04, ref.raw_public(WITNESS_KEY)))
    log_key = ref.parse_vkey(log_vkey(ORIGIN, LOG_KEY))
    assert ref.verify_tlog_proof(proof, ENTRIES[index], log_key, [witness], 1) == index


@pytest.mark.parametrize(("index", "size"), [(0, 1), (3, 8), (20, 40)])
def test_coldcheck_verifies_reference_tlog_proof_files(index: int, size: int) -> None:
    text = ref.checkpoint_text(ORIGIN, size, ref.mth(ENTRIES[:size]))
    note = ref.sign_note_ed25519(text, ORIGIN, LOG_KEY)
    note += ref.cosign(WITNESS_NAME, WITNESS_KEY, text, 1714550400).encode()
    data = ref.tlog_proof_file(index, ref.audit_path(index, ENTRIES[:size]), note)
    result = verify_tlog_proof(
        data,
        leaf_hash=leaf_hash(ENTRIES[index]),
        log_keys=[Ed25519Verifier.from_vkey(log_vkey(ORIGIN, LOG_KEY))],
        origin=ORIGIN,
        witnesses=[CosignatureSigner(WITNESS_NAME, WITNESS_KEY).verifier],
        min_cosignatures=1,
    )
    assert result.index == index


def test_the_reference_witness_accepts_the_requests_coldcheck_builds_as_the_log_grows() -> None:
    witness = ref.RefWitness(
        WITNESS_NAME, WITNESS_KEY, {ORIGIN: [ref.parse_vkey(log_vkey(ORIGIN, LOG_KEY))]}
    )
    verifier = CosignatureVerifier.from_vkey(witness.vkey)
    cosigned = 0
    for size in [1, 2, 3, 8, 8, 13, 40]:
        log = _log(size)
        note = make_checkpoint_note(ORIGIN, size, log.root(size), LOG_KEY)
        proof = [] if cosigned in (0, size) else log.consistency_proof(cosigned, size)
        status, _, body = witness.add_checkpoint(
            build_add_checkpoint_request(cosigned, proof, note)
        )
        assert status == 200, body
        assert [c.name for c in verified_cosignatures(note, body, [verifier])] == [WITNESS_NAME]
        cosigned = size


def test_the_reference_witness_refuses_a_rewritten_history_that_coldcheck_signed() -> None:
    witness = ref.RefWitness(
        WITNESS_NAME, WITNESS_KEY, {ORIGIN: [ref.parse_vkey(log_vkey(ORIGIN, LOG_KEY))]}
    )
    log = _log(8)
    note = make_checkpoint_note(ORIGIN, 8, log.root(8), LOG_KEY)
    assert witness.add_checkpoint(build_add_checkpoint_request(0, [], note))[0] == 200
    forged_entries = [*ENTRIES[:3], b"rewritten", *ENTRIES[4:13]]
    store = MemoryHashStore()
    store.append([leaf_hash(e) for e in forged_entries])
    forged = MerkleLog(store)
    forged_note = make_checkpoint_note(ORIGIN, 13, forged.root(13), LOG_KEY)
    body = build_add_checkpoint_request(8, forged.consistency_proof(8, 13), forged_note)
    assert witness.add_checkpoint(body)[0] == 422
