"""What a person asks coldcheck to do.

Every command says which production, who asks (``actor``, authenticated by
the service; None only for an anonymous safety report), when (``at``, a
tz-aware UTC datetime from the service's clock) and who else confirmed it
with their own PIN (``confirmations``, verified by the service).  Ids for new
things are chosen by the caller.

Why one file of ~600 lines: it is the catalogue of every command (one small
frozen dataclass each, with its bounds), read as one list beside ``events``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from coldcheck.domain.errors import InvalidCommand
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
from coldcheck.domain.mechanics import ActionType, BoltPosition, HammerPosition
from coldcheck.domain.model import (
    Acquisition,
    BlankLoad,
    BoreFinding,
    Disposition,
    DispositionKind,
    FieldChange,
    Finding,
    LockUpKind,
    LotCount,
    PasskeySignature,
    PermitKind,
    PositionLoad,
    Role,
    RoundCheck,
    RoundClass,
    Settings,
    Severity,
    StorageLocation,
    TakeContext,
    WeaponKind,
)


@dataclass(frozen=True, kw_only=True)
class BaseCommand:
    """Fields every command carries."""

    production: ProductionId
    actor: PersonId | None
    at: datetime
    confirmations: frozenset[PersonId] = field(default_factory=frozenset)
    signatures: tuple[PasskeySignature, ...] = ()

    def __post_init__(self) -> None:
        """Accept enum values given as their strings (``"blank"``) and any set of confirmers."""
        for f in fields(self):
            value = getattr(self, f.name)
            enum = _enum_of(type(self), f.name)
            if enum is not None and isinstance(value, str) and not isinstance(value, enum):
                try:
                    object.__setattr__(self, f.name, enum(value))
                except ValueError:
                    allowed = ", ".join(str(m.value) for m in enum)
                    raise InvalidCommand(f"{f.name} must be one of: {allowed}") from None
        if not isinstance(self.confirmations, frozenset):
            object.__setattr__(self, "confirmations", frozenset(self.confirmations))


_ENUMS: dict[tuple[type[Any], str], type[Enum] | None] = {}


def _enum_of(cls: type[Any], name: str) -> type[Enum] | None:
    """The Enum a command field holds (directly or as ``X | None``), if any."""
    key = (cls, name)
    if key not in _ENUMS:
        hint: Any = typing.get_type_hints(cls)[name]
        found = None
        for candidate in (hint, *typing.get_args(hint)):
            if isinstance(candidate, type) and issubclass(candidate, Enum):
                found = candidate
        _ENUMS[key] = found
    return _ENUMS[key]


# -- production and people ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateProduction(BaseCommand):
    """Start a production; the actor becomes a member with ``roles``."""

    title: str
    company: str
    location: str
    time_zone: str
    settings: Settings = field(default_factory=Settings)
    actor_name: str = ""
    roles: tuple[Role, ...] = (Role.PRODUCER,)


@dataclass(frozen=True, kw_only=True)
class ChangeSettings(BaseCommand):
    """The producer overrides the production's thresholds."""

    settings: Settings


@dataclass(frozen=True, kw_only=True)
class AddPerson(BaseCommand):
    """Make a person known to the production."""

    person: PersonId
    name: str


@dataclass(frozen=True, kw_only=True)
class AssignRole(BaseCommand):
    """Give a person a role on this production."""

    person: PersonId
    role: Role


@dataclass(frozen=True, kw_only=True)
class EndRole(BaseCommand):
    """Take a role away."""

    person: PersonId
    role: Role


@dataclass(frozen=True, kw_only=True)
class AssignDuty(BaseCommand):
    """Give a person another duty (props, ...); refused for an armorer holding weapons (R07)."""

    person: PersonId
    duty: str


@dataclass(frozen=True, kw_only=True)
class EndDuty(BaseCommand):
    """End another duty."""

    person: PersonId
    duty: str


@dataclass(frozen=True, kw_only=True)
class RecordTraining(BaseCommand):
    """A performer was trained on an action type (R14)."""

    person: PersonId
    action: ActionType
    note: str = ""
    course: str = ""
    trained_on: date | None = None
    expires: date | None = None
    """After this date the training no longer counts (R14); None: no expiry was given."""


