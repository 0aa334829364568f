"""The data of the paper reports, built from a production's events (pure: no IO, no clock).

Three reports, each a frozen value the PDF and CSV adapters render:

* the daily armory log of one shoot day (:mod:`coldcheck.service.daily`,
  built on the shared pieces here);
* :func:`custody_report` — the chain of custody of one weapon or lot over a
  period;
* :func:`incident_report` — one incident with the timeline around it.

States "as of" a moment are folded from the events (``state.apply``), so a
report of an earlier day shows that day as it was, not as it is now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.ids import IncidentId, ProductionId
from coldcheck.domain.state import ProductionState, apply, empty_state
from coldcheck.domain.status import label
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.service.envelope import refs
from coldcheck.service.queries import TimelineItem
from coldcheck.service.words import corrected, describe

TIMELINE_COLUMNS = ("seq", "time", "event", "what", "by", "confirmed_by", "about")


class ReportError(Exception):
    """The report cannot be made (no such production, weapon, lot or incident)."""


# -- the signed head as printed --------------------------------------------------------


@dataclass(frozen=True)
class HeadPrint:
    """A signed tree head as the paper shows it: hex for the eye, JSON for the QR code."""

    tree_size: int
    root_hex: str
    log_id_hex: str
    signature_hex: str
    signed_at: datetime
    qr_text: str
    final: bool
    """False when the period was not over when the report was made (a later head will close it)."""


def head_print(head: SignedTreeHead, tz: ZoneInfo, final: bool) -> HeadPrint:
    """Hex fields, the local signing time, and the head's JSON (CT style, base64) for a QR code."""
    qr = canonical_json(head.to_json()).decode("utf-8")
    return HeadPrint(
        tree_size=head.tree_size,
        root_hex=head.root_hash.hex(),
        log_id_hex=head.log_id.hex(),
        signature_hex=head.signature.hex(),
        signed_at=datetime.fromtimestamp(head.timestamp / 1000, tz=tz),
        qr_text=qr,
        final=final,
    )


# -- shared pieces ------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """Who and where: the production as the top of every report shows it."""

    production: ProductionId
    title: str
    company: str
    location: str
    time_zone: str
    generated_at: datetime


@dataclass(frozen=True)
class TimelineRow:
    """One event in words, with its log position."""

    seq: int
    at: datetime
    event: str
    what: str
    by: str
    confirmed_by: str
    about: tuple[str, ...]
    highlight: bool = False

    def cells(self) -> list[str]:
        """The CSV cells (TIMELINE_COLUMNS)."""
        return [
            str(self.seq),
            self.at.isoformat(timespec="seconds"),
            self.event,
            self.what,
            self.by,
            self.confirmed_by,
            " ".join(self.about),
        ]


def report_zone(state: ProductionState) -> ZoneInfo:
    return ZoneInfo(state.info.time_zone if state.info else "UTC")


def report_heading(state: ProductionState, now: datetime) -> Heading:
    info = state.info
    if info is None:
        raise ReportError(f"no production {state.production}")
    tz = report_zone(state)
    return Heading(
        state.production,
        info.title,
        info.company,
        info.location,
        info.time_zone,
        now.astimezone(tz),
    )


def names_of(state: ProductionState, people: Iterable[str | None]) -> str:
    return ", ".join(state.name_of(p) for p in people if p)  # type: ignore[arg-type]


def confirmers_of(state: ProductionState, e: Event) -> str:
    """Who confirmed the event and how: "Rosa Lind (passkey), Dana Ortiz (PIN)" — a passkey
    signature is the confirmer's own; a PIN is attested by the server only (issue 17)."""
    signed = {sig.person for sig in e.signatures}
    return ", ".join(
        f"{state.name_of(p)} ({'passkey' if p in signed else 'PIN'})" for p in e.witnesses
    )


