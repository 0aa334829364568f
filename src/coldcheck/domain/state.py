"""The production's state: its types, ``apply`` (one event) and ``replay`` (a history).

``apply(state, event)`` never refuses: events are facts that ``decide``
already accepted.  Choices recorded here:

* A weapon's inspection (R10) stays valid while the armorer keeps custody
  and while the performer it was handed to holds it; taking it back or
  putting it in storage voids it, so the weapon is ``unverified`` (R15).
  Loads and unloads recorded by the armorer after the inspection keep the
  recorded contents known, so the label follows them.
* An inspection finding that differs from the recorded contents turns the
  position into ``unknown`` (or ``live``) and keeps the lot it was charged to,
  so counts are conserved (R05); a spent case found gone is simply gone.
* Fired blanks count as ``fired`` when fired; the spent case stays in its
  position until unloaded.  Spent cases collected are counted at wrap.
* A correction (R27) is an annotation: it is listed against the event it
  corrects and changes no derived figure; a real change of state is made
  with the ordinary commands. Only the descriptive values it corrects in a
  registration (a weapon's serial, make, model, calibre, owner; a person's
  name; a lot's calibre or supplier) reach the registered record.
* A misfired round stays marked (``WeaponState.misfired``) until it leaves
  its position, whatever inspections say since: it never goes back to a box.
* A day on which any weapon left storage is a shoot day (``DayRecord.worked``,
  the production's local date): it must be counted and closed (R23).
* Rounds and weapons sealed as evidence leave for good: a lot counts them in
  ``evidence`` (R05), a weapon is retired with its ``evidence`` hold.

Why one file of ~600 lines: ``_apply`` is one ``match`` over every event type,
and it has to be read whole to see that each event is folded exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from coldcheck.domain import events as ev
from coldcheck.domain.correcting import corrected_record
from coldcheck.domain.events import Event
from coldcheck.domain.ids import (
    ContainerId,
    IncidentId,
    LotId,
    MeetingId,
    PersonId,
    ProductionId,
    ReportId,
    SceneId,
    WeaponId,
)
from coldcheck.domain.localtime import local_day
from coldcheck.domain.mechanics import (
    OPEN_BOLT_ACTIONS,
    ActionState,
    ActionType,
    BoltPosition,
    HammerPosition,
    RoundState,
    load_positions,
)
from coldcheck.domain.model import (
    ARMORER_ROLES,
    AmmoLot,
    BlankLoad,
    BoreFinding,
    Container,
    Disposition,
    EvidenceHold,
    FieldChange,
    Incident,
    LiveException,
    Permit,
    Person,
    Production,
    Role,
    RoundClass,
    SafetyMeeting,
    SafetyReport,
    ScenePlan,
    TrainingRecord,
    Weapon,
    WeaponDisposition,
)
from coldcheck.domain.photos import WeaponPhoto

K = TypeVar("K")
V = TypeVar("V")


def _put(mapping: Mapping[K, V], key: K, value: V) -> dict[K, V]:
    new = dict(mapping)
    new[key] = value
    return new


class Custody(StrEnum):
    """Where a weapon is."""

    STORAGE = "storage"
    ARMORER = "armorer"
    PERFORMER = "performer"


class DayState(StrEnum):
    """Where a shoot day's wrap stands (R23)."""

    OPEN = "open"
    RECONCILED = "reconciled"
    CLOSED = "closed"
    CLOSED_WITH_DISCREPANCY = "closed_with_discrepancy"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Load:
    """What one position holds: ``empty``, ``dummy(lot)``, ``blank(lot, load)``, ..."""

    state: RoundState
    lot: LotId | None = None
    blank_load: BlankLoad | None = None

    def __str__(self) -> str:
        if self.state is RoundState.EMPTY:
            return "empty"
        parts = [p for p in (self.lot, self.blank_load and f"{self.blank_load} load") if p]
        return f"{self.state}({', '.join(parts)})" if parts else str(self.state)


EMPTY = Load(RoundState.EMPTY)


@dataclass(frozen=True)
class InspectionRecord:
    """Who inspected, when, and who watched."""

    by: PersonId | None
    at: datetime
    witnesses: tuple[PersonId, ...]
    bore: BoreFinding


@dataclass(frozen=True)
class Misfire:
    """A misfire waiting to be cleared (R19)."""

    position: str
    at: datetime