@dataclass(frozen=True, kw_only=True)
class RecordPermit(BaseCommand):
    """A permit or licence with its expiry date (R26)."""

    person: PersonId
    kind: PermitKind
    number: str
    expires: date


@dataclass(frozen=True, kw_only=True)
class RecordLiveException(BaseCommand):
    """A §9155 exception (range training, sound recording) naming a supervisor (R01)."""

    supervisor: PersonId
    purpose: str


# -- weapons, containers, lots -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterWeapon(BaseCommand):
    """Register a weapon received from its owner; it goes into storage."""

    weapon: WeaponId
    name: str
    make: str
    model: str
    serial: str
    calibre: str
    owner: str
    kind: WeaponKind
    action: ActionType
    capacity: int
    transfer_bar: bool = False
    select_fire: bool = False
    open_bolt: bool = False
    """Fires from an open bolt: semi-automatic pistol or rifle, or belt-fed (R25)."""
    slam_fire: bool = False
    """A pump without a trigger disconnector: fires each time the slide closes (R25)."""
    drop_safety: bool = False
    """A closed-bolt semi-automatic with a firing-pin block or drop safety (R25)."""
    decocker: bool = False
    """A closed-bolt semi-automatic whose hammer can be lowered on a chambered round (R25)."""
    importer: str = ""
    country: str = ""
    """Country of manufacture."""
    firearm_type: str = ""
    """The bound book's type: pistol, revolver, rifle, shotgun, ..."""
    acquisition: Acquisition | None = None
    """From whom it was received (bound book); None or no day: received the day registered."""


@dataclass(frozen=True, kw_only=True)
class RetireWeapon(BaseCommand):
    """Take a weapon off the production: returned to its owner (the default), transferred or
    destroyed, with to whom and when (the bound book's disposition)."""

    weapon: WeaponId
    how: DispositionKind = DispositionKind.RETURNED
    to_name: str = ""
    """Empty when returned: the house it was acquired from (or its owner)."""
    to_address: str = ""
    to_licence: str = ""
    reference: str = ""
    on: date | None = None
    """The day it left; None: the day of the command."""


@dataclass(frozen=True, kw_only=True)
class CreateContainer(BaseCommand):
    """A new box or can for rounds."""

    container: ContainerId
    label: str
    location: StorageLocation = StorageLocation.STORAGE


@dataclass(frozen=True, kw_only=True)
class MoveContainer(BaseCommand):
    """Move a container between storage and the cart."""

    container: ContainerId
    to: StorageLocation


@dataclass(frozen=True, kw_only=True)
class ReceiveLot(BaseCommand):
    """Receive a lot of rounds into a container (R01, R02, R04)."""

    lot: LotId
    round_class: RoundClass
    blank_load: BlankLoad | None = None
    calibre: str
    supplier: str
    count: int
    container: ContainerId


@dataclass(frozen=True, kw_only=True)
class VerifyDummies(BaseCommand):
    """Every round of a dummy lot checked, with the method (R03)."""

    lot: LotId
    method: str
    rounds: tuple[RoundCheck, ...]


@dataclass(frozen=True, kw_only=True)
class MoveRounds(BaseCommand):
    """Move rounds of one lot between containers (R04)."""

    lot: LotId
    from_container: ContainerId
    to_container: ContainerId
    count: int


@dataclass(frozen=True, kw_only=True)
class ReturnLot(BaseCommand):
    """Send rounds back to the supplier (R05: counted as returned)."""

    lot: LotId
    container: ContainerId
    count: int
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class DestroyRounds(BaseCommand):
    """Destroy rounds from a container (R05: counted as destroyed)."""

    lot: LotId
    container: ContainerId
    count: int
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class ReleaseLot(BaseCommand):
    """Lift a lot's quarantine (armorer with the safety supervisor confirming)."""

    lot: LotId
    note: str


