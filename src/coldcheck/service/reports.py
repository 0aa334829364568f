"""The data of the paper reports, built from a production's events (pure: no IO, no clock).

Three reports, each a frozen value the PDF and CSV adapters render:

* :func:`daily_report` — the armory log of one shoot day (local day in the
  production's time zone): every weapon's custody that day, loads, blanks
  fired, spent cases, the wrap reconciliation, incidents, and the day's
  closing signed tree head;
* :func:`custody_report` — the chain of custody of one weapon or lot over a
  period;
* :func:`incident_report` — one incident with the timeline around it.

States "as of" a moment are folded from the events (``state.apply``), so a
report of an earlier day shows that day as it was, not as it is now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.ids import IncidentId, ProductionId
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import ARMORER_ROLES, PRODUCTION_REPRESENTATIVE_ROLES
from coldcheck.domain.state import EMPTY, ProductionState, apply, empty_state, label
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.service.envelope import refs
from coldcheck.service.queries import TimelineItem

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


def _zone(state: ProductionState) -> ZoneInfo:
    return ZoneInfo(state.info.time_zone if state.info else "UTC")


def _heading(state: ProductionState, now: datetime) -> Heading:
    info = state.info
    if info is None:
        raise ReportError(f"no production {state.production}")
    tz = _zone(state)
    return Heading(
        state.production,
        info.title,
        info.company,
        info.location,
        info.time_zone,
        now.astimezone(tz),
    )


def _names(state: ProductionState, people: Iterable[str | None]) -> str:
    return ", ".join(state.name_of(p) for p in people if p)  # type: ignore[arg-type]


def _positions(positions: Sequence[str]) -> str:
    return ", ".join(positions) if positions else "no position"


def describe(e: Event, s: ProductionState) -> str:
    """One plain sentence for an event, given the state just before it."""
    match e:
        case ev.ProductionCreated():
            return f"production {e.title} created"
        case ev.PersonAdded():
            return f"{e.name} added to the production"
        case ev.RoleAssigned():
            return f"{s.name_of(e.person)} given the role {e.role.value.replace('_', ' ')}"
        case ev.RoleEnded():
            return f"{s.name_of(e.person)} no longer {e.role.value.replace('_', ' ')}"
        case ev.TrainingRecorded():
            return f"{s.name_of(e.person)} trained on {e.action.value.replace('_', ' ')}"
        case ev.PermitRecorded():
            return f"{e.kind.value} permit {e.number} of {s.name_of(e.person)}, expires {e.expires}"
        case ev.WeaponRegistered():
            return f"{e.weapon} registered: {e.name}, serial {e.serial}, {e.calibre}"
        case ev.WeaponRetired():
            return f"{e.weapon} retired (back to its owner)"
        case ev.ContainerCreated():
            return f"container {e.container} created: {e.label}"
        case ev.ContainerMoved():
            return f"container {e.container} moved to {e.to.value}"
        case ev.LotReceived():
            load = f" ({e.blank_load.value} load)" if e.blank_load else ""
            return (
                f"lot {e.lot} received: {e.count} {e.calibre} {e.round_class.value}s{load} "
                f"from {e.supplier} into {e.container}"
            )
        case ev.DummiesVerified():
            failed = f", {len(e.failed)} failed" if e.failed else ", all passed"
            return f"lot {e.lot}: {e.checked} dummies verified ({e.method}){failed}"
        case ev.RoundsMoved():
            return f"{e.count} rounds of {e.lot} moved {e.from_container} -> {e.to_container}"
        case ev.LotReturned():
            return f"{e.count} rounds of {e.lot} returned to the supplier from {e.container}"
        case ev.RoundsDestroyed():
            return f"{e.count} rounds of {e.lot} destroyed from {e.container}"
        case ev.LotQuarantined():
            return f"lot {e.lot} quarantined: {e.reason}"
        case ev.LotReleased():
            return f"lot {e.lot} released from quarantine: {e.note}"
        case ev.ScenePlanned():
            fires = "blanks fired" if e.fires_blanks else "no firing"
            used = ", ".join(e.weapons) or "no weapons"
            return f"scene {e.scene} planned ({e.title}): {used}, {fires}"
        case ev.SafetyMeetingHeld():
            return (
                f"safety meeting for scene(s) {', '.join(e.scenes)}, {len(e.attendees)} attendees"
            )
        case ev.ArmoryUnlocked():
            return "armory unlocked"
        case ev.ArmoryLocked():
            return f"everything locked up ({e.kind})"
        case ev.WeaponTakenOut():
            return f"{e.weapon} taken out of storage"
        case ev.WeaponReturnedToStorage():
            return f"{e.weapon} returned to storage"
        case ev.InspectionRecorded():
            found = sorted({f.found.value for f in e.findings}) or ["no positions"]
            return f"{e.weapon} inspected: {', '.join(found)}; bore {e.bore.value}"
        case ev.BoreChecked():
            return f"{e.weapon} bore checked: {e.bore.value}"
        case ev.WeaponLoaded():
            lots = sorted({pl.lot for pl in e.loads})
            kinds = sorted(
                {s.lots[pl.lot].lot.round_class.value for pl in e.loads if pl.lot in s.lots}
            )
            scene = f" for scene {e.scene}" if e.scene else ""
            return (
                f"{e.weapon} loaded with {len(e.loads)} {'/'.join(kinds)}(s) from "
                f"{', '.join(lots)}{scene} ({_positions([pl.position for pl in e.loads])})"
            )
        case ev.WeaponUnloaded():
            where = f" into {e.container}" if e.container else ""
            return (
                f"{e.weapon} unloaded ({_positions(e.positions)}), "
                f"rounds to {e.disposition.value}{where}"
            )
        case ev.WeaponHandedOver():
            return f"{e.weapon} handed to {s.name_of(e.to)}"
        case ev.WeaponTakenBack():
            return f"{e.weapon} taken back from {s.name_of(e.from_person)}"
        case ev.BlanksFired():
            return f"{e.weapon} fired {len(e.positions)} blank(s) ({_positions(e.positions)})"
        case ev.MisfireRecorded():
            return f"{e.weapon} misfire in {e.position}"
        case ev.UnplannedDischargeRecorded():
            where = f" from {e.position}" if e.position else ""
            return f"UNPLANNED DISCHARGE of {e.weapon}{where}: {e.description}"
        case ev.WeaponQuarantined():
            return f"{e.weapon} quarantined: {e.reason}"
        case ev.WeaponQuarantineCleared():
            return f"{e.weapon} quarantine cleared: {e.note}"
        case ev.IncidentOpened():
            return f"incident {e.incident} opened ({e.kind}, {e.severity.value}): {e.description}"
        case ev.IncidentClosed():
            return f"incident {e.incident} closed: {e.resolution}"
        case ev.SafetyReportFiled():
            return "safety report filed" + (" anonymously" if e.anonymous else "")
        case ev.SafetyReportClosed():
            return f"safety report {e.report} answered"
        case ev.StopWorkStarted():
            return f"STOP WORK: {e.reason}"
        case ev.StopWorkLifted():
            return f"stop-work lifted after meeting {e.meeting}"
        case ev.DayReconciled():
            problems = f"; {len(e.discrepancies)} discrepancies" if e.discrepancies else ""
            return f"day {e.day} reconciled: {len(e.lot_counts)} lots counted{problems}"
        case ev.DayClosed():
            how = "with a discrepancy" if e.with_discrepancy else "clean"
            return f"day {e.day} closed {how}"
        case ev.DiscrepancyResolved():
            return f"discrepancy of {e.day} resolved: {e.resolution}"
        case ev.CorrectionRecorded():
            return f"correction of entry {e.corrects}: {e.reason}"
    return e.type_name


def _row(item: TimelineItem, s: ProductionState, tz: ZoneInfo, about: str = "") -> TimelineRow:
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
        confirmed_by=_names(s, e.witnesses),
        about=tuple(tags),
        highlight=bool(about) and about in refs(e),
    )


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of a local day, as aware datetimes."""
    start = datetime.combine(day, time.min, tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tz)


