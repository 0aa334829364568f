"""The bound book (issue 18): every firearm's acquisition and disposition, as an FFL keeps them.

Built from the production's state (itself a fold of the log, never a second record).
One row per firearm registered, open or closed (non-firing replicas are not firearms and
are left out), in the columns of the acquisition and disposition record of 27 CFR
478.125(e) (the columns FastBound's "ATF Bound Book" export and Orchid eBound's
acquire/dispose uploads carry, see README), then the columns coldcheck itself needs to
register a weapon again (its action and capacity decide which chambers are inspected).

Import reads the same columns (and the other names the two programs use for them) and is
all or nothing, through the rules, like every import (``service.exchange``):

* a production's own bound book: each row's acquisition is recorded as it is, and a row
  with a disposition is registered and then retired with it (a closed entry stays closed),
  so export → import into a fresh production → export gives the same bound book columns;
* a rental house's book of what it sends (``house`` given): every row is a weapon received
  from that house (its name, licence and address), on the day the house's disposition says
  (else today), with the house's disposition reference; the house's own acquisition
  columns and its disposition to us are its record, not ours, and are not recorded.

What is derived where nothing was recorded (entries from before issue 18): the day
received is the day the weapon was registered and the sender is its owner; a weapon
retired before is "returned" to its owner on the day it was retired (what a retirement
meant then); the type is the one the action implies where it implies one (a revolver, a
semi-automatic pistol or rifle, a belt-fed machine gun), else empty.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from coldcheck.domain import commands as c
from coldcheck.domain.commands import Command
from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import PersonId, WeaponId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import Acquisition, DispositionKind, WeaponKind
from coldcheck.domain.rulebook.boundbook import acquired_on
from coldcheck.domain.rules import RefusedAt, decide_all
from coldcheck.domain.state import ProductionState, WeaponState
from coldcheck.service.exchange import (
    ImportPlan,
    PlannedRow,
    RowProblem,
    _Cells,
    _row_preparer,
    unneutralise,
)
from coldcheck.service.ports import SourceRow, Table
from coldcheck.service.reports import (
    ClosingCheckpoint,
    Heading,
    HeadPrint,
    head_print,
    report_heading,
    report_zone,
)

#: ``(key, header)``: the export's columns in order; the headers are those of 27 CFR
#: 478.125(e) (manufacturer and importer apart, as ATF Ruling 2016-1 asks), then coldcheck's.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("tag", "Tag"),
    ("manufacturer", "Manufacturer"),
    ("importer", "Importer"),
    ("country", "Country of Manufacture"),
    ("model", "Model"),
    ("serial", "Serial Number"),
    ("type", "Type"),
    ("calibre", "Caliber or Gauge"),
    ("acquired_on", "Acquisition Date"),
    ("from_name", "Acquired From Name"),
    ("from_address", "Acquired From Address"),
    ("from_licence", "Acquired From License"),
    ("from_reference", "Acquisition Reference"),
    ("disposed_on", "Disposition Date"),
    ("how", "Disposition"),
    ("to_name", "Disposed To Name"),
    ("to_address", "Disposed To Address"),
    ("to_licence", "Disposed To License"),
    ("to_reference", "Disposition Reference"),
    ("name", "Name"),
    ("owner", "Owner"),
    ("kind", "Kind"),
    ("action", "Action"),
    ("capacity", "Capacity"),
    ("transfer_bar", "Transfer Bar"),
    ("select_fire", "Select Fire"),
)
KEYS = tuple(k for k, _ in COLUMNS)
HEADERS = tuple(h for _, h in COLUMNS)

#: Other headers read as the same column (compared without case, spaces or punctuation):
#: FastBound's API item fields, Orchid eBound's upload and transfer fields, ATF's own words.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "manufacturer": ("make", "manufacturerimporter", "manufacturerandorimporter"),
    "country": ("countryofmanufacturer", "country", "countryoforigin"),
    "serial": ("serial", "serialno"),
    "type": ("itemtype", "firearmtype"),
    "calibre": ("caliber", "calibre", "calibergauge", "gauge"),
    "acquired_on": ("dateofacquisition", "acquiredate", "receiveddate", "datereceived"),
    "from_name": ("acquiredfrom", "receivedfrom", "sendingfflname"),
    "from_address": ("sendingffladdress",),
    "from_licence": ("acquiredfromlicence", "acquiredfromffl", "sendingfflnumber"),
    "disposed_on": ("dateofdisposition", "dispositiondate", "disposeddate"),
    "how": ("dispositiontype",),
    "to_name": ("disposedto", "transfereename", "transferee"),
    "to_address": ("transfereeaddress",),
    "to_licence": ("disposedtolicence", "transfereelicense", "transfereeffl"),
}
REQUIRED = ("serial", "calibre", "kind", "action", "capacity")

#: The bound book's type an action implies, where it implies one.
IMPLIED_TYPE: Mapping[ActionType, str] = {
    ActionType.SINGLE_ACTION_REVOLVER: "Revolver",
    ActionType.DOUBLE_ACTION_REVOLVER: "Revolver",
    ActionType.SEMI_AUTO_PISTOL: "Pistol",
    ActionType.SEMI_AUTO_RIFLE: "Rifle",
    ActionType.BELT_FED: "Machine Gun",
}

_FOLD = re.compile(r"[^a-z0-9]")
_US_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _fold(header: str) -> str:
    return _FOLD.sub("", header.lower())


_BY_FOLDED: dict[str, str] = {_fold(h): k for k, h in COLUMNS}
_BY_FOLDED.update({alias: k for k, aliases in ALIASES.items() for alias in aliases})


@dataclass(frozen=True)
class BoundBookEntry:
    """One firearm's line of the bound book, with the log's view of it."""

    tag: WeaponId
    cells: Mapping[str, str]
    closed: bool

    def row(self) -> list[str]:
        """The CSV cells, in the export's column order."""
        return [self.cells.get(k, "") for k in KEYS]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def entry(state: ProductionState, ws: WeaponState) -> BoundBookEntry:
    """The bound book line of one weapon (derived where nothing was recorded: module doc)."""
    w = ws.weapon
    a = w.acquisition or Acquisition()
    received = acquired_on(state, ws)
    cells = {
        "tag": w.id,
        "manufacturer": w.make,
        "importer": w.importer,
        "country": w.country,
        "model": w.model,
        "serial": w.serial,
        "type": w.firearm_type or IMPLIED_TYPE.get(w.action, ""),
        "calibre": w.calibre,
        "acquired_on": received.isoformat() if received else "",
        "from_name": a.name or w.owner,
        "from_address": a.address,
        "from_licence": a.licence,
        "from_reference": a.reference,
        "name": w.name,
        "owner": w.owner,
        "kind": w.kind.value,
        "action": w.action.value,
        "capacity": str(w.capacity),
        "transfer_bar": _yes(w.transfer_bar),
        "select_fire": _yes(w.select_fire),
    }
    d = ws.disposition
    if d is not None:
        cells.update(
            disposed_on=d.on.isoformat(),
            how=d.how.value,
            to_name=d.name,
            to_address=d.address,
            to_licence=d.licence,
            to_reference=d.reference,
        )
    elif ws.retired and ws.retired_at is not None:
        cells.update(
            disposed_on=state.local_day(ws.retired_at).isoformat(),
            how=DispositionKind.RETURNED.value,
            to_name=w.owner,
        )
    return BoundBookEntry(w.id, cells, ws.retired)


