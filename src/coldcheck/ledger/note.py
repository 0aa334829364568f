"""Signed notes, exactly as c2sp.org/signed-note@v1.0.0 defines them.

A note is a text ending in a newline, a blank line, then one or more signature lines::

    <text, one or more lines, each ending in U+000A>
    <empty line>
    — <key name> <base64(4-byte big-endian key ID || signature)>
    ...

Rules enforced on every note parsed here (each refusal is a :class:`C2spFormatError` saying which):

- valid UTF-8, no ASCII control character but U+000A;
- the text is separated from the signatures by the *last* empty line;
- at least one signature line, each ``U+2014 U+0020 name U+0020 base64 U+000A``;
- key names non-empty, with no Unicode space (the White_Space property) and no ``+``;
- a signature decodes (canonical standard base64) to 4 key-ID bytes and at least one more.

Limits (the specification asks verifiers to bound a note and to accept at least 16
signatures; post-quantum signatures reach about 5 kB): :data:`MAX_NOTE_BYTES`,
:data:`MAX_SIGNATURES`, :data:`MAX_KEY_NAME_BYTES`, :data:`MAX_SIGNATURE_BYTES`,
:data:`MAX_TEXT_LINES`.

Verification (:func:`open_note`) follows the specification: signatures whose (key name, key ID)
pair is not a trusted key's are ignored (kept as ``unverified``); every signature by a trusted key
is verified and one that fails rejects the whole note (:class:`BadNoteSignature`); a note with no
verified signature is rejected (:class:`UntrustedNote`).

Keys: a key ID is ``SHA-256(key name || 0x0A || signature type || public key)[:4]`` read
big-endian; a verifier key (*vkey*) is ``<name>+<hex key ID>+<base64(type || public key)>``.
This module implements signature type ``0x01`` (Ed25519 over the note text);
:mod:`coldcheck.ledger.cosignature` adds ``0x04`` (timestamped Ed25519 cosignatures).

Why one file of ~520 lines: the format's every rule, its keys and its
verification are read together against the one specification page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from coldcheck.ledger.c2sp_errors import BadNoteSignature, C2spFormatError, UntrustedNote

__all__ = [
    "MAX_KEY_NAME_BYTES",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "MAX_SIGNATURE_BYTES",
    "MAX_TEXT_LINES",
    "SIG_TYPE_ED25519",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Note",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "VerifierKey",
    "b64decode_canonical",
    "b64encode",
    "check_key_name",
    "check_note_text",
    "ed25519_public_raw",
    "key_id",
    "open_note",
    "parse_note",
    "parse_vkey",
    "sign_note",
]

SIG_TYPE_ED25519 = 0x01
"""Signature type byte of Ed25519 note signatures (signed-note, "Ed25519 signatures")."""

MAX_NOTE_BYTES = 1_000_000
"""Largest note accepted, in bytes (text and signatures)."""

MAX_SIGNATURES = 100
"""Most signature lines accepted on one note (the specification requires at least 16)."""

MAX_KEY_NAME_BYTES = 1024
"""Longest key name accepted, in UTF-8 bytes."""

MAX_SIGNATURE_BYTES = 16_384
"""Longest signature accepted, in bytes after the 4-byte key ID (post-quantum ones fit)."""

MAX_TEXT_LINES = 10_000
"""Most lines accepted in a note's text."""

ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
_SIG_PREFIX = "\u2014 "  # em dash, space
_SEPARATOR = b"\n\n"

# The Unicode White_Space property (what Go's unicode.IsSpace and the specification's
# "Unicode spaces" mean), spelled out so it does not depend on the Python version.
_UNICODE_SPACES = frozenset(
    [*map(chr, range(0x09, 0x0E)), " ", "\x85", "\xa0", "\u1680"]
    + [chr(c) for c in range(0x2000, 0x200B)]
    + ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
)


def b64encode(data: bytes) -> str:
    """Standard base64 (RFC 4648 §4) with padding."""
    return base64.b64encode(data).decode("ascii")


