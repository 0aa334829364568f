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

Why one file of ~880 lines: it travels alone inside every bundle, so that an expert can
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
  that no entry about the bundle's subject in its period is left out.

What is in a bundle (``manifest.json`` lists every file; nothing else may be there):

    README.txt                  how to read it, for a lawyer's expert
    verify_bundle.py            this file
    manifest.json               production, subject, period, the files below
    log.vkey                    the log's verifier key, as the production gave it
    witnesses/<n>.vkey          each witness's verifier key seen on a checkpoint
    checkpoint.txt              the checkpoint every proof is against, with cosignatures
    entries/<position>.json     log entries, the exact bytes that were hashed
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
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
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
        confirmed = ", ".join(f.get("witnesses") or []) or "nobody"
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
            or role not in ("subject", "index")
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