# -- scenes and meetings -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PlanScene(BaseCommand):
    """Plan (or re-plan) a scene's firearm use (R13, R17, R18).

    An armorer signs off on the plan by being the actor or confirming it.
    Re-planning the same scene id with a different action or blocking makes
    earlier safety meetings stale (R17).
    """

    scene: SceneId
    day: date
    title: str
    setup: str = ""
    weapons: tuple[WeaponId, ...] = ()
    performers: tuple[PersonId, ...] = ()
    fires_blanks: bool = False
    points_at_people_or_camera: bool = False
    closest_distance_ft: int = 0
    protection: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class HoldSafetyMeeting(BaseCommand):
    """A safety meeting for scenes of a shoot day, with its attendees (R17)."""

    meeting: MeetingId
    day: date
    scenes: tuple[SceneId, ...]
    attendees: tuple[PersonId, ...]
    notes: str = ""


# -- custody ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UnlockArmory(BaseCommand):
    """Open the armory for the day."""


@dataclass(frozen=True, kw_only=True)
class LockUp(BaseCommand):
    """Lock everything up for a break, lunch or wrap (R09)."""

    kind: LockUpKind = LockUpKind.BREAK


@dataclass(frozen=True, kw_only=True)
class TakeOutOfStorage(BaseCommand):
    """An armorer takes a weapon out of storage into their own custody (R06, R07, R26)."""

    weapon: WeaponId


@dataclass(frozen=True, kw_only=True)
class ReturnToStorage(BaseCommand):
    """An armorer puts an unloaded weapon back in storage."""

    weapon: WeaponId


@dataclass(frozen=True, kw_only=True)
class InspectWeapon(BaseCommand):
    """An inspection: a finding for every position, the bore, every checklist step (R10, R24).

    ``hammer``/``hammer_over`` record where the hammer of a single-action
    revolver was left (R25); ``hammer_over`` names the chamber under it. For a
    closed-bolt semi-automatic ``hammer`` is its hammer or striker (``full_cock``
    or ``down``); ``bolt`` is an open-bolt weapon's bolt; ``adapter_fitted``
    says whether a blank-adapted weapon's blank-firing adapter is on.
    """

    weapon: WeaponId
    findings: tuple[Finding, ...]
    bore: BoreFinding
    checklist: tuple[str, ...]
    hammer: HammerPosition | None = None
    hammer_over: str | None = None
    bolt: BoltPosition | None = None
    adapter_fitted: bool | None = None


@dataclass(frozen=True, kw_only=True)
class CheckBore(BaseCommand):
    """A bore check on its own (R15, R16)."""

    weapon: WeaponId
    bore: BoreFinding


@dataclass(frozen=True, kw_only=True)
class LoadWeapon(BaseCommand):
    """Load rounds from one container into empty positions.

    Blanks need ``scene`` and ``take_at``, the planned time of the take: the
    load must happen within the production's blank-load window before it
    (R13).  For a single-action revolver without a transfer bar,
    ``hammer_over`` names the chamber the hammer is lowered onto (R25).
    """

    weapon: WeaponId
    container: ContainerId
    loads: tuple[PositionLoad, ...]
    scene: SceneId | None = None
    take_at: datetime | None = None
    hammer_over: str | None = None
    context: TakeContext | None = None
    meeting: MeetingId | None = None
    """The safety meeting that authorised a blank load (R17); None: the rules find it."""
    hammer: HammerPosition | None = None
    """A closed-bolt semi-automatic with a round in the chamber after the load: its hammer
    or striker left cocked (``full_cock``) or lowered (``down``, with a decocker; R25)."""
    bolt: BoltPosition | None = None
    """An open-bolt weapon: its bolt after the load, back (ready to fire) or forward (R25)."""


@dataclass(frozen=True, kw_only=True)
class UnloadWeapon(BaseCommand):
    """Unload positions; unfired rounds go back to a container or to destruction.

    Spent cases are always collected (they were counted as fired already).
    A live or unidentified round can only be destroyed.
    """

    weapon: WeaponId
    positions: tuple[str, ...]
    disposition: Disposition = Disposition.STORE
    container: ContainerId | None = None