# -- the daily armory log -------------------------------------------------------------------


@dataclass(frozen=True)
class WeaponDay:
    """One weapon on one day: what happened to it, and where it ended up."""

    tag: str
    name: str
    serial: str
    movements: tuple[TimelineRow, ...]
    end_location: str
    end_holder: str
    end_label: str


@dataclass(frozen=True)
class FiringRow:
    """Rounds that left a weapon by firing (or failed to)."""

    at: datetime
    weapon: str
    lot: str
    count: int
    kind: str
    by: str


@dataclass(frozen=True)
class LotDay:
    """A lot's counts at the end of the day (R05) and what the wrap counted (R23)."""

    tag: str
    description: str
    received: int
    loaded_today: int
    fired_today: int
    spent_cases_counted: int | None
    in_store: int
    in_weapons: int
    fired: int
    returned: int
    destroyed: int
    conserved: bool


@dataclass(frozen=True)
class IncidentLine:
    """An incident opened that day, or still open at its end."""

    id: str
    at: datetime
    kind: str
    severity: str
    description: str
    weapon: str
    status: str


@dataclass(frozen=True)
class Wrap:
    """The day's reconciliation and close (R23)."""

    state: str
    reconciled_at: datetime | None
    reconciled_by: str
    serials_seen: tuple[str, ...]
    discrepancies: tuple[str, ...]
    closed_at: datetime | None
    closed_by: str
    confirmed_by: str


