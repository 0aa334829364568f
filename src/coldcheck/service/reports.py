"""The data of the paper reports, built from a production's events (pure: no IO, no clock).

Three reports, each a frozen value the PDF and CSV adapters render:

* the daily armory log of one shoot day (:mod:`coldcheck.service.daily`,
  built on the shared pieces here);
* :func:`custody_report` — the chain of custody of one weapon or lot over a
  period;
* :func:`incident_report` — one incident with the timeline around it.

States "as of" a moment are folded from the events (``state.apply``), so a
report of an earlier day shows that day as it was, not as it is now. Every
report ends with its closing checkpoint (:class:`HeadPrint`); the custody and
incident reports also list the security log's PIN failures around their events.

Why one file of ~530 lines: the pieces the three reports share (heading,
timeline rows, the printed checkpoint, the PIN failures) and two of the
reports themselves, each a short function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.ids import IncidentId, ProductionId
from coldcheck.domain.state import ProductionState, apply, empty_state
from coldcheck.domain.status import label
from coldcheck.ledger.chain import from_ms
from coldcheck.ledger.heads import SignedTreeHead, b64encode
from coldcheck.ledger.paper import fingerprint
from coldcheck.service.corrections import (
    Fix,
    View,
    as_viewed,
    fixes_in,
    marks,
    record_as_viewed,
    registration_fixes,
)
from coldcheck.service.envelope import refs
from coldcheck.service.queries import SecurityEvent, TimelineItem
from coldcheck.service.words import corrected, describe

TIMELINE_COLUMNS = ("seq", "time", "event", "what", "by", "confirmed_by", "about", "correction")


class ReportError(Exception):
    """The report cannot be made (no such production, weapon, lot or incident)."""


# -- the signed head as printed --------------------------------------------------------


@dataclass(frozen=True)
class ClosingCheckpoint:
    """A signed head with its checkpoint note (log signature and cosignatures) and log vkey."""

    head: SignedTreeHead
    note: str
    """The checkpoint as ``GET /api/v1/ledger/checkpoint`` serves it (with cosignatures)."""
    vkey: str


@dataclass(frozen=True)
class HeadPrint:
    """A closing checkpoint as the paper shows it: one encoding (base64) for every hash.

    ``checkpoint`` is the signed note, to print as text and to hold in the QR code
    (``coldcheck verify --head`` takes it); ``fingerprint`` is what people read aloud.
    """

    tree_size: int
    root_b64: str
    log_id_b64: str
    fingerprint: str
    checkpoint: str
    vkey: str
    witnesses: tuple[str, ...]
    """Names of the witnesses whose cosignature the checkpoint carries."""
    signed_at: datetime
    final: bool
    """False when the period was not over when the report was made (a later head will close it)."""

    @property
    def qr_text(self) -> str:
        """What the QR code holds: the checkpoint note."""
        return self.checkpoint


def head_print(closing: ClosingCheckpoint, tz: ZoneInfo, final: bool) -> HeadPrint:
    """The checkpoint text, its fingerprint, base64 root and log id, the local signing time."""
    head = closing.head
    text, _, sigs = closing.note.partition("\n\n")
    origin = text.split("\n", 1)[0]
    witnesses = tuple(
        line[2:].split(" ", 1)[0]
        for line in sigs.splitlines()
        if line.startswith("\u2014 ") and line[2:].split(" ", 1)[0] != origin
    )
    return HeadPrint(
        tree_size=head.tree_size,
        root_b64=b64encode(head.root_hash),
        log_id_b64=b64encode(head.log_id),
        fingerprint=fingerprint(text + "\n"),
        checkpoint=closing.note,
        vkey=closing.vkey,
        witnesses=witnesses,
        signed_at=from_ms(head.timestamp).astimezone(tz),
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
    correction: str = ""
    """The marks of the corrections of this entry (R27), "" when it was never corrected."""

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
            self.correction,
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
    item: TimelineItem,
    s: ProductionState,
    tz: ZoneInfo,
    about: str = "",
    *,
    fixes: Sequence[Fix] = (),
    view: View = View.BOTH,
    names: ProductionState | None = None,
) -> TimelineRow:
    """One entry in words, its values as ``view`` shows them, marked with ``fixes`` (its
    corrections, R27; ``names`` is the state the correctors' names are read from)."""
    e = item.event
    tags = sorted(
        r for r in refs(e) if len(r) >= 6 and r[1] == "-" and r[0] in "WLCI" and r[2:].isdigit()
    )
    return TimelineRow(
        seq=item.seq,
        at=e.at.astimezone(tz),
        event=e.type_name,
        what=viewed_words(e, s, fixes, view),
        by=s.name_of(e.by) if e.by else "anonymous",
        confirmed_by=confirmers_of(s, e),
        about=tuple(tags),
        highlight=bool(about) and about in refs(e),
        correction=marks(fixes, names or s, tz) if fixes else "",
    )


def viewed_words(e: Event, s: ProductionState, fixes: Sequence[Fix], view: View) -> str:
    """The entry's sentence as recorded (``original``), as corrected, or ``both``: the
    corrected sentence followed by the recorded one when they differ."""
    recorded = describe(e, s)
    if not fixes or view is View.ORIGINAL:
        return recorded
    now = describe(as_viewed(e, fixes, View.CORRECTED), s)
    if view is View.CORRECTED or now == recorded:
        return now
    return f"{now} (as recorded: {recorded})"


def correction_words(
    seq: int,
    e: ev.CorrectionRecorded,
    by_seq: Mapping[int, Event],
    fixes: Mapping[int, Sequence[Fix]],
    s: ProductionState,
    view: View,
) -> str:
    """The row of the correction at ``seq``: the entry it corrects as recorded, and what the
    correction says as ``view`` shows it (its reason may itself have been corrected)."""
    shown = as_viewed(e, fixes.get(seq, ()), view)
    assert isinstance(shown, ev.CorrectionRecorded)
    return corrected(shown, by_seq.get(e.corrects), s)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a local day, as aware datetimes."""
    start = datetime.combine(day, time.min, tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tz)


# -- the security log around the events -------------------------------------------------

PIN_KINDS = ("pin_failed", "pin_locked", "pin_refused_locked")
"""The security-log events a custody or incident report lists: wrong and refused PINs, locks."""

_PIN_WORDS = {
    "pin_failed": "wrong PIN",
    "pin_locked": "PIN locked",
    "pin_refused_locked": "PIN refused (locked)",
}


@dataclass(frozen=True)
class SecurityRow:
    """One wrong or refused PIN, or a lock-out, as a report prints it."""

    seq: int | None
    at: datetime
    what: str
    who: str
    detail: str

    def cells(self) -> list[str]:
        """The row's cells: log position, time, what, whose PIN, detail."""
        return [
            "" if self.seq is None else str(self.seq),
            self.at.strftime("%Y-%m-%d %H:%M:%S"),
            self.what,
            self.who,
            self.detail,
        ]


def pin_rows(
    security: Sequence[SecurityEvent],
    state: ProductionState,
    tz: ZoneInfo,
    people: Iterable[str] | None = None,
) -> tuple[SecurityRow, ...]:
    """The PIN failures, refusals and lock-outs of ``people`` (default: the production's)."""
    wanted = set(people) if people is not None else set(state.people)
    return tuple(
        SecurityRow(
            e.seq,
            e.at.astimezone(tz),
            _PIN_WORDS.get(e.kind, e.kind),
            state.name_of(e.person) if e.person else (e.login or "?"),  # type: ignore[arg-type]
            e.detail,
        )
        for e in security
        if e.kind in PIN_KINDS and e.person in wanted
    )


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
    pin_failures: tuple[SecurityRow, ...] = ()
    """Wrong and refused PINs and lock-outs of the people in these events, in the period."""
    view: str = View.BOTH.value
    """Which values corrected entries show (R27): original, corrected or both."""


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
    head: ClosingCheckpoint | None,
    security: Sequence[SecurityEvent] = (),
    view: View = View.BOTH,
) -> CustodyReport:
    """The chain of custody of weapon or lot ``ref`` between ``start`` and ``end`` (None: open).

    ``security``: the security log's events in the period; the PIN failures of the people
    in these events are listed with them. ``view``: corrected entries (R27) as recorded,
    as corrected, or both; marked whichever.
    """
    heading = report_heading(state_now, now)
    tz = report_zone(state_now)
    fixes = fixes_in(items)
    if ref in state_now.weapons:
        registered = registration_fixes(fixes, "WeaponRegistered", ref)
        w = record_as_viewed(state_now.weapons[ref].weapon, registered, view)  # type: ignore[index]
        kind, description = "weapon", f"{w.name}, serial {w.serial}, {w.calibre}, owner {w.owner}"
        if registered:
            description += f" ({marks(registered, state_now, tz)})"
    elif ref in state_now.lots:
        registered = registration_fixes(fixes, "LotReceived", ref)
        lot = record_as_viewed(state_now.lots[ref].lot, registered, view)  # type: ignore[index]
        load = f", {lot.blank_load.value} load" if lot.blank_load else ""
        kind = "lot"
        description = (
            f"{lot.count} {lot.calibre} {lot.round_class.value}s{load} from {lot.supplier}"
        )
        if registered:
            description += f" ({marks(registered, state_now, tz)})"
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
        row = (
            timeline_row(item, s, tz, fixes=fixes.get(item.seq, ()), view=view, names=state_now)
            if in_period
            else None
        )
        correction = isinstance(e, ev.CorrectionRecorded) and e.corrects in about
        if row is not None and isinstance(e, ev.CorrectionRecorded):
            row = replace(row, what=correction_words(item.seq, e, by_seq, fixes, s, view))
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
        pin_failures=pin_rows(security, s, tz, _people_in(items, rows)),
        view=view.value,
    )