@dataclass(frozen=True)
class WeaponState:
    """A weapon and everything recorded about it since."""

    weapon: Weapon
    location: Custody = Custody.STORAGE
    holder: PersonId | None = None
    issued_by: PersonId | None = None
    contents: Mapping[str, Load] = field(default_factory=dict)
    inspection: InspectionRecord | None = None
    last_inspection: InspectionRecord | None = None
    bore_check_due: str | None = None
    hammer: HammerPosition | None = None
    hammer_over: str | None = None
    misfire: Misfire | None = None
    quarantined: bool = False
    quarantine_reason: str = ""
    loaded_from: frozenset[LotId] = frozenset()
    retired: bool = False
    misfired: frozenset[str] = frozenset()
    out_since: datetime | None = None
    evidence: EvidenceHold | None = None
    bolt: BoltPosition | None = None
    adapter_fitted: bool | None = None
    cycled: bool = False
    registered_at: datetime | None = None
    """When it was registered (the bound book's acquisition day unless one was given)."""
    retired_at: datetime | None = None
    disposition: WeaponDisposition | None = None
    """How, to whom and when it left (None: not retired, or retired before issue 18)."""
    photos: tuple[WeaponPhoto, ...] = ()
    """Every photo taken of it, oldest first: the newest is the current one (issue 18)."""

    @property
    def photo(self) -> WeaponPhoto | None:
        """The current photo (the newest), or None."""
        return self.photos[-1] if self.photos else None

    @property
    def positions(self) -> tuple[str, ...]:
        return load_positions(self.weapon.action, self.weapon.capacity)

    @property
    def action_state(self) -> ActionState:
        """The recorded state of its action, as the hazard model reads it (R25)."""
        return ActionState(
            contents={p: self.contents.get(p, EMPTY).state for p in self.positions},
            hammer=self.hammer,
            hammer_over=self.hammer_over,
            bolt=self.bolt,
            adapter_fitted=self.adapter_fitted,
            cycled=self.cycled,
        )

    def holds(self, *states: RoundState) -> list[str]:
        """Positions holding any of ``states``."""
        return [p for p in self.positions if self.contents.get(p, EMPTY).state in states]


@dataclass(frozen=True)
class LotState:
    """A lot and where its rounds are (R05)."""

    lot: AmmoLot
    in_store: int
    in_weapons: int = 0
    fired: int = 0
    returned: int = 0
    destroyed: int = 0
    quarantined: bool = False
    verified: bool | None = None
    fired_since_count: int = 0
    evidence: int = 0
    failed: tuple[int, ...] = ()

    @property
    def accounted(self) -> int:
        return (
            self.in_store
            + self.in_weapons
            + self.fired
            + self.returned
            + self.destroyed
            + self.evidence
        )


@dataclass(frozen=True)
class ContainerState:
    """A container and how many rounds of each lot it holds."""

    container: Container
    contents: Mapping[LotId, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.contents.values())


@dataclass(frozen=True)
class StopWorkState:
    """Firearm work is halted (R21)."""

    since: datetime
    by: PersonId | None
    reasons: tuple[str, ...]
    incidents: tuple[IncidentId, ...]


@dataclass(frozen=True)
class DayRecord:
    """A shoot day's wrap (R23)."""

    day: date
    state: DayState = DayState.OPEN
    discrepancies: tuple[str, ...] = ()
    resolution: str = ""
    worked: bool = False


@dataclass(frozen=True)
class CorrectionNote:
    """A correction (R27) of the event at log position ``corrects``."""

    position: int
    corrects: int
    reason: str
    by: PersonId | None
    at: datetime
    changes: tuple[FieldChange, ...] = ()
    of_type: str = ""
    subject: str = ""


