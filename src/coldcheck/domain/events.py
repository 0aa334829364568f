"""What happened: one frozen dataclass per event type (their JSON form is in ``codec``).

Every event carries ``production``, ``at``, ``by`` (None only for an
anonymous report) and ``witnesses`` (who confirmed, sorted).  Events a
warning-only rule let through carry ``warnings``.

A new version of an event's payload gets an upcaster in
:data:`coldcheck.domain.codec.UPCASTERS`, never a rewrite of the log.

Why one file of ~600 lines: it is the catalogue of every event type (50 small
frozen dataclasses and the ``Event`` union), read as one list.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, TypeAlias

from coldcheck.domain.errors import Reason
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
    FieldChange,
    Finding,
    LotCount,
    PasskeySignature,
    PermitKind,
    PositionLoad,
    Role,
    RoundClass,
    Settings,
    Severity,
    StorageLocation,
    TakeContext,
    WeaponDisposition,
    WeaponKind,
)


@dataclass(frozen=True, kw_only=True)
class BaseEvent:
    """Fields every event carries."""

    type_name: ClassVar[str] = ""
    version: ClassVar[int] = 1

    production: ProductionId
    at: datetime
    by: PersonId | None
    witnesses: tuple[PersonId, ...] = ()
    signatures: tuple[PasskeySignature, ...] = ()


# -- production and people ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProductionCreated(BaseEvent):
    """A production was started; ``by`` became a member with ``roles``."""

    type_name: ClassVar[str] = "ProductionCreated"
    title: str
    company: str
    location: str
    time_zone: str
    settings: Settings
    creator_name: str
    roles: tuple[Role, ...]


@dataclass(frozen=True, kw_only=True)
class SettingsChanged(BaseEvent):
    type_name: ClassVar[str] = "SettingsChanged"
    settings: Settings


@dataclass(frozen=True, kw_only=True)
class PersonAdded(BaseEvent):
    type_name: ClassVar[str] = "PersonAdded"
    person: PersonId
    name: str


@dataclass(frozen=True, kw_only=True)
class RoleAssigned(BaseEvent):
    type_name: ClassVar[str] = "RoleAssigned"
    person: PersonId
    role: Role


@dataclass(frozen=True, kw_only=True)
class RoleEnded(BaseEvent):
    type_name: ClassVar[str] = "RoleEnded"
    person: PersonId
    role: Role


@dataclass(frozen=True, kw_only=True)
class DutyAssigned(BaseEvent):
    type_name: ClassVar[str] = "DutyAssigned"
    person: PersonId
    duty: str


@dataclass(frozen=True, kw_only=True)
class DutyEnded(BaseEvent):
    type_name: ClassVar[str] = "DutyEnded"
    person: PersonId
    duty: str


@dataclass(frozen=True, kw_only=True)
class TrainingRecorded(BaseEvent):
    """v2 adds the ``course``, the day of the training and its expiry (v1: none recorded)."""

    type_name: ClassVar[str] = "TrainingRecorded"
    version: ClassVar[int] = 2
    person: PersonId
    action: ActionType
    note: str
    course: str = ""
    trained_on: date | None = None
    expires: date | None = None


@dataclass(frozen=True, kw_only=True)
class PermitRecorded(BaseEvent):
    type_name: ClassVar[str] = "PermitRecorded"
    person: PersonId
    kind: PermitKind
    number: str
    expires: date


@dataclass(frozen=True, kw_only=True)
class LiveExceptionRecorded(BaseEvent):
    type_name: ClassVar[str] = "LiveExceptionRecorded"
    supervisor: PersonId
    purpose: str


# -- weapons, containers, lots -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class WeaponRegistered(BaseEvent):
    """v2 (issue 18, the bound book) adds importer, country of manufacture, the bound book's
    type and the acquisition (from whom, their licence or reference, the day received);
    v1 entries read as none recorded.
    v3 (R25) adds the mechanism the hazard model reads: open bolt, slam-fire, drop safety,
    decocker (v1 and v2: all False — not recorded)."""

    type_name: ClassVar[str] = "WeaponRegistered"
    version: ClassVar[int] = 3
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
    transfer_bar: bool
    select_fire: bool
    open_bolt: bool = False
    slam_fire: bool = False
    drop_safety: bool = False
    decocker: bool = False
    importer: str = ""
    country: str = ""
    firearm_type: str = ""
    acquisition: Acquisition | None = None


@dataclass(frozen=True, kw_only=True)
class WeaponRetired(BaseEvent):
    """v2 (issue 18) adds the disposition: how, to whom, their licence or reference, the day;
    v1 entries read as None (a retirement then meant: back to its owner that day)."""

    type_name: ClassVar[str] = "WeaponRetired"
    version: ClassVar[int] = 2
    weapon: WeaponId
    disposition: WeaponDisposition | None = None


@dataclass(frozen=True, kw_only=True)
class ContainerCreated(BaseEvent):
    type_name: ClassVar[str] = "ContainerCreated"
    container: ContainerId
    label: str
    location: StorageLocation


@dataclass(frozen=True, kw_only=True)
class ContainerMoved(BaseEvent):
    type_name: ClassVar[str] = "ContainerMoved"
    container: ContainerId
    to: StorageLocation


@dataclass(frozen=True, kw_only=True)
class LotReceived(BaseEvent):
    type_name: ClassVar[str] = "LotReceived"
    lot: LotId
    round_class: RoundClass
    blank_load: BlankLoad | None
    calibre: str
    supplier: str
    count: int
    container: ContainerId


@dataclass(frozen=True, kw_only=True)
class DummiesVerified(BaseEvent):
    """Every round of a dummy lot was checked; ``failed`` lists the round numbers that failed."""

    type_name: ClassVar[str] = "DummiesVerified"
    lot: LotId
    method: str
    checked: int
    failed: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class RoundsMoved(BaseEvent):
    type_name: ClassVar[str] = "RoundsMoved"
    lot: LotId
    from_container: ContainerId
    to_container: ContainerId
    count: int


@dataclass(frozen=True, kw_only=True)
class LotReturned(BaseEvent):
    type_name: ClassVar[str] = "LotReturned"
    lot: LotId
    container: ContainerId
    count: int
    note: str


@dataclass(frozen=True, kw_only=True)
class RoundsDestroyed(BaseEvent):
    type_name: ClassVar[str] = "RoundsDestroyed"
    lot: LotId
    container: ContainerId
    count: int
    note: str


@dataclass(frozen=True, kw_only=True)
class LotQuarantined(BaseEvent):
    type_name: ClassVar[str] = "LotQuarantined"
    lot: LotId
    reason: str
    incident: IncidentId | None


@dataclass(frozen=True, kw_only=True)
class LotReleased(BaseEvent):
    type_name: ClassVar[str] = "LotReleased"
    lot: LotId
    note: str


# -- scenes and meetings -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScenePlanned(BaseEvent):
    type_name: ClassVar[str] = "ScenePlanned"
    scene: SceneId
    day: date
    title: str
    setup: str
    weapons: tuple[WeaponId, ...]
    performers: tuple[PersonId, ...]
    fires_blanks: bool
    points_at_people_or_camera: bool
    closest_distance_ft: int
    protection: tuple[str, ...]
    signed_off_by: PersonId | None
    revision: int


@dataclass(frozen=True, kw_only=True)
class SafetyMeetingHeld(BaseEvent):
    type_name: ClassVar[str] = "SafetyMeetingHeld"
    meeting: MeetingId
    day: date
    scenes: tuple[SceneId, ...]
    scene_revisions: tuple[int, ...]
    attendees: tuple[PersonId, ...]
    notes: str


# -- custody ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ArmoryUnlocked(BaseEvent):
    type_name: ClassVar[str] = "ArmoryUnlocked"


@dataclass(frozen=True, kw_only=True)
class ArmoryLocked(BaseEvent):
    type_name: ClassVar[str] = "ArmoryLocked"
    kind: str


@dataclass(frozen=True, kw_only=True)
class WeaponTakenOut(BaseEvent):
    type_name: ClassVar[str] = "WeaponTakenOut"
    weapon: WeaponId
    warnings: tuple[Reason, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WeaponReturnedToStorage(BaseEvent):
    type_name: ClassVar[str] = "WeaponReturnedToStorage"
    weapon: WeaponId


@dataclass(frozen=True, kw_only=True)
class InspectionRecorded(BaseEvent):
    """v2 (R25): ``bolt`` of an open-bolt weapon and whether a blank-adapted weapon's
    adapter is fitted, as the inspection left them (v1: None — not recorded)."""

    type_name: ClassVar[str] = "InspectionRecorded"
    version: ClassVar[int] = 2
    weapon: WeaponId
    findings: tuple[Finding, ...]
    bore: BoreFinding
    checklist: tuple[str, ...]
    hammer: HammerPosition | None
    hammer_over: str | None
    bolt: BoltPosition | None = None
    adapter_fitted: bool | None = None


@dataclass(frozen=True, kw_only=True)
class BoreChecked(BaseEvent):
    type_name: ClassVar[str] = "BoreChecked"
    weapon: WeaponId
    bore: BoreFinding


@dataclass(frozen=True, kw_only=True)
class WeaponLoaded(BaseEvent):
    """Rounds went in; ``announce`` is True for blanks: tell every screen on set (R13)."""

    type_name: ClassVar[str] = "WeaponLoaded"
    version: ClassVar[int] = 3
    weapon: WeaponId
    container: ContainerId
    loads: tuple[PositionLoad, ...]
    scene: SceneId | None
    take_at: datetime | None
    hammer_over: str | None
    announce: bool
    context: TakeContext | None = None
    """v2: scene, setup, take and rehearsal (issue 18); None when not given or before v2."""
    meeting: MeetingId | None = None
    """v2: the safety meeting that authorised a blank load (R17); None for other loads."""
    hammer: HammerPosition | None = None
    """v3 (R25): a closed-bolt semi-automatic's hammer/striker after the load (cocked or
    down); None when not said or before v3."""
    bolt: BoltPosition | None = None
    """v3 (R25): an open-bolt weapon's bolt after the load; None when not said or before v3."""