def _people_in(items: Sequence[TimelineItem], rows: Sequence[TimelineRow]) -> set[str]:
    seqs = {r.seq for r in rows}
    out: set[str] = set()
    for item in items:
        if item.seq in seqs:
            out.update(p for p in (item.event.by, *item.event.witnesses) if p)
    return out


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
    pin_failures: tuple[SecurityRow, ...] = ()
    """Every wrong or refused PIN and lock-out of the production's people in the window."""
    view: str = View.BOTH.value
    """Which values corrected entries show (R27): original, corrected or both."""


def incident_report(
    state_now: ProductionState,
    items: Sequence[TimelineItem],
    incident: str,
    window: timedelta,
    now: datetime,
    head: ClosingCheckpoint | None,
    security: Sequence[SecurityEvent] = (),
    view: View = View.BOTH,
) -> IncidentReport:
    """Incident ``incident`` with every event within ``window`` before and after it.

    ``security``: the security log's events in the window; the production's people's PIN
    failures and lock-outs are listed.
    """
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
    fixes = fixes_in(items)
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        tags = refs(e)
        fixed = fixes.get(item.seq, ())
        if lo <= e.at <= hi:
            row = timeline_row(item, s, tz, fixes=fixed, view=view, names=state_now)
            rows.append(replace(row, highlight=bool(tags & related)))
        elif e.at > hi and (inc.id in tags or isinstance(e, ev.StopWorkLifted)):
            follow.append(timeline_row(item, s, tz, fixes=fixed, view=view, names=state_now))
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
        pin_failures=pin_rows([e for e in security if lo <= e.at <= hi], state_now, tz),
        view=view.value,
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