@dataclass(frozen=True)
class PasskeyRecord:
    """An enrolled passkey: whose, its COSE public key, who enrolled it and when, and when
    it was revoked (None while it counts)."""

    person: PersonId
    credential: str
    public_key: str
    rp_id: str
    label: str
    enrolled_by: PersonId | None
    enrolled_at: datetime
    revoked_at: datetime | None = None
    counter: int = 0
    """The highest signature counter its signatures on the record gave (WebAuthn §7.2)."""

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class ProductionState:
    """Everything the rules need about one production."""

    production: ProductionId
    info: Production | None = None
    people: Mapping[PersonId, Person] = field(default_factory=dict)
    roles: Mapping[PersonId, frozenset[Role]] = field(default_factory=dict)
    duties: Mapping[PersonId, frozenset[str]] = field(default_factory=dict)
    training: Mapping[PersonId, frozenset[ActionType]] = field(default_factory=dict)
    permits: Mapping[PersonId, tuple[Permit, ...]] = field(default_factory=dict)
    live_exception: LiveException | None = None
    weapons: Mapping[WeaponId, WeaponState] = field(default_factory=dict)
    lots: Mapping[LotId, LotState] = field(default_factory=dict)
    containers: Mapping[ContainerId, ContainerState] = field(default_factory=dict)
    scenes: Mapping[SceneId, ScenePlan] = field(default_factory=dict)
    meetings: Mapping[MeetingId, SafetyMeeting] = field(default_factory=dict)
    incidents: Mapping[IncidentId, Incident] = field(default_factory=dict)
    reports: Mapping[ReportId, SafetyReport] = field(default_factory=dict)
    stop_work: StopWorkState | None = None
    days: Mapping[date, DayRecord] = field(default_factory=dict)
    armory_locked: bool = False
    corrections: tuple[CorrectionNote, ...] = ()
    passkeys: Mapping[str, PasskeyRecord] = field(default_factory=dict)
    event_count: int = 0
    training_records: tuple[TrainingRecord, ...] = ()
    """The newest training of each person on each action, when it was recorded with a
    course, date or expiry (v2); a newer training without them removes it. A plain
    default, so that a state pickled before it existed reads as none (R14, §9156)."""

    def training_for(self, person: PersonId, action: ActionType) -> TrainingRecord | None:
        """The newest training of ``person`` on ``action`` if it has a course, date or expiry."""
        for record in reversed(self.training_records):
            if record.person == person and record.action is action:
                return record
        return None

    def name_of(self, person: PersonId | None) -> str:
        """A person's display name, or their id when unknown."""
        if person is None:
            return "someone"
        p = self.people.get(person)
        return p.name if p else str(person)

    def has_role(self, person: PersonId | None, *roles: Role) -> bool:
        """True when ``person`` holds any of ``roles`` on this production."""
        return person is not None and bool(self.roles.get(person, frozenset()) & set(roles))

    def is_armorer(self, person: PersonId | None) -> bool:
        return self.has_role(person, *ARMORER_ROLES)

    def weapons_out(self) -> list[WeaponState]:
        """Weapons not in storage."""
        return [w for w in self.weapons.values() if w.location is not Custody.STORAGE]

    @property
    def time_zone(self) -> str:
        """The production's time zone (UTC before it exists)."""
        return self.info.time_zone if self.info else "UTC"

    def local_day(self, at: datetime) -> date:
        """The shoot day ``at`` falls on, on the production's clock."""
        return local_day(self.time_zone, at)


def empty_state(production: ProductionId) -> ProductionState:
    """The state of a production before its first event."""
    return ProductionState(production=production)


# -- apply --------------------------------------------------------------------------


def _weapon(state: ProductionState, weapon: WeaponId, **changes: Any) -> ProductionState:
    return replace(
        state, weapons=_put(state.weapons, weapon, replace(state.weapons[weapon], **changes))
    )


def _lot(state: ProductionState, lot: LotId, **deltas: int) -> ProductionState:
    ls = state.lots[lot]
    new = replace(ls, **{k: getattr(ls, k) + v for k, v in deltas.items()})
    return replace(state, lots=_put(state.lots, lot, new))


def _container(
    state: ProductionState, container: ContainerId, lot: LotId, delta: int
) -> ProductionState:
    cs = state.containers[container]
    count = cs.contents.get(lot, 0) + delta
    contents = {k: v for k, v in cs.contents.items() if k != lot}
    if count:
        contents[lot] = count
    return replace(
        state, containers=_put(state.containers, container, replace(cs, contents=contents))
    )


def _set_contents(ws: WeaponState, changes: Mapping[str, Load]) -> WeaponState:
    contents = dict(ws.contents)
    contents.update(changes)
    return replace(ws, contents=contents)


