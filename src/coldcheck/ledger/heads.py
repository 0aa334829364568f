"""Signed tree heads: Ed25519 over the RFC 8785 canonical JSON of four fields.

The signed message is exactly::

    canonical_json({"log_id": b64(log_id), "root_hash": b64(root_hash),
                    "timestamp": timestamp_ms, "tree_size": tree_size})

with standard base64 (with padding), ``timestamp`` in integer milliseconds
since the Unix epoch (UTC), and ``log_id = SHA-256(raw 32-byte public key)``.
The JSON form of a head adds ``"signature"`` (base64 of the 64-byte signature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from coldcheck.ledger.canonical import MAX_SAFE_INTEGER, canonical_json
from coldcheck.ledger.errors import BadSignature, MalformedHead, WrongLog
from coldcheck.ledger.hashing import HASH_SIZE

__all__ = [
    "SignedTreeHead",
    "b64decode",
    "b64encode",
    "log_id_for",
    "public_key_raw",
    "sign_head",
    "signed_message",
    "verify_head",
]

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard base64 decoding; raises ``ValueError`` on anything else."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"not standard base64: {exc}") from None


def public_key_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The raw 32-byte Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def log_id_for(public_key: bytes) -> bytes:
    """The log id: SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(public_key).digest()


def signed_message(log_id: bytes, tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The exact bytes the head signature covers."""
    return canonical_json(
        {
            "log_id": b64encode(log_id),
            "root_hash": b64encode(root_hash),
            "timestamp": timestamp_ms,
            "tree_size": tree_size,
        }
    )


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree size and root, timestamped and signed by the log key."""

    log_id: bytes
    tree_size: int
    root_hash: bytes
    timestamp: int
    signature: bytes

    def __post_init__(self) -> None:
        _check_fields(self.log_id, self.tree_size, self.root_hash, self.timestamp)
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise MalformedHead(f"signature must be {SIGNATURE_SIZE} bytes")

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return signed_message(self.log_id, self.tree_size, self.root_hash, self.timestamp)

    def to_json(self) -> dict[str, Any]:
        """``{log_id, tree_size, root_hash, timestamp, signature}`` with base64 byte strings."""
        return {
            "log_id": b64encode(self.log_id),
            "tree_size": self.tree_size,
            "root_hash": b64encode(self.root_hash),
            "timestamp": self.timestamp,
            "signature": b64encode(self.signature),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedTreeHead:
        """Parse :meth:`to_json` output; raises ``MalformedHead`` on anything else."""
        if not isinstance(data, Mapping):
            raise MalformedHead("a tree head must be a JSON object")
        expected = {"log_id", "tree_size", "root_hash", "timestamp", "signature"}
        missing = expected - set(data)
        if missing:
            raise MalformedHead(f"tree head is missing {', '.join(sorted(missing))}")
        try:
            decoded = {k: b64decode(data[k]) for k in ("log_id", "root_hash", "signature")}
        except (ValueError, AttributeError, TypeError) as exc:
            raise MalformedHead(f"tree head has a bad base64 field: {exc}") from None
        return cls(
            log_id=decoded["log_id"],
            tree_size=data["tree_size"],
            root_hash=decoded["root_hash"],
            timestamp=data["timestamp"],
            signature=decoded["signature"],
        )


def _check_fields(log_id: bytes, tree_size: int, root_hash: bytes, timestamp: int) -> None:
    if not isinstance(log_id, bytes) or len(log_id) != HASH_SIZE:
        raise MalformedHead(f"log_id must be {HASH_SIZE} bytes")
    if not isinstance(root_hash, bytes) or len(root_hash) != HASH_SIZE:
        raise MalformedHead(f"root_hash must be {HASH_SIZE} bytes")
    for name, value in (("tree_size", tree_size), ("timestamp", timestamp)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedHead(f"{name} must be an integer")
        if not 0 <= value <= MAX_SAFE_INTEGER:
            raise MalformedHead(f"{name} must be between 0 and 2**53-1")


def sign_head(
    private_key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, timestamp_ms: int
) -> SignedTreeHead:
    """Sign ``(tree_size, root_hash, timestamp_ms)`` with the log key."""
    log_id = log_id_for(public_key_raw(private_key))
    _check_fields(log_id, tree_size, root_hash, timestamp_ms)
    message = signed_message(log_id, tree_size, root_hash, timestamp_ms)
    return SignedTreeHead(log_id, tree_size, root_hash, timestamp_ms, private_key.sign(message))


def verify_head(head: SignedTreeHead, public_key_raw: bytes) -> None:
    """Check the head was signed by ``public_key_raw`` for this log.

    Raises ``WrongLog`` if ``head.log_id`` is not SHA-256 of the key,
    ``BadSignature`` if the signature does not verify.
    """
    if len(public_key_raw) != PUBLIC_KEY_SIZE:
        raise BadSignature(f"public key must be {PUBLIC_KEY_SIZE} raw bytes")
    if head.log_id != log_id_for(public_key_raw):
        raise WrongLog("tree head's log_id is not SHA-256 of this public key")
    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(head.signature, head.message())
    except InvalidSignature:
        raise BadSignature(
            f"signature of tree head at size {head.tree_size} does not verify"
        ) from None