@dataclass(frozen=True, kw_only=True)
class WeaponUnloaded(BaseEvent):
    type_name: ClassVar[str] = "WeaponUnloaded"
    weapon: WeaponId
    positions: tuple[str, ...]
    disposition: Disposition
    container: ContainerId | None


@dataclass(frozen=True, kw_only=True)
class WeaponHandedOver(BaseEvent):
    """``by`` handed the weapon to ``to``; ``witnesses`` confirmed (R12).

    v2: ``as_armorer`` says whether ``to`` took custody as an armorer (True) or
    as a performer (False); a person holding a performer role is a performer
    whatever else they hold. v1 entries have None: the receiver's armorer role
    at the time decided, as it did then. v3: ``context`` (issue 18).
    """

    type_name: ClassVar[str] = "WeaponHandedOver"
    version: ClassVar[int] = 3
    weapon: WeaponId
    to: PersonId
    warnings: tuple[Reason, ...] = ()
    as_armorer: bool | None = None
    context: TakeContext | None = None
    """v3: scene, setup, take and rehearsal (issue 18); None when not given or before v3."""


@dataclass(frozen=True, kw_only=True)
class WeaponTakenBack(BaseEvent):
    type_name: ClassVar[str] = "WeaponTakenBack"
    version: ClassVar[int] = 2
    weapon: WeaponId
    from_person: PersonId | None
    context: TakeContext | None = None
    """v2: scene, setup, take and rehearsal (issue 18); None when not given or before v2."""