def _inspection_changes(contents: Mapping[str, Load], e: ev.InspectionRecorded) -> dict[str, Load]:
    """The positions an inspection finds otherwise than recorded, and what they now hold:
    a spent case found empty is empty, a live round stays live (of its lot), anything else
    found differently is unknown (of its lot)."""
    changes: dict[str, Load] = {}
    for f in e.findings:
        recorded = contents.get(f.position, EMPTY)
        if f.found is recorded.state:
            continue
        if f.found is RoundState.EMPTY and recorded.state is RoundState.SPENT:
            changes[f.position] = EMPTY
            continue
        found = f.found if f.found is RoundState.LIVE else RoundState.UNKNOWN
        changes[f.position] = Load(found, recorded.lot)
    return changes


def _inspection_fields(
    e: ev.InspectionRecorded, loaded_from: frozenset[LotId], all_empty: bool
) -> dict[str, Any]:
    """What an inspection sets on the weapon besides its contents (``all_empty``: every
    position holds nothing after it)."""
    record = InspectionRecord(e.by, e.at, e.witnesses, e.bore)
    clean = e.bore is BoreFinding.CLEAR
    return {
        "inspection": record,
        "last_inspection": record,
        "bore_check_due": None if clean else "obstructed",
        "misfire": None,
        "hammer": e.hammer,
        "hammer_over": e.hammer_over,
        "bolt": e.bolt,
        "adapter_fitted": e.adapter_fitted,
        "cycled": False,
        "loaded_from": frozenset() if clean and all_empty else loaded_from,
    }


def _apply_inspection(ws: WeaponState, e: ev.InspectionRecorded) -> WeaponState:
    ws = _set_contents(ws, _inspection_changes(ws.contents, e))
    all_empty = all(ws.contents.get(p, EMPTY).state is RoundState.EMPTY for p in ws.positions)
    return replace(ws, **_inspection_fields(e, ws.loaded_from, all_empty))


def _registered(e: ev.WeaponRegistered) -> WeaponState:
    """The state of a weapon just registered: every position empty."""
    weapon = Weapon(
        e.weapon,
        e.name,
        e.make,
        e.model,
        e.serial,
        e.calibre,
        e.owner,
        e.kind,
        e.action,
        e.capacity,
        e.transfer_bar,
        e.select_fire,
        open_bolt=e.open_bolt,
        slam_fire=e.slam_fire,
        drop_safety=e.drop_safety,
        decocker=e.decocker,
        importer=e.importer,
        country=e.country,
        firearm_type=e.firearm_type,
        acquisition=e.acquisition,
    )
    positions = load_positions(e.action, e.capacity)
    return WeaponState(weapon, contents=dict.fromkeys(positions, EMPTY), registered_at=e.at)


def _cycle(ws: WeaponState) -> WeaponState:
    """A shot through a self-loader: it fed itself and cocked again (R25).

    A closed-bolt semi-automatic leaves its hammer cocked on the next round; an
    open-bolt weapon stops with its bolt back. The record does not move the next
    round into the chamber (nobody saw it): ``cycled`` says it may be there.
    """
    build = ws.weapon.build
    if build.open_bolt and build.action in OPEN_BOLT_ACTIONS:
        return replace(ws, bolt=BoltPosition.BACK, cycled=True)
    if build.closed_bolt_self_loader:
        return replace(ws, hammer=HammerPosition.FULL_COCK, hammer_over=None, cycled=True)
    return ws


def apply(state: ProductionState, event: Event) -> ProductionState:
    """The state after ``event``."""
    state = replace(state, event_count=state.event_count + 1)
    state = _apply(state, event)
    return _counted(state, event) if event.signatures else state


def _counted(s: ProductionState, e: Event) -> ProductionState:
    """Each passkey signature on the event raises its key's stored signature counter."""
    for sig in e.signatures:
        key = s.passkeys.get(sig.credential)
        given = sig.sign_count
        if key is not None and given is not None and given > key.counter:
            s = replace(s, passkeys=_put(s.passkeys, sig.credential, replace(key, counter=given)))
    return s


