"""c2sp.org/signed-note: key IDs, vkeys, signing, and every malformation a parser must refuse."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError, UntrustedNote
from coldcheck.ledger.note import (
    MAX_SIGNATURES,
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    NoteSignature,
    check_key_name,
    key_id,
    open_note,
    parse_note,
    parse_vkey,
    sign_note,
)
from tests.unit.ledger import c2sp_vectors as v

EM = "\u2014"


def test_the_example_vkey_of_the_specification_verifies_its_example_note() -> None:
    verifier = Ed25519Verifier.from_vkey(v.SPEC_VKEY)
    opened = open_note(v.SPEC_VKEY_NOTE, [verifier])
    assert opened.text == "This is an example message.\n"
    assert opened.verified[0].key_id_hex == "530d903a"


def test_the_key_id_is_the_first_four_bytes_of_sha256_of_name_newline_type_and_key() -> None:
    public = bytes.fromhex(v.LOG_PUBLIC_HEX)
    assert f"{key_id(v.ORIGIN, 0x01, public):08x}" == v.LOG_KEY_ID
    assert Ed25519Signer(v.ORIGIN, v.log_key()).vkey == v.LOG_VKEY


def test_goldens_made_with_openssl_are_what_coldcheck_signs() -> None:
    note = sign_note(v.CHECKPOINT_TEXT, [Ed25519Signer(v.ORIGIN, v.log_key())])
    assert note.to_bytes() == v.CHECKPOINT_NOTE


def test_coldcheck_signs_exactly_what_go_s_note_package_signs() -> None:
    seed = base64.b64decode(v.GO_SKEY_SEED_B64)[1:]
    signer = Ed25519Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))
    assert signer.vkey == v.GO_VKEY
    assert sign_note(v.GO_TEXT, [signer]).to_bytes() == v.GO_NOTE
    assert open_note(v.GO_NOTE, [Ed25519Verifier.from_vkey(v.GO_VKEY)]).text == v.GO_TEXT


def test_the_specification_s_opening_note_parses_with_its_blank_line_inside_the_text() -> None:
    note = parse_note(v.SPEC_POEM_NOTE)
    assert note.text.endswith("\n\ned è subito sera.\n")
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    assert note.to_bytes() == v.SPEC_POEM_NOTE


def test_signatures_of_unknown_keys_are_ignored_but_kept() -> None:
    other = Ed25519Signer("other.example/log", Ed25519PrivateKey.from_private_bytes(b"\x07" * 32))
    note = parse_note(v.CHECKPOINT_NOTE).adding(sign_note(v.CHECKPOINT_TEXT, [other]).signatures)
    opened = open_note(note.to_bytes(), [Ed25519Verifier.from_vkey(v.LOG_VKEY)])
    assert [s.name for s in opened.verified] == [v.ORIGIN]
    assert [s.name for s in opened.unverified] == ["other.example/log"]


def test_a_key_sharing_only_the_name_with_a_trusted_key_is_ignored_not_failed() -> None:
    impostor = Ed25519Signer(v.ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x09" * 32))
    note = parse_note(v.CHECKPOINT_NOTE).adding(sign_note(v.CHECKPOINT_TEXT, [impostor]).signatures)
    opened = open_note(note.to_bytes(), [Ed25519Verifier.from_vkey(v.LOG_VKEY)])
    assert len(opened.verified) == 1 and len(opened.unverified) == 1


def test_a_note_with_no_trusted_signature_is_rejected() -> None:
    stranger = Ed25519Verifier.from_vkey(v.SPEC_VKEY)
    with pytest.raises(UntrustedNote):
        open_note(v.CHECKPOINT_NOTE, [stranger])


def test_a_failing_signature_by_a_trusted_key_rejects_the_whole_note() -> None:
    tampered = v.CHECKPOINT_NOTE.replace(b"\n8\n", b"\n9\n")
    with pytest.raises(BadNoteSignature, match="does not verify"):
        open_note(tampered, [Ed25519Verifier.from_vkey(v.LOG_VKEY)])


def test_a_bad_trusted_signature_rejects_even_beside_a_good_one() -> None:
    good = parse_note(v.CHECKPOINT_NOTE)
    sig = good.signatures[0]
    bad = NoteSignature(sig.name, sig.key_id, bytes(64))
    with pytest.raises(BadNoteSignature):
        open_note(good.adding([bad]).to_bytes(), [Ed25519Verifier.from_vkey(v.LOG_VKEY)])


def _note(text: str, line: str) -> bytes:
    return f"{text}\n{line}\n".encode()


GOOD_LINE = f"{EM} {v.ORIGIN} {v.CHECKPOINT_SIG_B64}"

MALFORMED = {
    "no blank line": v.CHECKPOINT_TEXT.encode() + GOOD_LINE.encode() + b"\n",
    "no signature": v.CHECKPOINT_TEXT.encode() + b"\n",
    "last line without newline": _note(v.CHECKPOINT_TEXT, GOOD_LINE)[:-1],
    "a tab in the text": _note(v.CHECKPOINT_TEXT.replace("8", "8\t"), GOOD_LINE),
    "a carriage return": _note(v.CHECKPOINT_TEXT.replace("\n", "\r\n"), GOOD_LINE),
    "a NUL byte": _note("a\x00b\n", GOOD_LINE),
    "invalid UTF-8": b"caf\xc3\n\n" + GOOD_LINE.encode() + b"\n",
    "a hyphen, not an em dash": _note(v.CHECKPOINT_TEXT, GOOD_LINE.replace(EM, "-")),
    "no space after the dash": _note(v.CHECKPOINT_TEXT, GOOD_LINE.replace(f"{EM} ", EM)),
    "a plus in the name": _note(v.CHECKPOINT_TEXT, GOOD_LINE.replace("dry-gulch", "dry+gulch")),
    "an empty name": _note(v.CHECKPOINT_TEXT, f"{EM}  {v.CHECKPOINT_SIG_B64}"),
    "a no-break space in the name": _note(
        v.CHECKPOINT_TEXT, GOOD_LINE.replace("dry-gulch", "dry\u00a0gulch")
    ),
    "an ideographic space in the name": _note(
        v.CHECKPOINT_TEXT, GOOD_LINE.replace("dry-gulch", "dry\u3000gulch")
    ),
    "no signature after the name": _note(v.CHECKPOINT_TEXT, f"{EM} {v.ORIGIN}"),
    "not base64": _note(v.CHECKPOINT_TEXT, f"{EM} {v.ORIGIN} not*base64"),
    "base64 without padding": _note(v.CHECKPOINT_TEXT, GOOD_LINE.rstrip("=")),
    "non-canonical base64 spare bits": _note(v.CHECKPOINT_TEXT, f"{EM} {v.ORIGIN} AAAAAAB="),
    "a signature of only a key ID": _note(v.CHECKPOINT_TEXT, f"{EM} {v.ORIGIN} AAAAAA=="),
    "two spaces before the signature": _note(v.CHECKPOINT_TEXT, GOOD_LINE.replace(" Y", "  Y", 1)),
    "a line that is not a signature after the blank line": _note(
        v.CHECKPOINT_TEXT, f"{GOOD_LINE}\nnot a signature"
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_notes_are_refused_with_a_reason(case: str) -> None:
    with pytest.raises(C2spFormatError) as err:
        parse_note(MALFORMED[case])
    assert str(err.value)


def test_at_least_sixteen_signatures_are_accepted_and_more_than_the_limit_refused() -> None:
    line = GOOD_LINE + "\n"
    sixteen = (v.CHECKPOINT_TEXT + "\n" + line * 16).encode()
    assert len(parse_note(sixteen).signatures) == 16
    too_many = (v.CHECKPOINT_TEXT + "\n" + line * (MAX_SIGNATURES + 1)).encode()
    with pytest.raises(C2spFormatError, match="at most"):
        parse_note(too_many)


def test_a_note_larger_than_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(C2spFormatError, match="bytes"):
        parse_note(b"x" * 100 + b"\n\n" + GOOD_LINE.encode() + b"\n", max_bytes=64)


def test_a_post_quantum_sized_signature_is_accepted() -> None:
    blob = base64.b64encode(b"\x01\x02\x03\x04" + b"\xaa" * 4900).decode()
    note = parse_note(_note(v.CHECKPOINT_TEXT, f"{EM} pq.example/log {blob}"))
    assert len(note.signatures[0].signature) == 4900


def test_the_text_is_separated_at_the_last_blank_line() -> None:
    text = "first\n\nsecond\n"
    note = parse_note(_note(text, GOOD_LINE))
    assert note.text == text
    # so a blank line between two signature lines makes the first one part of the text
    note = parse_note(_note(v.CHECKPOINT_TEXT, f"{GOOD_LINE}\n\n{GOOD_LINE}"))
    assert note.text == v.CHECKPOINT_TEXT + "\n" + GOOD_LINE + "\n"
    assert len(note.signatures) == 1


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        (v.LOG_VKEY.replace("60d83ec4", "60d83ec5"), "not the one"),
        (v.LOG_VKEY.replace("60d83ec4", "60D83EC4"), "lowercase"),
        (v.LOG_VKEY.replace("+60d83ec4", ""), "8 lowercase hex"),
        (v.LOG_VKEY[:-4], "32 bytes"),
        (v.LOG_VKEY[:-1], "base64"),
        (v.ORIGIN + "+00000000+AgOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", "type 0x02"),
        ("a b+00000000+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", "space"),
    ],
)
def test_malformed_or_mistyped_vkeys_are_refused(vkey: str, reason: str) -> None:
    with pytest.raises(C2spFormatError, match=reason):
        parse_vkey(vkey)


def test_go_s_wrong_length_and_unknown_algorithm_vkeys_are_refused_too() -> None:
    # golang.org/x/mod/sumdb/note TestNewVerifier: key IDs adjusted so only the key is wrong.
    for bad in (
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ):
        with pytest.raises(C2spFormatError):
            parse_vkey(bad)


def test_every_truncation_of_a_vkey_is_refused() -> None:
    for end in range(len(v.LOG_VKEY)):
        with pytest.raises(C2spFormatError):
            Ed25519Verifier.from_vkey(v.LOG_VKEY[:end])


def test_a_cosignature_vkey_is_not_taken_for_a_note_signing_key() -> None:
    with pytest.raises(C2spFormatError, match="0x01 is needed"):
        Ed25519Verifier.from_vkey(v.WITNESS_VKEY)


def test_key_names_follow_the_rules() -> None:
    assert check_key_name("oid/1.3.6.1.4.1.44363.47.1") == "oid/1.3.6.1.4.1.44363.47.1"
    for bad in ["", "a+b", "a b", "a\tb", "a\u2028b", "x" * 1025]:
        with pytest.raises(C2spFormatError):
            check_key_name(bad)


def test_a_note_object_needs_text_ending_in_newline_and_a_signature() -> None:
    sig = parse_note(v.CHECKPOINT_NOTE).signatures
    with pytest.raises(C2spFormatError):
        Note("no newline", sig)
    with pytest.raises(C2spFormatError):
        Note("text\n", ())


def test_two_trusted_keys_with_the_same_name_and_id_are_a_configuration_error() -> None:
    verifier = Ed25519Verifier.from_vkey(v.LOG_VKEY)
    with pytest.raises(ValueError, match="share"):
        open_note(v.CHECKPOINT_NOTE, [verifier, verifier])


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(v.CHECKPOINT_NOTE) - 1), st.integers(1, 255))
def test_no_changed_byte_of_a_signed_note_is_accepted_as_signed(position: int, delta: int) -> None:
    data = bytearray(v.CHECKPOINT_NOTE)
    data[position] = (data[position] + delta) % 256
    try:
        opened = open_note(bytes(data), [Ed25519Verifier.from_vkey(v.LOG_VKEY)])
    except (C2spFormatError, BadNoteSignature, UntrustedNote):
        return
    # the only change that can still verify is one the parser reads back as the same note
    assert opened.note.to_bytes() == v.CHECKPOINT_NOTE
