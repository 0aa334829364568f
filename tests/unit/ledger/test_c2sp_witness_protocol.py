"""c2sp.org/tlog-witness add-checkpoint messages: the request, the 200 lines, the 409 size."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError
from coldcheck.ledger.cosignature import CosignatureSigner, CosignatureVerifier
from coldcheck.ledger.note import NoteSignature
from coldcheck.ledger.witness_protocol import (
    build_add_checkpoint_request,
    format_cosignature_response,
    format_tree_size_body,
    parse_add_checkpoint_request,
    parse_cosignature_response,
    parse_tree_size_body,
    verified_cosignatures,
)
from tests.unit.ledger import c2sp_vectors as v

PROOF = [v.unb64(h) for h in v.CONSISTENCY_6_8]


def test_the_specification_s_example_request_parses_and_is_rebuilt_byte_for_byte() -> None:
    request = parse_add_checkpoint_request(v.SPEC_REQUEST)
    assert request.old_size == 20852014
    assert len(request.consistency_proof) == 4
    assert request.checkpoint.tree_size == 20852163
    assert len(request.checkpoint_note.signatures) == 2
    assert request.to_bytes() == v.SPEC_REQUEST


def test_the_request_is_old_line_proof_lines_blank_line_checkpoint() -> None:
    body = build_add_checkpoint_request(6, PROOF, v.CHECKPOINT_NOTE)
    expected = "old 6\n" + "".join(f"{h}\n" for h in v.CONSISTENCY_6_8) + "\n"
    assert body == expected.encode() + v.CHECKPOINT_NOTE


def test_the_first_request_has_old_size_zero_and_no_proof() -> None:
    assert build_add_checkpoint_request(0, [], v.CHECKPOINT_NOTE) == b"old 0\n\n" + (
        v.CHECKPOINT_NOTE
    )
    with pytest.raises(ValueError, match="empty"):
        build_add_checkpoint_request(0, PROOF, v.CHECKPOINT_NOTE)
    with pytest.raises(ValueError, match="larger"):
        build_add_checkpoint_request(9, [], v.CHECKPOINT_NOTE)


NOTE = v.CHECKPOINT_NOTE
BAD_REQUESTS = {
    "no old line": b"\n" + NOTE,
    "old with two spaces": b"old  6\n\n" + NOTE,
    "old with a leading zero": b"old 06\n\n" + NOTE,
    "negative old": b"old -1\n\n" + NOTE,
    "old in hex": b"old 0x6\n\n" + NOTE,
    "OLD in capitals": b"OLD 6\n\n" + NOTE,
    "no blank line": b"old 6\n" + NOTE,
    "a short proof hash": b"old 6\nAAAA\n\n" + NOTE,
    "a proof hash not in base64": b"old 6\n" + b"*" * 44 + b"\n\n" + NOTE,
    "64 proof lines": b"old 6\n" + (v.CONSISTENCY_6_8[0] + "\n").encode() * 64 + b"\n" + NOTE,
    "no checkpoint": b"old 6\n\n",
    "an unsigned checkpoint": b"old 6\n\n" + v.CHECKPOINT_TEXT.encode(),
    "a note that is not a checkpoint": b"old 0\n\nhello\n\n" + v.COSIGNATURE_LINE.encode(),
    "CRLF line ends": b"old 6\r\n\r\n" + NOTE,
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_malformed_requests_are_refused(case: str) -> None:
    with pytest.raises(C2spFormatError):
        parse_add_checkpoint_request(BAD_REQUESTS[case])


def test_sixty_three_proof_lines_are_allowed() -> None:
    body = b"old 6\n" + (v.CONSISTENCY_6_8[0] + "\n").encode() * 63 + b"\n" + NOTE
    assert len(parse_add_checkpoint_request(body).consistency_proof) == 63


def test_the_specification_s_example_response_is_three_signature_lines() -> None:
    lines = parse_cosignature_response(v.SPEC_RESPONSE)
    assert [s.name for s in lines] == [
        "witness.example/w1",
        "witness.example/w1",
        "witness.example/w2",
    ]
    assert format_cosignature_response(lines) == v.SPEC_RESPONSE


def test_a_response_is_verified_with_the_witness_keys_and_unknown_lines_ignored() -> None:
    body = v.COSIGNATURE_LINE.encode() + v.SPEC_COSIGNATURE_LINE.encode()
    witness = CosignatureVerifier.from_vkey(v.WITNESS_VKEY)
    cosigs = verified_cosignatures(v.CHECKPOINT_NOTE, body, [witness])
    assert [(c.name, c.timestamp) for c in cosigs] == [(v.WITNESS_NAME, v.COSIGNATURE_TIME)]


def test_a_response_from_a_known_witness_for_another_checkpoint_is_an_error() -> None:
    other = CosignatureSigner(v.WITNESS_NAME, v.witness_key(), clock=lambda: 1700000000)
    body = other.cosign(v.SPEC_CHECKPOINT_TEXT).line().encode()
    with pytest.raises(BadNoteSignature):
        verified_cosignatures(v.CHECKPOINT_NOTE, body, [other.verifier])


def test_a_response_of_only_unknown_witnesses_yields_no_cosignature() -> None:
    stranger = CosignatureSigner("s.example/w", Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
    assert (
        verified_cosignatures(v.CHECKPOINT_NOTE, v.COSIGNATURE_LINE.encode(), [stranger.verifier])
        == []
    )


@pytest.mark.parametrize(
    "body", [b"", b"\n", v.COSIGNATURE_LINE.encode()[:-1], b"ok\n", b"\xff\n", b"x" * 70000]
)
def test_malformed_responses_are_refused(body: bytes) -> None:
    with pytest.raises(C2spFormatError):
        parse_cosignature_response(body)


def test_the_409_body_is_the_size_in_decimal_and_a_newline() -> None:
    assert format_tree_size_body(20852014) == b"20852014\n"
    assert parse_tree_size_body(b"20852014\n") == 20852014
    assert parse_tree_size_body(b"0\n") == 0
    for bad in (b"12", b"012\n", b"-1\n", b" 1\n", b"1\n\n", b"a\n", b"9" * 40 + b"\n"):
        with pytest.raises(C2spFormatError):
            parse_tree_size_body(bad)


def test_a_response_line_keeps_its_exact_bytes() -> None:
    sig = NoteSignature.from_line(v.COSIGNATURE_LINE)
    assert format_cosignature_response([sig]) == v.COSIGNATURE_LINE.encode()
