"""Confirmations bound to the one command they confirm (issue 19, items 11 and 12c), in memory.

The contract part (the same on memory, SQLite and PostgreSQL) is in
tests/contract/test_custody_contract.py; these are the service's own rules.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.domain.mechanics import ActionType, RoundState, inspection_checklist
from coldcheck.domain.model import BoreFinding, Finding, Role
from coldcheck.service import demo
from coldcheck.service.account_model import AuthEventKind, PinRefused
from coldcheck.service.accounts import AccountService
from coldcheck.service.confirmations import (
    CHALLENGE_TTL,
    SWEEP_EVERY,
    ConfirmationService,
    command_digest,
    describe_command,
)
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Refused, Unconfirmed
from coldcheck.service.ports import FixedClock

NOW = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
DEMO = demo.PRODUCTION
OTHER = ProductionId("red-mesa")
MARA, DANA, ROSA, JACK = (
    PersonId(p) for p in ("mara-voss", "dana-ortiz", "rosa-lind", "jack-hale")
)
OTTO = PersonId("otto-berg")
W1, W2 = WeaponId("W-0001"), WeaponId("W-0002")
PINS = {p.person: p.pin for p in demo.PEOPLE}


class World:
    """The demo production on memory adapters, and Otto's own production beside it."""

    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.db = MemoryDatabase(key=Ed25519PrivateKey.generate())
        self.custody = CustodyService(MemoryUnitOfWorkFactory(self.db), FixedClock(NOW))
        self.accounts = AccountService(
            MemoryAccountTransactions(), self.clock, Argon2Hasher.cheap()
        )
        demo.load_demo(self.custody, self.accounts, NOW)
        self.accounts.create_user(
            login="otto", display_name="Otto", person_id=OTTO, password="x" * 12, pin="8765"
        )
        self.custody.clock = self.clock
        self.clock.set(NOW + timedelta(hours=1))
        self.confirmations = ConfirmationService(self.db.confirmations, self.accounts, self.clock)

    def cmd(self, cls: type[c.BaseCommand], actor: PersonId = MARA, **fields: object) -> c.Command:
        return cls(production=DEMO, actor=actor, at=self.clock.now(), **fields)  # type: ignore[return-value]

    def ready(self, weapon: WeaponId = W2) -> None:
        action = self.custody.state(DEMO).weapons[weapon].weapon.action
        capacity = self.custody.state(DEMO).weapons[weapon].weapon.capacity
        from coldcheck.domain.mechanics import load_positions

        self.custody.execute(self.cmd(c.TakeOutOfStorage, weapon=weapon), channel=Channel.web())
        self.custody.execute(
            self.cmd(
                c.InspectWeapon,
                weapon=weapon,
                findings=tuple(
                    Finding(p, RoundState.EMPTY) for p in load_positions(action, capacity)
                ),
                bore=BoreFinding.CLEAR,
                checklist=inspection_checklist(action),
            ),
            channel=Channel.web(),
        )

    def confirmed(self, command: c.Command, *people: PersonId) -> list[str]:
        issued = self.confirmations.challenge(self.custody.state(DEMO), command)
        return [
            self.confirmations.confirm(DEMO, issued.challenge.id, p, PINS[p]).id for p in people
        ]


@pytest.fixture
def world() -> World:
    return World()


def test_a_handoff_confirmed_against_its_challenge_records_both_witnesses(world: World):
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    issued = world.confirmations.challenge(world.custody.state(DEMO), handover)
    assert issued.challenge.summary.startswith("Rosa Lind receives W-0002: chambers 1-6 empty")
    assert "bore clear, inspected" in issued.challenge.summary and "Mara Voss" in (
        issued.challenge.summary
    )
    assert [s.people for s in issued.slots] == [(ROSA,), (DANA,)]
    ids = [
        world.confirmations.confirm(DEMO, issued.challenge.id, p, PINS[p]).id for p in (ROSA, DANA)
    ]
    accepted = world.custody.execute(handover, ids, channel=Channel.web())
    assert accepted.events[0].witnesses == (DANA, ROSA)


def test_confirmations_replayed_for_another_weapon_are_refused(world: World):
    world.ready(W2)
    world.ready(W1)
    ids = world.confirmed(world.cmd(c.HandOver, weapon=W2, to=ROSA), ROSA, DANA)
    with pytest.raises(Unconfirmed, match="another command"):
        world.custody.execute(world.cmd(c.HandOver, weapon=W1, to=ROSA), ids, channel=Channel.web())
    assert world.custody.state(DEMO).weapons[W1].holder == MARA


