"""Checkpoints, exactly as c2sp.org/tlog-checkpoint@v1.0.0 defines them.

A checkpoint is a signed note whose text is::

    <origin>
    <tree size, ASCII decimal, no leading zeroes>
    <root hash, standard base64 of the 32-byte RFC 6962 / RFC 9162 root>
    [<extension line>...]          optional, each non-empty (NOT RECOMMENDED by the spec)

Parsing accepts any non-empty origin (clients MUST NOT assume its form). What coldcheck itself
*issues* is held to the specification's recommendation by :func:`check_origin`: a schema-less
URL (``host[:port][/path]``) with no space and no ``+``, so that it is also a valid key name —
the log's key name is its origin.

Making a signed checkpoint for the log: :func:`make_checkpoint_note`; reading one:
:func:`open_checkpoint`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.c2sp_errors import C2spFormatError
from coldcheck.ledger.hashing import HASH_SIZE
from coldcheck.ledger.note import (
    Ed25519Signer,
    Note,
    NoteSigner,
    NoteVerifier,
    OpenedNote,
    b64decode_canonical,
    b64encode,
    check_key_name,
    open_note,
    parse_note,
    sign_note,
)

__all__ = [
    "MAX_EXTENSION_LINES",
    "MAX_ORIGIN_BYTES",
    "MAX_TREE_SIZE",
    "Checkpoint",
    "SignedCheckpoint",
    "check_origin",
    "log_vkey",
    "make_checkpoint_note",
    "open_checkpoint",
    "parse_decimal",
    "sign_checkpoint",
]

MAX_TREE_SIZE = 2**63 - 1
"""Largest tree size (and index) accepted: what a signed 64-bit integer holds."""

MAX_ORIGIN_BYTES = 1024
"""Longest origin line accepted, in UTF-8 bytes."""

MAX_EXTENSION_LINES = 256
"""Most extension lines accepted after the root hash."""

MAX_ISSUED_ORIGIN = 255
"""Longest origin coldcheck issues (:func:`check_origin`)."""

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*"
_PATH_CHARS = r"A-Za-z0-9\-._~!$&'()*,;=:@%"
_ORIGIN = re.compile(rf"{_HOST}(?::[0-9]{{1,5}})?(?:/[{_PATH_CHARS}/]*)?")


def parse_decimal(text: str, what: str, *, maximum: int = MAX_TREE_SIZE) -> int:
    """An ASCII decimal with no leading zeroes (``0`` itself allowed), at most ``maximum``."""
    if not text or len(text) > 19 or any(c not in "0123456789" for c in text):
        raise C2spFormatError(f"{what} must be an ASCII decimal number, got {text[:40]!r}")
    if text != "0" and text.startswith("0"):
        raise C2spFormatError(f"{what} must have no leading zeroes, got {text!r}")
    value = int(text)
    if value > maximum:
        raise C2spFormatError(f"{what} must be at most {maximum}, got {text}")
    return value


def check_origin(origin: str) -> str:
    """Return ``origin`` if coldcheck may issue checkpoints under it, else say what is wrong.

    The form is the one tlog-checkpoint recommends: a schema-less URL such as
    ``coldcheck.example.com/log/4f2a`` (host, optional port, optional path), no ``scheme://``,
    no space, no ``+``, ASCII, at most 255 characters.
    """
    if not isinstance(origin, str) or not origin:
        raise C2spFormatError("an origin must be non-empty")
    if "://" in origin or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)", origin):
        raise C2spFormatError(
            f"origin {origin!r} has a scheme; write it schema-less, e.g. 'example.com/log'"
        )
    if len(origin) > MAX_ISSUED_ORIGIN:
        raise C2spFormatError(f"an origin must be at most {MAX_ISSUED_ORIGIN} characters")
    check_key_name(origin)
    if not origin.isascii() or not _ORIGIN.fullmatch(origin):
        raise C2spFormatError(
            f"origin {origin!r} is not a schema-less URL: write host[:port][/path] with"
            " letters, digits and -._~!$&'()*,;=:@% only, e.g. 'studio.example/coldcheck/dry-gulch'"
        )
    return origin


@dataclass(frozen=True)
class Checkpoint:
    """The note text of a checkpoint: origin, tree size, root hash, extension lines."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise C2spFormatError("a checkpoint's origin line must be non-empty")
        if "\n" in self.origin or len(self.origin.encode("utf-8")) > MAX_ORIGIN_BYTES:
            raise C2spFormatError(f"an origin is one line of at most {MAX_ORIGIN_BYTES} bytes")
        if isinstance(self.tree_size, bool) or not isinstance(self.tree_size, int):
            raise C2spFormatError("a tree size must be an integer")
        if not 0 <= self.tree_size <= MAX_TREE_SIZE:
            raise C2spFormatError(f"a tree size must be between 0 and {MAX_TREE_SIZE}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise C2spFormatError(f"a root hash must be {HASH_SIZE} bytes")
        if len(self.extensions) > MAX_EXTENSION_LINES:
            raise C2spFormatError(f"a checkpoint may have at most {MAX_EXTENSION_LINES} extensions")
        for line in self.extensions:
            if not isinstance(line, str) or not line or "\n" in line:
                raise C2spFormatError("each extension line must be one non-empty line")

    def text(self) -> str:
        """The note text: the lines above, each ending in a newline."""
        lines = [self.origin, str(self.tree_size), b64encode(self.root_hash), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text; ``C2spFormatError`` says which line is wrong."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise C2spFormatError("a checkpoint text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise C2spFormatError(
                f"a checkpoint needs three lines: origin, tree size, root hash (got {len(lines)})"
            )
        origin, size_line, root_line, *extensions = lines
        if not origin:
            raise C2spFormatError("the checkpoint's origin line is empty")
        size = parse_decimal(size_line, "the checkpoint's tree size")
        root = b64decode_canonical(root_line, "the checkpoint's root hash")
        if len(root) != HASH_SIZE:
            raise C2spFormatError(f"the checkpoint's root hash is {len(root)} bytes, not 32")
        if any(not line for line in extensions):
            raise C2spFormatError("a checkpoint's extension lines must be non-empty")
        return cls(origin, size, root, tuple(extensions))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose note verified against trusted log keys."""

    checkpoint: Checkpoint
    opened: OpenedNote

    @property
    def note(self) -> Note:
        """The whole note as received (every signature line, verified or not)."""
        return self.opened.note


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[NoteSigner]) -> Note:
    """Sign a checkpoint; the log's key name must be its origin (as the spec recommends)."""
    for s in signers:
        if s.name != checkpoint.origin:
            raise ValueError(f"the log key is named {s.name!r}, not the origin")
    return sign_note(checkpoint.text(), signers)


def make_checkpoint_note(
    origin: str,
    tree_size: int,
    root_hash: bytes,
    log_key: Ed25519PrivateKey,
    *,
    extensions: Sequence[str] = (),
) -> bytes:
    """The signed checkpoint note of the log at ``tree_size`` with ``root_hash``.

    The key name is ``origin`` (checked with :func:`check_origin`); the signature is Ed25519
    (type 0x01). Returns the note's bytes, ready to serve or to submit to a witness.
    """
    check_origin(origin)
    checkpoint = Checkpoint(origin, tree_size, root_hash, tuple(extensions))
    return sign_checkpoint(checkpoint, [Ed25519Signer(origin, log_key)]).to_bytes()


def log_vkey(origin: str, log_key: Ed25519PrivateKey) -> str:
    """The log's vkey, ``<origin>+<key ID>+<base64(0x01 || public key)>``."""
    return Ed25519Signer(check_origin(origin), log_key).vkey


def open_checkpoint(
    note: bytes | Note, verifiers: Sequence[NoteVerifier], *, origin: str | None = None
) -> SignedCheckpoint:
    """Verify a signed checkpoint against trusted log keys and parse its text.

    ``origin``, if given, must be the checkpoint's origin line. Raises ``C2spFormatError``,
    ``UntrustedNote`` or ``BadNoteSignature``.
    """
    parsed = parse_note(note) if isinstance(note, bytes) else note
    checkpoint = Checkpoint.from_text(parsed.text)
    if origin is not None and checkpoint.origin != origin:
        raise C2spFormatError(f"the checkpoint is of log {checkpoint.origin!r}, not of {origin!r}")
    return SignedCheckpoint(checkpoint, open_note(parsed, verifiers))
