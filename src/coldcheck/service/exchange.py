"""Import and export of weapons, lots and people as table rows (CSV files in the CLI).

An import is all-or-nothing and goes through the same rules as every other
command:

1. each row is parsed into domain commands (a row with a bad cell gets an
   ``INPUT`` reason naming the column);
2. every row's commands are judged by ``rules.decide`` against a state folded
   in memory from the production's current state, row after row, so a later
   row sees the weapons and containers of the rows before it, and a refused
   row changes nothing for the rows after it;
3. only when no row has a problem are all the commands recorded in ONE
   transaction (``CustodyService.execute_batch``), decided again against the
   production as it is then: if it changed meanwhile and a command is
   refused, nothing at all is recorded.

Each row is reported with its physical line number in the file (the header
is line 1). Export writes the same columns back, so an exported file imports
into another production unchanged.

Why one file of ~630 lines: the column definitions are shared by import and
export (a round trip), and each kind of row is a short parser beside them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TypeVar

from coldcheck.domain import commands as c
from coldcheck.domain.commands import Command
from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import ContainerId, LotId, PersonId, ProductionId, WeaponId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import BlankLoad, Role, RoundClass, WeaponKind
from coldcheck.domain.rules import RefusedAt, decide_all
from coldcheck.domain.state import ProductionState
from coldcheck.service.custody import CustodyService, fill_ids
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Refused
from coldcheck.service.ports import SourceRow, Table

E = TypeVar("E", bound=Enum)

KINDS = ("weapons", "lots", "people", "manifest")

#: The mechanism the hazard model reads (R25): optional yes/no columns, "no" when absent.
MECHANISM_COLUMNS = ("open_bolt", "slam_fire", "drop_safety", "decocker")

WEAPON_COLUMNS = (
    "tag",
    "name",
    "make",
    "model",
    "serial",
    "calibre",
    "owner",
    "kind",
    "action",
    "capacity",
    "transfer_bar",
    "select_fire",
    *MECHANISM_COLUMNS,
)
WEAPON_REQUIRED = ("name", "serial", "calibre", "kind", "action", "capacity")

LOT_COLUMNS = (
    "tag",
    "round_class",
    "blank_load",
    "calibre",
    "supplier",
    "count",
    "container",
    "container_label",
)
LOT_REQUIRED = ("round_class", "calibre", "supplier", "count")

PEOPLE_COLUMNS = ("person", "name", "roles")
PEOPLE_REQUIRED = ("person", "name")

MANIFEST_COLUMNS = (
    "item",
    "tag",
    "name",
    "make",
    "model",
    "serial",
    "calibre",
    "owner",
    "kind",
    "action",
    "capacity",
    "transfer_bar",
    "select_fire",
    *MECHANISM_COLUMNS,
    "round_class",
    "blank_load",
    "supplier",
    "count",
    "container",
    "container_label",
)
MANIFEST_REQUIRED = ("item", "calibre")

#: What a lot row of a return manifest adds: where the rounds received went (R05).
#: ``count`` is what goes back (``on_hand``), so the manifest imports as the stock returned.
RETURN_COUNTS = ("received", "fired", "destroyed", "returned", "evidence", "on_hand")
RETURN_COLUMNS = (*MANIFEST_COLUMNS, *RETURN_COUNTS)

COLUMNS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "weapons": (WEAPON_COLUMNS, WEAPON_REQUIRED),
    "lots": (LOT_COLUMNS, LOT_REQUIRED),
    "people": (PEOPLE_COLUMNS, PEOPLE_REQUIRED),
    "manifest": (RETURN_COLUMNS, MANIFEST_REQUIRED),
}
"""Per kind: every column a file may have (the export order), and the ones it must have."""

ROLE_SEPARATOR = ";"
_PERSON_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- rows in, rows out -------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why one row (line 1 is the header, 0 the file as a whole) cannot be imported."""

    line: int
    reasons: tuple[Reason, ...]
    by_rules: bool = False
    """True when the domain's rules refused the row (not a cell that could not be read)."""

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: " + "; ".join(str(r) for r in self.reasons)


@dataclass(frozen=True)
class PlannedRow:
    """A row that passed: the commands it becomes (ids filled in) and what it creates."""

    line: int
    commands: tuple[Command, ...]
    creates: tuple[str, ...]