def test_a_confirmation_is_used_once(world: World):
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ids = world.confirmed(handover, ROSA, DANA)
    world.custody.execute(handover, ids, channel=Channel.web())
    back = world.cmd(c.TakeBack, weapon=W2)
    world.custody.execute(back, world.confirmed(back, ROSA), channel=Channel.web())
    world.custody.execute(
        world.cmd(
            c.InspectWeapon,
            weapon=W2,
            findings=tuple(Finding(f"chamber {i}", RoundState.EMPTY) for i in range(1, 7)),
            bore=BoreFinding.CLEAR,
            checklist=inspection_checklist(ActionType.DOUBLE_ACTION_REVOLVER),
        ),
        channel=Channel.web(),
    )
    with pytest.raises(Unconfirmed):  # the same handoff, the same confirmations: refused
        world.custody.execute(handover, ids, channel=Channel.web())
    assert world.custody.state(DEMO).weapons[W2].holder == MARA


def test_a_confirmation_for_a_weapon_that_changed_since_is_void(world: World):
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ids = world.confirmed(handover, ROSA, DANA)
    world.clock.set(world.clock.now() + timedelta(minutes=1))
    world.custody.execute(
        world.cmd(
            c.InspectWeapon,
            weapon=W2,
            findings=tuple(Finding(f"chamber {i}", RoundState.EMPTY) for i in range(1, 7)),
            bore=BoreFinding.OBSTRUCTED,
            checklist=inspection_checklist(ActionType.DOUBLE_ACTION_REVOLVER),
        ),
        channel=Channel.web(),
    )
    with pytest.raises(Unconfirmed, match="has changed since"):
        world.custody.execute(handover, ids, channel=Channel.web())


def test_the_log_moving_on_elsewhere_leaves_a_confirmation_valid(world: World):
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ids = world.confirmed(handover, ROSA, DANA)
    world.custody.execute(
        world.cmd(c.TakeOutOfStorage, weapon=W1), channel=Channel.web()
    )  # another weapon
    world.custody.execute(handover, ids, channel=Channel.web())


def test_a_confirmation_expires_after_a_few_minutes(world: World):
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ids = world.confirmed(handover, ROSA, DANA)
    world.clock.set(world.clock.now() + CHALLENGE_TTL + timedelta(seconds=1))
    with pytest.raises(Unconfirmed, match="expired"):
        world.custody.execute(handover, ids, channel=Channel.web())


def test_a_command_the_rules_refuse_anyway_gets_no_challenge(world: World):
    world.ready()
    with pytest.raises(Refused) as refused:  # the 1st AD reaching for the revolver
        world.confirmations.challenge(
            world.custody.state(DEMO), world.cmd(c.HandOver, actor=DANA, weapon=W2, to=ROSA)
        )
    assert "R08" in refused.value.refusal.rules
    assert not world.db.confirmations.challenges


def test_a_refused_command_uses_no_confirmation(world: World):
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ids = world.confirmed(handover, ROSA, DANA)
    world.custody.execute(world.cmd(c.StopWork, reason="wind"), channel=Channel.web())
    with pytest.raises(Refused):
        world.custody.execute(handover, ids, channel=Channel.web())
    assert all(conf.consumed_at is None for conf, _ in world.db.confirmations.confirmations(ids))


def test_only_the_people_a_command_asks_for_can_confirm_it_and_no_pin_is_tried(world: World):
    world.ready()
    issued = world.confirmations.challenge(
        world.custody.state(DEMO), world.cmd(c.HandOver, weapon=W2, to=ROSA)
    )
    before = len(world.accounts.events())
    for intruder in (JACK, OTTO, PersonId("nobody")):
        with pytest.raises(Unconfirmed, match="is not asked to confirm"):
            world.confirmations.confirm(DEMO, issued.challenge.id, intruder, "0000")
    assert len(world.accounts.events()) == before  # no PIN was even checked


def test_a_confirmation_for_another_production_is_not_found(world: World):
    world.ready()
    issued = world.confirmations.challenge(
        world.custody.state(DEMO), world.cmd(c.HandOver, weapon=W2, to=ROSA)
    )
    with pytest.raises(Unconfirmed, match="expired or does not exist"):
        world.confirmations.confirm(OTHER, issued.challenge.id, ROSA, PINS[ROSA])


def test_wrong_pins_on_one_production_never_lock_the_pin_on_another(world: World):
    for _ in range(5):
        with pytest.raises(PinRefused):
            world.accounts.verify_pins([(ROSA, "0000")], production=OTHER)
    with pytest.raises(PinRefused):  # locked on red-mesa
        world.accounts.verify_pins([(ROSA, PINS[ROSA])], production=OTHER)
    assert world.accounts.verify_pins([(ROSA, PINS[ROSA])], production=DEMO) == {ROSA}
    locked = [e for e in world.accounts.events() if e.kind is AuthEventKind.PIN_LOCKED]
    assert locked and "on red-mesa" in locked[-1].detail


