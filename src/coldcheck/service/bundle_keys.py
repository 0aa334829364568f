"""Which entries an evidence bundle carries so that its passkey confirmations check offline.

For every passkey signature on an entry of the bundle (issue 17), the bundle's verifier
needs, besides the entry itself: the enrolment entry of that key (its COSE public key,
person, relying party, who enrolled it and when); its revocation entry if there is one;
and proof that no revocation between the enrolment and the confirmation was left out —
the subject-index records covering that stretch of the log and every entry they list
about the signer in it (a revocation is about the key's person, so the index lists it
under them). The people's ``PersonAdded`` entries give the verifier their names.

:func:`passkey_evidence` finds those positions from the subject index and the log alone
(never from the derived tables); :class:`coldcheck.service.evidence.EvidenceService` puts
them in the bundle with the role ``passkey``, each with its inclusion proof.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coldcheck.domain.ids import ProductionId
from coldcheck.ledger.records import SubjectIndexRecord
from coldcheck.service.queries import ReadModel

__all__ = ["passkey_evidence"]

_BATCH = 256
_NAME_LOOKAHEAD = 8
"""How many of a person's first entries are searched for the one that adds them."""


@dataclass
class _Log:
    """Entries read on demand (parsed JSON), and each person's positions in the index."""

    reads: ReadModel
    about: Mapping[str, Sequence[int]]
    cache: dict[int, dict[str, Any]] = field(default_factory=dict)

    def read(self, positions: Sequence[int]) -> list[dict[str, Any]]:
        wanted = [p for p in positions if p not in self.cache]
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            for position, raw in zip(chunk, self.reads.ledger_entries_at(chunk), strict=True):
                doc = json.loads(raw)
                self.cache[position] = doc if isinstance(doc, dict) else {}
        return [self.cache[p] for p in positions]

    def first(self, positions: Sequence[int], kind: str, credential: str) -> int | None:
        """The first of ``positions`` (in the order given) whose entry is a ``kind`` event of
        ``credential``; read in batches, so a scan stops soon after it finds one."""
        for start in range(0, len(positions), _BATCH):
            chunk = positions[start : start + _BATCH]
            for position, doc in zip(chunk, self.read(chunk), strict=True):
                payload = doc.get("payload") or {}
                if doc.get("type") == kind and payload.get("credential") == credential:
                    return position
        return None

    def added(self, person: str) -> int | None:
        """The position of the entry that added ``person`` (their name), if early in their list."""
        chunk = list(self.about.get(person, ()))[:_NAME_LOOKAHEAD]
        for position, doc in zip(chunk, self.read(chunk), strict=True):
            payload = doc.get("payload") or {}
            if doc.get("type") == "PersonAdded" and payload.get("person") == person:
                return position
        return None


def passkey_evidence(
    reads: ReadModel,
    production: ProductionId,
    records: Sequence[SubjectIndexRecord],
    entries: Mapping[int, bytes],
    owners: Callable[[], Mapping[str, str]],
) -> set[int]:
    """The positions the bundle needs for the passkey signatures on ``entries`` (position to
    exact bytes), beyond those entries; empty when none carries a signature. ``owners()``
    (credential id to person, from the state; asked only when there are signatures) says
    whose entries to search for a key's enrolment when it is not the signer's own; every
    position is read from the log."""
    signed = list(_signatures(entries))
    if not signed:
        return set()
    about: dict[str, list[int]] = {}
    for record in records:
        for ref, positions in record.subjects.items():
            about.setdefault(ref, []).extend(positions)
    log = _Log(reads, {ref: sorted(set(ps)) for ref, ps in about.items()})
    whose = owners()
    wanted: set[int] = set()
    people: set[str] = set()
    for confirmed, person, credential in signed:
        mine = log.about.get(person, ())
        owner = whose.get(credential, person)
        theirs = mine if owner == person else log.about.get(owner, ())
        before = [p for p in reversed(theirs) if p < confirmed]
        enrolled = log.first(before, "PasskeyEnrolled", credential)
        if enrolled is None:
            continue  # the bundle's own verifier names what is missing; nothing is invented
        wanted.add(enrolled)
        wanted.update(p for p in mine if enrolled < p < confirmed)
        wanted.update(r.seq for r in records if r.through > enrolled and r.first < confirmed)
        later = [p for p in theirs if p > confirmed]
        revoked = log.first(later, "PasskeyRevoked", credential)
        if revoked is not None:
            wanted.add(revoked)
        people.add(person)
        by = log.read([enrolled])[0].get("by")
        if isinstance(by, str):
            people.add(by)
    for doc in (json.loads(raw) for raw in entries.values()):
        people.update(w for w in doc.get("witnesses") or () if isinstance(w, str))
    for person in sorted(people):
        added = log.added(person)
        if added is not None:
            wanted.add(added)
    return wanted - set(entries)


def _signatures(entries: Mapping[int, bytes]) -> Iterable[tuple[int, str, str]]:
    """(position, signer, credential id) of every passkey signature on the entries."""
    for position, raw in sorted(entries.items()):
        if b'"signatures"' not in raw:
            continue
        doc = json.loads(raw)
        for sig in doc.get("signatures") or ():
            if isinstance(sig, dict):
                yield position, str(sig.get("person")), str(sig.get("credential"))
