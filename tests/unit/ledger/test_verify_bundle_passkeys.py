"""The standalone verifier's WebAuthn parts: the bounded CBOR reader, COSE keys of the three
algorithms enrolment allows (ES256, EdDSA, RS256), and the assertion checks of §7.2.

Keys and assertions are made here from the specifications (RFC 9053 COSE keys, encoded by
tests/webauthn_device.py's CBOR writer; authenticator data per WebAuthn §6.1), so each
check is shown to accept what an authenticator makes and to refuse one changed part.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.verify_bundle import (
    BundleProblem,
    PasskeyKey,
    cbor_item,
    check_assertion,
    origin_of_rp,
    parse_cose_key,
)
from tests.webauthn_device import UP, UV, b64url, cbor

RP = "cart.example"
ORIGIN = "https://cart.example:8443"
CHALLENGE = hashlib.sha256(b"a coldcheck challenge").digest()
Signer = Callable[[bytes], bytes]


def _es256() -> tuple[bytes, Signer]:
    key = ec.generate_private_key(ec.SECP256R1())
    n = key.public_key().public_numbers()
    cose = cbor({1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")})
    return cose, lambda m: key.sign(m, ec.ECDSA(hashes.SHA256()))


def _eddsa() -> tuple[bytes, Signer]:
    key = Ed25519PrivateKey.generate()
    cose = cbor({1: 1, 3: -8, -1: 6, -2: key.public_key().public_bytes_raw()})
    return cose, key.sign


def _rs256() -> tuple[bytes, Signer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = key.public_key().public_numbers()
    cose = cbor({1: 3, 3: -257, -1: n.n.to_bytes(256, "big"), -2: n.e.to_bytes(3, "big")})
    return cose, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA256())


def _assertion(
    sign: Signer, *, flags: int = UP | UV, client: dict[str, Any] | None = None, rp: str = RP
) -> dict[str, Any]:
    client_data = json.dumps(
        client or {"type": "webauthn.get", "challenge": b64url(CHALLENGE), "origin": ORIGIN},
        separators=(",", ":"),
    ).encode()
    auth = hashlib.sha256(rp.encode()).digest() + bytes([flags]) + struct.pack(">I", 7)
    return {
        "client_data_json": client_data,
        "authenticator_data": auth,
        "signature": sign(auth + hashlib.sha256(client_data).digest()),
    }


def _check(key: PasskeyKey, parts: dict[str, Any]) -> Any:
    return check_assertion(**parts, challenge=CHALLENGE, rp_id=RP, key=key)


@pytest.mark.parametrize(
    ("make", "name"), [(_es256, "ES256"), (_eddsa, "EdDSA"), (_rs256, "RS256")]
)
def test_an_assertion_by_each_enrollable_algorithm_verifies(
    make: Callable[[], tuple[bytes, Signer]], name: str
) -> None:
    cose, sign = make()
    key = parse_cose_key(cose, "the key")
    facts = _check(key, _assertion(sign))
    assert (facts.algorithm, facts.user_verified, facts.counter) == (name, True, 7)


@pytest.mark.parametrize("make", [_es256, _eddsa, _rs256])
def test_a_signature_by_another_key_of_the_same_algorithm_fails(
    make: Callable[[], tuple[bytes, Signer]],
) -> None:
    cose, _ = make()
    _, other = make()
    with pytest.raises(BundleProblem, match="does not verify with the enrolled key"):
        _check(parse_cose_key(cose, "the key"), _assertion(other))


def test_user_presence_is_required_and_user_verification_reported() -> None:
    cose, sign = _es256()
    key = parse_cose_key(cose, "the key")
    assert not _check(key, _assertion(sign, flags=UP)).user_verified
    with pytest.raises(BundleProblem, match="the user was not present"):
        _check(key, _assertion(sign, flags=UV))


def test_authenticator_data_for_another_relying_party_fails() -> None:
    cose, sign = _es256()
    with pytest.raises(BundleProblem, match="rpIdHash is not SHA-256"):
        _check(parse_cose_key(cose, "k"), _assertion(sign, rp="other.example"))


@pytest.mark.parametrize(
    ("client", "said"),
    [
        (
            {"type": "webauthn.create", "challenge": b64url(CHALLENGE), "origin": ORIGIN},
            "not 'webauthn.get'",
        ),
        (
            {"type": "webauthn.get", "challenge": b64url(b"x" * 32), "origin": ORIGIN},
            "challenge is not",
        ),
        (
            {
                "type": "webauthn.get",
                "challenge": b64url(CHALLENGE),
                "origin": "https://evil.example",
            },
            "not a secure page of cart.example",
        ),
        (
            {
                "type": "webauthn.get",
                "challenge": b64url(CHALLENGE),
                "origin": "http://cart.example",
            },
            "not a secure page",
        ),
        (
            {
                "type": "webauthn.get",
                "challenge": b64url(CHALLENGE),
                "origin": ORIGIN,
                "topOrigin": "https://evil.example",
            },
            "in a frame of another site",
        ),
    ],
)
def test_client_data_of_another_kind_challenge_or_origin_fails(
    client: dict[str, Any], said: str
) -> None:
    cose, sign = _es256()
    with pytest.raises(BundleProblem, match=said):
        _check(parse_cose_key(cose, "k"), _assertion(sign, client=client))


def test_origins_are_secure_pages_of_the_relying_party() -> None:
    assert origin_of_rp("https://cart.example", RP)
    assert origin_of_rp("https://tablet.cart.example:8443", RP)
    assert origin_of_rp("http://localhost:8000", "localhost")
    assert not origin_of_rp("https://notcart.example", RP)
    assert not origin_of_rp("http://cart.example", RP)
    assert not origin_of_rp("https://cart.example/path", RP)
    assert not origin_of_rp("https://cart.example:99999", RP)


@pytest.mark.parametrize(
    ("cose", "said"),
    [
        (cbor({1: 2, 3: -7, -1: 1, -2: b"\x01" * 32, -3: b"\x02" * 32}), "not a valid public key"),
        (cbor({1: 2, 3: -7, -1: 2, -2: b"\x01" * 48, -3: b"\x02" * 48}), "not a P-256 key"),
        (cbor({1: 2, 3: -36, -1: 3}), "coldcheck enrols only ES256, EdDSA and RS256"),
        (cbor({1: 3, 3: -257, -1: b"\x01" * 64, -2: b"\x01\x00\x01"}), "2048 to 8192 bits"),
        (cbor({1: 1, 3: -8, -1: 4, -2: b"\x00" * 32}), "not an Ed25519 key"),
        (cbor([1, 2]), "not a COSE_Key map"),
        (cbor({1: 2}) + b"\x00", "bytes follow the COSE key"),
    ],
)
def test_a_cose_key_that_is_not_one_of_the_three_is_refused(cose: bytes, said: str) -> None:
    with pytest.raises(BundleProblem, match=said):
        parse_cose_key(cose, "the key")


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\x5f\x41\x00\xff", "indefinite length"),  # indefinite-length byte string
        (b"\x59\xff\xff", "ends early"),  # a 65535-byte string with nothing after it
        (b"\xc2\x40", "a tag"),  # tag 2 (bignum)
        (b"\xf9\x3c\x00", "a float"),  # half-precision 1.0
        (b"\xa2\x01\x01\x01\x02", "a key twice"),
        (b"\x81" * 8 + b"\x00", "nested too deeply"),
        (b"\x98\x41" + b"\x00" * 65, "too long"),
        (b"\x63\xff\xfe\xfd", "not UTF-8"),
        (b"\xa1\x40\x00", "neither an integer nor a text"),
    ],
)
def test_the_cbor_reader_is_bounded_and_refuses_what_a_cose_key_never_holds(
    data: bytes, said: str
) -> None:
    with pytest.raises(BundleProblem, match=said):
        cbor_item(data, "the key")


def test_the_cbor_reader_reads_what_the_spec_encodes() -> None:
    value = {1: 2, 3: -7, -1: 1, "text": "ä", -2: b"\x00" * 40, 24: [0, 23, 24, 255, 256, 65536]}
    assert cbor_item(cbor(value) + b"rest", "k") == (value, len(cbor(value)))


@pytest.mark.parametrize(
    ("flags", "tail", "said"),
    [
        (UP | 0x10, b"", "backed up \\(BS\\) but not eligible"),
        (UP | 0x40, b"", "attested credential data"),
        (UP, b"\x00", "bytes after the signature counter"),
        (UP | 0x80, b"\x01", "extensions are not one CBOR map"),
    ],
)
def test_authenticator_data_flags_and_length_are_checked(
    flags: int, tail: bytes, said: str
) -> None:
    cose, sign = _es256()
    parts = _assertion(sign, flags=flags)
    parts["authenticator_data"] += tail
    with pytest.raises(BundleProblem, match=said):
        _check(parse_cose_key(cose, "k"), parts)


def test_extensions_in_authenticator_data_are_read_and_signed_over() -> None:
    cose, sign = _es256()
    auth = hashlib.sha256(RP.encode()).digest() + bytes([UP | 0x80]) + struct.pack(">I", 1)
    auth += cbor({"credProtect": 1})
    client = _assertion(sign)["client_data_json"]
    signature = sign(auth + hashlib.sha256(client).digest())
    facts = check_assertion(
        client_data_json=client,
        authenticator_data=auth,
        signature=signature,
        challenge=CHALLENGE,
        rp_id=RP,
        key=parse_cose_key(cose, "k"),
    )
    assert facts.counter == 1 and not facts.user_verified
