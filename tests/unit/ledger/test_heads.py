"""Signed tree heads: the exact signed bytes, Ed25519 signatures, log ids, JSON form."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.errors import BadSignature, MalformedHead, WrongLog
from coldcheck.ledger.heads import (
    SignedTreeHead,
    b64decode,
    log_id_for,
    public_key_raw,
    sign_head,
    verify_head,
)

# A fixed key, so signatures are golden (Ed25519 is deterministic).
SEED = bytes(range(32))
# SEED=000102...1f; echo 302e020100300506032b657004220420$SEED | xxd -r -p > k.der
# openssl pkey -inform DER -in k.der -out k.pem
# openssl pkey -in k.pem -pubout -outform DER | tail -c 32 | xxd -p -c 64
PUBLIC_KEY = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
# ... | tail -c 32 | sha256sum | xxd -r -p | base64
LOG_ID_B64 = "Vkdap1RjR0wChd9dvyvKtz2mUTWIOem3dIGy6rEHcIw="
# The root of the RFC 6962 reference tree of 8 leaves (see test_proofs.py).
ROOT_8 = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
TIMESTAMP = 1634860800000  # 2021-10-22T00:00:00Z in milliseconds
MESSAGE = (
    b'{"log_id":"Vkdap1RjR0wChd9dvyvKtz2mUTWIOem3dIGy6rEHcIw=",'
    b'"root_hash":"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",'
    b'"timestamp":1634860800000,"tree_size":8}'
)
# printf '%s' "$MESSAGE" > msg; openssl pkeyutl -sign -rawin -inkey k.pem -in msg | base64 -w0
SIGNATURE_B64 = (
    "V/XJPIJuKkFyDbSVv3fcpbmuHCp3gXbqTTrved5bvVXwd7c7OwSw++Hc2HY1cmKXZ1Q60Zhcl1m1bIN2QBywAg=="
)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(SEED)


def test_the_log_id_is_sha256_of_the_raw_public_key(key: Ed25519PrivateKey) -> None:
    raw = public_key_raw(key)
    assert raw.hex() == PUBLIC_KEY
    assert log_id_for(raw) == b64decode(LOG_ID_B64)


def test_the_signature_covers_canonical_json_of_exactly_four_fields(
    key: Ed25519PrivateKey,
) -> None:
    head = sign_head(key, 8, ROOT_8, TIMESTAMP)
    assert head.message() == MESSAGE
    assert head.signature == b64decode(SIGNATURE_B64)
    verify_head(head, public_key_raw(key))


def test_a_head_round_trips_through_its_json_form(key: Ed25519PrivateKey) -> None:
    head = sign_head(key, 8, ROOT_8, TIMESTAMP)
    data = head.to_json()
    assert data == {
        "log_id": LOG_ID_B64,
        "tree_size": 8,
        "root_hash": "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        "timestamp": TIMESTAMP,
        "signature": SIGNATURE_B64,
    }
    assert SignedTreeHead.from_json(data) == head


@pytest.mark.parametrize("field", ["tree_size", "timestamp", "root_hash", "signature"])
def test_changing_any_signed_field_breaks_the_signature(key: Ed25519PrivateKey, field: str) -> None:
    head = sign_head(key, 8, ROOT_8, TIMESTAMP)
    value = getattr(head, field)
    changed = value + 1 if isinstance(value, int) else bytes([value[0] ^ 1]) + value[1:]
    with pytest.raises(BadSignature):
        verify_head(dataclasses.replace(head, **{field: changed}), public_key_raw(key))


def test_a_head_checked_with_another_key_names_the_wrong_log(key: Ed25519PrivateKey) -> None:
    head = sign_head(key, 8, ROOT_8, TIMESTAMP)
    other = public_key_raw(Ed25519PrivateKey.generate())
    with pytest.raises(WrongLog):
        verify_head(head, other)


def test_a_head_whose_log_id_was_swapped_with_its_key_still_fails(key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    head = sign_head(key, 8, ROOT_8, TIMESTAMP)
    forged = dataclasses.replace(head, log_id=log_id_for(public_key_raw(other)))
    with pytest.raises(BadSignature):
        verify_head(forged, public_key_raw(other))


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": -1},
        {"tree_size": "8"},
        {"timestamp": 1.5},
        {"root_hash": "not base64!"},
        {"signature": "AAAA"},
        {"log_id": None},
    ],
)
def test_malformed_head_json_is_refused(key: Ed25519PrivateKey, change: dict[str, object]) -> None:
    data = sign_head(key, 8, ROOT_8, TIMESTAMP).to_json() | change
    with pytest.raises(MalformedHead):
        SignedTreeHead.from_json(data)


def test_head_json_missing_a_field_is_refused(key: Ed25519PrivateKey) -> None:
    data = sign_head(key, 8, ROOT_8, TIMESTAMP).to_json()
    del data["timestamp"]
    with pytest.raises(MalformedHead, match="timestamp"):
        SignedTreeHead.from_json(data)