@dataclass(frozen=True)
class DailyReport:
    """The daily armory log, signed at wrap by the armorer and the production's representative."""

    heading: Heading
    day: date
    start: datetime
    end: datetime
    over: bool
    weapons: tuple[WeaponDay, ...]
    loads: tuple[TimelineRow, ...]
    firing: tuple[FiringRow, ...]
    lots: tuple[LotDay, ...]
    wrap: Wrap
    incidents: tuple[IncidentLine, ...]
    stop_work: tuple[TimelineRow, ...]
    events: tuple[TimelineRow, ...]
    armorers: tuple[str, ...]
    representatives: tuple[str, ...]
    head: HeadPrint | None

    @property
    def blanks_fired(self) -> int:
        """Blanks fired that day (unplanned discharges included)."""
        return sum(f.count for f in self.firing if f.kind != "misfire")


_CUSTODY_EVENTS = (
    ev.WeaponTakenOut,
    ev.WeaponReturnedToStorage,
    ev.WeaponHandedOver,
    ev.WeaponTakenBack,
    ev.InspectionRecorded,
    ev.BoreChecked,
    ev.WeaponLoaded,
    ev.WeaponUnloaded,
    ev.BlanksFired,
    ev.MisfireRecorded,
    ev.UnplannedDischargeRecorded,
    ev.WeaponQuarantined,
    ev.WeaponQuarantineCleared,
    ev.WeaponRegistered,
    ev.WeaponRetired,
)


def _where(s: ProductionState, tag: str) -> tuple[str, str, str]:
    ws = s.weapons[tag]  # type: ignore[index]
    holder = s.name_of(ws.holder) if ws.holder else ""
    return ws.location.value, holder, label(ws).value