def test_a_refused_pin_never_says_whether_the_person_has_an_account(world: World):
    world.custody.execute(
        world.cmd(c.AddPerson, actor=PersonId("tom-reyes"), person="vic", name="Vic"),
        channel=Channel.web(),
    )
    world.custody.execute(
        world.cmd(c.AssignRole, actor=PersonId("tom-reyes"), person="vic", role=Role.FIRST_AD),
        channel=Channel.web(),
    )
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    issued = world.confirmations.challenge(world.custody.state(DEMO), handover)
    messages = []
    for person in ("vic", DANA):  # vic has no account; Dana has one, and a PIN
        with pytest.raises(Unconfirmed) as refused:
            world.confirmations.confirm(DEMO, issued.challenge.id, person, "0000")
        messages.append(str(refused.value).replace(person, "X"))
    assert messages[0] == messages[1]
    assert "tries left" not in messages[0]


def test_a_command_that_asks_for_no_confirmation_gets_no_challenge(world: World):
    with pytest.raises(Refused, match="asks for no confirmation"):
        world.confirmations.challenge(
            world.custody.state(DEMO), world.cmd(c.TakeOutOfStorage, weapon=W2)
        )


def test_a_challenge_can_follow_the_earlier_commands_of_its_batch(world: World):
    state = world.custody.state(DEMO)
    take_out = world.cmd(c.TakeOutOfStorage, weapon=W2)
    inspect = world.cmd(
        c.InspectWeapon,
        weapon=W2,
        findings=tuple(Finding(f"chamber {i}", RoundState.EMPTY) for i in range(1, 7)),
        bore=BoreFinding.CLEAR,
        checklist=inspection_checklist(ActionType.DOUBLE_ACTION_REVOLVER),
    )
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    issued = world.confirmations.challenge(state, handover, [take_out, inspect])
    assert "chambers 1-6 empty, bore clear" in issued.challenge.summary
    ids = [
        world.confirmations.confirm(DEMO, issued.challenge.id, p, PINS[p]).id for p in (ROSA, DANA)
    ]
    accepted = world.custody.execute_batch(
        [take_out, inspect, handover], [(), (), ids], channel=Channel.web()
    )
    assert accepted.events[-1].witnesses == (DANA, ROSA)


def test_the_digest_binds_every_field_of_the_command(world: World):
    a = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    assert command_digest(a) == command_digest(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    assert command_digest(a) != command_digest(world.cmd(c.HandOver, weapon=W1, to=ROSA))
    assert command_digest(a) != command_digest(world.cmd(c.HandOver, weapon=W2, to=JACK))
    assert command_digest(a) != command_digest(
        world.cmd(c.HandOver, actor=DANA, weapon=W2, to=ROSA)
    )


def test_what_a_confirmer_reads_names_the_people_and_the_evidence(world: World):
    state = world.custody.state(DEMO)
    text = describe_command(
        state,
        world.cmd(
            c.SealWeaponAsEvidence, weapon=W1, seal="EV-7", handed_to="Santa Fe County Sheriff"
        ),
    )
    assert "W-0001" in text and "EV-7" in text and "Santa Fe County Sheriff" in text


def test_old_expired_challenges_are_forgotten_when_a_challenge_is_stored_at_most_every_sweep(
    world: World,
):
    """A challenge is forgotten a day after it expired unused; the sweep rides on storing
    a challenge, once per ``SWEEP_EVERY`` (not two deletes with every challenge)."""
    world.ready()
    old = world.confirmations.challenge(
        world.custody.state(DEMO), world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ).challenge
    s0 = world.clock.now()

    def stored(challenge_id: str) -> bool:
        with world.db.confirmations(write=False) as store:
            return store.challenge(challenge_id) is not None

    def store_another(at: datetime) -> None:
        world.clock.set(at)
        fresh = dataclasses.replace(
            old, id=f"c{at.timestamp():.0f}", created_at=at, expires_at=at + CHALLENGE_TTL
        )
        world.confirmations._store_challenge(fresh, at)

    s1 = s0 + timedelta(days=1, minutes=1)  # expired, but less than a day ago: kept
    store_another(s1)
    assert stored(old.id)
    store_another(s1 + timedelta(minutes=5))  # a day past expiry now, but swept 5 min ago
    assert stored(old.id)
    store_another(s1 + SWEEP_EVERY)
    assert not stored(old.id)
