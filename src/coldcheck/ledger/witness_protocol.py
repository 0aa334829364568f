"""The messages of the c2sp.org/tlog-witness@v1.0.0 ``add-checkpoint`` call.

Request body (``POST <submission prefix>/add-checkpoint``)::

    old <size of the checkpoint the witness last cosigned, ASCII decimal; 0 if none>
    <base64 hash>               zero to 63 lines: RFC 6962 §2.1.2 consistency proof, old -> new
    <empty line>
    <the signed checkpoint note>

Answers:

- ``200``: one or more cosignature lines (``— <witness name> <base64>``, each ending in a
  newline) — :func:`parse_cosignature_response` / :func:`verified_cosignatures`;
- ``409`` with ``Content-Type: text/x.tlog.size``: the size the witness last cosigned, in
  decimal and a newline — :func:`parse_tree_size_body`; resubmit with that old size
  (and the proof from it). A 409 whose size *equals* the old size sent means the witness holds
  another root at that size: a fork;
- ``400`` malformed, ``403`` no trusted log signature, ``404`` unknown origin,
  ``422`` the proof does not verify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coldcheck.ledger.c2sp_errors import C2spFormatError
from coldcheck.ledger.checkpoint import MAX_TREE_SIZE, Checkpoint, parse_decimal
from coldcheck.ledger.cosignature import Cosignature, CosignatureVerifier, verify_cosignature
from coldcheck.ledger.hashing import HASH_SIZE
from coldcheck.ledger.note import (
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    Note,
    NoteSignature,
    b64decode_canonical,
    b64encode,
    parse_note,
)

__all__ = [
    "ADD_CHECKPOINT_PATH",
    "MAX_CONSISTENCY_HASHES",
    "MAX_REQUEST_BYTES",
    "MAX_RESPONSE_BYTES",
    "TREE_SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "build_add_checkpoint_request",
    "format_cosignature_response",
    "format_tree_size_body",
    "parse_add_checkpoint_request",
    "parse_cosignature_response",
    "parse_tree_size_body",
    "verified_cosignatures",
]

ADD_CHECKPOINT_PATH = "/add-checkpoint"
"""Appended to a witness's submission prefix."""

TREE_SIZE_CONTENT_TYPE = "text/x.tlog.size"
"""Content type of a 409 answer's body."""

MAX_CONSISTENCY_HASHES = 63
"""A client MUST NOT send more consistency proof lines than this."""

MAX_REQUEST_BYTES = MAX_NOTE_BYTES + 4096
"""Largest request body accepted (a note, the old size line and 63 hash lines)."""

MAX_RESPONSE_BYTES = 64 * 1024
"""Largest 200 answer accepted from a witness."""


@dataclass(frozen=True)
class AddCheckpointRequest:
    """An add-checkpoint request: old size, consistency proof, the signed checkpoint note."""

    old_size: int
    consistency_proof: tuple[bytes, ...]
    checkpoint_note: Note

    def __post_init__(self) -> None:
        if isinstance(self.old_size, bool) or not isinstance(self.old_size, int):
            raise C2spFormatError("the old size must be an integer")
        if not 0 <= self.old_size <= MAX_TREE_SIZE:
            raise C2spFormatError(f"the old size must be between 0 and {MAX_TREE_SIZE}")
        if len(self.consistency_proof) > MAX_CONSISTENCY_HASHES:
            raise C2spFormatError(
                f"a consistency proof has at most {MAX_CONSISTENCY_HASHES} hashes"
            )
        if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in self.consistency_proof):
            raise C2spFormatError(f"every consistency proof hash is {HASH_SIZE} bytes")
        Checkpoint.from_text(self.checkpoint_note.text)

    @property
    def checkpoint(self) -> Checkpoint:
        """The submitted checkpoint's text, parsed (its signatures are not checked here)."""
        return Checkpoint.from_text(self.checkpoint_note.text)

    def to_bytes(self) -> bytes:
        """The request body."""
        lines = [f"old {self.old_size}", *(b64encode(h) for h in self.consistency_proof)]
        head = "".join(f"{line}\n" for line in lines) + "\n"
        return head.encode("ascii") + self.checkpoint_note.to_bytes()


