"""Productions for the benchmarks, built through the real service on a FixedClock.

``make_data(dir)`` runs ``coldcheck init`` in-process (``init_data``);
``open_app(dir, hasher, fast=True)`` builds the App and, for set-up only,
turns ``synchronous`` to OFF on its connections (set-up speed, not a figure);
``populate(app, spec)`` creates the accounts and the production through
``CustodyService.execute`` with every command judged by the rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build, init_data
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.domain.mechanics import ActionType, RoundState, inspection_checklist, load_positions
from coldcheck.domain.model import BoreFinding, Finding, PermitKind, Role, WeaponKind
from coldcheck.domain.model import Settings as ProductionSettings
from coldcheck.service.account_model import SecretHasher
from coldcheck.service.envelope import Channel
from coldcheck.service.ports import FixedClock

PASSWORD = "bench-password-1"
PIN = "2468"
START = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)

# (action, capacity, name, calibre): the board mixes the common prop guns
GUNS = (
    (ActionType.DOUBLE_ACTION_REVOLVER, 6, "Smith & Wesson Model 10", ".38 Special"),
    (ActionType.SEMI_AUTO_PISTOL, 15, "Beretta 92FS", "9 mm"),
    (ActionType.LEVER, 10, "Winchester 1873", ".44-40"),
    (ActionType.SINGLE_ACTION_REVOLVER, 6, "Colt Single Action Army", ".45 Colt"),
)


@dataclass(frozen=True)
class Spec:
    """What a generated production holds."""

    production: str = "bench-prod"
    weapons: int = 20
    performers: int = 20
    armorers: int = 2


def armorer(i: int) -> PersonId:
    return PersonId(f"armorer-{i:02d}")


def performer(i: int) -> PersonId:
    return PersonId(f"performer-{i:04d}")


def weapon(i: int) -> WeaponId:
    return WeaponId(f"W-{i + 1:04d}")


AD = PersonId("first-ad")
PRODUCER = PersonId("producer")


def gun(i: int) -> tuple[ActionType, int, str, str]:
    return GUNS[i % len(GUNS)]


class CachedHasher:
    """A real argon2id hasher that hashes each distinct secret once (set-up speed).

    Every stored hash is a genuine argon2id hash with the given parameters, so
    a server verifying it does the full work; only set-up skips re-hashing the
    same PIN and password for hundreds of accounts (the salt is shared).
    """

    def __init__(self, inner: Argon2Hasher) -> None:
        self.inner = inner
        self._cache: dict[str, str] = {}

    def hash(self, secret: str) -> str:
        if secret not in self._cache:
            self._cache[secret] = self.inner.hash(secret)
        return self._cache[secret]

    def verify(self, hashed: str, secret: str) -> bool:
        return self.inner.verify(hashed, secret)

    def needs_rehash(self, hashed: str) -> bool:
        return self.inner.needs_rehash(hashed)


def make_data(data: Path, database_url: str | None = None) -> Settings:
    settings = Settings(data_dir=data, database_url_override=database_url)
    init_data(settings)
    return settings


def open_app(
    settings: Settings,
    hasher: SecretHasher | None = None,
    *,
    fast: bool = False,
    clock: Any = None,
    pin_hasher: SecretHasher | None = None,
) -> App:
    app = build(settings, clock=clock, hasher=hasher or Argon2Hasher.cheap(), pin_hasher=pin_hasher)
    if fast and app.engine.dialect.name == "sqlite":

        @event.listens_for(app.engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA synchronous=OFF")

        app.engine.dispose()
    return app


def cmd(cls: type[c.BaseCommand], production: str, actor: PersonId, **fields: Any) -> c.Command:
    fields.setdefault("confirmations", frozenset())
    return cast(
        c.Command, cls(production=ProductionId(production), actor=actor, at=START, **fields)
    )


def inspect_fields(i: int) -> dict[str, Any]:
    action, capacity, _, _ = gun(i)
    return {
        "weapon": weapon(i),
        "findings": tuple(Finding(p, RoundState.EMPTY) for p in load_positions(action, capacity)),
        "bore": BoreFinding.CLEAR,
        "checklist": inspection_checklist(action),
    }


def inspect_json(i: int) -> dict[str, Any]:
    action, capacity, _, _ = gun(i)
    return {
        "weapon": weapon(i),
        "findings": [{"position": p, "found": "empty"} for p in load_positions(action, capacity)],
        "bore": "clear",
        "checklist": list(inspection_checklist(action)),
    }


def setup_commands(spec: Spec) -> Iterator[c.Command]:
    """The commands that create ``spec``'s production, in order."""
    p = spec.production
    yield cmd(
        c.CreateProduction,
        p,
        PRODUCER,
        title=f"Bench {p}",
        company="Bench Pictures",
        location="Stage 4",
        time_zone="UTC",
        actor_name="Pat Producer",
        roles=(Role.PRODUCER,),
        settings=ProductionSettings(compliance_contact="Pat Producer, stage 4 office"),
    )
    people = [(AD, "Alex First-AD", Role.FIRST_AD)]
    people += [(armorer(i), f"Armorer {i}", Role.ARMORER) for i in range(spec.armorers)]
    people += [(performer(i), f"Performer {i}", Role.PERFORMER) for i in range(spec.performers)]
    for person, name, role in people:
        yield cmd(c.AddPerson, p, PRODUCER, person=person, name=name)
        # a role that checks others is given with a second person confirming (the 1st AD)
        second = frozenset({AD}) if role is Role.ARMORER else frozenset()
        yield cmd(c.AssignRole, p, PRODUCER, person=person, role=role, confirmations=second)
    for i in range(spec.armorers):
        yield cmd(
            c.RecordPermit,
            p,
            PRODUCER,
            person=armorer(i),
            kind=PermitKind.ARMORER,
            number=f"CA-ARM-{i:05d}",
            expires=date(2030, 12, 31),
        )
    for i in range(spec.performers):
        yield cmd(c.RecordTraining, p, armorer(0), person=performer(i), action=gun(i)[0])
    for i in range(spec.weapons):
        action, capacity, name, calibre = gun(i)
        yield cmd(
            c.RegisterWeapon,
            p,
            armorer(0),
            weapon=weapon(i),
            name=name,
            make=name.split()[0],
            model=name.split()[-1],
            serial=f"SN-{i:06d}",
            calibre=calibre,
            owner="Sierra Prop Rentals",
            kind=WeaponKind.FIREARM,
            action=action,
            capacity=capacity,
        )