def b64decode_canonical(text: str, what: str) -> bytes:
    """Decode standard base64, refusing anything but its one canonical spelling.

    ``what`` names the field in the error message.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise C2spFormatError(f"{what} is not standard base64: {text[:80]!r}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise C2spFormatError(f"{what} is not canonical standard base64 (padding or spare bits)")
    return raw


def check_key_name(name: str) -> str:
    """Return ``name`` if it is a valid key name; raise ``C2spFormatError`` saying why not."""
    if not isinstance(name, str) or not name:
        raise C2spFormatError("a key name must be non-empty text")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_KEY_NAME_BYTES:
        raise C2spFormatError(f"a key name must be at most {MAX_KEY_NAME_BYTES} bytes")
    _check_chars(name, "a key name")
    if "+" in name:
        raise C2spFormatError(f"key name {name!r} contains '+', which signed-note forbids")
    bad = next((c for c in name if c in _UNICODE_SPACES), None)
    if bad is not None:
        raise C2spFormatError(
            f"key name {name!r} contains a space (U+{ord(bad):04X}), which signed-note forbids"
        )
    return name


def _check_chars(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise C2spFormatError(f"{what} is not valid UTF-8 (it holds a lone surrogate)") from None
    bad = next((c for c in text if ord(c) < 0x20 and c != "\n"), None)
    if bad is not None:
        raise C2spFormatError(
            f"{what} contains the control character U+{ord(bad):04X}; only newline is allowed"
        )


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || sig_type || public_key)[:4]`` as a big-endian uint32."""
    check_key_name(name)
    if not 0 <= sig_type <= 0xFF:
        raise ValueError("a signature type is one byte")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def ed25519_public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32-byte RFC 8032 encoding of an Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def check_note_text(text: str) -> str:
    """Return ``text`` if it can be the text of a note; raise ``C2spFormatError`` otherwise."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise C2spFormatError("a note text must end in a newline")
    _check_chars(text, "the note text")
    if len(text.encode("utf-8")) > MAX_NOTE_BYTES:
        raise C2spFormatError(f"a note text must be at most {MAX_NOTE_BYTES} bytes")
    if text.count("\n") > MAX_TEXT_LINES:
        raise C2spFormatError(f"a note text must have at most {MAX_TEXT_LINES} lines")
    return text


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 32-bit key ID and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if isinstance(self.key_id, bool) or not isinstance(self.key_id, int):
            raise C2spFormatError("a key ID must be an integer")
        if not 0 <= self.key_id <= 0xFFFFFFFF:
            raise C2spFormatError("a key ID must fit in 32 bits")
        if not isinstance(self.signature, bytes) or not self.signature:
            raise C2spFormatError("a signature must be at least one byte after the key ID")
        if len(self.signature) > MAX_SIGNATURE_BYTES:
            raise C2spFormatError(f"a signature must be at most {MAX_SIGNATURE_BYTES} bytes")

    @property
    def key_id_hex(self) -> str:
        """The key ID as eight lowercase hex digits, as in a vkey."""
        return f"{self.key_id:08x}"

    def line(self) -> str:
        """The signature line, ending in a newline."""
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_SIG_PREFIX}{self.name} {b64encode(blob)}\n"

    @classmethod
    def from_line(cls, line: str) -> NoteSignature:
        """Parse one signature line (its final newline optional)."""
        if line.endswith("\n"):
            line = line[:-1]
        if "\n" in line:
            raise C2spFormatError("a signature line holds one line")
        if not line.startswith(_SIG_PREFIX):
            raise C2spFormatError(
                f"a signature line must start with an em dash (U+2014) and a space: {line[:80]!r}"
            )
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep or not b64:
            raise C2spFormatError(f"a signature line must be '— <name> <base64>': {line[:80]!r}")
        check_key_name(name)
        if len(b64) > (MAX_SIGNATURE_BYTES + 4) * 4 // 3 + 4:
            raise C2spFormatError(f"the signature by {name} is longer than this verifier accepts")
        blob = b64decode_canonical(b64, f"the signature by {name}")
        if len(blob) < 5:
            raise C2spFormatError(
                f"the signature by {name} must decode to a 4-byte key ID and at least one byte more"
            )
        return cls(name, int.from_bytes(blob[:4], "big"), blob[4:])


@dataclass(frozen=True)
class Note:
    """A note text and its signatures, in their order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        check_note_text(self.text)
        if not self.signatures:
            raise C2spFormatError("a signed note needs at least one signature line")
        if len(self.signatures) > MAX_SIGNATURES:
            raise C2spFormatError(f"a note may carry at most {MAX_SIGNATURES} signatures")

    def to_bytes(self) -> bytes:
        """The note as it is written: text, blank line, signature lines."""
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")

    def adding(self, signatures: Iterable[NoteSignature]) -> Note:
        """This note with more signatures after its own (a line already present is not repeated)."""
        merged = list(self.signatures)
        for sig in signatures:
            if sig not in merged:
                merged.append(sig)
        return Note(self.text, tuple(merged))


