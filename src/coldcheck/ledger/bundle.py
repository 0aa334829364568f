"""Evidence bundles: chosen entries, their inclusion proofs, one signed head, the key.

A bundle is a zip (stored, not compressed; fixed timestamps; fixed member
order, so the same content always gives the same bytes) holding::

    README.txt                 how to check the bundle by hand
    manifest.json              RFC 8785 canonical JSON, see below
    entries/<index>.json       the exact entry bytes that were hashed (12-digit index)

``manifest.json``::

    {"format": "coldcheck-evidence-bundle/1", "description": "...",
     "public_key": b64(raw Ed25519 key), "head": {signed tree head JSON},
     "entries": [{"index": 41, "file": "entries/000000000041.json",
                  "leaf_hash": b64, "audit_path": [b64, ...]}, ...]}

:func:`verify_bundle` needs only the standard library and ``cryptography``;
it checks the head signature, that ``log_id`` is SHA-256 of the key, every
leaf hash and every inclusion proof against the head's root, and that the zip
is exactly what :func:`build_bundle` makes of its content (so a changed byte
anywhere, even outside the signed content, is reported). It returns a
:class:`BundleReport` whose ``summary`` says in words what was proved.

A bundle is hostile input. Before any member is read, the zip's central
directory is checked: every member must be stored (a compressed member can
only be a zip bomb, or a zip ``build_bundle`` did not make), its stored size
must equal its size, and the bundle's size (``MAX_BUNDLE_BYTES``), the number
of entries (``MAX_ENTRIES``) and each member's size (``MAX_ENTRY_BYTES``,
``MAX_MANIFEST_BYTES``, ``MAX_README_BYTES``) are capped. ``build_bundle``
refuses to make a bundle beyond the same caps, so every bundle it makes
verifies.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.errors import BundleError, LedgerError
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import SignedTreeHead, b64decode, b64encode, log_id_for, verify_head
from coldcheck.ledger.proofs import verify_inclusion

__all__ = [
    "BUNDLE_FORMAT",
    "DEFAULT_README",
    "BundleEntry",
    "BundleReport",
    "ProvenEntry",
    "build_bundle",
    "verify_bundle",
]

BUNDLE_FORMAT = "coldcheck-evidence-bundle/1"

MAX_BUNDLE_BYTES = 256 << 20
"""The largest bundle file verified (256 MiB); a larger one is refused before it is opened."""
MAX_ENTRIES = 50_000
"""The most entries one bundle holds (export a shorter period for more)."""
MAX_ENTRY_BYTES = 2 << 20
"""The largest entry member (2 MiB: a request body, and so an entry, is at most 1 MB)."""
MAX_MANIFEST_BYTES = 64 << 20
"""The largest manifest.json (about 1.3 KiB per entry at most, for MAX_ENTRIES entries)."""
MAX_README_BYTES = 64 << 10
"""The largest README.txt."""

DEFAULT_README = """\
coldcheck evidence bundle
=========================

This file is explanation only; it is not part of the evidence.

What is in here
- entries/<index>.json: log entries exactly as they were hashed (RFC 8785
  canonical JSON, UTF-8). <index> is the entry's 0-based position in the log.
- manifest.json: the public key of the log, one signed tree head, and for
  every entry its leaf hash and inclusion proof (audit path) against that head.

How to check it
1. With coldcheck:  coldcheck verify-bundle THIS_FILE.zip
2. By hand (any RFC 9162 / Certificate Transparency verifier will do):
   a. log_id must equal SHA-256(public_key) (both base64 in manifest.json).
   b. The head's Ed25519 signature (key: public_key) covers the RFC 8785
      canonical JSON of {"log_id","root_hash","timestamp","tree_size"} with
      log_id and root_hash in standard base64, timestamp in ms since the epoch.
   c. For each entry: leaf_hash = SHA-256(0x00 || entry bytes); the audit
      path must lead, by RFC 9162 section 2.1.3.2, from that leaf hash at
      its index to the head's root_hash for the head's tree_size.
