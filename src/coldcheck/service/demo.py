"""The demo production "Dry Gulch" (fictional), from ../shared/SHOOT-DAY.md.

Day 13 is history (issued, returned, reconciled and closed clean); day 14
is today: the armory is unlocked, scenes 41 and 44 are planned, the safety
meeting for scene 41 has been held, and every weapon waits in storage,
`unverified` since last night's lock-up (R15). Every step goes through the
same rules and ledger as a real command.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from coldcheck.domain import commands as c
from coldcheck.domain.ids import (
    ContainerId,
    LotId,
    MeetingId,
    PersonId,
    ProductionId,
    SceneId,
    WeaponId,
)
from coldcheck.domain.mechanics import ActionType, RoundState, inspection_checklist, load_positions
from coldcheck.domain.model import (
    GUARDED_ROLES,
    Acquisition,
    BlankLoad,
    BoreFinding,
    Finding,
    LotCount,
    PermitKind,
    Role,
    RoundCheck,
    RoundClass,
    Settings,
    WeaponKind,
)
from coldcheck.service.accounts import AccountService
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import Channel
from coldcheck.service.ports import FixedClock

PRODUCTION = ProductionId("dry-gulch")
TIME_ZONE = "America/Denver"
DEMO_PASSWORD = "dry-gulch-demo"


@dataclass(frozen=True)
class DemoPerson:
    """A demo login: who, their roles, and their PIN."""

    person: PersonId
    login: str
    name: str
    roles: tuple[Role, ...]
    pin: str


PEOPLE = (
    DemoPerson(PersonId("mara-voss"), "mara", "Mara Voss", (Role.ARMORER,), "2468"),
    DemoPerson(PersonId("eli-tran"), "eli", "Eli Tran", (Role.ASSISTANT_ARMORER,), "1357"),
    DemoPerson(PersonId("dana-ortiz"), "dana", "Dana Ortiz", (Role.FIRST_AD,), "3690"),
    DemoPerson(PersonId("jack-hale"), "jack", "Jack Hale", (Role.PERFORMER,), "1212"),
    DemoPerson(PersonId("rosa-lind"), "rosa", "Rosa Lind", (Role.PERFORMER,), "3434"),
    DemoPerson(PersonId("sam-kee"), "sam", "Sam Kee", (Role.PERFORMER,), "5656"),
    DemoPerson(PersonId("priya-nair"), "priya", "Priya Nair", (Role.SAFETY_SUPERVISOR,), "7878"),
    DemoPerson(PersonId("tom-reyes"), "tom", "Tom Reyes", (Role.PRODUCER,), "9090"),
)
P = {p.login: p.person for p in PEOPLE}

W1, W2, W3, W4, W5 = (WeaponId(f"W-000{i}") for i in range(1, 6))
L1, L2, L3 = LotId("L-0001"), LotId("L-0002"), LotId("L-0003")
C1, C2, C3 = ContainerId("C-0001"), ContainerId("C-0002"), ContainerId("C-0003")


def _inspect(weapon: WeaponId, action: ActionType, capacity: int) -> dict[str, Any]:
    return {
        "weapon": weapon,
        "findings": tuple(Finding(p, RoundState.EMPTY) for p in load_positions(action, capacity)),
        "bore": BoreFinding.CLEAR,
        "checklist": inspection_checklist(action),
    }


#: the rental house the demo's firearms came from (the bound book's acquisition columns)
RENTAL_HOUSE = Acquisition(
    name="Sierra Prop Rentals",
    address="1180 Agua Fria St, Santa Fe, NM 87507",
    licence="5-85-049-07-9K-31415",
    reference="Rental agreement DG-2026-117",
)


def load_demo(custody: CustodyService, accounts: AccountService, now: datetime) -> list[DemoPerson]:
    """Create the demo accounts and production; ``custody`` must run on a FixedClock."""
    clock = custody.clock
    if not isinstance(clock, FixedClock):
        raise TypeError("load_demo needs a CustodyService on a FixedClock")
    tz = ZoneInfo(TIME_ZONE)
    today = now.astimezone(tz).date()
    yesterday = today - timedelta(days=1)

    # The history first (it starts yesterday): the log never records anything before
    # what it already holds, and the accounts are created now.
    for at, command in _script(yesterday, today, now, tz):
        clock.set(at)
        custody.execute(command, channel=Channel.demo())
    for p in PEOPLE:
        accounts.create_user(
            login=p.login,
            display_name=p.name,
            person_id=p.person,
            password=DEMO_PASSWORD,
            pin=p.pin,
        )
    return list(PEOPLE)


def _script(
    yesterday: date, today: date, now: datetime, tz: ZoneInfo
) -> Iterator[tuple[datetime, c.Command]]:
    """(time, command) pairs in order; times are UTC."""
    t = datetime.combine(yesterday, datetime.min.time(), tz).replace(hour=5).astimezone(UTC)
    step = timedelta(minutes=1)

    def at(minutes: float = 1) -> datetime:
        nonlocal t
        t = t + step * minutes
        return t

    mara, dana, tom = P["mara"], P["dana"], P["tom"]

    def cmd(
        cls: type[c.BaseCommand],
        actor: PersonId,
        minutes: float = 1,
        confirm: tuple[PersonId, ...] = (),
        **fields: Any,
    ) -> tuple[datetime, c.Command]:
        when = at(minutes)
        command = cls(
            production=PRODUCTION, actor=actor, at=when, confirmations=frozenset(confirm), **fields
        )
        return when, cast(c.Command, command)

    yield cmd(
        c.CreateProduction,
        tom,
        title="Dry Gulch",
        company="Mesa Lantern Pictures",
        location="Ranch near Galisteo, New Mexico",
        time_zone=TIME_ZONE,
        actor_name="Tom Reyes",
        roles=(Role.PRODUCER,),
        settings=Settings(compliance_contact="Tom Reyes, producer, +1 505 555 0190"),
    )
    # The 1st AD first: every role that checks others is then given with Dana confirming.
    for p in sorted(PEOPLE, key=lambda p: p.login != "dana"):
        if p.login == "tom":
            continue
        yield cmd(c.AddPerson, tom, person=p.person, name=p.name)
        for role in p.roles:
            confirm = (dana,) if role in GUARDED_ROLES else ()
            yield cmd(c.AssignRole, tom, confirm=confirm, person=p.person, role=role)
    expires = date(today.year + 1, 12, 31)
    yield cmd(
        c.RecordPermit,
        tom,
        person=mara,
        kind=PermitKind.ARMORER,
        number="CA-ARM-20417",
        expires=expires,
    )
    yield cmd(
        c.RecordPermit,
        tom,
        person=P["eli"],
        kind=PermitKind.ARMORER,
        number="CA-ARM-31882",
        expires=expires,
    )
    # What the §9153 report asks for: the armorer's entertainment firearms permit and
    # the safety supervisor's qualification.
    yield cmd(
        c.RecordPermit,
        tom,
        person=mara,
        kind=PermitKind.ENTERTAINMENT_FIREARMS,
        number="EFP-2291-NM",
        expires=expires,
    )
    yield cmd(
        c.RecordPermit,
        tom,
        person=P["priya"],
        kind=PermitKind.SAFETY_SUPERVISOR,
        number="SS-CERT-8840",
        expires=expires,
    )
    for who, action in (
        ("jack", ActionType.SINGLE_ACTION_REVOLVER),
        ("rosa", ActionType.DOUBLE_ACTION_REVOLVER),
        ("rosa", ActionType.LEVER),
        ("sam", ActionType.SEMI_AUTO_PISTOL),
        ("jack", ActionType.REPLICA),
    ):
        yield cmd(
            c.RecordTraining,
            mara,
            person=P[who],
            action=action,
            note="Safe handling and blank-fire briefing with Mara Voss",
            course="Set firearm safety (Labor Code §9156), with Mara Voss",
            trained_on=today - timedelta(days=7),
            expires=date(today.year + 1, 12, 31),
        )

    weapons = (
        (
            W1,
            "Colt Single Action Army",
            "Colt",
            "SAA",
            "SA-48213",
            ".45 Colt",
            WeaponKind.FIREARM,
            ActionType.SINGLE_ACTION_REVOLVER,
            6,
        ),
        (
            W2,
            "Smith & Wesson Model 10",
            "Smith & Wesson",
            "Model 10",
            "D-771093",
            ".38 Special",
            WeaponKind.FIREARM,
            ActionType.DOUBLE_ACTION_REVOLVER,
            6,
        ),
        (
            W3,
            "Winchester 1873",
            "Winchester",
            "1873",
            "W73-55120",
            ".44-40",
            WeaponKind.FIREARM,
            ActionType.LEVER,
            10,
        ),
        (
            W4,
            "Beretta 92FS",
            "Beretta",
            "92FS",
            "BER-410772",
            "9 mm",
            WeaponKind.BLANK_ADAPTED,
            ActionType.SEMI_AUTO_PISTOL,
            15,
        ),
        (
            W5,
            "Rubber Single Action (replica)",
            "Prop Shop",
            "R-SAA",
            "RUB-0005",
            ".45 Colt",
            WeaponKind.REPLICA,
            ActionType.REPLICA,
            0,
        ),
    )
    for tag, name, make, model, serial, calibre, kind, action, capacity in weapons:
        yield cmd(
            c.RegisterWeapon,
            mara,
            weapon=tag,
            name=name,
            make=make,
            model=model,
            serial=serial,
            calibre=calibre,
            owner="Sierra Prop Rentals",
            kind=kind,
            action=action,
            capacity=capacity,
            acquisition=None if kind is WeaponKind.REPLICA else RENTAL_HOUSE,
            # the Beretta 92FS has a firing-pin block and a decocker (R25)
            drop_safety=tag == W4,
            decocker=tag == W4,
        )
    yield cmd(c.CreateContainer, mara, container=C1, label=".45 Colt blanks — quarter load")
    yield cmd(c.CreateContainer, mara, container=C2, label=".45 Colt dummies")
    yield cmd(c.CreateContainer, mara, container=C3, label=".44-40 blanks — half load")
    yield cmd(
        c.ReceiveLot,
        mara,
        lot=L1,
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.QUARTER,
        calibre=".45 Colt",
        supplier="Sierra Prop Rentals",
        count=200,
        container=C1,
    )
    yield cmd(
        c.ReceiveLot,
        mara,
        lot=L2,
        round_class=RoundClass.DUMMY,
        calibre=".45 Colt",
        supplier="Sierra Prop Rentals",
        count=50,
        container=C2,
    )
    yield cmd(
        c.VerifyDummies,
        mara,
        20,
        lot=L2,
        method="rattle, no primer, holed case",
        rounds=tuple(RoundCheck(n, True) for n in range(1, 51)),
    )
    yield cmd(
        c.ReceiveLot,
        mara,
        lot=L3,
        round_class=RoundClass.BLANK,
        blank_load=BlankLoad.HALF,
        calibre=".44-40",
        supplier="Sierra Prop Rentals",
        count=100,
        container=C3,
    )

    # -- day 13 (yesterday): Rosa's rehearsal with the double-action revolver, unloaded.
    t = datetime.combine(yesterday, datetime.min.time(), tz).replace(hour=7).astimezone(UTC)
    yield cmd(
        c.PlanScene,
        dana,
        5,
        scene=SceneId("38"),
        day=yesterday,
        title="Rosa crosses the street",
        setup="38A",
        weapons=(W2,),
        performers=(P["rosa"],),
        confirm=(mara,),
    )
    yield cmd(
        c.HoldSafetyMeeting,
        dana,
        10,
        meeting=MeetingId("M-day13-38"),
        day=yesterday,
        scenes=(SceneId("38"),),
        attendees=(mara, dana, P["rosa"], P["priya"]),
        notes="No firing; holstered walk-through.",
    )
    yield cmd(c.TakeOutOfStorage, mara, 30, weapon=W2)
    yield cmd(c.InspectWeapon, mara, 2, **_inspect(W2, ActionType.DOUBLE_ACTION_REVOLVER, 6))
    yield cmd(c.HandOver, mara, 2, confirm=(P["rosa"], dana), weapon=W2, to=P["rosa"])
    yield cmd(c.TakeBack, mara, 90, confirm=(P["rosa"],), weapon=W2)
    yield cmd(c.InspectWeapon, mara, 2, **_inspect(W2, ActionType.DOUBLE_ACTION_REVOLVER, 6))
    yield cmd(c.ReturnToStorage, mara, 2, weapon=W2)
    t = datetime.combine(yesterday, datetime.min.time(), tz).replace(hour=19).astimezone(UTC)
    yield cmd(
        c.ReconcileDay,
        mara,
        day=yesterday,
        lot_counts=(LotCount(L1, 200), LotCount(L2, 50), LotCount(L3, 100)),
        serials_seen=("SA-48213", "D-771093", "W73-55120", "BER-410772", "RUB-0005"),
    )
    yield cmd(c.CloseDay, mara, 5, confirm=(tom,), day=yesterday)
    yield cmd(c.LockUp, mara, 5, kind="wrap")

    # -- day 14 (today): unlocked, scenes planned, meeting for scene 41 held.
    # Before now, and on today's date on the production's clock (a meeting for today is
    # held today, R17). Just after midnight the steps shrink so the script still ends
    # before now: the server never signs a head behind the newest one (a clock set back).
    midnight = datetime.combine(today, datetime.min.time(), tz).astimezone(UTC)
    start = max(
        midnight + min(timedelta(minutes=1), (now - midnight) / 4),
        min(midnight.astimezone(tz).replace(hour=6).astimezone(UTC), now - timedelta(minutes=120)),
    )
    t = max(start, t + timedelta(minutes=5))
    step = min(timedelta(minutes=1), (now - t) / 25)  # today's steps take 21 of them
    yield cmd(c.UnlockArmory, mara)
    yield cmd(
        c.PlanScene,
        dana,
        5,
        scene=SceneId("41"),
        day=today,
        title="Saloon standoff",
        setup="41B",
        weapons=(W1,),
        performers=(P["jack"],),
        fires_blanks=True,
        points_at_people_or_camera=False,
        closest_distance_ft=25,
        protection=("camera operator behind a shield",),
        confirm=(mara,),
    )
    yield cmd(
        c.PlanScene,
        dana,
        5,
        scene=SceneId("44"),
        day=today,
        title="Close-up of a loaded revolver",
        setup="44A",
        weapons=(W1,),
        performers=(P["jack"],),
        closest_distance_ft=6,
        protection=("dummies only, no firing",),
        confirm=(mara,),
    )
    yield cmd(
        c.HoldSafetyMeeting,
        dana,
        10,
        meeting=MeetingId("M-day14-41"),
        day=today,
        scenes=(SceneId("41"), SceneId("44")),
        attendees=(mara, P["eli"], dana, P["jack"], P["rosa"], P["sam"], P["priya"]),
        notes="Blanks in 41, pointing past camera left; shield for camera.",
    )
