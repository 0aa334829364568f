"""Witness cosignatures, exactly as c2sp.org/tlog-cosignature@v1.0.1 defines the Ed25519 type.

A cosignature is a note signature on a checkpoint, by a cosigner (a witness) key:

- signature type ``0x04``; key ID ``SHA-256(name || 0x0A || 0x04 || 32-byte key)[:4]``;
  vkey ``<name>+<key ID>+<base64(0x04 || key)>``;
- the signature is the 72-byte ``timestamped_signature``: ``u64 timestamp`` (POSIX seconds,
  big-endian, at most 2^63-1) followed by the 64-byte Ed25519 signature of::

      cosignature/v1
      time <timestamp, ASCII decimal>
      <the whole checkpoint note text, extension lines included>

A v1 cosignature states that, at that time, this checkpoint is the largest consistent tree the
cosigner has seen for the origin. The same Ed25519 key must never serve two cosigners, since the
message does not name the cosigner. (The ML-DSA-44 type of the newer draft is not implemented.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError
from coldcheck.ledger.checkpoint import Checkpoint
from coldcheck.ledger.note import (
    ED25519_KEY_SIZE,
    ED25519_SIGNATURE_SIZE,
    Note,
    NoteSignature,
    VerifierKey,
    check_key_name,
    ed25519_public_raw,
    key_id,
    parse_note,
    parse_vkey,
)

__all__ = [
    "COSIGNATURE_HEADER",
    "COSIGNATURE_SIZE",
    "MAX_TIMESTAMP",
    "SIG_TYPE_COSIGNATURE_V1",
    "Cosignature",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignatures_on",
    "cosigned_message",
    "verify_cosignature",
]

SIG_TYPE_COSIGNATURE_V1 = 0x04
"""Signature type byte of timestamped Ed25519 checkpoint cosignatures."""

COSIGNATURE_HEADER = "cosignature/v1"
"""The domain-separating first line of the signed message."""

MAX_TIMESTAMP = 2**63 - 1
"""A cosignature's timestamp must not exceed this."""

COSIGNATURE_SIZE = 8 + ED25519_SIGNATURE_SIZE
"""Bytes of a ``timestamped_signature`` (after the note's 4-byte key ID)."""


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a cosignature signs: header line, time line, the checkpoint's note text."""
    Checkpoint.from_text(checkpoint_text)
    _check_timestamp(timestamp)
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{checkpoint_text}".encode()


def _check_timestamp(timestamp: int) -> None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise C2spFormatError("a cosignature timestamp must be an integer")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise C2spFormatError(f"a cosignature timestamp must be between 0 and {MAX_TIMESTAMP}")


@dataclass(frozen=True)
class Cosignature:
    """A cosignature line's parts: cosigner name, key ID, timestamp, Ed25519 signature."""

    name: str
    key_id: int
    timestamp: int
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        _check_timestamp(self.timestamp)
        if len(self.signature) != ED25519_SIGNATURE_SIZE:
            raise C2spFormatError("an Ed25519 cosignature's signature is 64 bytes")

    def note_signature(self) -> NoteSignature:
        """The note signature: key ID, then ``timestamp || signature``."""
        return NoteSignature(
            self.name, self.key_id, self.timestamp.to_bytes(8, "big") + self.signature
        )

    def line(self) -> str:
        """The signature line, ending in a newline."""
        return self.note_signature().line()

    @classmethod
    def from_note_signature(cls, sig: NoteSignature) -> Cosignature:
        """Read a note signature as a ``timestamped_signature`` (checks its shape only)."""
        if len(sig.signature) != COSIGNATURE_SIZE:
            raise C2spFormatError(
                f"the signature by {sig.name} is {len(sig.signature)} bytes; an Ed25519"
                f" cosignature is {COSIGNATURE_SIZE} (8-byte timestamp, 64-byte signature)"
            )
        timestamp = int.from_bytes(sig.signature[:8], "big")
        return cls(sig.name, sig.key_id, timestamp, sig.signature[8:])


