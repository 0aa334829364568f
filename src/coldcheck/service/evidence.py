"""Evidence for people outside the production: complete bundles, and the closing head of a day.

:meth:`EvidenceService.export` is the one way a bundle is made (format 2, see
``coldcheck.ledger.verify_bundle`` for what is in it). About one weapon, lot, container,
incident or person, for a period, it holds:

- every entry about the subject in the period, and the *subject index* records over the
  period that list them — so the bundle proves that none is missing (an index that does
  not yet reach the end of the period is written first: one ledger record, one commit);
- each entry's c2sp.org/tlog-proof file against the newest checkpoint, which is first sent
  to the witnesses (so it carries their cosignatures when they answer);
- the daily closing checkpoint of each day in the period, with a consistency proof to the
  bundle's checkpoint (what the signed paper log of that day can be compared with);
- the log's vkey, the witnesses' vkeys, a README for a lawyer's expert and the verifier;
- with ``photos=True``, the weapon photos its ``WeaponPhotographed`` entries name
  (``photos/<sha256>.<ext>``; the verifier checks each against its entry's SHA-256).
  Without, the entries still carry each photo's SHA-256, size and type.

Every proof is checked before anything is written, and the finished zip is run through the
very verifier it carries: a log that disagrees with its own head, or a bundle that would not
verify, is refused (``EvidenceError``) instead of being exported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coldcheck.domain.events import WeaponPhotographed
from coldcheck.domain.ids import ProductionId
from coldcheck.domain.photos import MEDIA_TYPES, sha256_hex
from coldcheck.ledger.bundle import (
    BUNDLE_FORMAT,
    MAX_MEMBERS,
    build_zip,
    entry_file,
    proof_file,
    verifier_source,
)
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.chain import ms_of
from coldcheck.ledger.errors import BundleError, LedgerError
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.ledger.note import parse_note
from coldcheck.ledger.paper import fingerprint
from coldcheck.ledger.proofs import verify_consistency, verify_inclusion
from coldcheck.ledger.records import SubjectIndexRecord
from coldcheck.ledger.tlog_proof import build_tlog_proof
from coldcheck.ledger.verify_bundle import Report, verify
from coldcheck.ledger.witness_protocol import build_add_checkpoint_request
from coldcheck.service.bundle_keys import passkey_evidence
from coldcheck.service.checkpoints import LogIdentity
from coldcheck.service.errors import ServiceError
from coldcheck.service.ports import Clock, UnitOfWorkFactory
from coldcheck.service.queries import ReadModel
from coldcheck.service.reports import ClosingCheckpoint
from coldcheck.service.subject_index import covering
from coldcheck.service.witnessing import WitnessConfig, WitnessService

__all__ = ["EvidenceBundle", "EvidenceError", "EvidenceService", "closing_head"]

MAX_CLOSING_DAYS = 400
"""Most daily closing checkpoints one bundle carries (the newest, for a longer period)."""

MAX_PHOTO_TOTAL = 192 << 20
"""Most bytes of photos one bundle carries (the whole bundle is at most 256 MiB)."""


class EvidenceError(ServiceError):
    """No bundle could be made; the message says why and what to do."""


@dataclass(frozen=True)
class EvidenceBundle:
    """A bundle's zip bytes, what the verifier it carries says of it, the checkpoint."""

    data: bytes
    entries: int
    """Entries about the subject in the period."""
    head: SignedTreeHead
    report: Report
    witnesses: tuple[str, ...] = field(default=())
    """What each witness answered when the checkpoint was sent to it, in words."""