def bound_book(state: ProductionState) -> list[BoundBookEntry]:
    """Every firearm the production registered, open and closed, by tag (no replicas)."""
    return [
        entry(state, state.weapons[tag])
        for tag in sorted(state.weapons)
        if state.weapons[tag].weapon.kind is not WeaponKind.REPLICA
    ]


def bound_book_rows(state: ProductionState) -> tuple[tuple[str, ...], list[list[str]]]:
    """The export's header and rows (``coldcheck export bound-book``)."""
    return HEADERS, [e.row() for e in bound_book(state)]


# -- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class House:
    """The rental house whose book of what it sends is imported."""

    name: str
    licence: str = ""
    address: str = ""


def _input(message: str) -> Reason:
    return Reason("INPUT", message)


def _header(columns: Sequence[str]) -> tuple[dict[str, str], list[Reason]]:
    """Each file column's key, and what is wrong with the header."""
    keys: dict[str, str] = {}
    reasons: list[Reason] = []
    unknown = []
    for col in columns:
        key = _BY_FOLDED.get(_fold(col))
        if key is None:
            unknown.append(col)
        elif key in keys.values():
            reasons.append(_input(f"columns {col!r} and another both give the {key} column"))
        else:
            keys[col] = key
    if unknown:
        reasons.append(
            _input(
                f"unknown column(s) {', '.join(repr(u) for u in unknown)}; the columns are "
                f"{', '.join(HEADERS)} (other names are listed in the README)"
            )
        )
    missing = [k for k in REQUIRED if k not in keys.values()]
    if missing:
        wanted = ", ".join(dict(COLUMNS)[k] for k in missing)
        reasons.append(
            _input(
                f"missing column(s) {wanted}: coldcheck needs a weapon's kind, action and "
                "capacity to inspect every chamber — add them to the house's file"
            )
        )
    return keys, reasons


