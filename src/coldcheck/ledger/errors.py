"""The ledger's exception tree.

Every error the ledger raises derives from :class:`LedgerError`::

    LedgerError
     ├── CanonicalJsonError     a value has no RFC 8785 canonical form (NaN, lone surrogate, ...)
     ├── ProofError             a proof is malformed or does not prove what it claims
     │    └── RootMismatch      the root recomputed from a proof is not the expected root
     ├── BadSignature           a signed tree head's signature does not verify
     │    └── WrongLog          the head names another log (log_id is not SHA-256 of the key)
     ├── MalformedHead          a tree head's JSON is missing fields or has wrong types
     ├── OutOfRange             an index or tree size the log does not have (HTTP 400)
     └── BundleError            an evidence bundle is not a well-formed coldcheck bundle

``CanonicalJsonError`` and ``OutOfRange`` are also ``ValueError`` so callers that validate input
generically still catch it.
"""

from __future__ import annotations

import base64

__all__ = [
    "BadSignature",
    "BundleError",
    "CanonicalJsonError",
    "LedgerError",
    "MalformedHead",
    "OutOfRange",
    "ProofError",
    "RootMismatch",
    "WrongLog",
]


class LedgerError(Exception):
    """Base of every error raised by ``coldcheck.ledger``."""


class CanonicalJsonError(LedgerError, ValueError):
    """The value cannot be written as RFC 8785 canonical JSON."""


class ProofError(LedgerError):
    """A proof is malformed (bad sizes, wrong length) or fails to verify."""


class RootMismatch(ProofError):
    """The root recomputed from a proof differs from the expected root."""

    def __init__(self, expected: bytes, calculated: bytes) -> None:
        self.expected = expected
        self.calculated = calculated
        super().__init__(
            f"root mismatch: expected {base64.b64encode(expected).decode()},"
            f" calculated {base64.b64encode(calculated).decode()}"
        )


class BadSignature(LedgerError):
    """A signed tree head's signature does not verify with the given key."""


class WrongLog(BadSignature):
    """The head's log_id is not SHA-256 of the public key it was checked with."""


class MalformedHead(LedgerError):
    """A signed tree head (or its JSON) is missing fields or has wrong types."""


class OutOfRange(LedgerError, ValueError):
    """An index, range or tree size outside the log (or in the wrong order)."""


class BundleError(LedgerError):
    """An evidence bundle is not a well-formed coldcheck evidence bundle."""