class EvidenceService:
    """Makes complete evidence bundles (see the module docstring)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reads: ReadModel,
        identity: LogIdentity,
        witnessing: WitnessService,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._reads = reads
        self._identity = identity
        self._witnessing = witnessing
        self._clock = clock

    def export(
        self,
        production: ProductionId,
        ref: str,
        start: datetime | None,
        end: datetime | None,
        tz: ZoneInfo,
        *,
        photos: bool = False,
    ) -> EvidenceBundle:
        """The bundle about ``ref`` in [start, end] (``end`` None or later than now: up to now);
        ``photos``: with the bytes of the weapon photos its entries name."""
        if not ref or len(ref) > 64:
            raise EvidenceError("say what the bundle is about: a weapon, a lot or a person")
        if start is not None and end is not None and end < start:
            raise EvidenceError("the period ends before it starts; check --from and --to")
        if end is not None and end >= self._clock.now():
            end = None
        records = self._reads.subject_index(production)
        chosen = covering(records, start, end)
        newest = self._reads.timeline(production, None, limit=1)
        behind = bool(newest) and (not records or newest[0].seq > records[-1].through)
        if chosen is None or (end is None and behind):
            self._index_now(production)
            records = self._reads.subject_index(production)
            chosen = covering(records, start, end)
            if chosen is None:
                raise EvidenceError("the subject index does not cover the period; run verify")
        if not any(ref in r.subjects for r in records):
            raise EvidenceError(
                f"no entry of {production} is about {ref}; check the tag or the person's id"
            )
        said = tuple(self._witnessing.submit_now()) if self._witnessing.witnesses else ()
        head = self._reads.ledger_head()
        assert head is not None  # the index was just written
        return self._bundle(production, ref, start, end, tz, chosen, head, said, photos)

    def _index_now(self, production: ProductionId) -> None:
        with self._uow() as uow:
            now = uow.begin(self._clock.now())
            uow.write_subject_index(production, now)
            head = uow.seal(now)
            uow.commit()
        self._witnessing.poke(head)

    def _bundle(
        self,
        production: ProductionId,
        ref: str,
        start: datetime | None,
        end: datetime | None,
        tz: ZoneInfo,
        chosen: Sequence[SubjectIndexRecord],
        head: SignedTreeHead,
        said: tuple[str, ...],
        with_photos: bool = False,
    ) -> EvidenceBundle:
        note = self._witnessing.cosigned_checkpoint(head)
        if end is None:  # up to now: exactly what the newest index covers (before its time)
            end = _from_ms(chosen[-1].timestamp - 1)
        subject = sorted({p for r in chosen for p in r.subjects.get(ref, ())})
        indexes = [r.seq for r in chosen]
        self._fits(len(subject) + len(indexes))
        items = [(i, "subject") for i in subject] + [(i, "index") for i in indexes]
        items.sort()
        raws = self._reads.ledger_entries_at([i for i, _ in items])
        keys = sorted(
            passkey_evidence(
                self._reads,
                production,
                self._reads.subject_index(production),
                {i: raw for (i, role), raw in zip(items, raws, strict=True) if role == "subject"},
                lambda: self._key_owners(production),
            )
            - {i for i, _ in items}
        )
        if keys:
            self._fits(len(items) + len(keys))
            by_index = dict(zip([i for i, _ in items], raws, strict=True))
            by_index.update(zip(keys, self._reads.ledger_entries_at(keys), strict=True))
            items = sorted(items + [(i, "passkey") for i in keys])
            raws = [by_index[i] for i, _ in items]
        entry_files: list[tuple[str, bytes]] = []
        proof_files: list[tuple[str, bytes]] = []
        listed = []
        for (index, role), raw in zip(items, raws, strict=True):
            path = self._reads.inclusion_proof(index, head.tree_size)
            try:
                verify_inclusion(leaf_hash(raw), index, head.tree_size, path, head.root_hash)
            except LedgerError as exc:
                raise EvidenceError(
                    f"entry {index} does not prove against the signed head of tree size"
                    f" {head.tree_size} ({exc}); the stored log disagrees with its own head —"
                    " run `coldcheck verify` and export nothing until it passes"
                ) from None
            entry_files.append((entry_file(index), raw))
            proof_files.append((proof_file(index), build_tlog_proof(index, path, note)))
            listed.append(
                {
                    "index": index,
                    "role": role,
                    "file": entry_file(index),
                    "proof": proof_file(index),
                }
            )
        subject_raws = [
            raw for (_, role), raw in zip(items, raws, strict=True) if role == "subject"
        ]
        photo_files, photo_items = self._photos(subject_raws) if with_photos else ([], None)
        closing_files, closing = self._closing(head, note, start, end, tz, chosen)
        witnesses = self._witnesses_seen([note, *(data for _, data in closing_files)])
        witness_files = [(f"witnesses/{n}.vkey", f"{w.vkey}\n".encode()) for n, w in witnesses]
        manifest: dict[str, object] = {
            "format": BUNDLE_FORMAT,
            "description": (
                f"coldcheck evidence about {ref} of production {production},"
                f" {_words(start, 'the start')} to {_words(end, 'the export')}."
            ),
            "production": production,
            "subject": ref,
            "from": None if start is None else start.isoformat(),
            "to": None if end is None else end.isoformat(),
            "log_key": "log.vkey",
            "checkpoint": "checkpoint.txt",
            "witness_keys": [name for name, _ in witness_files],
            "entries": listed,
            "closing": closing,
        }
        if photo_items is not None:
            manifest["photos"] = photo_items
        readme = _readme(
            production,
            ref,
            start,
            end,
            self._identity.vkey,
            fingerprint(parse_note(note).text),
            head.tree_size,
            [w for _, w in witnesses],
        )
        files = [
            ("README.txt", readme.encode("utf-8")),
            ("verify_bundle.py", verifier_source()),
            ("manifest.json", canonical_json(manifest)),
            ("log.vkey", f"{self._identity.vkey}\n".encode()),
            *witness_files,
            ("checkpoint.txt", note),
            *closing_files,
            *entry_files,
            *proof_files,
            *photo_files,
        ]
        try:
            data = build_zip(files)
        except BundleError as exc:
            raise EvidenceError(str(exc)) from None
        report = verify(data, [self._identity.vkey], [w.vkey for _, w in witnesses])
        if not report.ok:
            raise EvidenceError(
                f"the bundle made does not verify ({report.problems[0]}); nothing was written —"
                " run `coldcheck verify`"
            )
        counted = sum(1 for e in report.entries if e.role == "subject" and e.in_period)
        return EvidenceBundle(data, counted, head, report, said)

    def _photos(
        self, raws: Sequence[bytes]
    ) -> tuple[list[tuple[str, bytes]], list[dict[str, str | int]]]:
        """The photos the entries name (each once): files, and the manifest's list."""
        named: dict[str, int] = {}
        for raw in raws:
            fields = json.loads(raw)
            payload = fields.get("payload") or {}
            if fields.get("type") == WeaponPhotographed.type_name:
                named.setdefault(str(payload["sha256"]), int(fields["seq"]))
        files: list[tuple[str, bytes]] = []
        items: list[dict[str, str | int]] = []
        total = 0
        with self._uow(write=False) as uow:
            store = uow.photos()
            for sha, seq in named.items():
                blob = store.get(sha)
                if blob is None or sha256_hex(blob.data) != sha:
                    raise EvidenceError(
                        f"the photo {sha[:12]}… that entry {seq} names is missing or altered in"
                        " this server's store; run `coldcheck verify`, restore it from a backup,"
                        " or export without the photos"
                    )
                total += len(blob.data)
                if total > MAX_PHOTO_TOTAL:
                    raise EvidenceError(
                        f"the photos come to more than {MAX_PHOTO_TOTAL >> 20} MiB; export a"
                        " shorter period, or without the photos (the entries keep their SHA-256)"
                    )
                name = f"photos/{sha}.{MEDIA_TYPES.get(blob.media_type, 'bin')}"
                files.append((name, blob.data))
                items.append(
                    {"sha256": sha, "file": name, "media_type": blob.media_type, "entry": seq}
                )
        return files, items

    def _key_owners(self, production: ProductionId) -> dict[str, str]:
        """Whose each passkey of the production is (where to look for its enrolment)."""
        with self._uow() as uow:
            state = uow.state(production)
        return {k.credential: k.person for k in state.passkeys.values()}

    @staticmethod
    def _fits(entries: int) -> None:
        if 2 * entries + 2 * MAX_CLOSING_DAYS + 16 > MAX_MEMBERS:
            raise EvidenceError(
                f"{entries} entries are too many for one bundle; export a shorter period"
            )

    def _closing(
        self,
        head: SignedTreeHead,
        note: bytes,
        start: datetime | None,
        end: datetime | None,
        tz: ZoneInfo,
        chosen: Sequence[SubjectIndexRecord],
    ) -> tuple[list[tuple[str, bytes]], list[dict[str, str]]]:
        first = start or _from_ms(chosen[0].previous.timestamp if chosen[0].previous else None)
        if first is None:
            first = _from_ms(chosen[0].timestamp) or self._clock.now()
        last = end or self._clock.now()
        days = _days(first.astimezone(tz).date(), last.astimezone(tz).date())[-MAX_CLOSING_DAYS:]
        files: list[tuple[str, bytes]] = []
        items: list[dict[str, str]] = []
        seen: set[int] = set()
        for day in days:
            end_of_day = datetime.combine(day + timedelta(days=1), time(), tz)
            closing = self._reads.ledger_head_before(ms_of(end_of_day))
            if closing is None or closing.tree_size in seen or closing.tree_size > head.tree_size:
                continue
            if end_of_day > self._clock.now():
                continue  # the day is not over: it has no closing checkpoint yet
            seen.add(closing.tree_size)
            proof = (
                self._reads.consistency_proof(closing.tree_size, head.tree_size)
                if closing.tree_size < head.tree_size
                else []
            )
            try:
                verify_consistency(
                    closing.tree_size, head.tree_size, proof, closing.root_hash, head.root_hash
                )
            except LedgerError as exc:
                raise EvidenceError(
                    f"the log does not extend its own closing head of {day} ({exc}); run"
                    " `coldcheck verify` and export nothing until it passes"
                ) from None
            name = f"closing/{day.isoformat()}"
            files.append((f"{name}.checkpoint", self._witnessing.cosigned_checkpoint(closing)))
            files.append(
                (
                    f"{name}.consistency",
                    build_add_checkpoint_request(closing.tree_size, proof, note),
                )
            )
            items.append(
                {
                    "day": day.isoformat(),
                    "checkpoint": f"{name}.checkpoint",
                    "consistency": f"{name}.consistency",
                }
            )
        return files, items

    def _witnesses_seen(self, notes: Sequence[bytes]) -> list[tuple[int, WitnessConfig]]:
        """The configured witnesses whose cosignature is on any of these checkpoints."""
        seen: list[tuple[int, WitnessConfig]] = []
        for w in self._witnessing.witnesses:
            key_id = w.verifier.key_id
            if any(
                (s.name, s.key_id) == (w.name, key_id)
                for data in notes
                for s in parse_note(data).signatures
            ):
                seen.append((len(seen), w))
        return seen