def _day(cells: _Cells, column: str, label: str) -> date | None:
    value = cells.text(column)
    if not value:
        return None
    us = _US_DAY.match(value)
    try:
        if us:
            return date(int(us[3]), int(us[1]), int(us[2]))
        return date.fromisoformat(value)
    except ValueError:
        cells.reasons.append(
            _input(f"column '{label}': '{value}' is not a day (YYYY-MM-DD or MM/DD/YYYY)")
        )
        return None


def _row_commands(
    row: SourceRow,
    production: ProductionState,
    actor: PersonId,
    at: datetime,
    house: House | None,
) -> list[Command] | list[Reason]:
    cells = _Cells(row)
    label = dict(COLUMNS)
    kind = cells.enum(WeaponKind, "kind")
    action = cells.enum(ActionType, "action")
    capacity = cells.integer("capacity")
    serial = cells.text("serial", required=True)
    calibre = cells.text("calibre", required=True)
    make, model = cells.text("manufacturer"), cells.text("model")
    name = cells.text("name") or f"{make} {model}".strip() or serial
    acquired = _day(cells, "acquired_on", label["acquired_on"])
    disposed = _day(cells, "disposed_on", label["disposed_on"])
    how = cells.enum(DispositionKind, "how", required=False)
    transfer_bar = cells.boolean("transfer_bar")
    select_fire = cells.boolean("select_fire")
    if house is not None:
        acquisition = Acquisition(
            name=house.name,
            address=house.address,
            licence=house.licence,
            reference=cells.text("to_reference"),
            received=disposed,
        )
        how = None
    else:
        acquisition = Acquisition(
            name=cells.text("from_name"),
            address=cells.text("from_address"),
            licence=cells.text("from_licence"),
            reference=cells.text("from_reference"),
            received=acquired,
        )
        if disposed is not None and how is None:
            cells.reasons.append(
                _input(
                    f"column '{label['how']}' is empty but the weapon left on {disposed}: "
                    "say returned, transferred or destroyed"
                )
            )
        if how is not None and disposed is None:
            cells.reasons.append(
                _input(f"column '{label['disposed_on']}' is empty: give the day it left")
            )
    if cells.reasons or kind is None or action is None or capacity is None:
        return cells.reasons
    base = {"production": production.production, "actor": actor, "at": at}
    tag = WeaponId(cells.text("tag").upper())
    out: list[Command] = [
        c.RegisterWeapon(
            **base,  # type: ignore[arg-type]
            weapon=tag,
            name=name,
            make=make,
            model=model,
            serial=serial,
            calibre=calibre,
            owner=cells.text("owner") or (house.name if house else acquisition.name),
            kind=kind,
            action=action,
            capacity=capacity,
            transfer_bar=transfer_bar,
            select_fire=select_fire,
            importer=cells.text("importer"),
            country=cells.text("country"),
            firearm_type=cells.text("type"),
            acquisition=acquisition,
        )
    ]
    if how is not None:
        out.append(
            c.RetireWeapon(
                **base,  # type: ignore[arg-type]
                weapon=tag,
                how=how,
                to_name=cells.text("to_name"),
                to_address=cells.text("to_address"),
                to_licence=cells.text("to_licence"),
                reference=cells.text("to_reference"),
                on=disposed,
            )
        )
    return out


