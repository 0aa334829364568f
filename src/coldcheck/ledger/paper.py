"""What people compare by eye or read aloud: a checkpoint's short fingerprint (pure).

Everything coldcheck shows a person to compare — on paper, on screen, in a bundle —
uses base64 for hashes and keys (as the checkpoint text itself does), and a checkpoint
also gets a *fingerprint*: twelve decimal digits in three groups, e.g. ``4821 0937 5562``,
that two people can read to each other over a phone line::

    n = first 8 bytes of SHA-256("coldcheck checkpoint fingerprint v1\\n" || note text),
        as a big-endian integer
    fingerprint = n mod 10**12, twelve digits with leading zeroes, grouped 4-4-4

The note text is the checkpoint's origin, tree size and root hash lines (not its
signatures), so the same tree of the same log always has the same fingerprint. Forty
bits is enough to notice a different tree by eye, not to stand in for the signature.
"""

from __future__ import annotations

import hashlib

__all__ = ["FINGERPRINT_TAG", "fingerprint"]

FINGERPRINT_TAG = b"coldcheck checkpoint fingerprint v1\n"


def fingerprint(checkpoint_text: str) -> str:
    """The twelve-digit fingerprint of a checkpoint's note text (see the module docstring)."""
    digest = hashlib.sha256(FINGERPRINT_TAG + checkpoint_text.encode("utf-8")).digest()
    digits = f"{int.from_bytes(digest[:8], 'big') % 10**12:012d}"
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"