def parse_note(
    data: bytes, *, max_bytes: int = MAX_NOTE_BYTES, max_signatures: int = MAX_SIGNATURES
) -> Note:
    """Split a signed note into text and signature lines; verify nothing.

    Raises ``C2spFormatError`` for every malformation signed-note forbids and past the limits.
    """
    if not isinstance(data, bytes):
        raise TypeError("a note is parsed from bytes")
    if len(data) > max_bytes:
        raise C2spFormatError(f"the note is {len(data)} bytes; at most {max_bytes} are accepted")
    bad = next((b for b in data if b < 0x20 and b != 0x0A), None)
    if bad is not None:
        raise C2spFormatError(
            f"the note contains the control character 0x{bad:02x}; only newline is allowed"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise C2spFormatError(f"the note is not valid UTF-8 (byte {exc.start})") from None
    split = data.rfind(_SEPARATOR)
    if split < 0:
        raise C2spFormatError("the note has no empty line before its signatures")
    text, block = data[: split + 1].decode("utf-8"), data[split + 2 :].decode("utf-8")
    if not block:
        raise C2spFormatError("the note has no signature line after its last empty line")
    if not block.endswith("\n"):
        raise C2spFormatError("the note's last signature line does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > max_signatures:
        raise C2spFormatError(
            f"the note carries {len(lines)} signatures; at most {max_signatures} are accepted"
        )
    return Note(text, tuple(NoteSignature.from_line(line) for line in lines))


class NoteVerifier(Protocol):
    """Checks signatures of one key: its name and key ID, and the check itself."""

    @property
    def name(self) -> str:
        """The key name."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID."""
        ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True if ``signature`` (the bytes after the key ID) signs the note ``text``."""
        ...


class NoteSigner(Protocol):
    """Signs note texts with one key."""

    @property
    def name(self) -> str:
        """The key name."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID."""
        ...

    def sign(self, text: bytes) -> bytes:
        """The signature of the note ``text`` (without the key ID)."""
        ...


@dataclass(frozen=True)
class VerifierKey:
    """A parsed vkey: ``<name>+<hex key ID>+<base64(signature type || public key)>``."""

    name: str
    key_id: int
    sig_type: int
    public_key: bytes

    def __str__(self) -> str:
        blob = bytes([self.sig_type]) + self.public_key
        return f"{self.name}+{self.key_id:08x}+{b64encode(blob)}"

    @classmethod
    def make(cls, name: str, sig_type: int, public_key: bytes) -> VerifierKey:
        """The vkey of ``public_key`` under ``name`` for ``sig_type``, its key ID derived."""
        return cls(name, key_id(name, sig_type, public_key), sig_type, public_key)


def parse_vkey(vkey: str, *, sig_type: int | None = None) -> VerifierKey:
    """Parse a verifier key and check its key ID; optionally require one signature type.

    Only Ed25519 keys (types 0x01 and 0x04) are understood: other types are refused here,
    since nothing here could check their signatures.
    """
    if not isinstance(vkey, str) or len(vkey) > MAX_KEY_NAME_BYTES + 200:
        raise C2spFormatError("a vkey is a short line of text")
    vkey = vkey.strip()
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise C2spFormatError(f"a vkey is '<name>+<8 hex digits>+<base64 key>', got {vkey[:80]!r}")
    name, id_hex, key_b64 = parts
    check_key_name(name)
    if len(id_hex) != 8 or any(c not in "0123456789abcdef" for c in id_hex):
        raise C2spFormatError(
            f"the key ID in vkey {vkey[:80]!r} must be 8 lowercase hex digits, got {id_hex!r}"
        )
    blob = b64decode_canonical(key_b64, "the key in the vkey")
    if not blob:
        raise C2spFormatError("the vkey holds no key")
    kind, material = blob[0], blob[1:]
    if kind not in (SIG_TYPE_ED25519, 0x04):
        raise C2spFormatError(
            f"vkey {name} is of signature type 0x{kind:02x}; coldcheck understands 0x01"
            " (Ed25519 note signatures) and 0x04 (Ed25519 cosignatures)"
        )
    if len(material) != ED25519_KEY_SIZE:
        raise C2spFormatError(
            f"vkey {name} holds a {len(material)}-byte key; Ed25519 keys are 32 bytes"
        )
    parsed = VerifierKey(name, int(id_hex, 16), kind, material)
    if parsed.key_id != key_id(name, kind, material):
        raise C2spFormatError(
            f"the key ID {id_hex} in vkey {name} is not the one its name and key give"
            f" ({key_id(name, kind, material):08x}): the vkey was mistyped or altered"
        )
    if sig_type is not None and kind != sig_type:
        raise C2spFormatError(
            f"vkey {name} is of signature type 0x{kind:02x}, but 0x{sig_type:02x} is needed here"
        )
    return parsed


class Ed25519Verifier:
    """Verifies type-0x01 note signatures: Ed25519 (RFC 8032) over the note text."""

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != ED25519_KEY_SIZE:
            raise ValueError("an Ed25519 public key is 32 bytes")
        self._name = check_key_name(name)
        self.public_key = public_key
        self._key = Ed25519PublicKey.from_public_bytes(public_key)
        self._key_id = key_id(name, SIG_TYPE_ED25519, public_key)

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> int:
        """``SHA-256(name || 0x0A || 0x01 || key)[:4]``."""
        return self._key_id

    @property
    def vkey(self) -> str:
        """This key as a vkey string."""
        return str(VerifierKey(self._name, self._key_id, SIG_TYPE_ED25519, self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True if ``signature`` is this key's Ed25519 signature of ``text``."""
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519Verifier:
        """The verifier a type-0x01 vkey names; ``C2spFormatError`` if it is not one."""
        parsed = parse_vkey(vkey, sig_type=SIG_TYPE_ED25519)
        return cls(parsed.name, parsed.public_key)


class Ed25519Signer:
    """Signs note texts with an Ed25519 key under a key name (signature type 0x01)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.verifier = Ed25519Verifier(name, ed25519_public_raw(private_key))

    @property
    def name(self) -> str:
        """The key name."""
        return self.verifier.name

    @property
    def key_id(self) -> int:
        """The key ID of the public key under this name."""
        return self.verifier.key_id

    @property
    def vkey(self) -> str:
        """The vkey a verifier of these signatures is configured with."""
        return self.verifier.vkey

    def sign(self, text: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``text``."""
        return self._key.sign(text)


def sign_note(
    text: str, signers: Sequence[NoteSigner], *, keep: Sequence[NoteSignature] = ()
) -> Note:
    """Sign ``text`` with every signer; ``keep`` lines (other keys' signatures) go first."""
    check_note_text(text)
    raw = text.encode("utf-8")
    fresh = [NoteSignature(s.name, s.key_id, s.sign(raw)) for s in signers]
    mine = {(s.name, s.key_id) for s in fresh}
    kept = [s for s in keep if (s.name, s.key_id) not in mine]
    return Note(text, tuple(kept + fresh))


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures by trusted keys all verified (and at least one did)."""

    note: Note
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    @property
    def text(self) -> str:
        """The note text (trust it only because ``verified`` is non-empty)."""
        return self.note.text


def open_note(note: bytes | Note, verifiers: Sequence[NoteVerifier]) -> OpenedNote:
    """Parse (if bytes) and verify a note against trusted keys, as signed-note requires.

    Raises ``C2spFormatError`` if malformed, ``BadNoteSignature`` if a signature whose key name
    and ID match a trusted key fails, ``UntrustedNote`` if no trusted key signed it.
    Two verifiers with the same name and key ID are a configuration error (``ValueError``).
    """
    parsed = parse_note(note) if isinstance(note, bytes) else note
    by_id: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        if (v.name, v.key_id) in by_id:
            raise ValueError(f"two trusted keys share the name {v.name} and key ID {v.key_id:08x}")
        by_id[(v.name, v.key_id)] = v
    text = parsed.text.encode("utf-8")
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for sig in parsed.signatures:
        verifier = by_id.get((sig.name, sig.key_id))
        if verifier is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if not verifier.verify(text, sig.signature):
            raise BadNoteSignature(sig.name, sig.key_id)
        if sig not in verified:
            verified.append(sig)
    if not verified:
        names = ", ".join(sorted({f"{s.name}+{s.key_id_hex}" for s in parsed.signatures}))
        raise UntrustedNote(f"no signature on the note is by a trusted key (signed by: {names})")
    return OpenedNote(parsed, tuple(verified), tuple(unverified))