def timeline_row(
    item: TimelineItem, s: ProductionState, tz: ZoneInfo, about: str = ""
) -> TimelineRow:
    e = item.event
    tags = sorted(
        r for r in refs(e) if len(r) >= 6 and r[1] == "-" and r[0] in "WLCI" and r[2:].isdigit()
    )
    return TimelineRow(
        seq=item.seq,
        at=e.at.astimezone(tz),
        event=e.type_name,
        what=describe(e, s),
        by=s.name_of(e.by) if e.by else "anonymous",
        confirmed_by=confirmers_of(s, e),
        about=tuple(tags),
        highlight=bool(about) and about in refs(e),
    )


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a local day, as aware datetimes."""
    start = datetime.combine(day, time.min, tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tz)


# -- chain of custody ----------------------------------------------------------------------


@dataclass(frozen=True)
class CustodyReport:
    """Every event about one weapon or lot over a period, with where it stood after each."""

    heading: Heading
    ref: str
    kind: str
    description: str
    start: datetime | None
    end: datetime | None
    status_before: str
    status_after: str
    rows: tuple[TimelineRow, ...]
    after: tuple[str, ...]
    head: HeadPrint | None


def _status(s: ProductionState, ref: str) -> str:
    if ref in s.weapons:
        ws = s.weapons[ref]  # type: ignore[index]
        holder = f" held by {s.name_of(ws.holder)}" if ws.holder else ""
        retired = ", retired" if ws.retired else ""
        return f"{ws.location.value}{holder}, {label(ws).value}{retired}"
    if ref in s.lots:
        ls = s.lots[ref]  # type: ignore[index]
        quarantine = ", QUARANTINED" if ls.quarantined else ""
        return (
            f"received {ls.lot.count}: in store {ls.in_store}, in weapons {ls.in_weapons}, "
            f"fired {ls.fired}, returned {ls.returned}, destroyed {ls.destroyed}{quarantine}"
        )
    return "not registered yet"


def custody_report(
    state_now: ProductionState,
    items: Sequence[TimelineItem],
    ref: str,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    head: SignedTreeHead | None,
) -> CustodyReport:
    """The chain of custody of weapon or lot ``ref`` between ``start`` and ``end`` (None: open)."""
    heading = report_heading(state_now, now)
    tz = report_zone(state_now)
    if ref in state_now.weapons:
        w = state_now.weapons[ref].weapon  # type: ignore[index]
        kind, description = "weapon", f"{w.name}, serial {w.serial}, {w.calibre}, owner {w.owner}"
    elif ref in state_now.lots:
        lot = state_now.lots[ref].lot  # type: ignore[index]
        load = f", {lot.blank_load.value} load" if lot.blank_load else ""
        kind = "lot"
        description = (
            f"{lot.count} {lot.calibre} {lot.round_class.value}s{load} from {lot.supplier}"
        )
    else:
        raise ReportError(f"no weapon or lot {ref} on {state_now.production}")
    s = empty_state(state_now.production)
    before = ""
    rows: list[TimelineRow] = []
    after: list[str] = []
    by_seq = {item.seq: item.event for item in items}
    about: set[int] = set()  # log positions of the entries about ref
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        if end is not None and e.at >= end:
            break
        in_period = start is None or e.at >= start
        if in_period and not before:
            before = _status(s, ref)
        was = s.weapons.get(ref) or s.lots.get(ref)  # type: ignore[call-overload]
        row = timeline_row(item, s, tz) if in_period else None
        correction = isinstance(e, ev.CorrectionRecorded) and e.corrects in about
        if row is not None and isinstance(e, ev.CorrectionRecorded):
            row = replace(row, what=corrected(e, by_seq.get(e.corrects), s))
        s = apply(s, e)
        now_is = s.weapons.get(ref) or s.lots.get(ref)  # type: ignore[call-overload]
        if ref in refs(e) or now_is is not was:
            about.add(item.seq)
        if row is not None and (ref in refs(e) or now_is is not was or correction):
            rows.append(row)
            after.append(_status(s, ref))
    if not before:
        before = _status(s, ref)
    return CustodyReport(
        heading=heading,
        ref=ref,
        kind=kind,
        description=description,
        start=start.astimezone(tz) if start else None,
        end=end.astimezone(tz) if end else None,
        status_before=before,
        status_after=_status(s, ref),
        rows=tuple(rows),
        after=tuple(after),
        head=head_print(head, tz, end is None or now >= end) if head is not None else None,
    )


# -- incident --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentReport:
    """An incident, what followed from it, and every event of the production around it."""

    heading: Heading
    id: str
    at: datetime
    kind: str
    severity: str
    description: str
    weapon: str
    lots: tuple[str, ...]
    opened_by: str
    closed_at: datetime | None
    resolution: str
    window: timedelta
    rows: tuple[TimelineRow, ...]
    follow_up: tuple[TimelineRow, ...] = field(default=())
    head: HeadPrint | None = None


def incident_report(
    state_now: ProductionState,
    items: Sequence[TimelineItem],
    incident: str,
    window: timedelta,
    now: datetime,
    head: SignedTreeHead | None,
) -> IncidentReport:
    """Incident ``incident`` with every event within ``window`` before and after it."""
    heading = report_heading(state_now, now)
    tz = report_zone(state_now)
    inc = state_now.incidents.get(IncidentId(incident))
    if inc is None:
        known = ", ".join(sorted(state_now.incidents)) or "none"
        raise ReportError(f"no incident {incident} on {state_now.production} (incidents: {known})")
    related = {inc.id, *inc.lots, *([inc.weapon] if inc.weapon else [])}
    lo, hi = inc.at - window, inc.at + window
    s = empty_state(state_now.production)
    rows: list[TimelineRow] = []
    follow: list[TimelineRow] = []
    opened_by = ""
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        tags = refs(e)
        if lo <= e.at <= hi:
            row = timeline_row(item, s, tz)
            row = TimelineRow(
                row.seq,
                row.at,
                row.event,
                row.what,
                row.by,
                row.confirmed_by,
                row.about,
                highlight=bool(tags & related),
            )
            rows.append(row)
        elif e.at > hi and (inc.id in tags or isinstance(e, ev.StopWorkLifted)):
            follow.append(timeline_row(item, s, tz))
        if isinstance(e, ev.IncidentOpened) and e.incident == inc.id:
            opened_by = s.name_of(e.by) if e.by else "coldcheck"
        s = apply(s, e)
    return IncidentReport(
        heading=heading,
        id=inc.id,
        at=inc.at.astimezone(tz),
        kind=inc.kind,
        severity=inc.severity.value,
        description=inc.description,
        weapon=inc.weapon or "",
        lots=inc.lots,
        opened_by=opened_by,
        closed_at=inc.closed_at.astimezone(tz) if inc.closed_at else None,
        resolution=inc.resolution,
        window=window,
        rows=tuple(rows),
        follow_up=tuple(follow),
        head=head_print(head, tz, True) if head is not None else None,
    )


# -- labels ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelItem:
    """One label: the tag in big letters, a few lines, and the QR code's text."""

    tag: str
    lines: tuple[str, ...]
    qr_text: str