def daily_report(
    state_now: ProductionState,
    items: Sequence[TimelineItem],
    day: date,
    now: datetime,
    head: SignedTreeHead | None,
) -> DailyReport:
    """The armory log of ``day``; ``head`` is the newest signed head at the end of that day."""
    heading = _heading(state_now, now)
    tz = _zone(state_now)
    start, end = day_bounds(day, tz)
    s = empty_state(state_now.production)
    moves: dict[str, list[TimelineRow]] = {}
    loads: list[TimelineRow] = []
    firing: list[FiringRow] = []
    loaded: dict[str, int] = {}
    fired: dict[str, int] = {}
    spent_counted: dict[str, int] = {}
    stop: list[TimelineRow] = []
    today: list[TimelineRow] = []
    opened: set[IncidentId] = set()
    wrap = Wrap("open", None, "", (), (), None, "", "")
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        if e.at >= end:
            break
        if e.at < start:
            s = apply(s, e)
            continue
        row = _row(item, s, tz)
        today.append(row)
        if isinstance(e, _CUSTODY_EVENTS):
            moves.setdefault(e.weapon, []).append(row)
        match e:
            case ev.WeaponLoaded():
                loads.append(row)
                for pl in e.loads:
                    loaded[pl.lot] = loaded.get(pl.lot, 0) + 1
            case ev.BlanksFired():
                ws = s.weapons[e.weapon]
                per_lot: dict[str, int] = {}
                for p in e.positions:
                    from_lot = str(ws.contents.get(p, EMPTY).lot or "?")
                    per_lot[from_lot] = per_lot.get(from_lot, 0) + 1
                for from_lot, n in sorted(per_lot.items()):
                    fired[from_lot] = fired.get(from_lot, 0) + n
                    firing.append(FiringRow(row.at, e.weapon, from_lot, n, "fired", row.by))
            case ev.MisfireRecorded():
                from_lot = str(s.weapons[e.weapon].contents.get(e.position, EMPTY).lot or "?")
                firing.append(FiringRow(row.at, e.weapon, from_lot, 1, "misfire", row.by))
            case ev.UnplannedDischargeRecorded():
                held = s.weapons[e.weapon].contents.get(e.position or "", EMPTY)
                live = held.state not in (RoundState.EMPTY, RoundState.SPENT)
                from_lot = str(held.lot or "?")
                if live:
                    fired[from_lot] = fired.get(from_lot, 0) + 1
                firing.append(
                    FiringRow(
                        row.at, e.weapon, from_lot, 1 if live else 0, "unplanned discharge", row.by
                    )
                )
            case ev.StopWorkStarted() | ev.StopWorkLifted():
                stop.append(row)
            case ev.IncidentOpened():
                opened.add(e.incident)
            case ev.DayReconciled() if e.day == day:
                for lc in e.lot_counts:
                    spent_counted[lc.lot] = spent_counted.get(lc.lot, 0) + lc.spent_cases
                wrap = Wrap(
                    "reconciled",
                    row.at,
                    row.by,
                    e.serials_seen,
                    e.discrepancies,
                    None,
                    "",
                    "",
                )
            case ev.DayClosed() if e.day == day:
                wrap = Wrap(
                    "closed with a discrepancy" if e.with_discrepancy else "closed clean",
                    wrap.reconciled_at,
                    wrap.reconciled_by,
                    wrap.serials_seen,
                    wrap.discrepancies,
                    row.at,
                    row.by,
                    row.confirmed_by,
                )
            case _:
                pass
        s = apply(s, e)
    if s.info is None:
        raise ReportError(f"production {state_now.production} did not exist on {day}")
    weapons = []
    for tag in sorted(s.weapons):
        ws = s.weapons[tag]
        if ws.retired and tag not in moves:
            continue
        location, holder, lab = _where(s, tag)
        weapons.append(
            WeaponDay(
                tag,
                ws.weapon.name,
                ws.weapon.serial,
                tuple(moves.get(tag, ())),
                location,
                holder,
                lab,
            )
        )
    lots = []
    for lot_tag in sorted(s.lots):
        ls = s.lots[lot_tag]
        ammo = ls.lot
        strength = f", {ammo.blank_load.value} load" if ammo.blank_load else ""
        lots.append(
            LotDay(
                lot_tag,
                f"{ammo.calibre} {ammo.round_class.value}s{strength}",
                ammo.count,
                loaded.get(lot_tag, 0),
                fired.get(lot_tag, 0),
                spent_counted.get(lot_tag) if wrap.reconciled_at else None,
                ls.in_store,
                ls.in_weapons,
                ls.fired,
                ls.returned,
                ls.destroyed,
                ls.accounted == ammo.count,
            )
        )
    incidents = []
    for inc in sorted(s.incidents.values(), key=lambda i: i.id):
        if inc.id not in opened and inc.closed_at is not None:
            continue
        status = (
            f"closed {inc.closed_at.astimezone(tz):%H:%M}: {inc.resolution}"
            if inc.closed_at
            else "open"
        )
        incidents.append(
            IncidentLine(
                inc.id,
                inc.at.astimezone(tz),
                inc.kind,
                inc.severity.value,
                inc.description,
                inc.weapon or "",
                status,
            )
        )
    armorers = tuple(s.name_of(p) for p in sorted(s.roles) if s.roles[p] & ARMORER_ROLES)
    reps = tuple(
        s.name_of(p) for p in sorted(s.roles) if s.roles[p] & PRODUCTION_REPRESENTATIVE_ROLES
    )
    over = now >= end
    return DailyReport(
        heading=heading,
        day=day,
        start=start,
        end=end,
        over=over,
        weapons=tuple(weapons),
        loads=tuple(loads),
        firing=tuple(firing),
        lots=tuple(lots),
        wrap=wrap,
        incidents=tuple(incidents),
        stop_work=tuple(stop),
        events=tuple(today),
        armorers=armorers,
        representatives=reps,
        head=head_print(head, tz, over) if head is not None else None,
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
    heading = _heading(state_now, now)
    tz = _zone(state_now)
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
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        if end is not None and e.at >= end:
            break
        in_period = start is None or e.at >= start
        if in_period and not before:
            before = _status(s, ref)
        was = s.weapons.get(ref) or s.lots.get(ref)  # type: ignore[call-overload]
        row = _row(item, s, tz) if in_period else None
        s = apply(s, e)
        now_is = s.weapons.get(ref) or s.lots.get(ref)  # type: ignore[call-overload]
        if row is not None and (ref in refs(e) or now_is is not was):
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
    heading = _heading(state_now, now)
    tz = _zone(state_now)
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
            row = _row(item, s, tz)
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
            follow.append(_row(item, s, tz))
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


# -- CSV tables ------------------------------------------------------------------------------

DAILY_COLUMNS = TIMELINE_COLUMNS
LOT_DAY_COLUMNS = (
    "lot",
    "description",
    "received",
    "loaded_today",
    "fired_today",
    "spent_cases_counted",
    "in_store",
    "in_weapons",
    "fired",
    "returned",
    "destroyed",
    "conserved",
)


def daily_rows(report: DailyReport) -> list[list[str]]:
    """The day's events as CSV rows (TIMELINE_COLUMNS)."""
    return [r.cells() for r in report.events]


def lot_day_rows(report: DailyReport) -> list[list[str]]:
    """The reconciliation table as CSV rows (LOT_DAY_COLUMNS)."""
    return [
        [
            lot.tag,
            lot.description,
            str(lot.received),
            str(lot.loaded_today),
            str(lot.fired_today),
            "" if lot.spent_cases_counted is None else str(lot.spent_cases_counted),
            str(lot.in_store),
            str(lot.in_weapons),
            str(lot.fired),
            str(lot.returned),
            str(lot.destroyed),
            "yes" if lot.conserved else "NO",
        ]
        for lot in report.lots
    ]


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

    The QR code holds ``<base_url>/p/<production>/<kind>/<tag>`` when a base URL
    is given, else ``coldcheck:<production>/<tag>``.
    """
    title = state.info.title if state.info else str(state.production)
    wanted = {t.upper() for t in tags}

    def qr(kind: str, tag: str) -> str:
        if base_url:
            return f"{base_url.rstrip('/')}/p/{state.production}/{kind}/{tag}"
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
