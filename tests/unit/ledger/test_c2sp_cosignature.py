"""c2sp.org/tlog-cosignature (Ed25519, type 0x04): the signed message, the key ID, the line."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError
from coldcheck.ledger.cosignature import (
    Cosignature,
    CosignatureSigner,
    CosignatureVerifier,
    cosignatures_on,
    cosigned_message,
    verify_cosignature,
)
from coldcheck.ledger.note import NoteSignature, key_id, open_note, parse_note
from tests.unit.ledger import c2sp_vectors as v


def _signer(clock: int = v.COSIGNATURE_TIME) -> CosignatureSigner:
    return CosignatureSigner(v.WITNESS_NAME, v.witness_key(), clock=lambda: clock)


def test_the_signed_message_is_the_specification_s_example() -> None:
    assert cosigned_message(v.SPEC_CHECKPOINT_TEXT, 1679315147) == v.SPEC_COSIGNED_MESSAGE


def test_the_specification_s_example_cosignature_carries_the_example_s_timestamp() -> None:
    cosig = Cosignature.from_note_signature(NoteSignature.from_line(v.SPEC_COSIGNATURE_LINE))
    assert cosig.name == "witness.example.com/w1"
    assert cosig.timestamp == 1679315147


def test_the_cosignature_key_id_uses_type_0x04() -> None:
    public = bytes.fromhex(v.WITNESS_PUBLIC_HEX)
    assert f"{key_id(v.WITNESS_NAME, 0x04, public):08x}" == v.WITNESS_KEY_ID
    assert f"{key_id(v.WITNESS_NAME, 0x01, public):08x}" != v.WITNESS_KEY_ID
    assert _signer().vkey == v.WITNESS_VKEY


def test_a_cosignature_is_the_openssl_golden() -> None:
    assert _signer().cosign(v.CHECKPOINT_TEXT).line() == v.COSIGNATURE_LINE


def test_a_cosignature_verifies_with_the_witness_vkey() -> None:
    cosig = verify_cosignature(v.CHECKPOINT_TEXT, v.COSIGNATURE_LINE, v.WITNESS_VKEY)
    assert cosig.timestamp == v.COSIGNATURE_TIME


def test_a_cosignature_of_another_checkpoint_does_not_verify() -> None:
    other = v.CHECKPOINT_TEXT.replace("\n8\n", "\n9\n")
    with pytest.raises(BadNoteSignature):
        verify_cosignature(other, v.COSIGNATURE_LINE, v.WITNESS_VKEY)


def test_a_changed_timestamp_does_not_verify() -> None:
    cosig = Cosignature.from_note_signature(NoteSignature.from_line(v.COSIGNATURE_LINE))
    moved = Cosignature(cosig.name, cosig.key_id, cosig.timestamp + 1, cosig.signature)
    with pytest.raises(BadNoteSignature):
        verify_cosignature(v.CHECKPOINT_TEXT, moved.note_signature(), v.WITNESS_VKEY)


def test_extension_lines_are_part_of_the_cosigned_message() -> None:
    text = v.CHECKPOINT_TEXT + "an extension\n"
    line = _signer().cosign(text).line()
    verify_cosignature(text, line, v.WITNESS_VKEY)
    with pytest.raises(BadNoteSignature):
        verify_cosignature(v.CHECKPOINT_TEXT, line, v.WITNESS_VKEY)


def test_a_line_by_another_key_is_not_checked_as_this_witness_s() -> None:
    with pytest.raises(C2spFormatError, match="not by"):
        verify_cosignature(v.CHECKPOINT_TEXT, v.SPEC_COSIGNATURE_LINE, v.WITNESS_VKEY)


def test_future_timestamps_may_be_refused() -> None:
    with pytest.raises(C2spFormatError, match="after"):
        verify_cosignature(
            v.CHECKPOINT_TEXT, v.COSIGNATURE_LINE, v.WITNESS_VKEY, not_after=v.COSIGNATURE_TIME - 1
        )


def test_timestamps_above_2_63_minus_1_are_refused() -> None:
    with pytest.raises(C2spFormatError):
        Cosignature(v.WITNESS_NAME, 0, 2**63, bytes(64))
    raw = (2**63).to_bytes(8, "big") + bytes(64)
    assert not CosignatureVerifier.from_vkey(v.WITNESS_VKEY).verify(v.CHECKPOINT_TEXT.encode(), raw)


def test_a_witness_never_cosigns_with_timestamp_zero() -> None:
    with pytest.raises(C2spFormatError, match="timestamp 0"):
        _signer(clock=0).cosign(v.CHECKPOINT_TEXT)


def test_a_cosigner_signs_only_checkpoints() -> None:
    with pytest.raises(C2spFormatError):
        _signer().cosign("not a checkpoint\n")


def test_a_cosigned_checkpoint_is_a_note_both_the_log_and_the_witness_verify() -> None:
    note = parse_note(v.COSIGNED_NOTE)
    witness = CosignatureVerifier.from_vkey(v.WITNESS_VKEY)
    assert [c.name for c in cosignatures_on(note, [witness])] == [v.WITNESS_NAME]
    # opened with the witness key alone, the log's line is the unknown one
    opened = open_note(note, [witness])
    assert [s.name for s in opened.unverified] == [v.ORIGIN]


def test_cosignatures_of_unknown_witnesses_are_ignored() -> None:
    stranger = CosignatureSigner("w.example/x", Ed25519PrivateKey.from_private_bytes(b"\x05" * 32))
    assert cosignatures_on(v.COSIGNED_NOTE, [stranger.verifier]) == []


def test_a_bad_line_from_a_known_witness_is_an_error_not_silence() -> None:
    sig = NoteSignature.from_line(v.COSIGNATURE_LINE)
    forged = NoteSignature(sig.name, sig.key_id, sig.signature[:8] + bytes(64))
    note = parse_note(v.CHECKPOINT_NOTE).adding([forged])
    with pytest.raises(BadNoteSignature):
        cosignatures_on(note, [CosignatureVerifier.from_vkey(v.WITNESS_VKEY)])
