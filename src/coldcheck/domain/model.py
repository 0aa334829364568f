"""The things coldcheck keeps track of, as frozen values.

Choices made where DESIGN.md is silent:

* Roles are per production.  ``armorer`` and ``assistant_armorer`` are both
  "armorer roles"; either needs an unexpired armorer permit to be qualified
  (R06, R26).  A permit is valid through the UTC date it expires on.
* Settings are whole numbers (minutes, feet, seconds, hours) so they travel
  as JSON unchanged; the one text setting is the compliance contact (R29).
* ``Weapon.capacity`` counts magazine/tube/belt slots for actions that also
  have a chamber; for revolvers it is the number of chambers, for
  break-actions the number of barrels, for replicas 0.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

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
from coldcheck.domain.mechanics import ActionType, Build, RoundState


class Role(StrEnum):
    """A person's role on one production."""

    ARMORER = "armorer"
    ASSISTANT_ARMORER = "assistant_armorer"
    FIRST_AD = "first_ad"
    PERFORMER = "performer"
    SAFETY_SUPERVISOR = "safety_supervisor"
    PRODUCER = "producer"
    CREW = "crew"


ARMORER_ROLES = frozenset({Role.ARMORER, Role.ASSISTANT_ARMORER})
#: Who may countersign a day's close (R23) as the production's representative.
PRODUCTION_REPRESENTATIVE_ROLES = frozenset({Role.PRODUCER, Role.FIRST_AD})
#: Roles that check someone else: granting one needs a second person's confirmation.
GUARDED_ROLES = frozenset(
    {Role.ARMORER, Role.ASSISTANT_ARMORER, Role.SAFETY_SUPERVISOR, Role.PRODUCER}
)
#: Who may witness rounds leaving the production (destroyed, returned, sealed as evidence).
DISPOSITION_WITNESS_ROLES = frozenset(
    {Role.ARMORER, Role.ASSISTANT_ARMORER, Role.SAFETY_SUPERVISOR, Role.PRODUCER}
)


class WeaponKind(StrEnum):
    """What a weapon can do: fire blanks, or nothing at all."""

    FIREARM = "firearm"
    BLANK_ADAPTED = "blank_adapted"
    REPLICA = "replica"


class RoundClass(StrEnum):
    """The class of an ammunition lot."""

    BLANK = "blank"
    DUMMY = "dummy"
    LIVE = "live"


class BlankLoad(StrEnum):
    """Powder load of a blank."""

    FULL = "full"
    HALF = "half"
    QUARTER = "quarter"


class PermitKind(StrEnum):
    """Permits and licences checked before custody (R26)."""

    ARMORER = "armorer"
    ENTERTAINMENT_FIREARMS = "entertainment_firearms"
    FFL_SOT = "ffl_sot"
    SAFETY_SUPERVISOR = "safety_supervisor"
    """A safety supervisor's qualification (its certificate number and expiry), issue 18."""


#: Permits whose expiry blocks an armorer's custody (R26); FFL/SOT is checked per weapon and a
#: safety supervisor's qualification only on the §9153 report.
CUSTODY_PERMITS = frozenset({PermitKind.ARMORER, PermitKind.ENTERTAINMENT_FIREARMS})


class StorageLocation(StrEnum):
    """Where a container of rounds is: locked in the armory, or out on the cart."""

    STORAGE = "storage"
    CART = "cart"


class Severity(StrEnum):
    """How bad an incident is; ``stop`` halts firearm work (R21)."""

    NOTE = "note"
    STOP = "stop"


class Disposition(StrEnum):
    """Where unloaded rounds go."""

    STORE = "store"
    DESTROY = "destroy"


class DispositionKind(StrEnum):
    """How a weapon left the production (the bound book's disposition, issue 18)."""

    RETURNED = "returned"
    """Back to the rental house (or owner) it came from."""
    TRANSFERRED = "transferred"
    """To someone else: another production, a licensee."""
    DESTROYED = "destroyed"


class LockUpKind(StrEnum):
    """Why everything is locked up (R09)."""

    BREAK = "break"
    LUNCH = "lunch"
    WRAP = "wrap"


@dataclass(frozen=True)
class Settings:
    """Per-production thresholds (DESIGN.md defaults)."""

    blank_load_window_minutes: int = 15
    min_blank_distance_ft: int = 20
    misfire_wait_seconds: int = 15
    armorer_capacity: int = 6
    escalation_hours: int = 24
    overdue_minutes: int = 120
    passkeys_required_for_handoffs: bool = False
    compliance_contact: str = ""
    """Who answers for firearm safety compliance (California Labor Code §9153): a name and
    how to reach them, one line. Required before the first weapon is issued (R29)."""

    @property
    def blank_load_window(self) -> timedelta:
        return timedelta(minutes=self.blank_load_window_minutes)

    @property
    def misfire_wait(self) -> timedelta:
        return timedelta(seconds=self.misfire_wait_seconds)

    @property
    def escalation(self) -> timedelta:
        return timedelta(hours=self.escalation_hours)

    @property
    def overdue(self) -> timedelta:
        """How long a weapon may stay with a performer outside a scene of the day."""
        return timedelta(minutes=self.overdue_minutes)