@dataclass(frozen=True, kw_only=True)
class HandOver(BaseCommand):
    """Hand a weapon to someone (R08, R10, R12, R14, R21, R23, R28).

    To a performer: the actor is the armorer holding it, and
    ``confirmations`` hold the performer and a 1st AD (R12).  To another
    armorer: the receiving armorer confirms.
    """

    weapon: WeaponId
    to: PersonId
    context: TakeContext | None = None


@dataclass(frozen=True, kw_only=True)
class TakeBack(BaseCommand):
    """An armorer takes a weapon back from whoever holds it (R08, R15)."""

    weapon: WeaponId
    context: TakeContext | None = None


@dataclass(frozen=True, kw_only=True)
class RecordFiring(BaseCommand):
    """Blanks fired from these positions (R15: a bore check comes before the next load)."""

    weapon: WeaponId
    positions: tuple[str, ...]
    context: TakeContext | None = None


@dataclass(frozen=True, kw_only=True)
class RecordMisfire(BaseCommand):
    """A blank did not fire (R19): wait before clearing."""

    weapon: WeaponId
    position: str
    context: TakeContext | None = None


@dataclass(frozen=True, kw_only=True)
class RecordUnplannedDischarge(BaseCommand):
    """A weapon went off when it should not have (R20, R21)."""

    weapon: WeaponId
    position: str | None = None
    description: str = ""
    context: TakeContext | None = None


@dataclass(frozen=True, kw_only=True)
class ClearWeaponQuarantine(BaseCommand):
    """An armorer returns a quarantined weapon to use after inspecting it."""

    weapon: WeaponId
    note: str


@dataclass(frozen=True, kw_only=True)
class SealRoundsAsEvidence(BaseCommand):
    """Seal rounds as evidence and hand them to a named person or agency (never back to stock).

    The rounds come from a weapon's ``positions`` (``weapon`` set) or from a
    container (``lot``, ``container``, ``count``). A second person confirms.
    """

    seal: str
    handed_to: str
    weapon: WeaponId | None = None
    positions: tuple[str, ...] = ()
    lot: LotId | None = None
    container: ContainerId | None = None
    count: int = 0
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class SealWeaponAsEvidence(BaseCommand):
    """Seal a weapon (with whatever it holds) as evidence and hand it to a named person or agency.

    It leaves the production for good, like a retired weapon. A second person confirms.
    """

    weapon: WeaponId
    seal: str
    handed_to: str
    note: str = ""


# -- incidents, reports, stop-work ---------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OpenIncident(BaseCommand):
    """Open an incident by hand; severity ``stop`` stops work (R21) and quarantines what it names.

    It may name weapons (``weapon`` and/or ``weapons``), lots, a scene and
    people, whatever its severity.
    """

    kind: str
    severity: Severity
    description: str
    weapon: WeaponId | None = None
    weapons: tuple[WeaponId, ...] = ()
    lots: tuple[LotId, ...] = ()
    scene: SceneId | None = None
    people: tuple[PersonId, ...] = ()
    context: TakeContext | None = None


@dataclass(frozen=True, kw_only=True)
class CloseIncident(BaseCommand):
    """Close an incident with its resolution."""

    incident: IncidentId
    resolution: str


@dataclass(frozen=True, kw_only=True)
class FileSafetyReport(BaseCommand):
    """Anyone files a safety report; ``actor`` None when anonymous (R22)."""

    report: ReportId
    text: str
    anonymous: bool = False


@dataclass(frozen=True, kw_only=True)
class CloseSafetyReport(BaseCommand):
    """Answer and close a safety report (it is never deleted)."""

    report: ReportId
    response: str