def plan_bound_book(
    table: Table,
    state: ProductionState,
    actor: PersonId,
    at: datetime,
    house: House | None = None,
) -> ImportPlan:
    """Judge every row of a bound book against ``state`` folded row by row; write nothing.

    Run it with ``exchange.run_import`` (one transaction, through the rules again).
    """
    keys, reasons = _header(table.columns)
    problems = [RowProblem(1, tuple(reasons))] if reasons else []
    if not table.rows:
        problems.append(RowProblem(0, (_input("the file has no data rows"),)))
    if house is not None and not house.name.strip():
        problems.append(RowProblem(0, (_input("name the rental house (--house)"),)))
    if problems:
        return ImportPlan("bound-book", state.production, (), tuple(problems))
    planned: list[PlannedRow] = []
    for source in table.rows:
        if source.problem:
            problems.append(RowProblem(source.line, (_input(source.problem),)))
            continue
        values = {keys[col]: unneutralise(v or "") for col, v in source.values.items()}
        if not any(v.strip() for v in values.values()):
            continue
        row = SourceRow(source.line, values)
        parsed = _row_commands(row, state, actor, at, house)
        if parsed and isinstance(parsed[0], Reason):
            problems.append(RowProblem(source.line, tuple(parsed)))  # type: ignore[arg-type]
            continue
        done: list[Command] = []
        outcome = decide_all(state, parsed, _preparer(at, done))  # type: ignore[arg-type]
        if isinstance(outcome, RefusedAt):
            problems.append(RowProblem(source.line, outcome.refusal.reasons, by_rules=True))
            continue
        state = outcome.state
        creates = tuple(cmd.weapon for cmd in done if isinstance(cmd, c.RegisterWeapon))
        planned.append(PlannedRow(source.line, tuple(done), creates))
    if not planned and not problems:
        problems.append(RowProblem(0, (_input("the file has no data rows"),)))
    return ImportPlan("bound-book", state.production, tuple(planned), tuple(problems))


def _preparer(at: datetime, done: list[Command]) -> Callable[[ProductionState, Command], Command]:
    """``exchange``'s (stamp, free ids), and a retirement names the tag its row registered."""
    base = _row_preparer(at, done)

    def prepare(folded: ProductionState, raw: Command) -> Command:
        if isinstance(raw, c.RetireWeapon) and not raw.weapon and done:
            registered = done[-1]
            if isinstance(registered, c.RegisterWeapon):
                raw = dataclasses.replace(raw, weapon=registered.weapon)
        return base(folded, raw)

    return prepare


# -- the printed bound book -----------------------------------------------------------------


@dataclass(frozen=True)
class BoundBookReport:
    """The bound book as paper prints it: the heading, every line, the newest checkpoint."""

    heading: Heading
    entries: tuple[BoundBookEntry, ...]
    head: HeadPrint | None = None


def bound_book_report(
    state: ProductionState, now: datetime, head: ClosingCheckpoint | None
) -> BoundBookReport:
    """The bound book of the production now, ending with ``head`` (the newest checkpoint)."""
    return BoundBookReport(
        heading=report_heading(state, now),
        entries=tuple(bound_book(state)),
        head=head_print(head, report_zone(state), True) if head is not None else None,
    )
