#!/usr/bin/env python3
"""Check a coldcheck evidence bundle without coldcheck: Python 3.11+ and ``cryptography``.

    python3 verify_bundle.py BUNDLE.zip --log-key VKEY [--witness-key VKEY ...] [--json]

``--log-key`` is the log's verifier key obtained independently of the bundle (from the
production's signed daily report, from the studio or insurer that runs a witness of it,
or from ``GET /api/v1/ledger/key``). Without it the bundle's own ``log.vkey`` is used and
the answer can only be "signatures valid, key NOT TRUSTED" (exit code 1): anyone can
make a bundle that verifies against a key of their own. ``--witness-key`` (repeatable)
names witnesses whose cosignatures you trust.

Exit codes: 0 verified against a trusted key; 1 not verified (or no trusted key); 2 the
command line is wrong.

Why one file of ~1,450 lines: it travels alone inside every bundle, so that an expert can
read and run it without installing anything of coldcheck's; it repeats, on purpose, what
the ledger package implements (a second implementation, tested against the first).

This one file is the whole verifier; ``coldcheck verify-bundle`` runs the same code. It
implements, from their public specifications:

- RFC 9162 §2.1 (Certificate Transparency v2): leaf hash ``SHA-256(0x00 || entry)``,
  node hash ``SHA-256(0x01 || left || right)``, inclusion proofs (§2.1.3.2) and
  consistency proofs (§2.1.4.2);
- c2sp.org/signed-note@v1.0.0 (notes, key IDs, vkeys), c2sp.org/tlog-checkpoint@v1.0.0,
  c2sp.org/tlog-cosignature@v1.0.1 (Ed25519 cosignatures, type 0x04),
  c2sp.org/tlog-proof@v1 (one proof file per entry), and the request body of
  c2sp.org/tlog-witness@v1.0.0 (``old <size>``, proof lines, blank line, checkpoint) as
  the form of a consistency proof from a daily closing checkpoint to the bundle's;
- coldcheck's subject index (a ledger record, README "Complete bundles"), which proves
  that no entry about the bundle's subject in its period is left out;
- W3C Web Authentication Level 3 §7.2 (verifying an authentication assertion), with
  RFC 8949 CBOR and RFC 9052/9053 COSE keys, for each confirmation signed by the
  confirmer's own passkey (see "passkeys" below).

What is in a bundle (``manifest.json`` lists every file; nothing else may be there):

    README.txt                  how to read it, for a lawyer's expert
    verify_bundle.py            this file
    manifest.json               production, subject, period, the files below
    log.vkey                    the log's verifier key, as the production gave it
    witnesses/<n>.vkey          each witness's verifier key seen on a checkpoint
    checkpoint.txt              the checkpoint every proof is against, with cosignatures
    entries/<position>.json     log entries, the exact bytes that were hashed (role
                                "subject", "index", or "passkey": for each passkey
                                confirmation, its key's enrolment and any revocation, the
                                subject index from the enrolment to it and every entry
                                about the signer in between, and the people's names)
    proofs/<position>.tlog-proof  the c2sp.org/tlog-proof@v1 file of each entry
    closing/<day>.checkpoint    the daily closing checkpoint of each day in the period
    closing/<day>.consistency   the consistency proof from it to checkpoint.txt
    photos/<sha256>.<ext>       weapon photos, when the export included them: each must
                                hash to the SHA-256 its proven WeaponPhotographed entry
                                records (manifest "photos"; absent: not included)
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["BUNDLE_FORMAT", "Report", "main", "verify"]

BUNDLE_FORMAT = "coldcheck-evidence-bundle/2"
MAX_BUNDLE_BYTES = 256 << 20
MAX_MEMBERS = 120_000
MAX_MEMBER_BYTES = 4 << 20
MAX_MANIFEST_BYTES = 64 << 20
MAX_PHOTO_MEMBER_BYTES = 8 << 20
EM_DASH = "\u2014"
COSIGNATURE_HEADER = "cosignature/v1"
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
FINGERPRINT_TAG = b"coldcheck checkpoint fingerprint v1\n"
SIG_ED25519 = 0x01
SIG_COSIGNATURE = 0x04
NOT_PROVEN = (
    "What happened off the record: the log holds what people recorded, with their own"
    " PINs, passwords or the command line; it cannot show what was done without being"
    " recorded, or that a recorded inspection was done well.",
    "Who held a credential: an entry shows that a PIN, a session or an operator at the"
    " command line made it (its channel), not which human being typed it.",
    "That the production's server recorded nothing it should not have: the bundle proves"
    " what the log holds and that nothing about the subject in the period is missing from"
    " it, not that every entry is true.",
    "Who held a passkey: a passkey signature shows that the authenticator enrolled to that"
    " person approved exactly this command while the log had that size, not that its owner"
    " held it, read the sentence shown, or that the enrolment (by the one its entry names)"
    " was honest. A PIN confirmation rests on the server's word alone.",
    "Anything after the checkpoint, and, without a trusted witness's cosignature, that the"
    " production did not rewrite its log before making the bundle (the log key alone"
    " could re-sign a rewritten history).",
)


class BundleProblem(Exception):
    """Something in the bundle is wrong; the message says what."""


# -- encodings -------------------------------------------------------------------------


def _b64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise BundleProblem(f"{what} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise BundleProblem(f"{what} is not canonical base64")
    return raw


def _b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decimal(text: str, what: str) -> int:
    if not text or len(text) > 19 or not text.isascii() or not text.isdigit():
        raise BundleProblem(f"{what} is not a decimal number")
    if text != "0" and text.startswith("0"):
        raise BundleProblem(f"{what} has leading zeroes")
    return int(text)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def fingerprint(checkpoint_text: str) -> str:
    """Twelve digits to read aloud: SHA-256("coldcheck checkpoint fingerprint v1\\n" || text),
    first 8 bytes big-endian, mod 10**12, grouped 4-4-4."""
    digest = _sha256(FINGERPRINT_TAG + checkpoint_text.encode("utf-8"))
    digits = f"{int.from_bytes(digest[:8], 'big') % 10**12:012d}"
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise BundleProblem(f"{what} is not a time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BundleProblem(f"{what} is not an ISO 8601 time: {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise BundleProblem(f"{what} has no UTC offset")
    return moment


def _ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _iso_ms(ms: int) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return moment.isoformat(timespec="milliseconds")


# -- RFC 9162 --------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: SHA-256(0x00 || entry)."""
    return _sha256(b"\x00" + entry)


def _node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right)