3. Compare log_id with one obtained independently of this bundle (the daily
   report printed and signed at wrap shows it, with that day's tree head).
   The bundle proves that the log with this key contained these exact
   entries at these positions when the head was signed; it says nothing
   about entries not included here.
"""

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_README = "README.txt"
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BundleEntry:
    """One log entry with its inclusion proof against the bundle's head."""

    index: int
    entry: bytes
    audit_path: tuple[bytes, ...]


def _entry_file(index: int) -> str:
    return f"entries/{index:012d}.json"


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def build_bundle(
    entries: Sequence[BundleEntry],
    head: SignedTreeHead,
    public_key: bytes,
    readme: str = DEFAULT_README,
    description: str = "",
) -> bytes:
    """The zip bytes of an evidence bundle (entries are written in index order)."""
    ordered = sorted(entries, key=lambda e: e.index)
    if len(ordered) > MAX_ENTRIES:
        raise BundleError(
            f"a bundle holds at most {MAX_ENTRIES} entries, not {len(ordered)};"
            " export a shorter period"
        )
    for e in ordered:
        if len(e.entry) > MAX_ENTRY_BYTES:
            raise BundleError(f"entry {e.index} is larger than {MAX_ENTRY_BYTES} bytes")
    indices = [e.index for e in ordered]
    if len(set(indices)) != len(indices):
        raise BundleError("an entry index appears twice")
    for e in ordered:
        if not 0 <= e.index < head.tree_size:
            raise BundleError(f"entry {e.index} is not covered by the head (size {head.tree_size})")
    manifest = {
        "format": BUNDLE_FORMAT,
        "description": description,
        "public_key": b64encode(public_key),
        "head": head.to_json(),
        "entries": [
            {
                "index": e.index,
                "file": _entry_file(e.index),
                "leaf_hash": b64encode(leaf_hash(e.entry)),
                "audit_path": [b64encode(p) for p in e.audit_path],
            }
            for e in ordered
        ],
    }
    readme_bytes, manifest_bytes = readme.encode("utf-8"), canonical_json(manifest)
    if len(readme_bytes) > MAX_README_BYTES:
        raise BundleError(f"the README is larger than {MAX_README_BYTES} bytes")
    if len(manifest_bytes) > MAX_MANIFEST_BYTES:
        raise BundleError(f"the manifest would be larger than {MAX_MANIFEST_BYTES} bytes")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(_member(_README), readme_bytes)
        zf.writestr(_member(_MANIFEST), manifest_bytes)
        for e in ordered:
            zf.writestr(_member(_entry_file(e.index)), e.entry)
    return buf.getvalue()


@dataclass(frozen=True)
class ProvenEntry:
    """An entry the bundle proves was in the log at ``index``."""

    index: int
    leaf_hash: bytes
    entry: bytes


@dataclass(frozen=True)
class BundleReport:
    """What :func:`verify_bundle` found; ``ok`` only if every check passed."""

    ok: bool
    problems: tuple[str, ...] = ()
    head: SignedTreeHead | None = None
    public_key: bytes = b""
    entries: tuple[ProvenEntry, ...] = field(default=())
    description: str = ""

    @property
    def summary(self) -> str:
        """A few plain sentences: what the bundle proves, or the first thing wrong with it."""
        if not self.ok or self.head is None:
            first = self.problems[0] if self.problems else "unknown problem"
            extra = len(self.problems) - 1
            more = f" (and {extra} more problems)" if extra > 0 else ""
            return f"NOT VERIFIED: {first}{more}"
        when = datetime.fromtimestamp(self.head.timestamp / 1000, tz=UTC)
        indices = ", ".join(str(e.index) for e in self.entries[:20])
        if len(self.entries) > 20:
            indices += ", ..."
        return (
            f"VERIFIED: {len(self.entries)} entries (index {indices}) were in the log "
            f"{b64encode(self.head.log_id)} at tree size {self.head.tree_size}, root "
            f"{b64encode(self.head.root_hash)}, signed {when.isoformat(timespec='milliseconds')}. "
            "Check that log id against one obtained outside this bundle "
            "(e.g. the daily report signed at wrap)."
        )


def _fail(problem: str) -> BundleReport:
    return BundleReport(ok=False, problems=(problem,))


def verify_bundle(zip_bytes: bytes, trusted_public_key: bytes | None = None) -> BundleReport:
    """Check an evidence bundle offline; never raises for a bad bundle, reports it instead.

    If ``trusted_public_key`` is given, the bundle's key must be that key.
    """
    try:
        return _verify(zip_bytes, trusted_public_key)
    except (LedgerError, ValueError, KeyError, TypeError) as exc:
        return _fail(f"malformed bundle: {exc}")
    except Exception as exc:
        # zipfile raises many kinds of errors on hostile input (BadZipFile,
        # NotImplementedError for odd flags, RuntimeError for encryption, ...);
        # a verifier reports them all rather than crash.
        return _fail(f"not a readable zip file: {type(exc).__name__}: {exc}")


def _member_cap(name: str) -> int:
    if name == _MANIFEST:
        return MAX_MANIFEST_BYTES
    if name == _README:
        return MAX_README_BYTES
    return MAX_ENTRY_BYTES


def _directory_problem(infos: Sequence[zipfile.ZipInfo], size: int) -> str | None:
    """What makes the central directory unacceptable before any member is read, or None."""
    most = MAX_ENTRIES + 2
    if len(infos) > most:
        return (
            f"the zip has {len(infos)} members; a bundle has at most {most}"
            f" ({MAX_ENTRIES} entries, README.txt and manifest.json)"
        )
    total = 0
    for info in infos:
        name = info.filename
        if info.compress_type != zipfile.ZIP_STORED:
            return f"{name} is compressed; bundle members are stored uncompressed"
        if info.flag_bits & 0x1:
            return f"{name} is encrypted"
        if info.compress_size != info.file_size:
            return f"{name}: its stored size and its size differ"
        cap = _member_cap(name)
        if info.file_size > cap:
            return f"{name} is larger than {cap} bytes"
        total += info.file_size
    if total > size:  # stored members cannot hold more than the file: they would overlap
        return "the members add up to more than the zip file holds (they overlap)"
    return None


def _verify(zip_bytes: bytes, trusted_public_key: bytes | None) -> BundleReport:
    if len(zip_bytes) > MAX_BUNDLE_BYTES:
        return _fail(f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        infos = zf.infolist()
        problem = _directory_problem(infos, len(zip_bytes))
        if problem:
            return _fail(problem)
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            return _fail("the zip has two members with the same name")
        if _MANIFEST not in names or _README not in names:
            return _fail("manifest.json or README.txt is missing")
        files = {name: zf.read(name) for name in names}  # checks every CRC
    manifest: Any = json.loads(files[_MANIFEST])
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        return _fail(f"manifest.json is not a {BUNDLE_FORMAT} manifest")
    public_key = b64decode(manifest["public_key"])
    head = SignedTreeHead.from_json(manifest["head"])
    description = manifest.get("description", "")
    if not isinstance(description, str):
        return _fail("description is not a string")
    problems: list[str] = []
    if trusted_public_key is not None and public_key != trusted_public_key:
        problems.append("the bundle's public key is not the trusted key")
    if head.log_id != log_id_for(public_key):
        problems.append("the head's log_id is not SHA-256 of the bundle's public key")
    try:
        verify_head(head, public_key)
    except LedgerError as exc:
        problems.append(f"tree head: {exc}")
    proven: list[ProvenEntry] = []
    bundle_entries: list[BundleEntry] = []
    for item in manifest["entries"]:
        index = item["index"]
        if isinstance(index, bool) or not isinstance(index, int):
            return _fail("an entry index is not an integer")
        name = item["file"]
        if name != _entry_file(index) or name not in files:
            return _fail(f"entry {index}: file {name!r} is missing or misnamed")
        entry = files[name]
        claimed = b64decode(item["leaf_hash"])
        path = tuple(b64decode(p) for p in item["audit_path"])
        bundle_entries.append(BundleEntry(index, entry, path))
        computed = leaf_hash(entry)
        if computed != claimed:
            problems.append(f"entry {index}: its bytes do not match its leaf hash")
            continue
        try:
            verify_inclusion(computed, index, head.tree_size, path, head.root_hash)
        except LedgerError as exc:
            problems.append(f"entry {index}: inclusion proof fails: {exc}")
            continue
        proven.append(ProvenEntry(index, computed, entry))
    expected_names = {_README, _MANIFEST} | {_entry_file(e.index) for e in bundle_entries}
    if set(names) != expected_names:
        problems.append("the zip holds files the manifest does not list")
    if not problems:
        try:
            rebuilt = build_bundle(
                bundle_entries, head, public_key, files[_README].decode("utf-8"), description
            )
        except (BundleError, UnicodeDecodeError) as exc:
            problems.append(f"bundle cannot be rebuilt: {exc}")
        else:
            if rebuilt != zip_bytes:
                problems.append("the zip's bytes are not the canonical form of its content")
    if problems:
        return BundleReport(False, tuple(problems), head, public_key, (), description)
    return BundleReport(True, (), head, public_key, tuple(proven), description)
