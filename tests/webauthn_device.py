"""A WebAuthn authenticator written in the test from the specification, not from coldcheck.

W3C Web Authentication Level 2: the authenticator data (section 6.1: rpIdHash, flags,
signCount, attested credential data), the client data JSON (section 5.8.1), the "none"
attestation object (section 6.5.4, CBOR per RFC 8949), the COSE EC2 P-256 key (RFC 9053
section 7.1.1: kty 2, alg -7, crv 1, x, y) and the ES256 assertion signature (ECDSA over
authenticatorData || SHA-256(clientDataJSON), DER; section 6.3.3 step 11).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    if n < 65536:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    return bytes([major << 5 | 26]) + struct.pack(">I", n)


def cbor(value: Any) -> bytes:
    """RFC 8949 encoding of ints, bytes, text, arrays and maps (insertion order, as given)."""
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(value)


@dataclass
class Device:
    """One passkey: an ES256 key pair and a credential id, for one relying party."""

    rp_id: str = "localhost"
    origin: str = "http://localhost:8000"
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    counter: int = 0

    @property
    def credential(self) -> str:
        return b64url(self.credential_id)

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            },
            separators=(",", ":"),
        ).encode()

    def register(self, options: dict[str, Any], origin: str | None = None) -> str:
        """The JSON a browser returns from navigator.credentials.create(options)."""
        rp_id = options["rp"]["id"]
        client = self._client_data("webauthn.create", options["challenge"], origin)
        attested = (
            bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self.cose_key()
        )
        auth = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([UP | UV | AT])
            + struct.pack(">I", 0)
            + attested
        )
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": auth})
        return json.dumps(
            {
                "id": self.credential,
                "rawId": self.credential,
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client),
                    "attestationObject": b64url(attestation),
                },
                "clientExtensionResults": {},
            }
        )

    def sign(self, challenge: str, origin: str | None = None, rp_id: str | None = None) -> str:
        """The JSON a browser returns from navigator.credentials.get for this challenge."""
        self.counter += 1
        client = self._client_data("webauthn.get", challenge, origin)
        auth = (
            hashlib.sha256((rp_id or self.rp_id).encode()).digest()
            + bytes([UP | UV])
            + struct.pack(">I", self.counter)
        )
        signature = self.key.sign(auth + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": self.credential,
                "rawId": self.credential,
                "type": "public-key",
                "response": {
                    "authenticatorData": b64url(auth),
                    "clientDataJSON": b64url(client),
                    "signature": b64url(signature),
                    "userHandle": None,
                },
                "clientExtensionResults": {},
            }
        )