@dataclass(frozen=True, kw_only=True)
class StopWork(BaseCommand):
    """Halt all issue and loading for the production (R21)."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class LiftStopWork(BaseCommand):
    """Armorer and safety supervisor together lift stop-work after a new meeting (R21).

    Every stop-severity incident behind the stop must be closed first, or named
    in ``carry_over`` with ``carry_over_reason``: it stays open, on the record.
    """

    meeting: MeetingId
    carry_over: tuple[IncidentId, ...] = ()
    carry_over_reason: str = ""


# -- reconciliation and records ----------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReconcileDay(BaseCommand):
    """Wrap count (R23): rounds per lot, spent cases, weapon serials seen in storage."""

    day: date
    lot_counts: tuple[LotCount, ...]
    serials_seen: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CloseDay(BaseCommand):
    """Armorer closes the day, a production representative confirming (R23)."""

    day: date


@dataclass(frozen=True, kw_only=True)
class ResolveDiscrepancy(BaseCommand):
    """Resolve a day closed with a discrepancy; a producer confirms (R23)."""

    day: date
    resolution: str


@dataclass(frozen=True, kw_only=True)
class Correct(BaseCommand):
    """Record a correction of an earlier event, by its log position, with the corrected
    values (R27, ATF Ruling 2016-1).

    ``corrects`` is the event's position in the server's log (its ``seq``);
    the service refuses a position that is not an event of this production.
    ``changes`` gives field → corrected value (``was`` is filled in by the service); a
    correction without changes says what was wrong in words only.
    """

    corrects: int
    reason: str
    changes: tuple[FieldChange, ...] = ()
    #: what the corrected event concerns; the service fills these from the log
    #: (whatever a caller sends is replaced), see ``CorrectionRecorded``
    weapons: tuple[WeaponId, ...] = ()
    lots: tuple[LotId, ...] = ()
    containers: tuple[ContainerId, ...] = ()
    incidents: tuple[IncidentId, ...] = ()
    people: tuple[PersonId, ...] = ()
    #: the corrected entry's type and the id its values describe, from the log likewise
    of_type: str = ""
    subject: str = ""


# -- passkeys (issue 17) -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EnrolPasskey(BaseCommand):
    """Record ``person``'s passkey: its credential id and COSE public key (base64url), for the
    relying party ``rp_id``. The person enrols their own; an armorer enrols one for a person
    present at the cart, that person confirming with their PIN."""

    person: PersonId
    credential: str
    public_key: str
    rp_id: str
    label: str = ""


@dataclass(frozen=True, kw_only=True)
class RevokePasskey(BaseCommand):
    """A lost or compromised passkey stops counting: an armorer and the producer together."""

    credential: str
    reason: str


# -- weapon photos (issue 18, part 5) --------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PhotographWeapon(BaseCommand):
    """Record a photo of the weapon, named by the SHA-256 of its bytes (kept beside the log).

    The service reads ``byte_size``, ``media_type`` and the pixel size from the bytes
    themselves (``domain.photos.read_photo``); width and height are 0 when the header
    does not say them.
    """

    weapon: WeaponId
    sha256: str
    byte_size: int
    media_type: str
    width: int = 0
    height: int = 0
    note: str = ""


Command = (
    CreateProduction
    | ChangeSettings
    | AddPerson
    | AssignRole
    | EndRole
    | AssignDuty
    | EndDuty
    | RecordTraining
    | RecordPermit
    | RecordLiveException
    | RegisterWeapon
    | RetireWeapon
    | CreateContainer
    | MoveContainer
    | ReceiveLot
    | VerifyDummies
    | MoveRounds
    | ReturnLot
    | DestroyRounds
    | ReleaseLot
    | PlanScene
    | HoldSafetyMeeting
    | UnlockArmory
    | LockUp
    | TakeOutOfStorage
    | ReturnToStorage
    | InspectWeapon
    | CheckBore
    | LoadWeapon
    | UnloadWeapon
    | HandOver
    | TakeBack
    | RecordFiring
    | RecordMisfire
    | RecordUnplannedDischarge
    | ClearWeaponQuarantine
    | SealRoundsAsEvidence
    | SealWeaponAsEvidence
    | OpenIncident
    | CloseIncident
    | FileSafetyReport
    | CloseSafetyReport
    | StopWork
    | LiftStopWork
    | ReconcileDay
    | CloseDay
    | ResolveDiscrepancy
    | Correct
    | EnrolPasskey
    | RevokePasskey
    | PhotographWeapon
)
"""Any command ``decide`` accepts."""