@dataclass(frozen=True)
class ImportPlan:
    """Every row judged against the folded state; nothing is written yet."""

    kind: str
    production: ProductionId
    rows: tuple[PlannedRow, ...]
    problems: tuple[RowProblem, ...]
    skipped: tuple[tuple[int, str], ...] = ()
    """Rows that change nothing, with why: a person already on the production as the row
    says, a returned lot with nothing on hand."""

    @property
    def ok(self) -> bool:
        """True when every row passed."""
        return not self.problems

    @property
    def commands(self) -> list[Command]:
        """Every command, in file order."""
        return [cmd for row in self.rows for cmd in row.commands]

    @property
    def refused_by_rules(self) -> bool:
        """True when the rules refused some row (exit 3), not only unreadable cells (exit 1)."""
        return any(p.by_rules for p in self.problems)


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote."""

    kind: str
    production: ProductionId
    created: tuple[str, ...]
    events: int
    first_seq: int | None
    last_seq: int | None
    tree_size: int | None


class FileError(Exception):
    """A file could not be read or written (the adapters raise subclasses); nothing changed."""


class _Skip(str):
    """A row that needs no command: why (a person already there as the row says, ...)."""


#: What a row becomes: its commands, why it cannot be imported, or why it needs nothing.
Parsed = list[Command] | list[Reason] | list[_Skip]


class ImportInterrupted(Exception):
    """A row refused while writing (someone changed the production meanwhile); nothing recorded."""

    def __init__(self, line: int, refused: Refused) -> None:
        self.line = line
        self.refused = refused
        super().__init__(f"line {line}: {refused}")


def _input(message: str) -> Reason:
    return Reason("INPUT", message)


def unneutralise(cell: str) -> str:
    """Undo the leading ``'`` an export puts before a cell that looks like a formula."""
    if cell[:1] == "'" and cell[1:].lstrip("'").startswith(FORMULA_START):
        return cell[1:]
    return cell


