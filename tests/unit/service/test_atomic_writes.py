"""Imports and role grants are all or nothing; a refused credential is committed, then raised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.adapters.sql.account_store import ACCOUNT_TABLES, SqlAccountTransactions
from coldcheck.adapters.sql.engine import make_engine
from coldcheck.adapters.sql.tables import metadata
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import Role, WeaponKind
from coldcheck.service import demo
from coldcheck.service.account_model import (
    PIN_MAX_FAILURES,
    AuthEventKind,
    InvalidCredentials,
    PinLocked,
    PinRefused,
    SessionKind,
    WrongPin,
)
from coldcheck.service.accounts import AccountService
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Refused
from coldcheck.service.exchange import ImportInterrupted, plan_import, run_import, table_from_rows
from coldcheck.service.ports import FixedClock

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
DEMO = ProductionId("dry-gulch")
MARA, JACK = PersonId("mara-voss"), PersonId("jack-hale")


@pytest.fixture
def world() -> tuple[CustodyService, MemoryDatabase]:
    db = MemoryDatabase(Ed25519PrivateKey.generate())
    custody = CustodyService(MemoryUnitOfWorkFactory(db), FixedClock(NOW))
    accounts = AccountService(MemoryAccountTransactions(), FixedClock(NOW), Argon2Hasher.cheap())
    demo.load_demo(custody, accounts, NOW)
    assert isinstance(custody.clock, FixedClock)
    custody.clock.set(NOW + timedelta(hours=1))
    return custody, db


def _weapons(*names: str) -> list[list[str]]:
    return [
        [
            name,
            "Colt",
            "SAA",
            f"SN-{i}",
            ".45 Colt",
            "Rental",
            "firearm",
            "single_action_revolver",
            "6",
        ]
        for i, name in enumerate(names)
    ]


COLUMNS = ("name", "make", "model", "serial", "calibre", "owner", "kind", "action", "capacity")


def test_an_import_refused_at_its_last_row_records_nothing(world) -> None:
    custody, db = world
    table = table_from_rows(COLUMNS, _weapons("Colt one", "Colt two", "Colt three"))
    plan = plan_import("weapons", table, custody.state(DEMO), MARA, custody.clock.now())
    assert plan.ok, plan.problems
    last = plan.rows[-1].commands[0]
    assert isinstance(last, c.RegisterWeapon)
    # Meanwhile someone registers a weapon under the tag the last row will take.
    custody.execute(
        c.RegisterWeapon(
            production=DEMO,
            actor=MARA,
            at=NOW,
            weapon=WeaponId(last.weapon),
            name="Other",
            make="x",
            model="x",
            serial="OTHER-1",
            calibre=".38",
            owner="x",
            kind=WeaponKind.FIREARM,
            action=ActionType.DOUBLE_ACTION_REVOLVER,
            capacity=6,
        ),
        channel=Channel.web(),
    )
    before = len(db.entries)
    with pytest.raises(ImportInterrupted) as refused:
        run_import(plan, custody, Channel.cli("mara"))
    assert refused.value.line == plan.rows[-1].line
    assert len(db.entries) == before, "a refused import must leave no row recorded"


def test_a_grant_refused_at_its_last_role_records_no_role(world) -> None:
    custody, db = world
    before = len(db.entries)
    with pytest.raises(Refused) as refused:
        custody.grant_roles(
            DEMO, MARA, JACK, "Jack Hale", [Role.CREW, Role.PERFORMER], channel=Channel.web()
        )
    assert refused.value.index == 1
    assert "command 2 of 2" in str(refused.value)
    assert len(db.entries) == before
    assert Role.CREW not in custody.state(DEMO).roles[JACK]


def test_a_grant_adds_the_person_and_every_role_in_one_transaction(world) -> None:
    custody, db = world
    heads = len(db.heads)
    accepted = custody.grant_roles(
        DEMO, MARA, PersonId("new-grip"), "Nu Grip", [Role.CREW], channel=Channel.web()
    )
    assert [e.type_name for e in accepted.events] == ["PersonAdded", "RoleAssigned"]
    assert len(db.heads) == heads + 1


# -- credentials are committed before they are refused ---------------------------------


@pytest.fixture
def sql_accounts(tmp_path: Path) -> AccountService:
    engine = make_engine(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")
    metadata.create_all(engine, tables=list(ACCOUNT_TABLES))
    accounts = AccountService(SqlAccountTransactions(engine), FixedClock(NOW), Argon2Hasher.cheap())
    accounts.create_user(
        login="jack",
        display_name="Jack Hale",
        person_id=JACK,
        password="a long password 1",
        pin="1212",
    )
    return accounts


def test_a_wrong_pin_is_committed_although_the_check_raises(sql_accounts: AccountService) -> None:
    with pytest.raises(PinRefused) as refused:
        sql_accounts.verify_pins([(JACK, "9999")])
    assert isinstance(refused.value.cause, WrongPin) and refused.value.person == JACK
    kinds = [e.kind for e in sql_accounts.events()]
    assert AuthEventKind.PIN_FAILED in kinds
    for _ in range(PIN_MAX_FAILURES - 1):
        with pytest.raises(PinRefused):
            sql_accounts.verify_pins([(JACK, "9999")])
    with pytest.raises(PinRefused) as locked:
        sql_accounts.verify_pins([(JACK, "1212")])  # the right PIN, but the lock was committed
    assert isinstance(locked.value.cause, PinLocked)


def test_a_wrong_password_is_committed_although_sign_in_raises(
    sql_accounts: AccountService,
) -> None:
    with pytest.raises(InvalidCredentials):
        sql_accounts.sign_in("jack", "not the password", SessionKind.WEB)
    assert [e.kind for e in sql_accounts.events()][-1] is AuthEventKind.LOGIN_FAILED
    signed = sql_accounts.sign_in("jack", "a long password 1", SessionKind.WEB)
    assert sql_accounts.session_for_token(signed.token, SessionKind.WEB) is not None
    assert sql_accounts.revoke_session(signed.token)
    assert sql_accounts.session_for_token(signed.token, SessionKind.WEB) is None