def _from_ms(ms: int | None) -> datetime | None:
    from coldcheck.ledger.chain import from_ms

    return None if ms is None else from_ms(ms)


def _days(first: date, last: date) -> list[date]:
    out = []
    day = first
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def _words(moment: datetime | None, default: str) -> str:
    return moment.isoformat() if moment is not None else default


def _readme(
    production: str,
    ref: str,
    start: datetime | None,
    end: datetime | None,
    vkey: str,
    print_: str,
    size: int,
    witnesses: Sequence[WitnessConfig],
) -> str:
    names = "\n".join(f"    {w.vkey}" for w in witnesses) or "    (none cosigned it)"
    return README.format(
        production=production,
        ref=ref,
        start=_words(start, "the start of the production"),
        end=_words(end, "the moment it was exported"),
        vkey=vkey,
        fingerprint=print_,
        size=size,
        witnesses=names,
    )


README = """\
coldcheck evidence bundle
=========================

About:      {ref}, of production {production}
Period:     {start} to {end}
Checkpoint: tree size {size}, fingerprint {fingerprint}
Log key:    {vkey}
Witnesses that cosigned a checkpoint in here:
{witnesses}

This file explains the bundle; it is not itself evidence, and neither is the list above:
check the keys against copies obtained independently (step 1).


What the bundle is
------------------
coldcheck keeps the custody record of a film set's prop firearms as an append-only log,
built like a Certificate Transparency log (RFC 9162): every entry is hashed into a Merkle
tree, and the tree's head is signed after every change. Independent *witnesses* (a studio,
an insurer, a union: c2sp.org/tlog-witness) countersign those heads only when the new tree
extends the one they saw before, so the production cannot rewrite its history unnoticed
even though it holds the log's signing key.

This bundle holds every log entry about {ref} in the period, each with a proof that it
is in the log, and the log's own *subject index*, which lists — for each range of the log —
which entries concern which weapon, lot or person. The index is what proves that no entry
about {ref} was left out.


How to check it (without coldcheck)
-----------------------------------
You need Python 3.11 or newer with the `cryptography` package (pip install cryptography).

1. Obtain the log's verifier key independently of this bundle: from the production's
   daily armory log signed at wrap (it prints the closing checkpoint and the log's key),
   from the studio or insurer that runs a witness of this log, or from the production's
   server (GET /api/v1/ledger/key, field "vkey"). Obtain each witness's key from the
   witness's operator. Compare them with the ones above.

2. Run the verifier that is in this bundle (read it first if you wish: one file, about
   1,450 lines, standard library and `cryptography` only):

       python3 verify_bundle.py THIS_BUNDLE.zip --log-key "LOG KEY" --witness-key "WITNESS KEY"

   It prints VERIFIED, with every entry (position, time, what, by whom, and how it came in:
   the person's own web session or API token, or the command line; and how each
   confirmation was given: signed by the person's own passkey, checked offline, or by PIN,
   attested by the production's server only), or NOT VERIFIED and what is wrong or
   missing. Without --log-key it can only say "signatures valid, key NOT TRUSTED": anyone
   can make a bundle that verifies against a key of their own.

3. Compare the checkpoint fingerprint it prints ({fingerprint}) and the fingerprints of the
   daily closing checkpoints with the ones on the signed paper logs of those days.


What each part is (all public formats)
--------------------------------------
- entries/<position>.json: the entries exactly as they were hashed (RFC 8785 JSON).
- proofs/<position>.tlog-proof: c2sp.org/tlog-proof@v1 files: the entry's RFC 9162
  inclusion proof and the checkpoint it leads to.
- checkpoint.txt: the checkpoint (c2sp.org/tlog-checkpoint: log name, tree size, root hash)
  signed by the log key (c2sp.org/signed-note, Ed25519) and cosigned by witnesses
  (c2sp.org/tlog-cosignature).
- closing/<day>.checkpoint and .consistency: the checkpoint that closed each day, and an
  RFC 9162 consistency proof (in the c2sp.org/tlog-witness request form) that the bundle's
  checkpoint extends it — so nothing recorded by the end of that day was changed since.
- photos/<sha256>.<ext> (only in a bundle exported with the photos): weapon photos, the
  exact bytes whose SHA-256 the WeaponPhotographed entries record; the verifier checks each.
  Every bundle's entries carry each photo's SHA-256, size and type, photos or not.
- log.vkey, witnesses/*.vkey: verifier keys as the production gave them (untrusted).
- manifest.json: the list of the files, the subject and the period. Entries of role
  "passkey" are there for the passkey confirmations: each key's enrolment (its COSE public
  key) and revocation, the subject index from the enrolment to the confirmation and every
  entry about the signer in between (so no revocation can be left out), and the names.

A passkey confirmation (an entry's "signatures") is a WebAuthn assertion: check it as
WebAuthn section 7.2 says, with the enrolled key, against the challenge SHA-256("coldcheck
passkey confirmation v1\\n" || RFC 8785 JSON of {{"digest": SHA-256 hex of command_json,
"log_size", "nonce"}}); the verifier does exactly that.

By hand, with any RFC 9162 / Certificate Transparency tool: leaf hash = SHA-256(0x00 ||
entry bytes); node = SHA-256(0x01 || left || right); check each inclusion proof against the
checkpoint's root, the log signature and cosignatures as c2sp.org describes, and that the
positions the subject-index entries list for {ref} are exactly the entries in here (the
index records must follow each other: each names the one before it, and they must reach
from before the period to after it).


What it proves, and what it does not
------------------------------------
It proves that the log with this key held exactly these entries at these positions when
the checkpoint was signed; that the subject index lists no other entry about {ref} in the
period; and, for each witness that cosigned, that the witness saw this tree as the
continuation of every tree of this log it saw before.

A passkey signature proves that the key enrolled to that person signed that very command;
not who held the device, nor that the enrolment was honest. A PIN confirmation is the
server's word only.

It does not prove what happened off the record, who physically typed a PIN or a password,
that an inspection recorded was done well, or anything after the checkpoint. Without a
trusted witness's cosignature, the production could have rewritten its log with its own
key before making this bundle.
"""


def closing_head(reads: ReadModel, before: datetime | None) -> SignedTreeHead | None:
    """The newest head signed before ``before`` (the newest of all when None)."""
    if before is None:
        return reads.ledger_head()
    return reads.ledger_head_before(ms_of(before))


def closing_checkpoint(
    reads: ReadModel, witnessing: WitnessService, vkey: str, before: datetime | None
) -> ClosingCheckpoint | None:
    """What a report ends with: the newest head signed before ``before`` (the newest of all
    when None), its checkpoint with every cosignature held, and the log's vkey."""
    head = closing_head(reads, before)
    if head is None:
        return None
    return ClosingCheckpoint(head, witnessing.cosigned_checkpoint(head).decode("utf-8"), vkey)