def inclusion_ok(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_ok(first: int, second: int, proof: list[bytes], root1: bytes, root2: bytes) -> bool:
    """RFC 9162 §2.1.4.2, step by step (``first`` > 0)."""
    if first == second:
        return not proof and root1 == root2
    if not 0 < first < second or not proof:
        return False
    if first & (first - 1) == 0:  # an exact power of two: the first tree is a subtree
        proof = [root1, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


# -- signed notes, checkpoints, cosignatures ---------------------------------------------


@dataclass(frozen=True)
class Key:
    """A verifier key (signed-note "Verifier keys"): name, key ID, type, Ed25519 key."""

    name: str
    key_id: bytes
    sig_type: int
    public: bytes
    text: str

    @property
    def log_id(self) -> str:
        """SHA-256 of the raw public key, base64 (coldcheck's log id)."""
        return _b64e(_sha256(self.public))


def key_id(name: str, sig_type: int, public: bytes) -> bytes:
    """signed-note: SHA-256(name || 0x0A || type || public key)[:4]."""
    return _sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public)[:4]


def parse_vkey(text: str, what: str) -> Key:
    """``<name>+<hex key ID>+<base64(type || key)>``, checked."""
    text = text.strip()
    parts = text.split("+", 2)  # the name and key ID hold no "+"; base64 may
    if len(parts) != 3 or not parts[0]:
        raise BundleProblem(f"{what} is not a vkey (name+keyid+key)")
    name, hex_id, blob = parts
    if any(c.isspace() for c in name) or len(hex_id) != 8:
        raise BundleProblem(f"{what} has a bad name or key ID")
    try:
        claimed = bytes.fromhex(hex_id)
    except ValueError:
        raise BundleProblem(f"{what}: its key ID is not hex") from None
    raw = _b64(blob, f"{what}'s key")
    if len(raw) != 33 or raw[0] not in (SIG_ED25519, SIG_COSIGNATURE):
        raise BundleProblem(f"{what} is not an Ed25519 key (type 0x01 or 0x04, 32 bytes)")
    if key_id(name, raw[0], raw[1:]) != claimed:
        raise BundleProblem(f"{what}: its key ID does not match its name and key")
    return Key(name, claimed, raw[0], raw[1:], text)


@dataclass(frozen=True)
class Note:
    """A signed note: its text and its signature lines (name, key ID, signature)."""

    text: str
    signatures: tuple[tuple[str, bytes, bytes], ...]


def parse_note(data: bytes, what: str) -> Note:
    """signed-note: text ending in a newline, a blank line, lines ``— <name> <base64>``."""
    if any(b < 0x20 and b != 0x0A for b in data):
        raise BundleProblem(f"{what} holds a control character")
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleProblem(f"{what} is not UTF-8") from None
    split = whole.rfind("\n\n")
    if split < 0 or not whole.endswith("\n"):
        raise BundleProblem(f"{what} is not a signed note")
    text, block = whole[: split + 1], whole[split + 2 :]
    sigs = []
    for line in block[:-1].split("\n"):
        if not line.startswith(EM_DASH + " "):
            raise BundleProblem(f"{what}: a signature line must start with an em dash")
        name, _, b64 = line[2:].partition(" ")
        raw = _b64(b64, f"{what}'s signature by {name}")
        if len(raw) < 5:
            raise BundleProblem(f"{what}: the signature by {name} is too short")
        sigs.append((name, raw[:4], raw[4:]))
    if not sigs:
        raise BundleProblem(f"{what} has no signature")
    return Note(text, tuple(sigs))


def _ed25519_ok(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def log_signed(note: Note, key: Key) -> bool:
    """The note carries a valid type-0x01 signature by ``key`` (and none by it that fails)."""
    found = False
    for name, kid, sig in note.signatures:
        if (name, kid) != (key.name, key.key_id):
            continue
        if key.sig_type != SIG_ED25519 or not _ed25519_ok(key.public, sig, note.text.encode()):
            return False
        found = True
    return found


def cosigned_at(note: Note, key: Key) -> int | None:
    """The time of ``key``'s valid cosignature on the note (tlog-cosignature v1), else None."""
    for name, kid, sig in note.signatures:
        if (name, kid) != (key.name, key.key_id) or len(sig) != 72:
            continue
        timestamp = int.from_bytes(sig[:8], "big")
        message = f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{note.text}".encode()
        if _ed25519_ok(key.public, sig[8:], message):
            return timestamp
        raise BundleProblem(f"the cosignature by {key.name} does not verify")
    return None


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint's note text: origin, tree size, root hash."""

    origin: str
    size: int
    root: bytes

    @classmethod
    def parse(cls, text: str, what: str) -> Checkpoint:
        lines = text[:-1].split("\n") if text.endswith("\n") else []
        if len(lines) < 3 or not lines[0]:
            raise BundleProblem(f"{what} is not a checkpoint (origin, size, root)")
        root = _b64(lines[2], f"{what}'s root hash")
        if len(root) != 32:
            raise BundleProblem(f"{what}'s root hash is not 32 bytes")
        return cls(lines[0], _decimal(lines[1], f"{what}'s tree size"), root)


# -- the bundle --------------------------------------------------------------------------


@dataclass
class Entry:
    """One proven entry of the bundle."""

    index: int
    role: str
    raw: bytes
    fields: dict[str, Any]
    at: datetime | None = None
    in_period: bool = False
    confirmations: list[dict[str, Any]] = field(default_factory=list)
    """Each confirmer, and how (a passkey checked offline, or a PIN the server attests)."""

    def describe(self) -> str:
        f = self.fields
        channel = f.get("channel")
        via = {
            "web": "on a web page, with the person's own session",
            "api": "through the API, with the person's own token",
            "demo": "loaded by the demo",
        }.get(str(channel), "")
        if isinstance(channel, str) and channel.startswith("cli:"):
            via = f"at the command line, as OS user {channel[4:]}"
        elif channel is None:
            via = "(written before entries recorded their channel)"
        who = f.get("by") or "anonymous"
        confirmed = (
            "; ".join(c["words"] for c in self.confirmations)
            if self.confirmations
            else ", ".join(f.get("witnesses") or []) or "nobody"
        )
        when = self.at.isoformat() if self.at else "?"
        return f"{self.index} {when} {f.get('type')} by {who}, {via}; confirmed by {confirmed}"


@dataclass
class Report:
    """What the bundle proves, or what is wrong with it."""

    ok: bool = False
    trusted: bool = False
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    log_vkey: str = ""
    log_id: str = ""
    origin: str = ""
    tree_size: int | None = None
    root_hash: str = ""
    checkpoint_fingerprint: str = ""
    production: str = ""
    subject: str = ""
    period_from: str | None = None
    period_to: str | None = None
    complete: bool = False
    entries: list[Entry] = field(default_factory=list)
    witnesses: list[dict[str, Any]] = field(default_factory=list)
    closing: list[dict[str, Any]] = field(default_factory=list)
    covered_through: int | None = None
    photos: list[str] | None = None
    """Weapon photos checked against their entries' SHA-256 (None: the bundle has none)."""

    @property
    def verdict(self) -> str:
        """The first words of the answer."""
        if not self.ok and self.problems:
            return "NOT VERIFIED"
        if not self.trusted:
            return "signatures valid, key NOT TRUSTED"
        return "VERIFIED"

    def summary(self) -> str:
        """The whole answer in plain words."""
        if self.verdict == "NOT VERIFIED":
            lines = [f"NOT VERIFIED: {self.problems[0]}"]
            lines += [f"  also: {p}" for p in self.problems[1:20]]
            return "\n".join(lines)
        in_period = [e for e in self.entries if e.role == "subject" and e.in_period]
        context = [e for e in self.entries if e.role == "subject" and not e.in_period]
        start = self.period_from or "the start of the production"
        end = self.period_to or "the bundle's subject index"
        lines = [
            f"{self.verdict}: the log {self.origin} (log id {self.log_id}) holds"
            f" {_count(len(in_period))} about {self.subject} of production {self.production}"
            f" from {start} to {end}, and no other: none is missing.",
        ]
        if not self.trusted:
            lines.append(
                "  The log key came from the bundle itself: check it against one obtained"
                f" independently, and run again with --log-key. Bundle's key: {self.log_vkey}"
            )
        lines.append(
            f"Checkpoint: tree size {self.tree_size}, root {self.root_hash}, fingerprint"
            f" {self.checkpoint_fingerprint}; every entry's inclusion proof leads to it."
        )
        lines.append(f"Entries about {self.subject} in the period (position, time, what, how):")
        lines += [f"  {e.describe()}" for e in in_period] or ["  (none)"]
        how = [c["how"] for e in in_period for c in e.confirmations]
        if how:
            lines.append(
                f"Confirmations: {how.count('passkey')} signed by the confirmer's own passkey,"
                " each checked here against its key's enrolment entry (WebAuthn §7.2);"
                f" {how.count('pin')} by PIN, attested by the production's server only."
            )
        if context:
            lines.append(
                f"Also included, just outside the period, so that the index can be checked:"
                f" {len(context)} entries ({', '.join(str(e.index) for e in context[:10])}"
                f"{', ...' if len(context) > 10 else ''})."
            )
        for w in self.witnesses:
            trust = "trusted key" if w["trusted"] else "key from the bundle, NOT TRUSTED"
            where = ", ".join(w["cosigned"]) or "nothing in this bundle"
            lines.append(f"Witness {w['name']} ({trust}) cosigned: {where}.")
        if not self.witnesses:
            lines.append(
                "No witness cosigned these checkpoints: only the log's own key vouches for them."
            )
        if self.photos is not None:
            lines.append(
                f"Weapon photos: {len(self.photos)} included, each the very bytes whose SHA-256"
                " its entry records."
            )
        elif any(e.fields.get("type") == "WeaponPhotographed" for e in in_period):
            lines.append(
                "Weapon photos: not included; each photo's SHA-256 is in its entry (ask for"
                " a bundle with the photos to check the images themselves)."
            )
        for c in self.closing:
            lines.append(
                f"Daily closing checkpoint of {c['day']}: tree size {c['tree_size']},"
                f" fingerprint {c['fingerprint']}; the bundle's checkpoint extends it."
            )
        lines.append("What this does not prove:")
        lines += [f"  - {n}" for n in NOT_PROVEN]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """The report as one JSON object."""
        return {
            "ok": self.ok and self.trusted,
            "verified": self.ok,
            "trusted": self.trusted,
            "verdict": self.verdict,
            "log_id": self.log_id,
            "vkey": self.log_vkey,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "fingerprint": self.checkpoint_fingerprint,
            "production": self.production,
            "subject": self.subject,
            "from": self.period_from,
            "to": self.period_to,
            "complete": self.complete,
            "entries": [
                {
                    "index": e.index,
                    "at": e.at.isoformat() if e.at else None,
                    "type": e.fields.get("type"),
                    "by": e.fields.get("by"),
                    "channel": e.fields.get("channel"),
                    "confirmed_by": e.fields.get("witnesses"),
                    "confirmations": e.confirmations,
                    "in_period": e.in_period,
                }
                for e in self.entries
                if e.role == "subject"
            ],
            "missing": self.missing,
            "witnesses": self.witnesses,
            "closing": self.closing,
            "photos": self.photos,
            "problems": self.problems,
            "not_proven": list(NOT_PROVEN),
            "summary": self.summary(),
        }


def _count(n: int) -> str:
    return "no entry" if n == 0 else "1 entry" if n == 1 else f"{n} entries"


def _read_zip(data: bytes) -> dict[str, bytes]:
    """Every member, after the central directory passed the checks (stored, no overlaps)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleProblem(f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise BundleProblem(f"the zip has more than {MAX_MEMBERS} members")
            total = 0
            for info in infos:
                cap = MAX_MANIFEST_BYTES if info.filename == "manifest.json" else MAX_MEMBER_BYTES
                if info.filename.startswith("photos/"):
                    cap = MAX_PHOTO_MEMBER_BYTES
                if info.compress_type != zipfile.ZIP_STORED:
                    raise BundleProblem(f"{info.filename} is compressed; members are stored")
                if info.flag_bits & 0x1:
                    raise BundleProblem(f"{info.filename} is encrypted")
                if info.compress_size != info.file_size:
                    raise BundleProblem(f"{info.filename}: its stored size and its size differ")
                if info.file_size > cap:
                    raise BundleProblem(f"{info.filename} is larger than {cap} bytes")
                total += info.file_size
            if total > len(data):
                raise BundleProblem("the zip's members overlap")
            names = [i.filename for i in infos]
            if len(set(names)) != len(names):
                raise BundleProblem("the zip has two members with the same name")
            return {name: zf.read(name) for name in names}
    except BundleProblem:
        raise
    except Exception as exc:  # zipfile raises many kinds on hostile input
        raise BundleProblem(f"not a readable zip file: {type(exc).__name__}: {exc}") from None


def _parse_proof(data: bytes, what: str) -> tuple[int, list[bytes], bytes]:
    """A tlog-proof@v1 file: (index, audit path, checkpoint note bytes)."""
    split = data.find(b"\n\n")
    if split < 0:
        raise BundleProblem(f"{what} is not a tlog-proof file")
    try:
        lines = data[:split].decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise BundleProblem(f"{what}: its header is not ASCII") from None
    if lines[0] != PROOF_HEADER:
        raise BundleProblem(f"{what} does not start with {PROOF_HEADER}")
    rest = lines[1:]
    if rest and rest[0].startswith("extra "):
        rest = rest[1:]
    if not rest or not rest[0].startswith("index "):
        raise BundleProblem(f"{what} has no index line")
    index = _decimal(rest[0][6:], f"{what}'s index")
    path = [_b64(line, f"{what}'s hash") for line in rest[1:]]
    if any(len(h) != 32 for h in path) or len(path) > 63:
        raise BundleProblem(f"{what}: a bad audit path")
    return index, path, data[split + 2 :]


def _parse_consistency(data: bytes, what: str) -> tuple[int, list[bytes], bytes]:
    """``old <size>``, proof lines, blank line, note (the tlog-witness request body)."""
    split = data.find(b"\n\n")
    if split < 0:
        raise BundleProblem(f"{what} is not a consistency proof")
    try:
        lines = data[:split].decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise BundleProblem(f"{what}: its header is not ASCII") from None
    if not lines[0].startswith("old "):
        raise BundleProblem(f"{what} does not start with 'old <size>'")
    proof = [_b64(line, f"{what}'s hash") for line in lines[1:]]
    if any(len(h) != 32 for h in proof) or len(proof) > 63:
        raise BundleProblem(f"{what}: a bad proof")
    return _decimal(lines[0][4:], f"{what}'s old size"), proof, data[split + 2 :]


def _mentions(value: Any, subject: str) -> bool:
    if isinstance(value, str):
        return value == subject
    if isinstance(value, list):
        return any(_mentions(v, subject) for v in value)
    if isinstance(value, dict):
        return any(_mentions(v, subject) for v in value.values())
    return False


def verify(data: bytes, log_keys: list[str], witness_keys: list[str]) -> Report:
    """Check a bundle against trusted keys (``log_keys`` empty: the bundle's own, untrusted)."""
    report = Report()
    try:
        _verify(data, log_keys, witness_keys, report)
    except BundleProblem as exc:
        report.problems.insert(0, str(exc))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        report.problems.insert(0, f"malformed bundle: {type(exc).__name__}: {exc}")
    report.ok = not report.problems
    return report


def _verify(data: bytes, log_keys: list[str], witness_keys: list[str], report: Report) -> None:
    files = _read_zip(data)
    if "manifest.json" not in files:
        raise BundleProblem("manifest.json is missing")
    manifest = json.loads(files["manifest.json"])
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        fmt = manifest.get("format") if isinstance(manifest, dict) else None
        if fmt == "coldcheck-evidence-bundle/1":
            raise BundleProblem(
                "this is a format-1 bundle, made before bundles proved that no entry is"
                " missing; it cannot show completeness. Ask for a new export."
            )
        raise BundleProblem(f"manifest.json is not a {BUNDLE_FORMAT} manifest")
    listed = {
        "README.txt",
        "verify_bundle.py",
        "manifest.json",
        manifest["log_key"],
        manifest["checkpoint"],
    }
    listed |= set(manifest["witness_keys"])
    for item in manifest["entries"]:
        listed |= {item["file"], item["proof"]}
    for item in manifest["closing"]:
        listed |= {item["checkpoint"], item["consistency"]}
    listed |= {item["file"] for item in manifest.get("photos", [])}
    extra = sorted(set(files) - listed)
    if extra:
        report.problems.append(f"the bundle holds files its manifest does not list: {extra[:5]}")
    missing_files = sorted(n for n in listed if n not in files)
    for name in missing_files:
        report.missing.append(name)
        report.problems.append(f"{name} is missing from the bundle")

    # 1. the log's key and the checkpoint
    if log_keys:
        key = parse_vkey(log_keys[0], "--log-key")
        if key.sig_type != SIG_ED25519:
            raise BundleProblem("--log-key is a witness's key (type 0x04), not a log's")
        report.trusted = True
    else:
        key = parse_vkey(files.get(manifest["log_key"], b"").decode("utf-8"), "log.vkey")
    report.log_vkey, report.log_id, report.origin = key.text, key.log_id, key.name
    note_bytes = files.get(manifest["checkpoint"], b"")
    note = parse_note(note_bytes, "checkpoint.txt")
    checkpoint = Checkpoint.parse(note.text, "checkpoint.txt")
    if checkpoint.origin != key.name:
        raise BundleProblem(
            f"the checkpoint is of log {checkpoint.origin!r}, the key is of {key.name!r}"
        )
    if not log_signed(note, key):
        raise BundleProblem(
            "the checkpoint is not signed by the "
            + ("trusted log key (--log-key)" if report.trusted else "bundle's log key")
        )
    report.tree_size, report.root_hash = checkpoint.size, _b64e(checkpoint.root)
    report.checkpoint_fingerprint = fingerprint(note.text)

    # 2. every entry: its bytes, its tlog-proof, against the checkpoint
    entries: dict[int, Entry] = {}
    for item in manifest["entries"]:
        index, role = item["index"], item["role"]
        if (
            isinstance(index, bool)
            or not isinstance(index, int)
            or role not in ("subject", "index", "passkey")
        ):
            raise BundleProblem("an entry of the manifest has a bad index or role")
        raw, proof = files.get(item["file"]), files.get(item["proof"])
        if raw is None or proof is None:
            continue  # reported as missing above
        at, path, proof_note = _parse_proof(proof, item["proof"])
        if at != index:
            report.problems.append(f"{item['proof']} is the proof of entry {at}, not {index}")
            continue
        if parse_note(proof_note, item["proof"]).text != note.text:
            report.problems.append(f"{item['proof']} is against another checkpoint")
            continue
        if not inclusion_ok(leaf_hash(raw), index, checkpoint.size, path, checkpoint.root):
            report.problems.append(
                f"entry {index}: its inclusion proof does not lead to the checkpoint's root"
                " (the entry was changed, or is not in this log)"
            )
            continue
        try:
            fields = json.loads(raw)
        except ValueError:
            report.problems.append(f"entry {index} is not JSON")
            continue
        if not isinstance(fields, dict) or fields.get("seq") != index:
            report.problems.append(f"entry {index} does not say it is entry {index}")
            continue
        entries[index] = Entry(index, role, raw, fields)

    if "photos" in manifest:
        _check_photos(manifest["photos"], files, entries, report)

    # 3. completeness: the subject index over the period
    production, subject = manifest["production"], manifest["subject"]
    if not isinstance(production, str) or not isinstance(subject, str) or not subject:
        raise BundleProblem("the manifest names no production and subject")
    report.production, report.subject = production, subject
    start = _time(manifest["from"], "from") if manifest["from"] is not None else None
    end = _time(manifest["to"], "to") if manifest["to"] is not None else None
    report.period_from = start.isoformat() if start else None
    _check_index(entries, production, subject, start, end, report)
    _check_passkeys(entries, production, report)

    # 4. witnesses
    keys: list[tuple[Key, bool]] = [(parse_vkey(k, "--witness-key"), True) for k in witness_keys]
    for name in manifest["witness_keys"]:
        if name in files:
            k = parse_vkey(files[name].decode("utf-8"), name)
            if all(k.public != t.public or k.name != t.name for t, _ in keys):
                keys.append((k, False))
    closing_notes: list[tuple[str, Note, Checkpoint]] = []

    # 5. daily closing checkpoints, each extended by the bundle's checkpoint
    for item in manifest["closing"]:
        day, cp_file, proof_file = item["day"], item["checkpoint"], item["consistency"]
        if cp_file not in files or proof_file not in files:
            continue
        cnote = parse_note(files[cp_file], cp_file)
        ccp = Checkpoint.parse(cnote.text, cp_file)
        if ccp.origin != key.name or not log_signed(cnote, key):
            report.problems.append(f"{cp_file} is not signed by the log key")
            continue
        old, hashes, target = _parse_consistency(files[proof_file], proof_file)
        if old != ccp.size or parse_note(target, proof_file).text != note.text:
            report.problems.append(f"{proof_file} is not from {cp_file} to checkpoint.txt")
            continue
        if not consistency_ok(ccp.size, checkpoint.size, hashes, ccp.root, checkpoint.root):
            report.problems.append(
                f"the bundle's checkpoint does not extend the closing checkpoint of {day}:"
                " the log was changed after that day was closed"
            )
            continue
        closing_notes.append((str(day), cnote, ccp))
        report.closing.append(
            {"day": day, "tree_size": ccp.size, "fingerprint": fingerprint(cnote.text)}
        )
    for wkey, trusted in keys:
        if wkey.sig_type != SIG_COSIGNATURE:
            report.problems.append(f"{wkey.name}'s key is not a witness key (type 0x04)")
            continue
        cosigned: list[str] = []
        times: list[int] = []
        try:
            stamp = cosigned_at(note, wkey)
            if stamp is not None:
                cosigned.append(f"the checkpoint (tree size {checkpoint.size})")
                times.append(stamp)
            for day, cnote, ccp in closing_notes:
                stamp = cosigned_at(cnote, wkey)
                if stamp is not None:
                    cosigned.append(f"the closing checkpoint of {day} (tree size {ccp.size})")
                    times.append(stamp)
        except BundleProblem as exc:
            report.problems.append(str(exc))
            continue
        if trusted and not cosigned:
            report.problems.append(
                f"the trusted witness {wkey.name} cosigned none of the bundle's checkpoints"
            )
        report.witnesses.append(
            {"name": wkey.name, "vkey": wkey.text, "trusted": trusted, "cosigned": cosigned}
        )


def _check_photos(
    listed: list[Any], files: dict[str, bytes], entries: dict[int, Entry], report: Report
) -> None:
    """Each photo's bytes hash to the SHA-256 a proven WeaponPhotographed entry records."""
    recorded = {}
    for e in entries.values():
        payload = e.fields.get("payload")
        if e.fields.get("type") == "WeaponPhotographed" and isinstance(payload, dict):
            recorded[payload.get("sha256")] = (e.index, payload.get("byte_size"))
    report.photos = []
    for item in listed:
        name, sha = item["file"], item["sha256"]
        data = files.get(name)
        if data is None:
            continue  # reported as missing above
        if sha not in recorded:
            report.problems.append(f"{name}: no proven entry of the bundle records this photo")
        elif hashlib.sha256(data).hexdigest() != sha or recorded[sha][1] != len(data):
            report.problems.append(
                f"{name}: its bytes are not the photo entry {recorded[sha][0]} records"
                " (the SHA-256 or the size differs): the photo was changed"
            )
        else:
            report.photos.append(f"{name} (entry {recorded[sha][0]})")


def _check_index(
    entries: dict[int, Entry],
    production: str,
    subject: str,
    start: datetime | None,
    end: datetime | None,
    report: Report,
) -> None:
    records = sorted((e for e in entries.values() if e.role == "index"), key=lambda e: e.index)
    if not records:
        report.problems.append("the bundle holds no subject index: completeness cannot be shown")
        return
    listed: dict[int, int] = {}
    previous: dict[str, Any] | None = None
    for number, entry in enumerate(records):
        r = entry.fields
        if r.get("record") != "subject-index" or r.get("production") != production:
            report.problems.append(f"entry {entry.index} is not a subject index of {production}")
            return
        if number == 0:
            first_prev = r["previous"]
            if start is None and first_prev is not None:
                report.problems.append(
                    "the subject index does not start at the production's beginning, and the"
                    " period has no start"
                )
            if (
                start is not None
                and first_prev is not None
                and first_prev["timestamp"] > _ms(start)
            ):
                report.problems.append(
                    f"the subject index starts after the period does: entries about {subject}"
                    f" between {start.isoformat()} and {_iso_ms(first_prev['timestamp'])} are"
                    " not covered (an earlier index record is missing)"
                )
        elif previous is not None:
            link = {
                "seq": previous["seq"],
                "through": previous["through"],
                "timestamp": previous["timestamp"],
            }
            if r["previous"] != link or r["from"] != previous["through"] + 1:
                report.problems.append(
                    f"the subject index records {previous['seq']} and {entry.index} do not"
                    " follow each other: an index record between them is missing"
                )
        for position in r["subjects"].get(subject, []):
            listed[int(position)] = entry.index
        previous = r
    assert previous is not None
    if not previous.get("final"):
        report.problems.append(
            f"the last subject index record ({records[-1].index}) is not a final one: the"
            " entries after it are not covered"
        )
    if end is not None and previous["timestamp"] <= _ms(end):
        report.problems.append(
            f"the subject index ends at {_iso_ms(previous['timestamp'])}, before the period"
            f" does ({end.isoformat()}): the last index record is missing"
        )
    report.period_to = end.isoformat() if end is not None else _iso_ms(previous["timestamp"])
    report.covered_through = int(previous["through"])
    for position, by in sorted(listed.items()):
        e = entries.get(position)
        if e is None or e.role != "subject":
            report.missing.append(f"entry {position}")
            report.problems.append(
                f"entry {position} about {subject} (listed by the subject index at {by}) is"
                " missing from the bundle, or its proof does not hold"
            )
    last_at: datetime | None = None
    for e in sorted((e for e in entries.values() if e.role == "subject"), key=lambda x: x.index):
        if e.index not in listed:
            report.problems.append(
                f"entry {e.index} is not about {subject}: the subject index does not list it"
            )
            continue
        f = e.fields
        if f.get("production") != production or not _mentions(
            [f.get("by"), f.get("witnesses"), f.get("payload")], subject
        ):
            report.problems.append(f"entry {e.index} does not name {subject}")
            continue
        e.at = _time(f.get("at"), f"entry {e.index}'s time")
        if last_at is not None and e.at < last_at:
            report.problems.append(f"entry {e.index}'s time runs backwards")
        last_at = e.at
        e.in_period = (start is None or e.at >= start) and (end is None or e.at <= end)
    report.entries = sorted(entries.values(), key=lambda x: x.index)
    report.complete = not report.missing


# -- passkeys: WebAuthn assertions checked offline ----------------------------------------
#
# W3C Web Authentication (Level 2 and 3), §7.2 "Verifying an Authentication Assertion":
# the steps an offline reader can take, in the spec's order. The credential is one enrolled
# for the person (the enrolment entry, found by credential id, gives its COSE public key);
# clientDataJSON is UTF-8 JSON whose type is "webauthn.get", whose challenge is the one
# derived from the signed command exactly as the server derives it, whose origin is a
# secure origin of the relying party, with no topOrigin (coldcheck's pages are never
# framed); authenticatorData's rpIdHash is SHA-256(rp id), UP is set, UV is reported (the
# server asks for it as "preferred", so it is not required), BS only with BE, no attested
# credential data, extensions (if ED) one CBOR map; the signature over authenticatorData ||
# SHA-256(clientDataJSON) verifies with the enrolled key (RFC 9052/9053 COSE keys: ES256,
# EdDSA on Ed25519, RS256). The signature counter step is reported, not judged: coldcheck
# binds each signature to one command (and one nonce) instead.

PASSKEY_CONTEXT = b"coldcheck passkey confirmation v1\n"
COSE_ES256, COSE_EDDSA, COSE_RS256 = -7, -8, -257
FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT, FLAG_ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80
MAX_COSE_KEY = 2048
MAX_AUTH_DATA = 1024
MAX_CLIENT_DATA = 4096
MAX_ASSERTION_SIGNATURE = 1024
MAX_CREDENTIAL_ID = 1023
MAX_COMMAND_JSON = 64 << 10
MAX_SIGNATURES = 16
MAX_CBOR_ITEMS = 64
MAX_CBOR_DEPTH = 4
_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _b64url(text: Any, what: str, cap: int) -> bytes:
    """base64url without padding, canonical, at most ``cap`` bytes once decoded."""
    if (
        not isinstance(text, str)
        or len(text) > (cap * 4 + 2) // 3
        or not set(text) <= _B64URL_CHARS
    ):
        raise BundleProblem(f"{what} is not base64url of at most {cap} bytes")
    if len(text) % 4 == 1:
        raise BundleProblem(f"{what} is not base64url (a stray character)")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != text:
        raise BundleProblem(f"{what} is not canonical base64url")
    return raw


class _Cbor:
    """A bounded reader of the part of RFC 8949 (CBOR) a COSE_Key and authenticator
    extensions use: integers, byte and text strings, arrays and maps, all of definite
    length; no tags, floats, simple values or indefinite lengths; maps without duplicate
    keys. At most MAX_CBOR_ITEMS items, nested at most MAX_CBOR_DEPTH deep."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.pos, self.what, self.items = data, 0, what, 0

    def _problem(self, why: str) -> BundleProblem:
        return BundleProblem(f"{self.what}: {why}")

    def _take(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            raise self._problem("its CBOR ends early")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def value(self, depth: int = 0) -> Any:
        self.items += 1
        if depth > MAX_CBOR_DEPTH or self.items > MAX_CBOR_ITEMS:
            raise self._problem("its CBOR is nested too deeply or holds too many items")
        head = self._take(1)[0]
        major, info = head >> 5, head & 0x1F
        if major == 7 or major == 6:
            raise self._problem("its CBOR holds a tag, a float or a simple value")
        if info < 24:
            arg = info
        elif info <= 27:
            arg = int.from_bytes(self._take(1 << (info - 24)), "big")
        else:
            raise self._problem("its CBOR uses an indefinite length or a reserved value")
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major in (2, 3):
            raw = self._take(arg)
            if major == 2:
                return raw
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise self._problem("a CBOR text string is not UTF-8") from None
        if arg > MAX_CBOR_ITEMS:
            raise self._problem("a CBOR array or map is too long")
        if major == 4:
            return [self.value(depth + 1) for _ in range(arg)]
        out: dict[Any, Any] = {}
        for _ in range(arg):
            key = self.value(depth + 1)
            if not isinstance(key, int | str):
                raise self._problem("a CBOR map key is neither an integer nor a text")
            if key in out:
                raise self._problem("a CBOR map has a key twice")
            out[key] = self.value(depth + 1)
        return out


def cbor_item(data: bytes, what: str) -> tuple[Any, int]:
    """The first CBOR item of ``data`` and how many bytes it takes (see :class:`_Cbor`)."""
    reader = _Cbor(data, what)
    return reader.value(), reader.pos


@dataclass(frozen=True)
class PasskeyKey:
    """An enrolled public key: its COSE algorithm and the ``cryptography`` key."""

    alg: int
    key: Any

    @property
    def name(self) -> str:
        return {COSE_ES256: "ES256", COSE_EDDSA: "EdDSA", COSE_RS256: "RS256"}[self.alg]

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """WebAuthn §6.5.6: ES256 (ASN.1 DER ECDSA, SHA-256), EdDSA (Ed25519), RS256
        (RSASSA-PKCS1-v1_5, SHA-256)."""
        try:
            if self.alg == COSE_ES256:
                self.key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            elif self.alg == COSE_EDDSA:
                self.key.verify(signature, message)
            else:
                self.key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_cose_key(data: bytes, what: str) -> PasskeyKey:
    """A COSE_Key (RFC 9052 §7, RFC 9053 §7): EC2 P-256 with ES256 (kty 2, alg -7, crv 1,
    x, y), OKP Ed25519 with EdDSA (kty 1, alg -8, crv 6, x) or RSA with RS256 (kty 3,
    alg -257, n, e; RFC 8230)."""
    if len(data) > MAX_COSE_KEY:
        raise BundleProblem(f"{what} is longer than {MAX_COSE_KEY} bytes")
    cose, used = cbor_item(data, what)
    if used != len(data):
        raise BundleProblem(f"{what}: bytes follow the COSE key")
    if not isinstance(cose, dict):
        raise BundleProblem(f"{what} is not a COSE_Key map")
    kty, alg = cose.get(1), cose.get(3)
    try:
        if (kty, alg) == (2, COSE_ES256):
            x, y = cose.get(-2), cose.get(-3)
            if cose.get(-1) != 1 or not isinstance(x, bytes) or not isinstance(y, bytes):
                raise BundleProblem(f"{what} is not a P-256 key (crv 1, x, y)")
            if len(x) != 32 or len(y) != 32:
                raise BundleProblem(f"{what}: a P-256 coordinate is not 32 bytes")
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            )
            return PasskeyKey(COSE_ES256, numbers.public_key())
        if (kty, alg) == (1, COSE_EDDSA):
            x = cose.get(-2)
            if cose.get(-1) != 6 or not isinstance(x, bytes) or len(x) != 32:
                raise BundleProblem(f"{what} is not an Ed25519 key (crv 6, 32-byte x)")
            return PasskeyKey(COSE_EDDSA, Ed25519PublicKey.from_public_bytes(x))
        if (kty, alg) == (3, COSE_RS256):
            n, e = cose.get(-1), cose.get(-2)
            if not isinstance(n, bytes) or not isinstance(e, bytes) or len(e) > 8:
                raise BundleProblem(f"{what} is not an RSA key (n, e)")
            modulus, exponent = int.from_bytes(n, "big"), int.from_bytes(e, "big")
            if not 2048 <= modulus.bit_length() <= 8192:
                raise BundleProblem(f"{what}: an RSA key of 2048 to 8192 bits is needed")
            return PasskeyKey(COSE_RS256, rsa.RSAPublicNumbers(exponent, modulus).public_key())
    except ValueError as exc:
        raise BundleProblem(f"{what} is not a valid public key ({exc})") from None
    raise BundleProblem(
        f"{what} uses COSE key type {kty!r} with algorithm {alg!r}; coldcheck enrols only"
        " ES256, EdDSA and RS256"
    )


def _strict_json(raw: bytes, what: str) -> Any:
    """JSON with no key twice and no fractions (neither occurs in what coldcheck signs)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise BundleProblem(f"{what} has the key {key!r} twice")
            out[key] = value
        return out

    def no_float(text: str) -> Any:
        raise BundleProblem(f"{what} holds a fraction ({text[:20]})")

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=pairs, parse_float=no_float)
    except (UnicodeDecodeError, ValueError):
        raise BundleProblem(f"{what} is not UTF-8 JSON") from None


def _jcs(value: Any) -> bytes:
    """RFC 8785 for what coldcheck signs: objects with ASCII keys, strings, integers,
    booleans, null and arrays (Python's sorted, compact JSON is then exactly RFC 8785:
    the same escapes, and for ASCII keys the same key order)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def passkey_challenge(command_json: bytes, log_size: int, nonce: str) -> bytes:
    """What a coldcheck passkey signs for a confirmation: SHA-256 of "coldcheck passkey
    confirmation v1\\n" and the RFC 8785 JSON {"digest": SHA-256 hex of the command's RFC
    8785 JSON, "log_size": the production's log size, "nonce": the challenge's nonce}."""
    digest = hashlib.sha256(command_json).hexdigest()
    doc = {"digest": digest, "log_size": log_size, "nonce": nonce}
    return hashlib.sha256(PASSKEY_CONTEXT + _jcs(doc)).digest()


def origin_of_rp(origin: str, rp_id: str) -> bool:
    """A secure origin (https, or http on localhost) whose host is the relying party id or
    a subdomain of it, with no path (WebAuthn §5.1.4.1, §13.4.9)."""
    try:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a bad port raises ValueError
    except ValueError:
        return False
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return False
    local = host == "localhost" or host.endswith(".localhost")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        return False
    return host == rp_id or host.endswith("." + rp_id)


@dataclass(frozen=True)
class AssertionFacts:
    """What a verified assertion shows: user verified, its signature counter, the key's
    algorithm."""

    user_verified: bool
    counter: int
    algorithm: str


def check_assertion(
    *,
    client_data_json: bytes,
    authenticator_data: bytes,
    signature: bytes,
    challenge: bytes,
    rp_id: str,
    key: PasskeyKey,
) -> AssertionFacts:
    """WebAuthn §7.2 from clientDataJSON to the signature (see above); ``BundleProblem``
    says which check failed."""
    if len(client_data_json) > MAX_CLIENT_DATA:
        raise BundleProblem("its clientDataJSON is too long")
    client = _strict_json(client_data_json, "its clientDataJSON")
    if not isinstance(client, dict):
        raise BundleProblem("its clientDataJSON is not a JSON object")
    if client.get("type") != "webauthn.get":
        raise BundleProblem(
            f"its clientDataJSON is of type {str(client.get('type'))[:40]!r}, not"
            " 'webauthn.get' (not an authentication assertion)"
        )
    signed = client.get("challenge")
    expected = base64.urlsafe_b64encode(challenge).rstrip(b"=").decode("ascii")
    if not isinstance(signed, str) or not hmac.compare_digest(signed, expected):
        raise BundleProblem(
            "its clientDataJSON's challenge is not the one derived from the command it claims"
            " to confirm, the log size and the nonce: it was signed for something else"
        )
    origin = client.get("origin")
    if not isinstance(origin, str) or not origin_of_rp(origin, rp_id):
        raise BundleProblem(
            f"it was made on {str(origin)[:80]!r}, not a secure page of {rp_id}, the relying"
            " party the key was enrolled for"
        )
    if client.get("crossOrigin") is True or "topOrigin" in client:
        raise BundleProblem("it was made in a frame of another site (crossOrigin, topOrigin)")
    if not 37 <= len(authenticator_data) <= MAX_AUTH_DATA:
        raise BundleProblem("its authenticatorData is not 37 to 1024 bytes")
    if not hmac.compare_digest(authenticator_data[:32], _sha256(rp_id.encode("ascii"))):
        raise BundleProblem(f"its authenticatorData's rpIdHash is not SHA-256({rp_id!r})")
    flags = authenticator_data[32]
    if not flags & FLAG_UP:
        raise BundleProblem("its authenticatorData says the user was not present (UP not set)")
    if flags & FLAG_BS and not flags & FLAG_BE:
        raise BundleProblem("its authenticatorData says backed up (BS) but not eligible (BE)")
    if flags & FLAG_AT:
        raise BundleProblem("its authenticatorData carries attested credential data (AT)")
    rest = authenticator_data[37:]
    if flags & FLAG_ED:
        extensions, used = cbor_item(rest, "its authenticatorData's extensions")
        if not isinstance(extensions, dict) or used != len(rest):
            raise BundleProblem("its authenticatorData's extensions are not one CBOR map")
    elif rest:
        raise BundleProblem("its authenticatorData has bytes after the signature counter")
    message = authenticator_data + _sha256(client_data_json)
    if not key.verifies(signature, message):
        raise BundleProblem(
            f"its signature ({key.name}) does not verify with the enrolled key over"
            " authenticatorData || SHA-256(clientDataJSON): a byte of the assertion was changed"
            " or another key signed it"
        )
    return AssertionFacts(
        bool(flags & FLAG_UV), int.from_bytes(authenticator_data[33:37], "big"), key.name
    )


@dataclass
class _Keys:
    """What the bundle's proven entries say about the production's passkeys."""

    entries: dict[int, Entry]
    names: dict[str, str] = field(default_factory=dict)
    enrolments: dict[str, Entry] = field(default_factory=dict)
    revocations: dict[str, list[Entry]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)

    def name(self, person: Any) -> str:
        if not isinstance(person, str) or not person:
            return "someone unnamed"
        return self.names.get(person) or person


def _payload(e: Entry) -> dict[str, Any]:
    payload = e.fields.get("payload")
    return payload if isinstance(payload, dict) else {}


def _check_passkeys(entries: dict[int, Entry], production: str, report: Report) -> None:
    """Every passkey signature on the bundle's entries about its subject, checked offline
    against the enrolment entry of its key (see the section's comment)."""
    keys = _Keys(entries)
    for index in sorted(entries):
        e = entries[index]
        f = e.fields
        if f.get("production") != production:
            continue
        if f.get("record") == "subject-index":
            keys.records.append(f)
            continue
        kind, payload = f.get("type"), _payload(e)
        credential = payload.get("credential")
        if kind == "PersonAdded" and isinstance(payload.get("name"), str):
            keys.names[str(payload.get("person"))] = payload["name"][:80]
        elif kind == "PasskeyEnrolled" and isinstance(credential, str):
            if credential in keys.enrolments:
                report.problems.append(
                    f"entries {keys.enrolments[credential].index} and {index} both enrol the"
                    f" passkey {credential[:16]}…"
                )
            keys.enrolments.setdefault(credential, e)
        elif kind == "PasskeyRevoked" and isinstance(credential, str):
            keys.revocations.setdefault(credential, []).append(e)
    for e in sorted((e for e in entries.values() if e.role == "subject"), key=lambda x: x.index):
        e.confirmations = _confirmations(e, keys, report)


def _confirmations(e: Entry, keys: _Keys, report: Report) -> list[dict[str, Any]]:
    f = e.fields
    witnesses = [w for w in f.get("witnesses") or [] if isinstance(w, str)]
    sigs = f.get("signatures", [])
    if not isinstance(sigs, list) or len(sigs) > MAX_SIGNATURES:
        report.problems.append(f"entry {e.index}: its signatures are not a list of at most 16")
        sigs = []
    signed: dict[str, dict[str, Any]] = {}
    for sig in sigs:
        person = sig.get("person") if isinstance(sig, dict) else None
        if not isinstance(person, str) or person in signed:
            report.problems.append(f"entry {e.index}: a passkey signature names nobody, or twice")
            continue
        try:
            signed[person] = _check_signature(e, sig, keys)
        except BundleProblem as exc:
            report.problems.append(f"entry {e.index}: the passkey signature of {person}: {exc}")
            signed[person] = {
                "person": person,
                "how": "passkey",
                "verified": False,
                "words": f"{keys.name(person)}'s passkey signature, which does NOT verify",
            }
    out = [
        signed.pop(w)
        if w in signed
        else {
            "person": w,
            "how": "pin",
            "verified": None,
            "words": f"{keys.name(w)} by PIN on the cart, attested by the server only",
        }
        for w in witnesses
    ]
    return out + list(signed.values())


_SIGNATURE_FIELDS = frozenset(
    {
        "person",
        "credential",
        "authenticator_data",
        "client_data_json",
        "signature",
        "command_json",
        "log_size",
        "nonce",
    }
)


def _check_signature(e: Entry, sig: dict[str, Any], keys: _Keys) -> dict[str, Any]:
    """One stored assertion: the command it signed is this entry's, its key was enrolled to
    the signer before and not revoked since (provably: see :func:`_nothing_hidden`), and
    WebAuthn §7.2 holds (:func:`check_assertion`)."""
    f = e.fields
    if set(sig) != _SIGNATURE_FIELDS:
        raise BundleProblem(f"it does not have exactly the fields {sorted(_SIGNATURE_FIELDS)}")
    person, credential = sig["person"], sig["credential"]
    if person not in (f.get("witnesses") or []):
        raise BundleProblem("the entry does not name its signer as a confirmer")
    _b64url(credential, "its credential id", MAX_CREDENTIAL_ID)
    authenticator_data = _b64url(sig["authenticator_data"], "its authenticatorData", MAX_AUTH_DATA)
    client_data = _b64url(sig["client_data_json"], "its clientDataJSON", MAX_CLIENT_DATA)
    signature = _b64url(sig["signature"], "its signature", MAX_ASSERTION_SIGNATURE)
    log_size, nonce, command = sig["log_size"], sig["nonce"], sig["command_json"]
    if isinstance(log_size, bool) or not isinstance(log_size, int) or not 0 <= log_size <= e.index:
        raise BundleProblem("it claims a log size the log had not reached at this entry")
    if not isinstance(nonce, str) or not 0 < len(nonce) <= 128 or not set(nonce) <= _B64URL_CHARS:
        raise BundleProblem("its nonce is not 1-128 characters of A-Z a-z 0-9 - _")
    if not isinstance(command, str) or len(command) > MAX_COMMAND_JSON:
        raise BundleProblem("the command it signed is missing or too long")
    command_bytes = command.encode("utf-8")
    doc = _strict_json(command_bytes, "the command it signed")
    if not isinstance(doc, dict) or _jcs(doc) != command_bytes:
        raise BundleProblem("the command it signed is not in RFC 8785 form")
    if doc.get("production") != f.get("production") or doc.get("actor") != (f.get("by") or ""):
        raise BundleProblem("it signed a command of another production or asker")
    fields, payload = doc.get("fields"), _payload(e)
    if not isinstance(fields, dict):
        raise BundleProblem("the command it signed has no fields")
    for name, value in fields.items():
        if name in payload and payload[name] != value:
            raise BundleProblem(
                f"it signed {name}={json.dumps(value)[:80]}, the entry records"
                f" {json.dumps(payload[name])[:80]}: it was made for another command"
            )

    enrolment = keys.enrolments.get(credential)
    if enrolment is None:
        raise BundleProblem(
            f"the enrolment entry of its key ({credential[:16]}…) is not in the bundle, so the"
            " key cannot be checked offline: ask for a complete export"
        )
    enrolled = _payload(enrolment)
    if enrolment.index >= e.index:
        raise BundleProblem(f"its key was enrolled only later, at position {enrolment.index}")
    if enrolled.get("person") != person:
        raise BundleProblem(
            f"its key is enrolled to {keys.name(enrolled.get('person'))}, not to"
            f" {keys.name(person)}: each person confirms with their own passkey"
        )
    later = ""
    for revocation in keys.revocations.get(credential, []):
        at = _time(revocation.fields.get("at"), f"entry {revocation.index}'s time")
        if revocation.index < e.index:
            raise BundleProblem(
                f"its key was revoked at position {revocation.index} ({at.isoformat()}, by"
                f" {keys.name(revocation.fields.get('by'))}), before this confirmation: it"
                " confirms nothing after that"
            )
        later = f"; revoked later, {at.date().isoformat()} (position {revocation.index})"
    _nothing_hidden(keys, person, enrolment.index, e.index)
    rp_id = enrolled.get("rp_id")
    if not isinstance(rp_id, str) or not 0 < len(rp_id) <= 253 or not rp_id.isascii():
        raise BundleProblem(f"the enrolment at position {enrolment.index} names no relying party")
    what = f"the public key enrolled at position {enrolment.index}"
    key = parse_cose_key(_b64url(enrolled.get("public_key"), what, MAX_COSE_KEY), what)
    challenge = passkey_challenge(command_bytes, log_size, nonce)
    facts = check_assertion(
        client_data_json=client_data,
        authenticator_data=authenticator_data,
        signature=signature,
        challenge=challenge,
        rp_id=rp_id,
        key=key,
    )
    when = _time(enrolment.fields.get("at"), f"entry {enrolment.index}'s time")
    by = enrolment.fields.get("by")
    verified = "user verified on the device" if facts.user_verified else "user present"
    return {
        "person": person,
        "how": "passkey",
        "verified": True,
        "credential": credential,
        "algorithm": facts.algorithm,
        "rp_id": rp_id,
        "user_verified": facts.user_verified,
        "counter": facts.counter,
        "enrolment": enrolment.index,
        "enrolled_at": when.isoformat(),
        "enrolled_by": by,
        "revoked_later": bool(later),
        "words": (
            f"{keys.name(person)}'s passkey enrolled {when.date().isoformat()} by"
            f" {keys.name(by)} ({facts.algorithm}, {verified}; signature checked offline{later})"
        ),
    }


def _nothing_hidden(keys: _Keys, person: str, enrolled: int, confirmed: int) -> None:
    """The subject index records between the enrolment and the confirmation follow each other
    in the bundle, and every entry they list about the signer in between is in it — so a
    revocation of the key in between would be in the bundle too."""
    low, high = enrolled + 1, confirmed - 1
    if low > high:
        return
    after = {r["previous"]["seq"]: r for r in keys.records if isinstance(r.get("previous"), dict)}
    record = next((r for r in keys.records if r["from"] <= low <= r["through"]), None)
    chain = []
    while record is not None:
        chain.append(record)
        if record["through"] >= high:
            break
        following = after.get(record["seq"])
        record = following if following and following["from"] == record["through"] + 1 else None
    if not chain or chain[-1]["through"] < high:
        raise BundleProblem(
            f"the subject index between the key's enrolment (position {enrolled}) and this"
            " confirmation is not all in the bundle: a revocation of the key in between cannot"
            " be ruled out"
        )
    for r in chain:
        for position in r["subjects"].get(person, []):
            if low <= position <= high and position not in keys.entries:
                raise BundleProblem(
                    f"entry {position} about {person} (listed by the subject index at"
                    f" {r['seq']}), between the key's enrolment and this confirmation, is not in"
                    " the bundle: a revocation of the key in between cannot be ruled out"
                )


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="verify_bundle.py", description="Check a coldcheck evidence bundle offline."
    )
    parser.add_argument("bundle", help="the bundle (.zip)")
    parser.add_argument("--log-key", action="append", default=[], help="the log's vkey")
    parser.add_argument(
        "--witness-key", action="append", default=[], help="a trusted witness's vkey"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, "rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        print(f"error: cannot read {args.bundle}: {exc.strerror}", file=sys.stderr)
        return 2
    report = verify(data, args.log_key, args.witness_key)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(report.summary())
    return 0 if report.ok and report.trusted else 1


if __name__ == "__main__":
    sys.exit(main())
