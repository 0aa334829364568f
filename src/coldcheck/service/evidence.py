"""Evidence for people outside the production: bundles and the closing head of a day.

:func:`evidence_bundle` is the one way a bundle is made: the production's
entries about a weapon, lot or person in a period, each with its RFC 9162
inclusion proof against the newest signed head. Every proof is checked
against that head before anything is written, so a bundle that leaves here
verifies — and a log that disagrees with its own signed head is refused
(``EvidenceError``) instead of being exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coldcheck.domain.events import CorrectionRecorded
from coldcheck.domain.ids import ProductionId
from coldcheck.ledger.bundle import BundleEntry, build_bundle
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.ledger.proofs import verify_inclusion
from coldcheck.service.errors import ServiceError
from coldcheck.service.queries import ReadModel, TimelineItem

__all__ = ["EvidenceBundle", "EvidenceError", "closing_head", "evidence_bundle"]

MAX_BUNDLE_ENTRIES = 1_000_000


class EvidenceError(ServiceError):
    """No bundle could be made; the message says why and what to do."""


@dataclass(frozen=True)
class EvidenceBundle:
    """A bundle's zip bytes, how many entries it holds and the head they are proven against."""

    data: bytes
    entries: int
    head: SignedTreeHead


def evidence_bundle(
    reads: ReadModel,
    public_key: bytes,
    production: ProductionId,
    ref: str | None,
    start: datetime | None,
    end: datetime | None,
) -> EvidenceBundle:
    """The production's entries about ``ref`` within [start, end], each proven, as a zip."""
    head = reads.ledger_head()
    if head is None:
        raise EvidenceError("the log is empty: there is nothing to export")
    chosen = [
        item
        for item in reads.timeline(production, ref, limit=MAX_BUNDLE_ENTRIES)
        if item.seq < head.tree_size
        and (start is None or item.event.at >= start)
        and (end is None or item.event.at <= end)
    ]
    if not chosen:
        what = f"about {ref}" if ref else "for that production"
        raise EvidenceError(f"no entries {what} in that period; check the tag and the dates")
    if ref is not None:
        chosen = _with_corrections(reads, production, chosen, head.tree_size)
    entries = []
    for item in chosen:
        (stored,) = reads.ledger_entries(item.seq, item.seq)
        proof = reads.inclusion_proof(item.seq, head.tree_size)
        try:
            verify_inclusion(
                leaf_hash(stored.entry), item.seq, head.tree_size, proof, head.root_hash
            )
        except LedgerError as exc:
            raise EvidenceError(
                f"entry {item.seq} does not prove against the signed head of tree size"
                f" {head.tree_size} ({exc}); the stored log disagrees with its own head —"
                " run `coldcheck verify` and export nothing until it passes"
            ) from None
        entries.append(BundleEntry(item.seq, stored.entry, tuple(proof)))
    period = f"{start.isoformat() if start else 'the start'} to {end.isoformat() if end else 'now'}"
    description = (
        f"coldcheck evidence for production {production}"
        f"{f', {ref}' if ref else ''}, {period}: {len(entries)} entries."
    )
    data = build_bundle(entries, head, public_key, description=description)
    return EvidenceBundle(data, len(entries), head)


def _with_corrections(
    reads: ReadModel, production: ProductionId, chosen: list[TimelineItem], size: int
) -> list[TimelineItem]:
    """The chosen entries and every correction (R27) of one of them, in log order.

    A correction names the entry it corrects by its log position, not by the weapon or
    lot, so the index of refs does not find it; a bundle about W-0001 must still carry it.
    """
    seqs = {item.seq for item in chosen}
    extra = [
        item
        for item in reads.timeline(production, None, limit=MAX_BUNDLE_ENTRIES)
        if isinstance(item.event, CorrectionRecorded)
        and item.event.corrects in seqs
        and item.seq not in seqs
        and item.seq < size
    ]
    return sorted([*chosen, *extra], key=lambda i: i.seq)


def closing_head(reads: ReadModel, before: datetime | None) -> SignedTreeHead | None:
    """The newest head signed before ``before`` (the newest of all when None)."""
    if before is None:
        return reads.ledger_head()
    return reads.ledger_head_before(int(before.timestamp() * 1000))