@dataclass(frozen=True, kw_only=True)
class BlanksFired(BaseEvent):
    type_name: ClassVar[str] = "BlanksFired"
    version: ClassVar[int] = 2
    weapon: WeaponId
    positions: tuple[str, ...]
    context: TakeContext | None = None
    """v2: scene, setup, take and rehearsal (issue 18); None when not given or before v2."""


@dataclass(frozen=True, kw_only=True)
class MisfireRecorded(BaseEvent):
    type_name: ClassVar[str] = "MisfireRecorded"
    version: ClassVar[int] = 2
    weapon: WeaponId
    position: str
    context: TakeContext | None = None
    """v2: scene, setup, take and rehearsal (issue 18); None when not given or before v2."""


@dataclass(frozen=True, kw_only=True)
class UnplannedDischargeRecorded(BaseEvent):
    type_name: ClassVar[str] = "UnplannedDischargeRecorded"
    version: ClassVar[int] = 2
    weapon: WeaponId
    position: str | None
    description: str
    context: TakeContext | None = None
    """v2: scene, setup, take and rehearsal (issue 18); None when not given or before v2."""


@dataclass(frozen=True, kw_only=True)
class WeaponQuarantined(BaseEvent):
    type_name: ClassVar[str] = "WeaponQuarantined"
    weapon: WeaponId
    reason: str
    incident: IncidentId | None


