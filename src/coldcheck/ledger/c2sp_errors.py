"""Errors of the C2SP formats (signed notes, checkpoints, cosignatures, tlog-proof, tlog-witness).

They extend the ledger's tree (:mod:`coldcheck.ledger.errors`)::

    LedgerError
     ├── BadSignature
     │    ├── UntrustedNote     no signature on the note is by a trusted key (MUST reject)
     │    └── BadNoteSignature  a line whose key name and ID are a trusted key's does not verify
     └── C2spFormatError        bytes that are not the format they claim (also ``ValueError``):
                                a note, a vkey, a checkpoint, a cosignature, a tlog-proof file,
                                an add-checkpoint request or a witness response

Proof failures inside a tlog-proof file raise the ledger's ``ProofError`` / ``RootMismatch``.
"""

from __future__ import annotations

from coldcheck.ledger.errors import BadSignature, LedgerError

__all__ = ["BadNoteSignature", "C2spFormatError", "UntrustedNote"]


class C2spFormatError(LedgerError, ValueError):
    """The text is not in the C2SP format it claims; the message says which rule it breaks."""


class UntrustedNote(BadSignature):
    """No signature on the note is by a key the verifier trusts (unknown keys are ignored)."""


class BadNoteSignature(BadSignature):
    """A signature line's key name and key ID match a trusted key, but the signature is wrong."""

    def __init__(self, name: str, key_id: int) -> None:
        self.name = name
        self.key_id = key_id
        super().__init__(
            f"the signature by {name} (key ID {key_id:08x}) does not verify:"
            " the note was altered or signed with another key"
        )