def _apply(s: ProductionState, e: Event) -> ProductionState:
    match e:
        case ev.ProductionCreated():
            by = e.by or PersonId("")
            info = Production(s.production, e.title, e.company, e.location, e.time_zone, e.settings)
            return replace(
                s,
                info=info,
                people=_put(s.people, by, Person(by, e.creator_name or str(by))),
                roles=_put(s.roles, by, frozenset(e.roles)),
            )
        case ev.SettingsChanged():
            assert s.info is not None
            return replace(s, info=replace(s.info, settings=e.settings))
        case ev.PersonAdded():
            return replace(s, people=_put(s.people, e.person, Person(e.person, e.name)))
        case ev.PasskeyEnrolled():
            key = PasskeyRecord(e.person, e.credential, e.public_key, e.rp_id, e.label, e.by, e.at)
            return replace(s, passkeys=_put(s.passkeys, e.credential, key))
        case ev.PasskeyRevoked():
            revoked = replace(s.passkeys[e.credential], revoked_at=e.at)
            return replace(s, passkeys=_put(s.passkeys, e.credential, revoked))
        case ev.RoleAssigned():
            roles = s.roles.get(e.person, frozenset()) | {e.role}
            return replace(s, roles=_put(s.roles, e.person, roles))
        case ev.RoleEnded():
            roles = s.roles.get(e.person, frozenset()) - {e.role}
            return replace(s, roles=_put(s.roles, e.person, roles))
        case ev.DutyAssigned():
            duties = s.duties.get(e.person, frozenset()) | {e.duty}
            return replace(s, duties=_put(s.duties, e.person, duties))
        case ev.DutyEnded():
            duties = s.duties.get(e.person, frozenset()) - {e.duty}
            return replace(s, duties=_put(s.duties, e.person, duties))
        case ev.TrainingRecorded():
            trained = s.training.get(e.person, frozenset()) | {e.action}
            s = replace(s, training=_put(s.training, e.person, trained))
            records = tuple(
                r for r in s.training_records if not (r.person == e.person and r.action is e.action)
            )
            if e.course or e.trained_on or e.expires:
                records += (TrainingRecord(e.person, e.action, e.course, e.trained_on, e.expires),)
            return replace(s, training_records=records)
        case ev.PermitRecorded():
            kept = tuple(p for p in s.permits.get(e.person, ()) if p.kind is not e.kind)
            permit = Permit(e.kind, e.number, e.expires)
            return replace(s, permits=_put(s.permits, e.person, (*kept, permit)))
        case ev.LiveExceptionRecorded():
            return replace(s, live_exception=LiveException(e.supervisor, e.purpose, e.at))
        case ev.WeaponRegistered():
            ws = _registered(e)
            return replace(s, weapons=_put(s.weapons, e.weapon, ws))
        case ev.WeaponRetired():
            return _weapon(s, e.weapon, retired=True, retired_at=e.at, disposition=e.disposition)
        case ev.WeaponPhotographed():
            photo = WeaponPhoto(
                e.sha256, e.byte_size, e.media_type, e.width, e.height, e.note, e.at, e.by
            )
            return _weapon(s, e.weapon, photos=(*s.weapons[e.weapon].photos, photo))
        case ev.ContainerCreated():
            cs = ContainerState(Container(e.container, e.label, e.location))
            return replace(s, containers=_put(s.containers, e.container, cs))
        case ev.ContainerMoved():
            cs = s.containers[e.container]
            moved = replace(cs, container=replace(cs.container, location=e.to))
            return replace(s, containers=_put(s.containers, e.container, moved))
        case ev.LotReceived():
            lot = AmmoLot(e.lot, e.round_class, e.blank_load, e.calibre, e.supplier, e.count)
            verified = False if e.round_class is RoundClass.DUMMY else None
            ls = LotState(lot, in_store=e.count, verified=verified)
            s = replace(s, lots=_put(s.lots, e.lot, ls))
            return _container(s, e.container, e.lot, e.count)
        case ev.DummiesVerified():
            ls = replace(s.lots[e.lot], verified=not e.failed, failed=e.failed)
            return replace(s, lots=_put(s.lots, e.lot, ls))
        case ev.RoundsMoved():
            s = _container(s, e.from_container, e.lot, -e.count)
            return _container(s, e.to_container, e.lot, e.count)
        case ev.LotReturned():
            s = _lot(s, e.lot, in_store=-e.count, returned=e.count)
            return _container(s, e.container, e.lot, -e.count)
        case ev.RoundsDestroyed():
            s = _lot(s, e.lot, in_store=-e.count, destroyed=e.count)
            return _container(s, e.container, e.lot, -e.count)
        case ev.LotQuarantined():
            return replace(s, lots=_put(s.lots, e.lot, replace(s.lots[e.lot], quarantined=True)))
        case ev.LotReleased():
            return replace(s, lots=_put(s.lots, e.lot, replace(s.lots[e.lot], quarantined=False)))
        case ev.ScenePlanned():
            plan = ScenePlan(
                e.scene,
                e.day,
                e.title,
                e.setup,
                e.weapons,
                e.performers,
                e.fires_blanks,
                e.points_at_people_or_camera,
                e.closest_distance_ft,
                e.protection,
                e.signed_off_by,
                e.revision,
            )
            return replace(s, scenes=_put(s.scenes, e.scene, plan))
        case ev.SafetyMeetingHeld():
            meeting = SafetyMeeting(
                e.meeting, e.day, e.at, e.scenes, e.scene_revisions, e.attendees, e.notes
            )
            return replace(s, meetings=_put(s.meetings, e.meeting, meeting))
        case ev.ArmoryUnlocked():
            return replace(s, armory_locked=False)
        case ev.ArmoryLocked():
            return replace(s, armory_locked=True)
        case ev.WeaponTakenOut():
            day = s.local_day(e.at)
            record = replace(s.days.get(day, DayRecord(day)), worked=True)
            s = replace(s, days=_put(s.days, day, record))
            return _weapon(s, e.weapon, location=Custody.ARMORER, holder=e.by, issued_by=e.by)
        case ev.WeaponReturnedToStorage():
            return _weapon(
                s,
                e.weapon,
                location=Custody.STORAGE,
                holder=None,
                issued_by=e.by,
                inspection=None,
                out_since=None,
            )
        case ev.InspectionRecorded():
            ws = _apply_inspection(s.weapons[e.weapon], e)
            return replace(s, weapons=_put(s.weapons, e.weapon, ws))
        case ev.BoreChecked():
            due = None if e.bore is BoreFinding.CLEAR else "obstructed"
            return _weapon(s, e.weapon, bore_check_due=due)
        case ev.WeaponLoaded():
            ws = s.weapons[e.weapon]
            changes: dict[str, Load] = {}
            for pl in e.loads:
                lot = s.lots[pl.lot].lot
                kind = RoundState(lot.round_class.value)
                changes[pl.position] = Load(kind, pl.lot, lot.blank_load)
                s = _lot(s, pl.lot, in_store=-1, in_weapons=1)
                s = _container(s, e.container, pl.lot, -1)
            ws = _set_contents(ws, changes)
            ws = replace(ws, loaded_from=ws.loaded_from | {pl.lot for pl in e.loads})
            if e.hammer_over is not None:
                ws = replace(ws, hammer=HammerPosition.DOWN, hammer_over=e.hammer_over)
            if e.hammer is not None:
                ws = replace(ws, hammer=e.hammer)
            if e.bolt is not None:
                ws = replace(ws, bolt=e.bolt)
            return replace(s, weapons=_put(s.weapons, e.weapon, ws))
        case ev.WeaponUnloaded():
            ws = s.weapons[e.weapon]
            changes = {}
            dummies = False
            for position in e.positions:
                load = ws.contents.get(position, EMPTY)
                changes[position] = EMPTY
                if load.state is RoundState.DUMMY:
                    dummies = True
                if load.state in (RoundState.SPENT, RoundState.EMPTY) or load.lot is None:
                    continue
                if e.disposition is Disposition.STORE and e.container is not None:
                    s = _lot(s, load.lot, in_weapons=-1, in_store=1)
                    s = _container(s, e.container, load.lot, 1)
                else:
                    s = _lot(s, load.lot, in_weapons=-1, destroyed=1)
            ws = _set_contents(ws, changes)
            if dummies:
                ws = replace(ws, bore_check_due="dummies")
            if ws.misfire is not None and ws.misfire.position in e.positions:
                ws = replace(ws, misfire=None)
            ws = replace(ws, misfired=ws.misfired - set(e.positions))
            return replace(s, weapons=_put(s.weapons, e.weapon, ws))
        case ev.WeaponHandedOver():
            as_armorer = s.is_armorer(e.to) if e.as_armorer is None else e.as_armorer
            if as_armorer:
                return _weapon(
                    s,
                    e.weapon,
                    location=Custody.ARMORER,
                    holder=e.to,
                    issued_by=e.to,
                    out_since=None,
                )
            return _weapon(
                s,
                e.weapon,
                location=Custody.PERFORMER,
                holder=e.to,
                issued_by=e.by,
                out_since=e.at,
            )
        case ev.WeaponTakenBack():
            return _weapon(
                s,
                e.weapon,
                location=Custody.ARMORER,
                holder=e.by,
                issued_by=e.by,
                inspection=None,
                out_since=None,
            )
        case ev.BlanksFired():
            ws = s.weapons[e.weapon]
            changes = {}
            for position in e.positions:
                load = ws.contents.get(position, EMPTY)
                changes[position] = Load(RoundState.SPENT, load.lot, load.blank_load)
                if load.lot is not None:
                    s = _lot(s, load.lot, in_weapons=-1, fired=1, fired_since_count=1)
            ws = replace(
                _set_contents(ws, changes),
                bore_check_due="fired",
                hammer=HammerPosition.DOWN,
                hammer_over=e.positions[-1] if e.positions else ws.hammer_over,
                misfired=ws.misfired - set(e.positions),
            )
            ws = _cycle(ws) if e.positions else ws
            return replace(s, weapons=_put(s.weapons, e.weapon, ws))
        case ev.MisfireRecorded():
            return _weapon(
                s,
                e.weapon,
                misfire=Misfire(e.position, e.at),
                misfired=s.weapons[e.weapon].misfired | {e.position},
                hammer=HammerPosition.DOWN,
                hammer_over=e.position,
                bore_check_due="misfire",
            )
        case ev.UnplannedDischargeRecorded():
            ws = s.weapons[e.weapon]
            if e.position is not None:
                load = ws.contents.get(e.position, EMPTY)
                if load.state is not RoundState.EMPTY and load.state is not RoundState.SPENT:
                    if load.lot is not None:
                        s = _lot(s, load.lot, in_weapons=-1, fired=1, fired_since_count=1)
                    ws = _set_contents(ws, {e.position: Load(RoundState.SPENT, load.lot)})
            ws = _cycle(replace(ws, bore_check_due="fired"))
            return replace(s, weapons=_put(s.weapons, e.weapon, ws))
        case ev.WeaponQuarantined():
            return _weapon(s, e.weapon, quarantined=True, quarantine_reason=e.reason)
        case ev.WeaponQuarantineCleared():
            return _weapon(s, e.weapon, quarantined=False, quarantine_reason="")
        case ev.RoundsSealedAsEvidence():
            return _seal_rounds(s, e)
        case ev.WeaponSealedAsEvidence():
            ws = s.weapons[e.weapon]
            for position in ws.positions:
                load = ws.contents.get(position, EMPTY)
                if load.lot is not None and load.state not in (RoundState.SPENT, RoundState.EMPTY):
                    s = _lot(s, load.lot, in_weapons=-1, evidence=1)
            hold = EvidenceHold(e.seal, e.handed_to, e.at, e.by, e.witnesses)
            return _weapon(
                s,
                e.weapon,
                location=Custody.STORAGE,
                holder=None,
                issued_by=e.by,
                contents=dict.fromkeys(ws.positions, EMPTY),
                inspection=None,
                misfire=None,
                misfired=frozenset(),
                out_since=None,
                retired=True,
                evidence=hold,
            )
        case ev.IncidentOpened():
            incident = Incident(
                e.incident,
                e.at,
                e.kind,
                e.severity,
                e.description,
                e.weapon,
                e.lots,
                weapons=e.weapons,
                scene=e.scene,
                people=e.people,
            )
            return replace(s, incidents=_put(s.incidents, e.incident, incident))
        case ev.IncidentClosed():
            closed = replace(s.incidents[e.incident], closed_at=e.at, resolution=e.resolution)
            return replace(s, incidents=_put(s.incidents, e.incident, closed))
        case ev.SafetyReportFiled():
            report = SafetyReport(e.report, e.at, None if e.anonymous else e.by, e.text)
            return replace(s, reports=_put(s.reports, e.report, report))
        case ev.SafetyReportClosed():
            done = replace(s.reports[e.report], closed_at=e.at, response=e.response)
            return replace(s, reports=_put(s.reports, e.report, done))
        case ev.StopWorkStarted():
            incidents = (e.incident,) if e.incident is not None else ()
            if s.stop_work is None:
                return replace(s, stop_work=StopWorkState(e.at, e.by, (e.reason,), incidents))
            sw = s.stop_work
            return replace(
                s,
                stop_work=replace(
                    sw, reasons=(*sw.reasons, e.reason), incidents=(*sw.incidents, *incidents)
                ),
            )
        case ev.StopWorkLifted():
            open_incidents = dict(s.incidents)
            for carried in e.carried_over:
                if carried in open_incidents:
                    open_incidents[carried] = replace(
                        open_incidents[carried], carried_over=e.reason
                    )
            return replace(s, stop_work=None, incidents=open_incidents)
        case ev.DayReconciled():
            worked = s.days[e.day].worked if e.day in s.days else False
            record = DayRecord(e.day, DayState.RECONCILED, e.discrepancies, worked=worked)
            lots = {k: replace(v, fired_since_count=0) for k, v in s.lots.items()}
            return replace(s, days=_put(s.days, e.day, record), lots=lots)
        case ev.DayClosed():
            record = s.days.get(e.day, DayRecord(e.day))
            new_state = DayState.CLOSED_WITH_DISCREPANCY if e.with_discrepancy else DayState.CLOSED
            return replace(s, days=_put(s.days, e.day, replace(record, state=new_state)))
        case ev.DiscrepancyResolved():
            record = replace(s.days[e.day], state=DayState.RESOLVED, resolution=e.resolution)
            return replace(s, days=_put(s.days, e.day, record))
        case ev.CorrectionRecorded():
            note = CorrectionNote(
                s.event_count - 1, e.corrects, e.reason, e.by, e.at, e.changes, e.of_type, e.subject
            )
            return _corrected_records(replace(s, corrections=(*s.corrections, note)), e)
    raise TypeError(f"not an event: {e!r}")  # pragma: no cover