def build_add_checkpoint_request(
    old_size: int, consistency_proof: Sequence[bytes], checkpoint_note: bytes
) -> bytes:
    """The body to POST to ``<prefix>/add-checkpoint``.

    ``old_size`` is the size the witness last cosigned (0 the first time);
    ``consistency_proof`` goes from ``old_size`` to the checkpoint's size (empty when
    ``old_size`` is 0 or equals that size); ``checkpoint_note`` is the signed checkpoint.
    """
    request = AddCheckpointRequest(old_size, tuple(consistency_proof), parse_note(checkpoint_note))
    if request.old_size == 0 and request.consistency_proof:
        raise ValueError("the consistency proof from size 0 must be empty")
    if request.old_size > request.checkpoint.tree_size:
        raise ValueError("the old size is larger than the checkpoint's tree size")
    return request.to_bytes()


def parse_add_checkpoint_request(body: bytes) -> AddCheckpointRequest:
    """Parse a request body; ``C2spFormatError`` (HTTP 400) says what is malformed."""
    if not isinstance(body, bytes):
        raise TypeError("a request body is bytes")
    if len(body) > MAX_REQUEST_BYTES:
        raise C2spFormatError(f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    split = body.find(b"\n\n")
    if split < 0:
        raise C2spFormatError("the request has no empty line before the checkpoint")
    try:
        head = body[:split].decode("ascii")
    except UnicodeDecodeError:
        raise C2spFormatError("the lines before the checkpoint must be ASCII") from None
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise C2spFormatError("the request must start with the line 'old <size>'")
    old_size = parse_decimal(lines[0][len("old ") :], "the old size")
    hashes = lines[1:]
    if len(hashes) > MAX_CONSISTENCY_HASHES:
        raise C2spFormatError(
            f"the request has {len(hashes)} proof lines;"
            f" at most {MAX_CONSISTENCY_HASHES} are allowed"
        )
    proof: list[bytes] = []
    for number, line in enumerate(hashes, start=1):
        raw = b64decode_canonical(line, f"consistency proof line {number}")
        if len(raw) != HASH_SIZE:
            raise C2spFormatError(f"consistency proof line {number} is {len(raw)} bytes, not 32")
        proof.append(raw)
    return AddCheckpointRequest(old_size, tuple(proof), parse_note(body[split + 2 :]))


def format_cosignature_response(cosignatures: Sequence[Cosignature | NoteSignature]) -> bytes:
    """A 200 answer: the witness's signature lines."""
    if not cosignatures:
        raise ValueError("a witness answers with at least one cosignature")
    return "".join(c.line() for c in cosignatures).encode("utf-8")


def parse_cosignature_response(body: bytes) -> tuple[NoteSignature, ...]:
    """The signature lines of a 200 answer, parsed but not verified."""
    if len(body) > MAX_RESPONSE_BYTES:
        raise C2spFormatError(f"the witness answer is larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise C2spFormatError("the witness answer is not UTF-8") from None
    if not text or not text.endswith("\n"):
        raise C2spFormatError("the witness answer must be signature lines ending in a newline")
    lines = text[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise C2spFormatError(f"the witness answer holds more than {MAX_SIGNATURES} lines")
    return tuple(NoteSignature.from_line(line) for line in lines)


def verified_cosignatures(
    checkpoint_note: bytes | Note, body: bytes, witnesses: Sequence[CosignatureVerifier]
) -> list[Cosignature]:
    """The cosignatures in a 200 answer that are valid and by ``witnesses`` (others ignored).

    Raises ``C2spFormatError`` for a malformed answer or a known witness's line that is not a
    cosignature, ``BadNoteSignature`` for a known witness's line that does not verify.
    """
    note = parse_note(checkpoint_note) if isinstance(checkpoint_note, bytes) else checkpoint_note
    Checkpoint.from_text(note.text)
    by_id = {(w.name, w.key_id): w for w in witnesses}
    found: list[Cosignature] = []
    for sig in parse_cosignature_response(body):
        witness = by_id.get((sig.name, sig.key_id))
        if witness is None:
            continue
        cosig = verify_cosignature(note.text, sig, witness)
        if cosig not in found:
            found.append(cosig)
    return found


def format_tree_size_body(size: int) -> bytes:
    """A 409 answer's ``text/x.tlog.size`` body: the size in decimal and a newline."""
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_TREE_SIZE:
        raise ValueError("a tree size is an integer between 0 and 2^63-1")
    return f"{size}\n".encode("ascii")


def parse_tree_size_body(body: bytes) -> int:
    """The size in a 409 ``text/x.tlog.size`` body."""
    if len(body) > 32 or not body.endswith(b"\n"):
        raise C2spFormatError("a text/x.tlog.size body is a decimal size and a newline")
    try:
        text = body[:-1].decode("ascii")
    except UnicodeDecodeError:
        raise C2spFormatError("a text/x.tlog.size body is ASCII") from None
    return parse_decimal(text, "the witness's tree size")
