"""The per-request membership check: one production by id, or NotFound, on SQLite and PostgreSQL.

``permissions.membership`` asks the read model for one (person, production) pair
instead of listing all the person's productions. What it answers must be what
the list shows for that production, and it must never answer for someone whose
role is gone, who never had one, or whose role is on another production.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.adapters.sql import migrate
from coldcheck.adapters.sql.engine import make_engine
from coldcheck.adapters.sql.queries import SqlReadModel
from coldcheck.adapters.sql.store import SqlUnitOfWorkFactory
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import Role
from coldcheck.service import demo
from coldcheck.service.accounts import AccountService
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import NotFound
from coldcheck.service.permissions import membership
from coldcheck.service.ports import FixedClock
from coldcheck.service.queries import ProductionSummary, ReadModel
from tests.pg import fresh_pg_schema, pg_url_or_skip

NOW = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
DRY_GULCH = demo.PRODUCTION
RED_MESA = ProductionId("red-mesa")
TOM = PersonId("tom-reyes")  # producer of dry-gulch
MARA = PersonId("mara-voss")  # armorer of dry-gulch
ELI = PersonId("eli-tran")  # assistant armorer, given crew as well: two roles
ROSA = PersonId("rosa-lind")  # performer whose only role is ended
CORA = PersonId("cora-pike")  # known to dry-gulch, never given a role
OTTO = PersonId("otto-berg")  # producer of red-mesa only


def _populate(engine: Engine) -> ReadModel:
    """The demo production plus the people above, on ``engine``; its read model."""
    migrate.upgrade(engine)
    custody = CustodyService(
        SqlUnitOfWorkFactory(engine, Ed25519PrivateKey.generate()), FixedClock(NOW)
    )
    accounts = AccountService(MemoryAccountTransactions(), FixedClock(NOW), Argon2Hasher.cheap())
    demo.load_demo(custody, accounts, NOW)
    clock = custody.clock
    assert isinstance(clock, FixedClock)
    clock.set(NOW + timedelta(hours=1))
    at = clock.now()
    for cmd in (
        c.AddPerson(production=DRY_GULCH, actor=TOM, at=at, person=CORA, name="Cora Pike"),
        c.AssignRole(production=DRY_GULCH, actor=TOM, at=at, person=ELI, role=Role.CREW),
        c.EndRole(production=DRY_GULCH, actor=TOM, at=at, person=ROSA, role=Role.PERFORMER),
    ):
        custody.execute(cmd, channel=Channel.web())
    custody.create_production(
        production=RED_MESA,
        actor=OTTO,
        actor_name="Otto Berg",
        title="Red Mesa",
        time_zone="UTC",
        channel=Channel.web(),
    )
    return SqlReadModel(engine)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def reads(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReadModel]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("members") / "members.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield _populate(engine)
        finally:
            engine.dispose()
        return
    with fresh_pg_schema(pg_url_or_skip(), prefix="members") as engine:
        yield _populate(engine)


def _listed(reads: ReadModel, person: PersonId, production: ProductionId) -> ProductionSummary:
    """The production as the person's list of productions shows it."""
    (found,) = [p for p in reads.productions_for(person) if p.id == production]
    return found


@pytest.mark.parametrize(
    ("person", "production", "roles"),
    [
        (MARA, DRY_GULCH, ("armorer",)),
        (ELI, DRY_GULCH, ("assistant_armorer", "crew")),
        (OTTO, RED_MESA, ("producer",)),
    ],
)
def test_a_member_gets_the_production_exactly_as_their_list_shows_it(
    reads: ReadModel, person: PersonId, production: ProductionId, roles: tuple[str, ...]
) -> None:
    summary = membership(reads, person, production)

    assert summary == _listed(reads, person, production)
    assert summary.roles == roles


@pytest.mark.parametrize(
    ("person", "production"),
    [
        pytest.param(CORA, DRY_GULCH, id="known-but-never-given-a-role"),
        pytest.param(ROSA, DRY_GULCH, id="removed-from-all-roles"),
        pytest.param(PersonId("nobody-at-all"), DRY_GULCH, id="unknown-person"),
        pytest.param(MARA, ProductionId("no-such-production"), id="unknown-production"),
        pytest.param(OTTO, DRY_GULCH, id="member-of-another-production"),
        pytest.param(MARA, RED_MESA, id="member-here-asking-for-another-production"),
    ],
)
def test_anyone_without_a_role_on_the_production_is_told_it_does_not_exist(
    reads: ReadModel, person: PersonId, production: ProductionId
) -> None:
    with pytest.raises(NotFound) as refused:
        membership(reads, person, production)

    assert str(refused.value) == (
        f"No production '{production}' that you have a role on. Ask its producer to add you."
    )
    assert reads.membership_on(person, production) is None


def test_the_person_whose_role_ended_no_longer_lists_the_production(reads: ReadModel) -> None:
    assert [p.id for p in reads.productions_for(ROSA)] == []
