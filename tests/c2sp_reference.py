"""A second implementation of the C2SP formats, written in the tests from the documents alone.

It imports nothing of coldcheck: it is what "someone else, reading the same specifications"
would write, and the interoperability tests hold coldcheck to it in both directions.

Sources, read as of their released versions: c2sp.org/signed-note@v1.0.0 (with its "Verifier
keys" section), c2sp.org/tlog-checkpoint@v1.0.0, c2sp.org/tlog-cosignature@v1.0.1,
c2sp.org/tlog-witness@v1.0.0, c2sp.org/tlog-proof@v1, and RFC 9162 §2.1 for the Merkle tree.
Deliberately plain: string splitting, recursion straight from the RFC, no shared helpers.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

EM_DASH = "\u2014"


class RefError(Exception):
    """The reference refuses the input."""


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode()


def unb64(text: str) -> bytes:
    try:
        return base64.standard_b64decode(text.encode("ascii"))
    except Exception as exc:
        raise RefError(f"bad base64 {text!r}") from exc


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- signed-note -------------------------------------------------------------------------


def key_id(name: str, sig_type: int, public: bytes) -> bytes:
    """signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]."""
    return sha256(name.encode() + b"\n" + bytes([sig_type]) + public)[:4]


def vkey(name: str, sig_type: int, public: bytes) -> str:
    """signed-note "Verifier keys": <name>+hex(key ID)+base64(signature type || public key)."""
    return f"{name}+{key_id(name, sig_type, public).hex()}+{b64(bytes([sig_type]) + public)}"


@dataclass(frozen=True)
class RefKey:
    """A trusted key as a client is configured with it."""

    name: str
    sig_type: int
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public)


def parse_vkey(text: str) -> RefKey:
    name, id_hex, key64 = text.split("+", 2)
    blob = unb64(key64)
    key = RefKey(name, blob[0], blob[1:])
    if key.id.hex() != id_hex:
        raise RefError("vkey key ID does not match")
    return key


def split_note(note: bytes) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """Text and (name, key ID, signature) per signature line, per the Format section."""
    text = note.decode("utf-8")
    for ch in text:
        if ord(ch) < 0x20 and ch != "\n":
            raise RefError("control character")
    cut = text.rfind("\n\n")
    if cut < 0:
        raise RefError("no blank line")
    body, sigs = text[: cut + 1], text[cut + 2 :]
    if not sigs.endswith("\n"):
        raise RefError("signatures must end in newline")
    out = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(EM_DASH + " "):
            raise RefError("signature line must start with an em dash")
        name, blob64 = line[2:].split(" ", 1)
        blob = unb64(blob64)
        if len(blob) < 5:
            raise RefError("signature too short")
        out.append((name, blob[:4], blob[4:]))
    return body, out


def sign_note_ed25519(text: str, name: str, key: Ed25519PrivateKey) -> bytes:
    """A note with one Ed25519 (type 0x01) signature over the text."""
    sig = key.sign(text.encode())
    kid = key_id(name, 0x01, raw_public(key))
    return f"{text}\n{EM_DASH} {name} {b64(kid + sig)}\n".encode()


def _ed25519_ok(public: bytes, sig: bytes, msg: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(sig, msg)
    except InvalidSignature:
        return False
    return True


def verify_note(note: bytes, trusted: list[RefKey]) -> str:
    """The text, if a trusted key signed it; unknown signatures ignored, a bad known one rejects."""
    text, sigs = split_note(note)
    good = 0
    for name, kid, sig in sigs:
        for key in trusted:
            if key.name == name and key.id == kid:
                if key.sig_type == 0x01:
                    ok = _ed25519_ok(key.public, sig, text.encode())
                elif key.sig_type == 0x04:
                    ok = verify_cosignature_bytes(key, sig, text) is not None
                else:
                    ok = False
                if not ok:
                    raise RefError(f"bad signature from {name}")
                good += 1
    if good == 0:
        raise RefError("no trusted signature")
    return text


# --- tlog-checkpoint ----------------------------------------------------------------------


@dataclass(frozen=True)
class RefCheckpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def checkpoint_text(origin: str, size: int, root: bytes, extensions: tuple[str, ...] = ()) -> str:
    return "\n".join([origin, str(size), b64(root), *extensions]) + "\n"


def parse_checkpoint(text: str) -> RefCheckpoint:
    lines = text.split("\n")
    if lines[-1] != "" or len(lines) < 4:
        raise RefError("a checkpoint is at least three lines ending in newline")
    lines = lines[:-1]
    origin, size, root, *ext = lines
    if not origin or not size.isdigit() or (size != "0" and size[0] == "0"):
        raise RefError("bad origin or size")
    raw = unb64(root)
    if len(raw) != 32 or any(not e for e in ext):
        raise RefError("bad root or extension")
    return RefCheckpoint(origin, int(size), raw, tuple(ext))


# --- tlog-cosignature (Ed25519, type 0x04) ------------------------------------------------


def cosignature_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(name: str, key: Ed25519PrivateKey, text: str, timestamp: int) -> str:
    """One cosignature line: key ID || u64 timestamp (big-endian) || Ed25519 signature."""
    sig = key.sign(cosignature_message(text, timestamp))
    kid = key_id(name, 0x04, raw_public(key))
    return f"{EM_DASH} {name} {b64(kid + struct.pack('>Q', timestamp) + sig)}\n"


def verify_cosignature_bytes(key: RefKey, sig: bytes, text: str) -> int | None:
    if len(sig) != 72:
        return None
    (timestamp,) = struct.unpack(">Q", sig[:8])
    if timestamp > 2**63 - 1:
        return None
    if not _ed25519_ok(key.public, sig[8:], cosignature_message(text, timestamp)):
        return None
    return int(timestamp)


def cosignatures(note: bytes, witnesses: list[RefKey]) -> dict[str, int]:
    """Witness name -> timestamp, for every valid cosignature of a known witness."""
    text, sigs = split_note(note)
    found: dict[str, int] = {}
    for name, kid, sig in sigs:
        for w in witnesses:
            if w.name == name and w.id == kid:
                ts = verify_cosignature_bytes(w, sig, text)
                if ts is None:
                    raise RefError(f"bad cosignature from {name}")
                found[name] = ts
    return found


# --- RFC 9162 §2.1 -----------------------------------------------------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return sha256(b"")
    if len(d) == 1:
        return sha256(b"\x00" + d[0])
    k = _k(len(d))
    return sha256(b"\x01" + mth(d[:k]) + mth(d[k:]))


def audit_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) <= 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*audit_path(m, d[:k]), mth(d[k:])]
    return [*audit_path(m - k, d[k:]), mth(d[:k])]


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*_subproof(m, d[:k], b), mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), mth(d[:k])]


def consistency(m: int, d: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(d)) else _subproof(m, d, True)


def _node(a: bytes, b: bytes) -> bytes:
    return sha256(b"\x01" + a + b)


def inclusion_ok(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistency_ok(size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes) -> bool:
    """RFC 9162 §2.1.4.2 (sizes 0 < size1 < size2)."""
    if not proof:
        return False
    if size1 & (size1 - 1) == 0:
        proof = [root1, *proof]
    fn, sn = size1 - 1, size2 - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root1 and sr == root2


# --- tlog-witness ------------------------------------------------------------------------


def add_checkpoint_body(old: int, proof: list[bytes], note: bytes) -> bytes:
    return (f"old {old}\n" + "".join(b64(h) + "\n" for h in proof) + "\n").encode() + note


@dataclass
class RefWitness:
    """An in-memory witness following tlog-witness v1.0.0's add-checkpoint section."""

    name: str
    key: Ed25519PrivateKey
    logs: dict[str, list[RefKey]]
    clock: int = 1_700_000_000
    latest: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    @property
    def vkey(self) -> str:
        return vkey(self.name, 0x04, raw_public(self.key))

    def add_checkpoint(self, body: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body)."""
        try:
            head, note = body.split(b"\n\n", 1)
            lines = head.decode("ascii").split("\n")
            if not lines[0].startswith("old "):
                raise RefError("no old line")
            old = int(lines[0][4:])
            proof = [unb64(x) for x in lines[1:]]
            text, _ = split_note(note)
            cp = parse_checkpoint(text)
        except (RefError, ValueError, UnicodeDecodeError):
            return 400, "text/plain", b"bad request\n"
        if cp.origin not in self.logs:
            return 404, "text/plain", b"unknown log\n"
        try:
            verify_note(note, self.logs[cp.origin])
        except RefError:
            return 403, "text/plain", b"no trusted signature\n"
        if old > cp.size:
            return 400, "text/plain", b"old size too large\n"
        known_size, known_root = self.latest.get(cp.origin, (0, sha256(b"")))
        if old != known_size:
            return 409, "text/x.tlog.size", f"{known_size}\n".encode()
        if old == 0:
            if proof:
                return 422, "text/plain", b"proof must be empty\n"
        elif old == cp.size:
            if cp.root != known_root:
                return 409, "text/x.tlog.size", f"{known_size}\n".encode()
        elif not consistency_ok(old, cp.size, proof, known_root, cp.root):
            return 422, "text/plain", b"bad proof\n"
        self.latest[cp.origin] = (cp.size, cp.root)
        return 200, "text/plain", cosign(self.name, self.key, text, self.clock).encode()


# --- tlog-proof --------------------------------------------------------------------------


def tlog_proof_file(
    index: int, path: list[bytes], note: bytes, extra: bytes | None = None
) -> bytes:
    lines = ["c2sp.org/tlog-proof@v1"]
    if extra is not None:
        lines.append(f"extra {b64(extra)}")
    lines.append(f"index {index}")
    lines += [b64(h) for h in path]
    return ("\n".join(lines) + "\n\n").encode() + note


def verify_tlog_proof(
    data: bytes, leaf: bytes, log: RefKey, witnesses: list[RefKey], need: int
) -> int:
    """The index, after the four steps of the document's "Verifying a tlog proof"."""
    head, note = data.split(b"\n\n", 1)
    lines = head.decode("ascii").split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise RefError("bad header")
    rest = lines[1:]
    if rest and rest[0].startswith("extra "):
        rest = rest[1:]
    if not rest[0].startswith("index "):
        raise RefError("no index")
    index = int(rest[0][6:])
    path = [unb64(x) for x in rest[1:]]
    text = verify_note(note, [log])  # step 2
    cp = parse_checkpoint(text)
    if cp.origin != log.name:
        raise RefError("unexpected origin")
    if len(cosignatures(note, witnesses)) < need:  # step 3
        raise RefError("not enough cosignatures")
    if not inclusion_ok(sha256(b"\x00" + leaf), index, cp.size, path, cp.root):  # step 4
        raise RefError("inclusion proof does not verify")
    return index