@dataclass(frozen=True, kw_only=True)
class RoundsSealedAsEvidence(BaseEvent):
    """Rounds sealed (``seal``) and handed to ``handed_to``: from a weapon's positions,
    or ``count`` rounds of ``lot`` from ``container``. They never return to stock."""

    type_name: ClassVar[str] = "RoundsSealedAsEvidence"
    seal: str
    handed_to: str
    weapon: WeaponId | None
    positions: tuple[str, ...]
    lot: LotId | None
    container: ContainerId | None
    count: int
    note: str


@dataclass(frozen=True, kw_only=True)
class WeaponSealedAsEvidence(BaseEvent):
    """A weapon, with whatever it held, sealed and handed to ``handed_to``; it leaves for good."""

    type_name: ClassVar[str] = "WeaponSealedAsEvidence"
    weapon: WeaponId
    seal: str
    handed_to: str
    note: str


@dataclass(frozen=True, kw_only=True)
class WeaponQuarantineCleared(BaseEvent):
    type_name: ClassVar[str] = "WeaponQuarantineCleared"
    weapon: WeaponId
    note: str


# -- incidents, reports, stop-work ---------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IncidentOpened(BaseEvent):
    """v2 adds ``weapons`` (every weapon named, ``weapon`` first), ``scene`` and ``people``;
    v3 adds ``context`` (scene, setup, take, rehearsal)."""

    type_name: ClassVar[str] = "IncidentOpened"
    version: ClassVar[int] = 3
    incident: IncidentId
    kind: str
    severity: Severity
    description: str
    weapon: WeaponId | None
    lots: tuple[LotId, ...]
    weapons: tuple[WeaponId, ...]
    scene: SceneId | None
    people: tuple[PersonId, ...]
    context: TakeContext | None = None


@dataclass(frozen=True, kw_only=True)
class IncidentClosed(BaseEvent):
    type_name: ClassVar[str] = "IncidentClosed"
    incident: IncidentId
    resolution: str


@dataclass(frozen=True, kw_only=True)
class SafetyReportFiled(BaseEvent):
    type_name: ClassVar[str] = "SafetyReportFiled"
    report: ReportId
    text: str
    anonymous: bool


@dataclass(frozen=True, kw_only=True)
class SafetyReportClosed(BaseEvent):
    type_name: ClassVar[str] = "SafetyReportClosed"
    report: ReportId
    response: str


@dataclass(frozen=True, kw_only=True)
class StopWorkStarted(BaseEvent):
    type_name: ClassVar[str] = "StopWorkStarted"
    reason: str
    incident: IncidentId | None


@dataclass(frozen=True, kw_only=True)
class StopWorkLifted(BaseEvent):
    """v2 adds the stop-severity incidents ``carried_over`` open, and the ``reason`` why."""

    type_name: ClassVar[str] = "StopWorkLifted"
    version: ClassVar[int] = 2
    meeting: MeetingId
    carried_over: tuple[IncidentId, ...]
    reason: str


# -- reconciliation and records ----------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DayReconciled(BaseEvent):
    type_name: ClassVar[str] = "DayReconciled"
    day: date
    lot_counts: tuple[LotCount, ...]
    serials_seen: tuple[str, ...]
    discrepancies: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DayClosed(BaseEvent):
    type_name: ClassVar[str] = "DayClosed"
    day: date
    with_discrepancy: bool