def issue_commands(p: str, i: int, by: PersonId, to: PersonId) -> list[c.Command]:
    """Take out, inspect, hand over (confirmations already verified)."""
    return [
        cmd(c.TakeOutOfStorage, p, by, weapon=weapon(i)),
        cmd(c.InspectWeapon, p, by, **inspect_fields(i)),
        cmd(c.HandOver, p, by, weapon=weapon(i), to=to, confirmations=frozenset({to, AD})),
    ]


def return_commands(p: str, i: int, by: PersonId, holder: PersonId) -> list[c.Command]:
    """Take back (the performer confirming), inspect, return to storage."""
    return [
        cmd(c.TakeBack, p, by, weapon=weapon(i), confirmations=frozenset({holder})),
        cmd(c.InspectWeapon, p, by, **inspect_fields(i)),
        cmd(c.ReturnToStorage, p, by, weapon=weapon(i)),
    ]


def create_accounts(app: App, spec: Spec, *, with_performers: bool = True) -> None:
    people = [(AD, "ad"), (PRODUCER, "producer")]
    people += [(armorer(i), f"armorer{i:02d}") for i in range(spec.armorers)]
    if with_performers:
        people += [(performer(i), f"performer{i:04d}") for i in range(spec.performers)]
    for person, login in people:
        app.accounts.create_user(
            login=login, display_name=login, person_id=person, password=PASSWORD, pin=PIN
        )


def populate(app: App, spec: Spec, *, accounts: bool = True) -> None:
    """Accounts and the production, through the real rules and ledger, on a FixedClock."""
    if accounts:
        create_accounts(app, spec)
    # The log refuses a clock behind its newest record (the accounts' security records are
    # written at the real time), so the production starts now, a millisecond per command:
    # each commit takes longer than that, so the real clock is ahead again when it is done.
    start = max(START, datetime.now(UTC))
    clock = FixedClock(start)
    custody = dataclasses.replace  # keep the linter quiet about unused import patterns
    del custody
    from coldcheck.service.custody import CustodyService

    service = CustodyService(app.uow, clock, app.alerts)
    t = start
    for command in setup_commands(spec):
        t += timedelta(milliseconds=1)
        clock.set(t)
        service.execute(command, channel=Channel.api())
