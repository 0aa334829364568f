"""Test data factories.

Domain section: a :class:`Shoot` drives ``decide``/``apply`` with a test
clock, and :func:`dry_gulch` builds the production of SHOOT-DAY.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from coldcheck.domain import commands as c
from coldcheck.domain.errors import Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import (
    ContainerId,
    LotId,
    MeetingId,
    PersonId,
    ProductionId,
    SceneId,
    WeaponId,
)
from coldcheck.domain.mechanics import ActionType, RoundState, inspection_checklist
from coldcheck.domain.model import (
    GUARDED_ROLES,
    BlankLoad,
    BoreFinding,
    Finding,
    LotCount,
    PermitKind,
    PositionLoad,
    Role,
    RoundCheck,
    RoundClass,
    Settings,
    WeaponKind,
)
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply, empty_state

# ---------------------------------------------------------------------------
# Domain: the Dry Gulch production of SHOOT-DAY.md
# ---------------------------------------------------------------------------

PROD = ProductionId("dry-gulch")
DAY = date(2026, 3, 14)
#: 06:00 local (MDT, UTC-6) on shoot day 14.
DAWN = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)

MARA = PersonId("mara")  # armorer
ELI = PersonId("eli")  # assistant armorer
DANA = PersonId("dana")  # 1st AD
JACK = PersonId("jack")  # performer
ROSA = PersonId("rosa")  # performer
SAM = PersonId("sam")  # performer
PRIYA = PersonId("priya")  # safety supervisor
TOM = PersonId("tom")  # producer
PROPS = PersonId("pat")  # crew (props)
#: Who answers for firearm compliance (Labor Code §9153, R29).
COMPLIANCE_CONTACT = "Tom Reyes, producer, +1 505 555 0190"

PEOPLE: dict[PersonId, tuple[str, Role]] = {
    MARA: ("Mara Voss", Role.ARMORER),
    ELI: ("Eli Tran", Role.ASSISTANT_ARMORER),
    DANA: ("Dana Ortiz", Role.FIRST_AD),
    JACK: ("Jack Hale", Role.PERFORMER),
    ROSA: ("Rosa Lind", Role.PERFORMER),
    SAM: ("Sam Kee", Role.PERFORMER),
    PRIYA: ("Priya Nair", Role.SAFETY_SUPERVISOR),
    PROPS: ("Pat Props", Role.CREW),
}

W1, W2, W3, W4, W5 = (WeaponId(f"W-000{i}") for i in range(1, 6))
L1, L2, L3, L4, L5 = (LotId(f"L-000{i}") for i in range(1, 6))
C_BLANKS, C_DUMMIES, C_RIFLE, C_NEW = (ContainerId(f"C-000{i}") for i in range(1, 5))
SCENE_41 = SceneId("41")
SCENE_44 = SceneId("44")
SCENE_45 = SceneId("45")

WEAPONS: dict[WeaponId, dict[str, Any]] = {
    W1: dict(
        name="Colt SAA",
        make="Colt",
        model="Single Action Army",
        serial="SAA-1873",
        calibre=".45 Colt",
        owner="Rental House",
        kind=WeaponKind.FIREARM,
        action=ActionType.SINGLE_ACTION_REVOLVER,
        capacity=6,
        transfer_bar=False,
    ),
    W2: dict(
        name="S&W Model 10",
        make="Smith & Wesson",
        model="10",
        serial="SW-38",
        calibre=".38 Special",
        owner="Rental House",
        kind=WeaponKind.FIREARM,
        action=ActionType.DOUBLE_ACTION_REVOLVER,
        capacity=6,
    ),
    W3: dict(
        name="Winchester 1873",
        make="Winchester",
        model="1873",
        serial="WIN-4440",
        calibre=".44-40",
        owner="Rental House",
        kind=WeaponKind.FIREARM,
        action=ActionType.LEVER,
        capacity=10,
    ),
    W4: dict(
        name="Beretta 92",
        make="Beretta",
        model="92FS",
        serial="BER-9",
        calibre="9 mm",
        owner="Rental House",
        kind=WeaponKind.BLANK_ADAPTED,
        action=ActionType.SEMI_AUTO_PISTOL,
        capacity=15,
    ),
    W5: dict(
        name="Rubber SAA",
        make="Prop Shop",
        model="Rubber SAA",
        serial="RUB-1",
        calibre="none",
        owner="Props",
        kind=WeaponKind.REPLICA,
        action=ActionType.REPLICA,
        capacity=0,
    ),
}


@dataclass
class Shoot:
    """A production driven through ``decide``/``apply`` with a test clock."""

    state: ProductionState = field(default_factory=lambda: empty_state(PROD))
    now: datetime = DAWN
    log: list[Event] = field(default_factory=list)

    def tick(self, minutes: float = 0, seconds: float = 0) -> datetime:
        self.now += timedelta(minutes=minutes, seconds=seconds)
        return self.now

    def at(self, hhmm: str) -> datetime:
        """Set the clock to a local (UTC-6) time on the shoot day."""
        h, m = (int(x) for x in hhmm.split(":"))
        self.now = datetime(DAY.year, DAY.month, DAY.day, h, m, tzinfo=UTC) + timedelta(hours=6)
        return self.now

    def command(
        self,
        cls: type[Any],
        actor: PersonId | None,
        confirm: Iterable[PersonId] = (),
        **fields: Any,
    ) -> Any:
        return cls(
            production=PROD, actor=actor, at=self.now, confirmations=frozenset(confirm), **fields
        )

    def try_(
        self,
        cls: type[Any],
        actor: PersonId | None,
        confirm: Iterable[PersonId] = (),
        **fields: Any,
    ) -> list[Event] | Refusal:
        """Decide; apply the events if accepted."""
        decision = decide(self.state, self.command(cls, actor, confirm, **fields))
        if not isinstance(decision, Refusal):
            for e in decision:
                self.state = apply(self.state, e)
                self.log.append(e)
        return decision

    def do(
        self,
        cls: type[Any],
        actor: PersonId | None,
        confirm: Iterable[PersonId] = (),
        **fields: Any,
    ) -> list[Event]:
        decision = self.try_(cls, actor, confirm, **fields)
        assert not isinstance(decision, Refusal), f"{cls.__name__} refused: {decision}"
        return decision

    def refused(
        self,
        cls: type[Any],
        actor: PersonId | None,
        confirm: Iterable[PersonId] = (),
        **fields: Any,
    ) -> Refusal:
        before = self.state
        decision = self.try_(cls, actor, confirm, **fields)
        assert isinstance(decision, Refusal), f"{cls.__name__} was accepted: {decision}"
        assert self.state == before
        return decision

    # -- common steps ------------------------------------------------------

    def inspect(
        self,
        weapon: WeaponId,
        actor: PersonId = MARA,
        found: dict[str, RoundState] | None = None,
        bore: BoreFinding = BoreFinding.CLEAR,
        **extra: Any,
    ) -> list[Event] | Refusal:
        """Inspect with the full checklist; positions default to what is recorded."""
        ws = self.state.weapons[weapon]
        found = found or {}
        findings = tuple(Finding(p, found.get(p, ws.contents[p].state)) for p in ws.positions)
        extra.setdefault("checklist", inspection_checklist(ws.weapon.action))
        return self.try_(
            c.InspectWeapon, actor, weapon=weapon, findings=findings, bore=bore, **extra
        )

    def take_out_and_inspect(self, weapon: WeaponId, actor: PersonId = MARA) -> None:
        self.do(c.TakeOutOfStorage, actor, weapon=weapon)
        result = self.inspect(weapon, actor)
        assert not isinstance(result, Refusal), str(result)

    def hand_to(
        self, weapon: WeaponId, performer: PersonId, actor: PersonId = MARA, ad: PersonId = DANA
    ) -> list[Event] | Refusal:
        return self.try_(c.HandOver, actor, confirm=(performer, ad), weapon=weapon, to=performer)

    def take_back(self, weapon: WeaponId, actor: PersonId = MARA) -> list[Event]:
        """The armorer takes it back; the performer holding it confirms (R12)."""
        holder = self.state.weapons[weapon].holder
        return self.do(c.TakeBack, actor, confirm=(holder,) if holder else (), weapon=weapon)

    def load_blanks(
        self,
        weapon: WeaponId,
        positions: Iterable[str],
        lot: LotId = L1,
        container: ContainerId = C_BLANKS,
        scene: SceneId = SCENE_41,
        take_in: float = 10,
        hammer_over: str | None = "chamber 6",
        actor: PersonId = MARA,
    ) -> list[Event] | Refusal:
        loads = tuple(PositionLoad(p, lot) for p in positions)
        return self.try_(
            c.LoadWeapon,
            actor,
            weapon=weapon,
            container=container,
            loads=loads,
            scene=scene,
            take_at=self.now + timedelta(minutes=take_in),
            hammer_over=hammer_over,
        )


def dry_gulch(*, with_scene: bool = True) -> Shoot:
    """Dry Gulch at dawn on day 14: people, permits, training, weapons, lots, scene 41."""
    s = Shoot(now=DAWN - timedelta(days=1))
    s.do(
        c.CreateProduction,
        TOM,
        title="Dry Gulch",
        company="Gulch Films",
        location="ranch, New Mexico",
        time_zone="America/Denver",
        actor_name="Tom Reyes",
        roles=(Role.PRODUCER,),
        settings=Settings(compliance_contact=COMPLIANCE_CONTACT),
    )
    # The 1st AD first: every role that checks others is then given with Dana confirming.
    for person in (DANA, *(p for p in PEOPLE if p != DANA)):
        name, role = PEOPLE[person]
        s.do(c.AddPerson, TOM, person=person, name=name)
        confirm = (DANA,) if role in GUARDED_ROLES else ()
        s.do(c.AssignRole, TOM, confirm=confirm, person=person, role=role)
    for armorer in (MARA, ELI):
        s.do(
            c.RecordPermit,
            TOM,
            person=armorer,
            kind=PermitKind.ARMORER,
            number=f"AP-{armorer}",
            expires=date(2027, 1, 1),
        )
    for weapon, spec in WEAPONS.items():
        s.do(c.RegisterWeapon, MARA, weapon=weapon, **spec)
    for performer in (JACK, ROSA, SAM):
        for action in (
            ActionType.SINGLE_ACTION_REVOLVER,
            ActionType.DOUBLE_ACTION_REVOLVER,
            ActionType.LEVER,
            ActionType.SEMI_AUTO_PISTOL,
        ):
            s.do(c.RecordTraining, MARA, person=performer, action=action)
    s.do(c.CreateContainer, MARA, container=C_BLANKS, label=".45 Colt blanks")
    s.do(c.CreateContainer, MARA, container=C_DUMMIES, label=".45 Colt dummies")
    s.do(c.CreateContainer, MARA, container=C_RIFLE, label=".44-40 blanks")
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L1,
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.QUARTER,
        calibre=".45 Colt",
        supplier="Rental House",
        count=200,
        container=C_BLANKS,
    )
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L2,
        round_class=RoundClass.DUMMY,
        calibre=".45 Colt",
        supplier="Rental House",
        count=50,
        container=C_DUMMIES,
    )
    s.do(
        c.VerifyDummies,
        MARA,
        lot=L2,
        method="rattle, no primer, holed case",
        rounds=tuple(RoundCheck(n, True) for n in range(1, 51)),
    )
    s.do(
        c.ReceiveLot,
        MARA,
        lot=L3,
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.HALF,
        calibre=".44-40",
        supplier="Rental House",
        count=100,
        container=C_RIFLE,
    )
    serials = tuple(spec["serial"] for spec in WEAPONS.values())
    s.do(
        c.ReconcileDay,
        MARA,
        day=DAY - timedelta(days=1),
        serials_seen=serials,
        lot_counts=(LotCount(L1, 200), LotCount(L2, 50), LotCount(L3, 100)),
    )
    s.do(c.CloseDay, MARA, confirm=(TOM,), day=DAY - timedelta(days=1))
    s.do(c.LockUp, MARA, kind="wrap")
    s.now = DAWN
    s.do(c.UnlockArmory, MARA)
    if with_scene:
        plan_scene_41(s)
    return s


def plan_scene_41(s: Shoot, meeting: bool = True) -> None:
    """Scene 41: W-0001 for Jack, blanks, past camera left, 25 ft, operator behind a shield."""
    s.do(
        c.PlanScene,
        DANA,
        confirm=(MARA,),
        scene=SCENE_41,
        day=DAY,
        title="saloon standoff",
        setup="41A",
        weapons=(W1,),
        performers=(JACK,),
        fires_blanks=True,
        points_at_people_or_camera=True,
        closest_distance_ft=25,
        protection=("camera operator behind a shield",),
    )
    if meeting:
        s.do(
            c.HoldSafetyMeeting,
            DANA,
            meeting=MeetingId("M-41"),
            day=DAY,
            scenes=(SCENE_41,),
            attendees=(DANA, MARA, JACK, PRIYA),
        )


def armed(
    s: Shoot,
    weapon: WeaponId = W1,
    performer: PersonId = JACK,
    positions: Iterable[str] = ("chamber 1", "chamber 2", "chamber 3", "chamber 4"),
) -> None:
    """Take out, inspect, load blanks for scene 41 and hand to the performer."""
    s.take_out_and_inspect(weapon)
    r = s.load_blanks(weapon, positions)
    assert not isinstance(r, Refusal), str(r)
    h = s.hand_to(weapon, performer)
    assert not isinstance(h, Refusal), str(h)


def correction_of(s: Shoot, seq: int, **values: str) -> dict[str, Any]:
    """The fields of a ``Correct`` of entry ``seq`` with corrected ``values``, filled in as
    the service fills them from the log (the entry's type and subject, each value before)."""
    from coldcheck.domain import correcting
    from coldcheck.domain.model import FieldChange

    entry = s.log[seq]
    earlier = [ch for n in s.state.corrections if n.corrects == seq for ch in n.changes]
    now = correcting.corrected_event(entry, earlier)
    return {
        "corrects": seq,
        "of_type": entry.type_name,
        "subject": correcting.subject_of(entry),
        "changes": tuple(
            FieldChange(f, v, correcting.text_of(correcting.value_at(now, f)))
            for f, v in values.items()
        ),
    }