@dataclass(frozen=True, kw_only=True)
class DiscrepancyResolved(BaseEvent):
    type_name: ClassVar[str] = "DiscrepancyResolved"
    day: date
    resolution: str


@dataclass(frozen=True, kw_only=True)
class CorrectionRecorded(BaseEvent):
    """Names, by its log position, the earlier event it corrects, and the corrected values
    (R27, ATF Ruling 2016-1): the entry stays as it was recorded.

    v2 adds ``of_type`` (the corrected entry's type), ``subject`` (the id its values
    describe, see ``correcting.subject_of``) and ``changes`` (field, corrected value, value
    before); a v1 correction upcasts to none of them (it said what was wrong in words only).
    """

    type_name: ClassVar[str] = "CorrectionRecorded"
    version: ClassVar[int] = 2
    corrects: int
    reason: str
    # What the corrected event concerns, copied from it by the server when the
    # correction is recorded, so a timeline or an evidence bundle about a weapon, lot,
    # container, incident or person finds its corrections with its entries.
    weapons: tuple[WeaponId, ...] = ()
    lots: tuple[LotId, ...] = ()
    containers: tuple[ContainerId, ...] = ()
    incidents: tuple[IncidentId, ...] = ()
    people: tuple[PersonId, ...] = ()
    of_type: str = ""
    subject: str = ""
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PasskeyEnrolled(BaseEvent):
    """``person``'s passkey (credential id, COSE public key, base64url) counts from here on;
    ``by`` enrolled it (the person, or an armorer with the person's PIN as witness)."""

    type_name: ClassVar[str] = "PasskeyEnrolled"
    person: PersonId
    credential: str
    public_key: str
    rp_id: str
    label: str


@dataclass(frozen=True, kw_only=True)
class PasskeyRevoked(BaseEvent):
    """The passkey no longer confirms anything from here on (what it signed before stands)."""

    type_name: ClassVar[str] = "PasskeyRevoked"
    person: PersonId
    credential: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class WeaponPhotographed(BaseEvent):
    """A photo of ``weapon`` was taken by ``by`` (issue 18, part 5): the bytes are kept
    outside the log under ``sha256`` (lowercase hex SHA-256 of exactly those bytes), so
    the entry proves which photo it was; ``width``/``height`` 0: not in the header."""

    type_name: ClassVar[str] = "WeaponPhotographed"
    weapon: WeaponId
    sha256: str
    byte_size: int
    media_type: str
    width: int
    height: int
    note: str


Event: TypeAlias = (
    ProductionCreated
    | SettingsChanged
    | PersonAdded
    | RoleAssigned
    | RoleEnded
    | DutyAssigned
    | DutyEnded
    | TrainingRecorded
    | PermitRecorded
    | LiveExceptionRecorded
    | WeaponRegistered
    | WeaponRetired
    | ContainerCreated
    | ContainerMoved
    | LotReceived
    | DummiesVerified
    | RoundsMoved
    | LotReturned
    | RoundsDestroyed
    | LotQuarantined
    | LotReleased
    | ScenePlanned
    | SafetyMeetingHeld
    | ArmoryUnlocked
    | ArmoryLocked
    | WeaponTakenOut
    | WeaponReturnedToStorage
    | InspectionRecorded
    | BoreChecked
    | WeaponLoaded
    | WeaponUnloaded
    | WeaponHandedOver
    | WeaponTakenBack
    | BlanksFired
    | MisfireRecorded
    | UnplannedDischargeRecorded
    | WeaponQuarantined
    | WeaponQuarantineCleared
    | RoundsSealedAsEvidence
    | WeaponSealedAsEvidence
    | IncidentOpened
    | IncidentClosed
    | SafetyReportFiled
    | SafetyReportClosed
    | StopWorkStarted
    | StopWorkLifted
    | DayReconciled
    | DayClosed
    | DiscrepancyResolved
    | CorrectionRecorded
    | PasskeyEnrolled
    | PasskeyRevoked
    | WeaponPhotographed
)

EVENT_TYPES: dict[str, type[Event]] = {cls.type_name: cls for cls in typing.get_args(Event)}