def label_items(
    state: ProductionState,
    kinds: Sequence[str],
    tags: Sequence[str] = (),
    base_url: str = "",
) -> list[LabelItem]:
    """Labels for the production's weapons, lots and containers (only ``tags`` if given).

    The QR code holds the address of the tag's page, ``<base_url>/p/<production>/w/<tag>``
    (lots ``…/ammo/<tag>``, containers ``…/c/<tag>``), when a base URL is given, else
    ``coldcheck:<production>/<tag>``. Either is read by the scanning screens.
    """
    title = state.info.title if state.info else str(state.production)
    wanted = {t.upper() for t in tags}

    def qr(kind: str, tag: str) -> str:
        if base_url:
            page = {"weapons": "w", "lots": "ammo", "containers": "c"}[kind]
            return f"{base_url.rstrip('/')}/p/{state.production}/{page}/{tag}"
        return f"coldcheck:{state.production}/{tag}"

    items: list[LabelItem] = []
    if "weapons" in kinds:
        for wtag in sorted(state.weapons):
            ws = state.weapons[wtag]
            if (wanted and wtag not in wanted) or (ws.retired and not wanted):
                continue
            w = ws.weapon
            items.append(
                LabelItem(
                    w.id,
                    (w.name, f"serial {w.serial} · {w.calibre}", f"owner {w.owner}", title),
                    qr("weapons", w.id),
                )
            )
    if "lots" in kinds:
        for ltag in sorted(state.lots):
            if wanted and ltag not in wanted:
                continue
            lot = state.lots[ltag].lot
            load = f", {lot.blank_load.value} load" if lot.blank_load else ""
            items.append(
                LabelItem(
                    lot.id,
                    (
                        f"{lot.calibre} {lot.round_class.value.upper()}S{load}",
                        f"{lot.count} rounds from {lot.supplier}",
                        title,
                    ),
                    qr("lots", lot.id),
                )
            )
    if "containers" in kinds:
        for ctag in sorted(state.containers):
            if wanted and ctag not in wanted:
                continue
            box = state.containers[ctag].container
            classes = sorted(
                {state.lots[lot].lot.round_class.value for lot in state.containers[ctag].contents}
            )
            items.append(
                LabelItem(
                    box.id,
                    (box.label, " / ".join(classes).upper() or "empty", title),
                    qr("containers", box.id),
                )
            )
    return items