def _corrected_records(s: ProductionState, e: ev.CorrectionRecorded) -> ProductionState:
    """Corrected values of a registration reach the record it made (R27): a weapon's serial,
    make, model or acquisition, its disposition when retired, a person's name, a lot's
    calibre or supplier, as now corrected."""
    if not e.changes:
        return s
    if e.of_type == "WeaponRegistered" and e.subject in s.weapons:
        ws = s.weapons[WeaponId(e.subject)]
        weapon = corrected_record(ws.weapon, e.changes)
        return replace(s, weapons=_put(s.weapons, ws.weapon.id, replace(ws, weapon=weapon)))
    if e.of_type == "WeaponRetired" and e.subject in s.weapons:
        ws = s.weapons[WeaponId(e.subject)]
        return replace(s, weapons=_put(s.weapons, ws.weapon.id, corrected_record(ws, e.changes)))
    if e.of_type == "PersonAdded" and e.subject in s.people:
        person = s.people[PersonId(e.subject)]
        return replace(s, people=_put(s.people, person.id, corrected_record(person, e.changes)))
    if e.of_type == "LotReceived" and e.subject in s.lots:
        ls = s.lots[LotId(e.subject)]
        lot = corrected_record(ls.lot, e.changes)
        return replace(s, lots=_put(s.lots, ls.lot.id, replace(ls, lot=lot)))
    return s