class CosignatureVerifier:
    """Verifies type-0x04 cosignatures of one cosigner (a note verifier for checkpoints)."""

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != ED25519_KEY_SIZE:
            raise ValueError("an Ed25519 public key is 32 bytes")
        self._name = check_key_name(name)
        self.public_key = public_key
        self._key = Ed25519PublicKey.from_public_bytes(public_key)
        self._key_id = key_id(name, SIG_TYPE_COSIGNATURE_V1, public_key)

    @property
    def name(self) -> str:
        """The cosigner's name."""
        return self._name

    @property
    def key_id(self) -> int:
        """``SHA-256(name || 0x0A || 0x04 || key)[:4]``."""
        return self._key_id

    @property
    def vkey(self) -> str:
        """This cosigner as a vkey string (signature type 0x04)."""
        return str(VerifierKey(self._name, self._key_id, SIG_TYPE_COSIGNATURE_V1, self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True if ``signature`` (timestamp || Ed25519) cosigns the checkpoint ``text``."""
        if len(signature) != COSIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        try:
            message = cosigned_message(text.decode("utf-8"), timestamp)
            self._key.verify(signature[8:], message)
        except (C2spFormatError, UnicodeDecodeError, InvalidSignature):
            return False
        return True

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """The verifier a type-0x04 vkey names; ``C2spFormatError`` if it is not one."""
        parsed = parse_vkey(vkey, sig_type=SIG_TYPE_COSIGNATURE_V1)
        return cls(parsed.name, parsed.public_key)


class CosignatureSigner:
    """A cosigner's key: signs checkpoints as type-0x04 cosignatures, timestamped by ``clock``."""

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey,
        clock: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        self._key = private_key
        self._clock = clock
        self.verifier = CosignatureVerifier(name, ed25519_public_raw(private_key))

    @property
    def name(self) -> str:
        """The cosigner's name."""
        return self.verifier.name

    @property
    def key_id(self) -> int:
        """The cosigner's key ID (type 0x04)."""
        return self.verifier.key_id

    @property
    def vkey(self) -> str:
        """The vkey a log or a verifier of bundles is given for this cosigner."""
        return self.verifier.vkey

    def cosign(self, checkpoint_text: str, timestamp: int | None = None) -> Cosignature:
        """Cosign a checkpoint text at ``timestamp`` (default: the clock; never 0)."""
        when = self._clock() if timestamp is None else timestamp
        _check_timestamp(when)
        if when == 0:
            raise C2spFormatError("a witness cosignature must not have timestamp 0")
        signature = self._key.sign(cosigned_message(checkpoint_text, when))
        return Cosignature(self.name, self.key_id, when, signature)

    def sign(self, text: bytes) -> bytes:
        """Note-signer form of :meth:`cosign`: ``timestamp || signature`` for ``text``."""
        return self.cosign(text.decode("utf-8")).note_signature().signature


def verify_cosignature(
    checkpoint_text: str,
    signature: NoteSignature | str,
    witness: CosignatureVerifier | str,
    *,
    not_after: int | None = None,
) -> Cosignature:
    """Check that ``signature`` (a line or parsed) is ``witness``'s cosignature of the checkpoint.

    ``witness`` is a verifier or a type-0x04 vkey. With ``not_after`` (POSIX seconds), a
    timestamp later than it is refused (the spec lets verifiers refuse future timestamps).
    Raises ``C2spFormatError`` for a malformed line or a line of another key,
    ``BadNoteSignature`` if it does not verify.
    """
    verifier = CosignatureVerifier.from_vkey(witness) if isinstance(witness, str) else witness
    sig = NoteSignature.from_line(signature) if isinstance(signature, str) else signature
    if (sig.name, sig.key_id) != (verifier.name, verifier.key_id):
        raise C2spFormatError(
            f"the line is by {sig.name}+{sig.key_id_hex}, not by {verifier.name}"
            f"+{verifier.key_id:08x}"
        )
    if not verifier.verify(checkpoint_text.encode("utf-8"), sig.signature):
        raise BadNoteSignature(sig.name, sig.key_id)
    cosig = Cosignature.from_note_signature(sig)
    if not_after is not None and cosig.timestamp > not_after:
        raise C2spFormatError(
            f"the cosignature by {sig.name} is dated {cosig.timestamp}, after {not_after}"
        )
    return cosig


def cosignatures_on(
    note: bytes | Note, witnesses: Sequence[CosignatureVerifier]
) -> list[Cosignature]:
    """The verified cosignatures on a checkpoint note by the given witnesses, in note order.

    Lines of other keys (the log's, unknown witnesses') are ignored; a line whose name and key
    ID are a given witness's but that does not verify raises ``BadNoteSignature``. This checks
    no log signature: open the checkpoint with the log's key for that.
    """
    parsed = parse_note(note) if isinstance(note, bytes) else note
    Checkpoint.from_text(parsed.text)
    by_id = {(w.name, w.key_id): w for w in witnesses}
    found: list[Cosignature] = []
    for sig in parsed.signatures:
        witness = by_id.get((sig.name, sig.key_id))
        if witness is None:
            continue
        cosig = verify_cosignature(parsed.text, sig, witness)
        if cosig not in found:
            found.append(cosig)
    return found
