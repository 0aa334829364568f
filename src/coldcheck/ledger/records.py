"""Ledger records: the entries of the log that are not events (pure: JSON shapes only).

Every entry of the log is RFC 8785 canonical JSON. An *event* entry's first key is
``"at"`` (its envelope is ``{at, by, channel, payload, production, seq, type, version,
witnesses}``); a *record* never has an ``"at"`` key and always has ``"record"``, naming
one of:

``commit``
    ends every committed batch; names the previous signed head, and the timestamp the
    head that covers it is signed with::

        {"record": "commit", "seq": 41, "timestamp": 1764590400123,
         "previous": {"tree_size": 37, "root_hash": "<b64>", "timestamp": 1764590399001}}

    (``previous`` is null for the first commit of a log). The head over the batch is
    signed at ``seq + 1`` entries with this ``timestamp``. So the tree itself holds the
    chain of heads: a head deleted, reordered or replaced, or one missing after a commit,
    shows up when the log is read (``coldcheck.ledger.chain``).
``subject-index``
    what one production's entries in a range of log positions concern::

        {"record": "subject-index", "seq": 900, "production": "dry-gulch",
         "timestamp": ..., "from": 512, "through": 899,
         "previous": {"seq": 511, "through": 510, "timestamp": ...} | null,
         "final": true,
         "subjects": {"W-0001": [514, 530], "mara-voss": [512, 514, 530], ...}}

    It covers every entry of the production at positions ``from..through`` (inclusive;
    ``through = from - 1`` is an empty range) and lists, per subject, the positions about
    it. Written at the start of a commit, it covers entries that all have a time before
    ``timestamp``; a ``final`` one covers *every* entry of the production before
    ``timestamp`` since the previous index (commit times strictly increase; a range too
    big for one record is split into several in one commit, the last of them final). A
    bundle holding the index records over a period therefore proves which entries about
    a subject exist in it — and that none is missing.
``security``
    one security event (sign-in, PIN failure, lock-out, credential change, ...) with the
    state of the account after it (see ``coldcheck.service.security_log``).

Records are small and rare (one commit record per batch), so they are encoded with the
pure :func:`~coldcheck.ledger.canonical.canonical_json`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coldcheck.ledger.canonical import MAX_SAFE_INTEGER, canonical_json
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.hashing import HASH_SIZE
from coldcheck.ledger.heads import SignedTreeHead, b64decode, b64encode

__all__ = [
    "COMMIT",
    "MAX_INDEX_POSITIONS",
    "MAX_RECORD_BYTES",
    "SECURITY",
    "SUBJECT_INDEX",
    "CommitRecord",
    "HeadLink",
    "IndexLink",
    "MalformedRecord",
    "SubjectIndexRecord",
    "commit_record",
    "is_event_entry",
    "parse_record",
    "record_entry",
    "subject_index_record",
]

COMMIT = "commit"
SUBJECT_INDEX = "subject-index"
SECURITY = "security"
KINDS = frozenset({COMMIT, SUBJECT_INDEX, SECURITY})

MAX_RECORD_BYTES = 2 << 20
"""The largest record (2 MiB, the largest entry a bundle carries)."""

MAX_INDEX_POSITIONS = 40_000
"""Most (subject, position) pairs one subject-index record lists; more make several records."""

_EVENT_PREFIX = b'{"at":'


class MalformedRecord(LedgerError):
    """An entry that should be a record is not a well-formed one; the message says why."""


def is_event_entry(entry: bytes) -> bool:
    """True for an event envelope (its first key is ``"at"``); False for a record."""
    return entry.startswith(_EVENT_PREFIX)


def record_entry(fields: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a record (``fields`` must name its ``record`` kind and ``seq``)."""
    if fields.get("record") not in KINDS:
        raise MalformedRecord(f"unknown record kind {fields.get('record')!r}")
    if "at" in fields:
        raise MalformedRecord("a record has no 'at' key (that is how events are told apart)")
    data = canonical_json(dict(fields))
    if len(data) > MAX_RECORD_BYTES:
        raise MalformedRecord(f"a record is at most {MAX_RECORD_BYTES} bytes")
    return data


def parse_record(entry: bytes) -> dict[str, Any] | None:
    """The fields of a record entry, or None for an event entry. ``MalformedRecord`` else."""
    if is_event_entry(entry):
        return None
    if len(entry) > MAX_RECORD_BYTES:
        raise MalformedRecord(f"a record is at most {MAX_RECORD_BYTES} bytes")
    try:
        fields = json.loads(entry)
    except ValueError as exc:
        raise MalformedRecord(f"not JSON: {exc}") from None
    if not isinstance(fields, dict) or fields.get("record") not in KINDS:
        raise MalformedRecord("neither an event nor a ledger record")
    if "at" in fields:
        raise MalformedRecord("a record must not have an 'at' key")
    return fields


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise MalformedRecord(f"{what} must be a whole number between 0 and 2**53-1")
    return int(value)