def neutralise(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula (= + - @, tab, CR)."""
    # quotes already in front of a formula character get one more, so import restores them
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_START) else cell


def check_columns(kind: str, columns: Sequence[str]) -> list[RowProblem]:
    """Header problems: unknown, repeated or missing columns (line 1)."""
    allowed, required = COLUMNS[kind]
    reasons = []
    unknown = [col for col in columns if col not in allowed]
    if unknown:
        reasons.append(
            _input(
                f"unknown column(s) {', '.join(repr(u) for u in unknown)}; "
                f"the columns are {', '.join(allowed)}"
            )
        )
    repeated = sorted({col for col in columns if columns.count(col) > 1})
    if repeated:
        reasons.append(_input(f"column(s) {', '.join(repeated)} appear more than once"))
    missing = [col for col in required if col not in columns]
    if missing:
        reasons.append(_input(f"missing column(s) {', '.join(missing)}"))
    return [RowProblem(1, tuple(reasons))] if reasons else []


# -- cell parsers --------------------------------------------------------------------


class _Cells:
    """Reads typed cells from one row and collects every bad one."""

    def __init__(self, row: SourceRow) -> None:
        self.row = row
        self.reasons: list[Reason] = []

    def text(self, column: str, *, required: bool = False) -> str:
        value = unneutralise(self.row.values.get(column, "") or "").strip()
        if required and not value:
            self.reasons.append(_input(f"column '{column}' is empty"))
        return value

    def enum(self, cls: type[E], column: str, *, required: bool = True) -> E | None:
        value = self.text(column).lower().replace("-", "_").replace(" ", "_")
        if not value:
            if required:
                choices = ", ".join(str(m.value) for m in cls)
                self.reasons.append(_input(f"column '{column}' is empty; use one of {choices}"))
            return None
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(str(m.value) for m in cls)
            self.reasons.append(
                _input(f"column '{column}': '{self.text(column)}' is not one of {choices}")
            )
            return None

    def integer(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            self.reasons.append(_input(f"column '{column}' is empty; give a whole number"))
            return None
        try:
            return int(value)
        except ValueError:
            self.reasons.append(_input(f"column '{column}': '{value}' is not a whole number"))
            return None

    def boolean(self, column: str) -> bool:
        value = self.text(column).lower()
        if value in _TRUE:
            return True
        if value not in _FALSE:
            self.reasons.append(_input(f"column '{column}': '{value}' is not yes or no"))
        return False


# -- rows to commands ----------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    production: ProductionId
    actor: PersonId
    at: datetime
    house: str


def _weapon_commands(row: SourceRow, ctx: _Context) -> list[Command] | list[Reason]:
    cells = _Cells(row)
    kind = cells.enum(WeaponKind, "kind")
    action = cells.enum(ActionType, "action")
    capacity = cells.integer("capacity")
    tag = WeaponId(cells.text("tag").upper())
    name = cells.text("name", required=True)
    serial = cells.text("serial", required=True)
    calibre = cells.text("calibre", required=True)
    transfer_bar = cells.boolean("transfer_bar")
    select_fire = cells.boolean("select_fire")
    open_bolt, slam_fire, drop_safety, decocker = (
        cells.boolean(column) for column in MECHANISM_COLUMNS
    )
    if cells.reasons or kind is None or action is None or capacity is None:
        return cells.reasons
    command: Command = c.RegisterWeapon(
        production=ctx.production,
        actor=ctx.actor,
        at=ctx.at,
        weapon=tag,
        name=name,
        make=cells.text("make"),
        model=cells.text("model"),
        serial=serial,
        calibre=calibre,
        owner=cells.text("owner") or ctx.house,
        kind=kind,
        action=action,
        capacity=capacity,
        transfer_bar=transfer_bar,
        select_fire=select_fire,
        open_bolt=open_bolt,
        slam_fire=slam_fire,
        drop_safety=drop_safety,
        decocker=decocker,
    )
    return [command]


def _lot_commands(row: SourceRow, ctx: _Context, state: ProductionState) -> Parsed:
    cells = _Cells(row)
    round_class = cells.enum(RoundClass, "round_class")
    blank_load = cells.enum(BlankLoad, "blank_load", required=False)
    count = cells.integer("count")
    calibre = cells.text("calibre", required=True)
    supplier = cells.text("supplier") or ctx.house
    if not supplier:
        cells.reasons.append(_input("column 'supplier' is empty"))
    container = ContainerId(cells.text("container").upper())
    label = cells.text("container_label")
    if any(column in row.values for column in RETURN_COUNTS):
        counts = {column: cells.integer(column) for column in RETURN_COUNTS}
        if count is not None and None not in counts.values():
            gone = sum(counts[k] or 0 for k in ("fired", "destroyed", "returned", "evidence"))
            if counts["received"] != gone + (counts["on_hand"] or 0):
                cells.reasons.append(
                    _input(
                        f"received {counts['received']} is not fired + destroyed + returned + "
                        f"evidence + on hand ({gone} + {counts['on_hand']}): the counts do not "
                        "agree — ask the sender for a corrected manifest"
                    )
                )
            elif count != counts["on_hand"]:
                cells.reasons.append(
                    _input(f"count {count} is not the {counts['on_hand']} on hand")
                )
            elif count == 0 and not cells.reasons:
                return [_Skip(f"lot {cells.text('tag') or '(no tag)'}: nothing on hand")]
    if cells.reasons or round_class is None or count is None:
        return cells.reasons
    out: list[Command] = []
    if not container or container not in state.containers:
        load = f" {blank_load.value} load" if blank_load else ""
        out.append(
            c.CreateContainer(
                production=ctx.production,
                actor=ctx.actor,
                at=ctx.at,
                container=container,
                label=label or f"{calibre} {round_class.value}s{load}",
            )
        )
    out.append(
        c.ReceiveLot(
            production=ctx.production,
            actor=ctx.actor,
            at=ctx.at,
            lot=LotId(cells.text("tag").upper()),
            round_class=round_class,
            blank_load=blank_load,
            calibre=calibre,
            supplier=supplier,
            count=count,
            container=container,
        )
    )
    return out


def _person_commands(row: SourceRow, ctx: _Context, state: ProductionState) -> Parsed:
    cells = _Cells(row)
    person = cells.text("person", required=True)
    name = cells.text("name", required=True)
    if person and not _PERSON_ID.match(person):
        cells.reasons.append(
            _input(
                f"column 'person': '{person}' is not a person id — use lowercase letters, "
                "digits and hyphens, like mara-voss"
            )
        )
    roles: list[Role] = []
    for word in cells.text("roles").split(ROLE_SEPARATOR):
        word = word.strip().lower().replace(" ", "_").replace("-", "_")
        if not word:
            continue
        try:
            roles.append(Role(word))
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            cells.reasons.append(_input(f"column 'roles': '{word}' is not one of {choices}"))
    if cells.reasons:
        return cells.reasons
    pid = PersonId(person)
    base = {"production": ctx.production, "actor": ctx.actor, "at": ctx.at}
    out: list[Command] = []
    known = state.people.get(pid)
    if known is not None and known.name != name:
        return [
            _input(
                f"{person} is already on the production as {known.name!r}, not {name!r} — "
                "use that name, or another person id for someone else"
            )
        ]
    if known is None:
        out.append(c.AddPerson(person=pid, name=name, **base))  # type: ignore[arg-type]
    held = state.roles.get(pid, frozenset())
    out.extend(
        c.AssignRole(person=pid, role=role, **base)  # type: ignore[arg-type]
        for role in dict.fromkeys(roles)
        if role not in held
    )
    if not out:
        return [_Skip(f"{person}: already on the production with these roles")]
    return out


def _manifest_commands(row: SourceRow, ctx: _Context, state: ProductionState) -> Parsed:
    item = unneutralise(row.values.get("item", "")).strip().lower()
    if item in ("weapon", "weapons"):
        return _weapon_commands(row, ctx)
    if item in ("lot", "lots", "ammunition"):
        return _lot_commands(row, ctx, state)
    return [_input(f"column 'item': '{item}' is not weapon or lot")]


def _commands_for(kind: str, row: SourceRow, ctx: _Context, state: ProductionState) -> Parsed:
    if kind == "weapons":
        return _weapon_commands(row, ctx)
    if kind == "lots":
        return _lot_commands(row, ctx, state)
    if kind == "people":
        return _person_commands(row, ctx, state)
    return _manifest_commands(row, ctx, state)


def _creates(command: Command) -> str | None:
    if isinstance(command, c.RegisterWeapon):
        return command.weapon
    if isinstance(command, c.ReceiveLot):
        return command.lot
    if isinstance(command, c.CreateContainer):
        return command.container
    if isinstance(command, c.AddPerson):
        return command.person
    return None


def _row_preparer(
    at: datetime, done: list[Command]
) -> Callable[[ProductionState, Command], Command]:
    """Stamp a row's commands, give them free ids, link a lot to the container made before it.

    Every prepared command is appended to ``done``, so the caller has them with their ids.
    """

    def prepare(folded: ProductionState, raw: Command) -> Command:
        command = fill_ids(folded, dataclasses.replace(raw, at=at))
        if isinstance(command, c.ReceiveLot) and not command.container and done:
            prev = done[-1]
            if isinstance(prev, c.CreateContainer):
                command = dataclasses.replace(command, container=prev.container)
        done.append(command)
        return command

    return prepare


def plan_import(
    kind: str,
    table: Table,
    state: ProductionState,
    actor: PersonId,
    at: datetime,
    house: str = "",
) -> ImportPlan:
    """Judge every row against ``state`` folded row by row; write nothing."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    problems = check_columns(kind, table.columns)
    if not table.rows:
        problems.append(RowProblem(0, (_input("the file has no data rows"),)))
    if problems:
        return ImportPlan(kind, state.production, (), tuple(problems))
    ctx = _Context(state.production, actor, at, house.strip())
    planned: list[PlannedRow] = []
    skipped: list[tuple[int, str]] = []
    for row in table.rows:
        if row.problem:
            problems.append(RowProblem(row.line, (_input(row.problem),)))
            continue
        if not any((v or "").strip() for v in row.values.values()):
            continue  # a blank line in a spreadsheet export
        parsed = _commands_for(kind, row, ctx, state)
        if parsed and isinstance(parsed[0], _Skip):
            skipped.append((row.line, str(parsed[0])))
            continue
        if parsed and isinstance(parsed[0], Reason):
            problems.append(RowProblem(row.line, tuple(parsed)))  # type: ignore[arg-type]
            continue
        done: list[Command] = []
        outcome = decide_all(state, parsed, _row_preparer(at, done))  # type: ignore[arg-type]
        if isinstance(outcome, RefusedAt):
            problems.append(RowProblem(row.line, outcome.refusal.reasons, by_rules=True))
            continue
        state = outcome.state
        creates = tuple(x for x in (_creates(cmd) for cmd in done) if x)
        planned.append(PlannedRow(row.line, tuple(done), creates))
    if not planned and not problems and not skipped:
        problems.append(RowProblem(0, (_input("the file has no data rows"),)))
    return ImportPlan(kind, ctx.production, tuple(planned), tuple(problems), tuple(skipped))


def run_import(plan: ImportPlan, custody: CustodyService, channel: Channel) -> ImportResult:
    """Record a plan with no problems in ONE transaction, every command through the rules.

    The rules decide again against the production as it is now; if someone
    changed it since the plan was made and a command is refused, nothing at
    all is recorded (``ImportInterrupted`` names the line).
    """
    if not plan.ok:
        raise ValueError("a plan with problems is never run")
    if not plan.commands:  # every row was skipped: nothing to record, and nothing is
        return ImportResult(plan.kind, plan.production, (), 0, None, None, None)
    lines = [row.line for row in plan.rows for _ in row.commands]
    try:
        accepted = custody.execute_batch(plan.commands, channel=channel)
    except Refused as refused:
        line = lines[refused.index] if refused.index is not None else lines[0]
        raise ImportInterrupted(line, refused) from None
    created = [x for x in (_creates(cmd) for cmd in plan.commands) if x]
    return ImportResult(
        kind=plan.kind,
        production=plan.production,
        created=tuple(created),
        events=len(accepted.events),
        first_seq=accepted.seqs[0] if accepted.seqs else None,
        last_seq=accepted.seqs[-1] if accepted.seqs else None,
        tree_size=accepted.head.tree_size,
    )


# -- export ----------------------------------------------------------------------------


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def export_rows(kind: str, state: ProductionState) -> tuple[tuple[str, ...], list[list[str]]]:
    """The columns and rows that ``import <kind>`` reads back (same columns, same order)."""
    if kind == "weapons":
        return WEAPON_COLUMNS, _weapon_rows(state)
    if kind == "lots":
        return LOT_COLUMNS, _lot_rows(state)
    if kind == "people":
        return PEOPLE_COLUMNS, _people_rows(state)
    raise ValueError(f"cannot export {kind!r}; choose weapons, lots or people")


def return_manifest_rows(state: ProductionState) -> tuple[tuple[str, ...], list[list[str]]]:
    """What goes back to the rental house, in the ``import manifest`` columns: every weapon
    not retired, and every lot with where its rounds went (received, fired, destroyed,
    returned, sealed as evidence) and ``count`` = what is on hand (in store and in weapons)."""
    rows: list[list[str]] = []
    for weapon_row in _weapon_rows(state):
        cells = dict.fromkeys(RETURN_COLUMNS, "")
        cells.update(zip(WEAPON_COLUMNS, weapon_row, strict=True))
        cells["item"] = "weapon"
        rows.append([cells[col] for col in RETURN_COLUMNS])
    for tag in sorted(state.lots):
        ls = state.lots[tag]
        on_hand = ls.in_store + ls.in_weapons
        cells = dict.fromkeys(RETURN_COLUMNS, "")
        cells.update(zip(LOT_COLUMNS, _lot_row(state, tag), strict=True))
        counts = (ls.lot.count, ls.fired, ls.destroyed, ls.returned, ls.evidence, on_hand)
        cells.update(zip(RETURN_COUNTS, (str(n) for n in counts), strict=True))
        cells.update(item="lot", count=str(on_hand))
        rows.append([cells[col] for col in RETURN_COLUMNS])
    return RETURN_COLUMNS, rows


def _weapon_rows(state: ProductionState) -> list[list[str]]:
    rows = []
    for tag in sorted(state.weapons):
        ws = state.weapons[tag]
        if ws.retired:
            continue
        w = ws.weapon
        rows.append(
            [
                w.id,
                w.name,
                w.make,
                w.model,
                w.serial,
                w.calibre,
                w.owner,
                w.kind.value,
                w.action.value,
                str(w.capacity),
                _yes(w.transfer_bar),
                _yes(w.select_fire),
                *(_yes(getattr(w, column)) for column in MECHANISM_COLUMNS),
            ]
        )
    return rows


def lot_home(state: ProductionState, lot: LotId) -> ContainerId | None:
    """The container holding most of a lot's rounds now (lowest tag on a tie)."""
    held = [(-cs.contents.get(lot, 0), cid) for cid, cs in state.containers.items()]
    best = min((h for h in held if h[0] < 0), default=None)
    return best[1] if best else None


def _lot_rows(state: ProductionState) -> list[list[str]]:
    return [_lot_row(state, tag) for tag in sorted(state.lots)]


def _lot_row(state: ProductionState, tag: LotId) -> list[str]:
    """A lot in the LOT_COLUMNS, ``count`` as received."""
    lot = state.lots[tag].lot
    home = lot_home(state, tag)
    return [
        lot.id,
        lot.round_class.value,
        lot.blank_load.value if lot.blank_load else "",
        lot.calibre,
        lot.supplier,
        str(lot.count),
        home or "",
        state.containers[home].container.label if home else "",
    ]


def _people_rows(state: ProductionState) -> list[list[str]]:
    rows = []
    for pid in sorted(state.people):
        roles = sorted(r.value for r in state.roles.get(pid, frozenset()))
        rows.append([pid, state.people[pid].name, ROLE_SEPARATOR.join(roles)])
    return rows


def table_from_rows(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Table:
    """A ``Table`` from exported rows (line numbers as a CSV file would have them)."""
    cols = tuple(columns)
    return Table(
        cols,
        tuple(SourceRow(i + 2, dict(zip(cols, r, strict=True))) for i, r in enumerate(rows)),
    )