def _seal_rounds(s: ProductionState, e: ev.RoundsSealedAsEvidence) -> ProductionState:
    """Rounds out of a weapon's positions or a container, into the lot's evidence count."""
    if e.weapon is not None:
        ws = s.weapons[e.weapon]
        changes: dict[str, Load] = {}
        for position in e.positions:
            load = ws.contents.get(position, EMPTY)
            changes[position] = EMPTY
            if load.lot is not None and load.state not in (RoundState.SPENT, RoundState.EMPTY):
                s = _lot(s, load.lot, in_weapons=-1, evidence=1)
        ws = _set_contents(ws, changes)
        if ws.misfire is not None and ws.misfire.position in e.positions:
            ws = replace(ws, misfire=None)
        ws = replace(ws, misfired=ws.misfired - set(e.positions))
        return replace(s, weapons=_put(s.weapons, e.weapon, ws))
    if e.lot is not None and e.container is not None:
        s = _lot(s, e.lot, in_store=-e.count, evidence=e.count)
        return _container(s, e.container, e.lot, -e.count)
    return s


def replay(production: ProductionId, events: Iterable[Event]) -> ProductionState:
    """Fold events, oldest first, into the production's state."""
    state = empty_state(production)
    for e in events:
        state = apply(state, e)
    return state