def _hash(value: Any, what: str) -> bytes:
    try:
        raw = b64decode(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != HASH_SIZE:
        raise MalformedRecord(f"{what} must be the base64 of a 32-byte hash")
    return raw


# -- commit records ----------------------------------------------------------------------


@dataclass(frozen=True)
class HeadLink:
    """What a commit record says about the previous signed head."""

    tree_size: int
    root_hash: bytes
    timestamp: int

    @classmethod
    def of(cls, head: SignedTreeHead) -> HeadLink:
        """The link to ``head``."""
        return cls(head.tree_size, head.root_hash, head.timestamp)

    def to_json(self) -> dict[str, Any]:
        """``{tree_size, root_hash (base64), timestamp}``."""
        return {
            "tree_size": self.tree_size,
            "root_hash": b64encode(self.root_hash),
            "timestamp": self.timestamp,
        }


@dataclass(frozen=True)
class CommitRecord:
    """A parsed commit record: its position, the head's timestamp, the previous head."""

    seq: int
    timestamp: int
    previous: HeadLink | None

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> CommitRecord:
        """Read a commit record's fields (as :func:`parse_record` returns them)."""
        if fields.get("record") != COMMIT:
            raise MalformedRecord("not a commit record")
        if set(fields) != {"record", "seq", "timestamp", "previous"}:
            raise MalformedRecord("a commit record has exactly record, seq, timestamp, previous")
        prev = fields["previous"]
        link = None
        if prev is not None:
            if not isinstance(prev, dict) or set(prev) != {"tree_size", "root_hash", "timestamp"}:
                raise MalformedRecord("a commit record's previous is null or a head link")
            link = HeadLink(
                _int(prev["tree_size"], "previous.tree_size"),
                _hash(prev["root_hash"], "previous.root_hash"),
                _int(prev["timestamp"], "previous.timestamp"),
            )
        return cls(_int(fields["seq"], "seq"), _int(fields["timestamp"], "timestamp"), link)


def commit_record(seq: int, timestamp_ms: int, previous: SignedTreeHead | None) -> bytes:
    """The commit record ending a batch at position ``seq``, naming the previous head."""
    return record_entry(
        {
            "record": COMMIT,
            "seq": _int(seq, "seq"),
            "timestamp": _int(timestamp_ms, "timestamp"),
            "previous": None if previous is None else HeadLink.of(previous).to_json(),
        }
    )


# -- subject-index records ------------------------------------------------------------------


@dataclass(frozen=True)
class IndexLink:
    """What a subject-index record says about the production's previous one."""

    seq: int
    through: int
    timestamp: int

    def to_json(self) -> dict[str, int]:
        """``{seq, through, timestamp}``."""
        return {"seq": self.seq, "through": self.through, "timestamp": self.timestamp}


@dataclass(frozen=True)
class SubjectIndexRecord:
    """A parsed subject-index record."""

    seq: int
    production: str
    timestamp: int
    first: int
    through: int
    previous: IndexLink | None
    final: bool
    subjects: Mapping[str, tuple[int, ...]]

    @property
    def link(self) -> IndexLink:
        """The link the production's next index record names."""
        return IndexLink(self.seq, self.through, self.timestamp)

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> SubjectIndexRecord:
        """Read a subject-index record's fields; ``MalformedRecord`` says what is wrong."""
        keys = {"record", "seq", "production", "timestamp", "from", "through", "previous"}
        if fields.get("record") != SUBJECT_INDEX or set(fields) != keys | {"final", "subjects"}:
            raise MalformedRecord(
                "a subject-index record has exactly record, seq, production, timestamp,"
                " from, through, previous, final, subjects"
            )
        if not isinstance(fields["final"], bool):
            raise MalformedRecord("final is true or false")
        production = fields["production"]
        if not isinstance(production, str) or not 0 < len(production) <= 64:
            raise MalformedRecord("a subject-index record names its production (1-64 characters)")
        seq = _int(fields["seq"], "seq")
        first = _int(fields["from"], "from")
        through = fields["through"]
        if isinstance(through, bool) or not isinstance(through, int) or through < first - 1:
            raise MalformedRecord("through must be at least from - 1")
        if through >= seq:
            raise MalformedRecord("a subject-index record covers only positions before itself")
        prev = fields["previous"]
        link = None
        if prev is not None:
            if not isinstance(prev, dict) or set(prev) != {"seq", "through", "timestamp"}:
                raise MalformedRecord("previous is null or {seq, through, timestamp}")
            link = IndexLink(
                _int(prev["seq"], "previous.seq"),
                _int(prev["through"] + 1, "previous.through + 1") - 1
                if isinstance(prev["through"], int) and not isinstance(prev["through"], bool)
                else _int(None, "previous.through"),
                _int(prev["timestamp"], "previous.timestamp"),
            )
        raw = fields["subjects"]
        if not isinstance(raw, dict):
            raise MalformedRecord("subjects maps each subject to its positions")
        subjects: dict[str, tuple[int, ...]] = {}
        for ref, positions in raw.items():
            if not isinstance(ref, str) or not 0 < len(ref) <= 64:
                raise MalformedRecord("a subject is 1-64 characters")
            if not isinstance(positions, list) or not positions:
                raise MalformedRecord(f"{ref}: its positions are a non-empty list")
            values = tuple(_int(p, f"a position of {ref}") for p in positions)
            if (
                list(values) != sorted(set(values))
                or not first <= values[0] <= values[-1] <= through
            ):
                raise MalformedRecord(f"{ref}: positions must be increasing, within from..through")
            subjects[ref] = values
        timestamp = _int(fields["timestamp"], "timestamp")
        return cls(seq, production, timestamp, first, through, link, fields["final"], subjects)


def subject_index_record(
    seq: int,
    production: str,
    timestamp_ms: int,
    first: int,
    through: int,
    previous: IndexLink | None,
    subjects: Mapping[str, Sequence[int]],
    *,
    final: bool = True,
) -> bytes:
    """The subject-index record at ``seq`` covering the production's positions first..through."""
    fields = {
        "record": SUBJECT_INDEX,
        "seq": seq,
        "production": production,
        "timestamp": timestamp_ms,
        "from": first,
        "through": through,
        "previous": None if previous is None else previous.to_json(),
        "final": final,
        "subjects": {ref: sorted(set(p)) for ref, p in sorted(subjects.items()) if p},
    }
    entry = record_entry(fields)
    SubjectIndexRecord.from_fields(json.loads(entry))  # what is written always reads back
    return entry
