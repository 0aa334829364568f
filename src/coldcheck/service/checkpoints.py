"""The log's identity in C2SP form: its origin, its vkey, and the checkpoint of every head.

Every signed tree head is also a c2sp.org/tlog-checkpoint signed note: the origin line,
the tree size, the base64 root, signed by the log key under the key name ``origin``
(Ed25519, type 0x01). Ed25519 signatures are deterministic, so the checkpoint of a head
is the same bytes whenever it is made; it is made when it is needed (served, submitted
to a witness, put in a bundle or on paper) rather than stored.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.checkpoint import Checkpoint, log_vkey, make_checkpoint_note
from coldcheck.ledger.cosignature import Cosignature
from coldcheck.ledger.heads import SignedTreeHead, log_id_for, public_key_raw
from coldcheck.ledger.note import Ed25519Verifier, NoteSignature, parse_note
from coldcheck.ledger.paper import fingerprint

__all__ = ["LogIdentity"]


class LogIdentity:
    """A log's origin and key: its vkey and the checkpoint note of any of its heads."""

    def __init__(self, origin: str, key: Ed25519PrivateKey) -> None:
        self.origin = origin
        self._key = key
        self.vkey = log_vkey(origin, key)
        self.verifier = Ed25519Verifier.from_vkey(self.vkey)
        self.public_key = public_key_raw(key)
        self.log_id = log_id_for(self.public_key)

    def checkpoint(self, head: SignedTreeHead) -> bytes:
        """The signed checkpoint note of ``head`` (log signature only)."""
        return make_checkpoint_note(self.origin, head.tree_size, head.root_hash, self._key)

    def cosigned(self, head: SignedTreeHead, cosignatures: list[str]) -> bytes:
        """The checkpoint followed by every cosignature line held for it."""
        note = parse_note(self.checkpoint(head))
        lines = [NoteSignature.from_line(line) for line in cosignatures]
        return note.adding(lines).to_bytes()

    def text(self, head: SignedTreeHead) -> str:
        """The checkpoint's note text (origin, size, root lines)."""
        return Checkpoint(self.origin, head.tree_size, head.root_hash).text()

    def fingerprint(self, head: SignedTreeHead) -> str:
        """The twelve-digit fingerprint people read aloud (``ledger.paper``)."""
        return fingerprint(self.text(head))

    @staticmethod
    def cosignature_line(cosig: Cosignature) -> str:
        """A cosignature's line, without its newline."""
        return cosig.line().rstrip("\n")