@dataclass(frozen=True)
class Production:
    """A film or TV production: one custody log."""

    id: ProductionId
    title: str
    company: str
    location: str
    time_zone: str
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True)
class Person:
    """Someone known to the production."""

    id: PersonId
    name: str


@dataclass(frozen=True)
class Permit:
    """A permit or licence with its expiry date (R26)."""

    kind: PermitKind
    number: str
    expires: date

    def valid_at(self, at: datetime) -> bool:
        """Valid through the UTC date it expires on."""
        return at.date() <= self.expires


@dataclass(frozen=True)
class LiveException:
    """A recorded California Labor Code §9155 exception allowing live rounds off set (R01)."""

    supervisor: PersonId
    purpose: str
    at: datetime


@dataclass(frozen=True)
class Acquisition:
    """From whom a weapon was received, and when: a bound book's acquisition columns.

    ``licence`` is the sender's FFL number (or other licence); ``reference`` their own
    reference (a rental agreement, an invoice); ``received`` None: the day it was registered.
    """

    name: str = ""
    address: str = ""
    licence: str = ""
    reference: str = ""
    received: date | None = None


@dataclass(frozen=True)
class WeaponDisposition:
    """To whom a weapon went, when and how: a bound book's disposition columns."""

    how: DispositionKind
    on: date
    name: str = ""
    address: str = ""
    licence: str = ""
    reference: str = ""


@dataclass(frozen=True)
class Weapon:
    """A registered weapon, as received from its owner."""

    id: WeaponId
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
    """Fires from an open bolt (submachine guns, many blank-firing conversions; R25)."""
    slam_fire: bool = False
    """A pump without a trigger disconnector: fires each time the slide closes (R25)."""
    drop_safety: bool = False
    """A firing-pin block or drop safety; not recorded means none (R25)."""
    decocker: bool = False
    """Its hammer can be lowered on a chambered round (decocker, double-action first shot)."""
    importer: str = ""
    country: str = ""
    """Country of manufacture."""
    firearm_type: str = ""
    """The bound book's type (pistol, revolver, rifle, shotgun, ...); empty: not recorded."""
    acquisition: Acquisition | None = None
    """None: registered before acquisitions were recorded."""

    @property
    def build(self) -> Build:
        """The mechanism as the hazard model reads it (R25)."""
        return Build(
            action=self.action,
            transfer_bar=self.transfer_bar,
            open_bolt=self.open_bolt,
            slam_fire=self.slam_fire,
            drop_safety=self.drop_safety,
            decocker=self.decocker,
            blank_adapted=self.kind is WeaponKind.BLANK_ADAPTED,
        )

    @property
    def is_replica(self) -> bool:
        return self.kind is WeaponKind.REPLICA

    @property
    def needs_sot(self) -> bool:
        """Machine guns need an FFL/SOT licence (R26)."""
        return self.select_fire or self.action is ActionType.BELT_FED


@dataclass(frozen=True)
class AmmoLot:
    """A received lot of rounds (R02)."""

    id: LotId
    round_class: RoundClass
    blank_load: BlankLoad | None
    calibre: str
    supplier: str
    count: int


@dataclass(frozen=True)
class ScenePlan:
    """The firearm plan of one scene/setup on one shoot day."""

    id: SceneId
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


@dataclass(frozen=True)
class SafetyMeeting:
    """A safety meeting with its attendees (R17)."""

    id: MeetingId
    day: date
    at: datetime
    scenes: tuple[SceneId, ...]
    scene_revisions: tuple[int, ...]
    attendees: tuple[PersonId, ...]
    notes: str


@dataclass(frozen=True)
class Incident:
    """Something that went wrong and must be looked at.

    ``weapon`` is the weapon it is first about (None if none); ``weapons`` every
    weapon it names (``weapon`` first), with the lots, scene and people it names.
    """

    id: IncidentId
    at: datetime
    kind: str
    severity: Severity
    description: str
    weapon: WeaponId | None
    lots: tuple[LotId, ...]
    closed_at: datetime | None = None
    resolution: str = ""
    weapons: tuple[WeaponId, ...] = ()
    scene: SceneId | None = None
    people: tuple[PersonId, ...] = ()
    carried_over: str = ""


@dataclass(frozen=True)
class EvidenceHold:
    """Rounds or a weapon sealed and handed to a named person or agency (never back to stock)."""

    seal: str
    handed_to: str
    at: datetime
    by: PersonId | None
    witnesses: tuple[PersonId, ...]


@dataclass(frozen=True)
class SafetyReport:
    """A safety report; ``by`` is None when filed anonymously (R22)."""

    id: ReportId
    at: datetime
    by: PersonId | None
    text: str
    closed_at: datetime | None = None
    response: str = ""


@dataclass(frozen=True)
class Container:
    """A box, can or drawer holding rounds; never blanks and dummies together (R04)."""

    id: ContainerId
    label: str
    location: StorageLocation


class BoreFinding(StrEnum):
    """What a bore check found."""

    CLEAR = "clear"
    OBSTRUCTED = "obstructed"


@dataclass(frozen=True)
class FieldChange:
    """One corrected value of a correction (R27, ATF Ruling 2016-1): ``field`` of the
    corrected entry (``serial``; ``context.setup`` inside its take context) now reads
    ``value``; ``was`` is what it read before this correction (the server fills it in).

    Values are written as text, the way a person types them: words as they are, a number
    in digits, yes/no, a date as YYYY-MM-DD, empty for "not recorded"
    (:mod:`coldcheck.domain.correcting` decodes them against the entry's type).
    """

    field: str
    value: str
    was: str = ""


@dataclass(frozen=True)
class TakeContext:
    """Where in the shooting a firearm event happened: scene, setup, take, rehearsal.

    Every field is optional (None or ""): the record says what was said, never a guess.
    On *Rust* the discharge happened during a rehearsal, which a record must be able to show.
    """

    scene: SceneId | None = None
    setup: str = ""
    take: int | None = None
    rehearsal: bool | None = None

    def words(self) -> str:
        """``scene 41, setup 41A, take 3, rehearsal`` (only what was recorded)."""
        parts = []
        if self.scene:
            parts.append(f"scene {self.scene}")
        if self.setup:
            parts.append(f"setup {self.setup}")
        if self.take is not None:
            parts.append(f"take {self.take}")
        if self.rehearsal is True:
            parts.append("rehearsal")
        elif self.rehearsal is False:
            parts.append("not a rehearsal")
        return ", ".join(parts)


@dataclass(frozen=True)
class TrainingRecord:
    """A person's training on an action type (R14, Labor Code §9156): course, date, expiry.

    Training recorded before issue 18 has no course, date or expiry (all empty).
    """

    person: PersonId
    action: ActionType
    course: str
    trained_on: date | None
    expires: date | None

    def expired_on(self, day: date) -> bool:
        """True when the training had expired by ``day`` (valid through its expiry date)."""
        return self.expires is not None and day > self.expires


@dataclass(frozen=True)
class PositionLoad:
    """One round put into one position, from a lot."""

    position: str
    lot: LotId


@dataclass(frozen=True)
class Finding:
    """What an inspection found in one position (R10, R11)."""

    position: str
    found: RoundState


@dataclass(frozen=True)
class RoundCheck:
    """One dummy round checked (R03): its number in the lot, and whether it passed."""

    number: int
    passed: bool
    note: str = ""


@dataclass(frozen=True)
class LotCount:
    """Counted at wrap (R23): rounds in store, and spent cases collected since the last count."""

    lot: LotId
    in_store: int
    spent_cases: int = 0


@dataclass(frozen=True)
class PasskeySignature:
    """A confirmer's own passkey assertion (WebAuthn) over one challenge, kept on the entry.

    ``command_json`` is the RFC 8785 JSON whose SHA-256 is the command's digest; the
    WebAuthn challenge the authenticator signed is derived from that digest, ``log_size``
    and ``nonce`` (``service.passkeys.webauthn_challenge``). The byte fields are base64url
    without padding, exactly as the authenticator returned them.
    """

    person: PersonId
    credential: str
    authenticator_data: str
    client_data_json: str
    signature: str
    command_json: str
    log_size: int
    nonce: str

    @property
    def sign_count(self) -> int | None:
        """The authenticator's signature counter (WebAuthn §6.1: authenticator data bytes
        33-36, big-endian), recorded in the entry with the rest of the assertion; None when
        the authenticator data is not base64url of at least 37 bytes."""
        return sign_count(self.authenticator_data)


def sign_count(authenticator_data: str) -> int | None:
    """The signature counter in base64url authenticator data (None when unreadable)."""
    try:
        raw = base64.urlsafe_b64decode(authenticator_data + "=" * (-len(authenticator_data) % 4))
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw[33:37], "big") if len(raw) >= 37 else None


def counter_advances(stored: int, given: int | None) -> bool:
    """WebAuthn §7.2 (the signCount step): a counter that is zero and was zero says nothing
    (the authenticator keeps none); otherwise it must be above the one stored, or the
    authenticator may have been cloned."""
    if given is None:
        return False
    return given > stored or given == stored == 0
