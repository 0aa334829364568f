"""Refusals that are not safety rules: malformed commands, unknown things, roles (INPUT, AUTH)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from coldcheck.domain import commands as c
from coldcheck.domain.errors import InvalidCommand, Refusal
from coldcheck.domain.ids import next_container_tag, next_lot_tag, next_weapon_tag
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import (
    BoreFinding,
    Disposition,
    PositionLoad,
    Role,
    RoundClass,
    Settings,
    Severity,
    WeaponKind,
)
from coldcheck.domain.rules import decide
from coldcheck.domain.state import empty_state
from tests.factories import (
    C_BLANKS,
    C_DUMMIES,
    DANA,
    DAY,
    JACK,
    L1,
    L2,
    MARA,
    PRIYA,
    PROD,
    PROPS,
    SCENE_41,
    TOM,
    W1,
    W2,
    W5,
    WEAPONS,
    Shoot,
    armed,
    dry_gulch,
)


def test_a_command_for_a_production_that_does_not_exist_is_refused():
    state = empty_state(PROD)
    cmd = c.TakeOutOfStorage(production=PROD, actor=MARA, at=datetime.now(UTC), weapon=W1)
    refusal = decide(state, cmd)
    assert isinstance(refusal, Refusal) and "does not exist" in refusal.reasons[0].message


def test_a_command_for_another_production_is_refused():
    s = dry_gulch()
    cmd = c.TakeOutOfStorage(production="other", actor=MARA, at=s.now, weapon=W1)
    assert decide(s.state, cmd).rules == ("INPUT",)


def test_a_time_without_utc_offset_is_refused():
    s = dry_gulch()
    for at in (s.now.replace(tzinfo=None), s.now.astimezone(timezone(timedelta(hours=-6)))):
        cmd = c.TakeOutOfStorage(production=PROD, actor=MARA, at=at, weapon=W1)
        assert decide(s.state, cmd).rules == ("INPUT",)


def test_a_stranger_is_refused_and_so_is_an_unknown_confirmer():
    s = dry_gulch()
    assert s.refused(c.TakeOutOfStorage, "nobody", weapon=W1).rules == ("AUTH",)
    refusal = s.refused(c.HandOver, MARA, confirm=("ghost",), weapon=W1, to=JACK)
    assert refusal.rules == ("INPUT",)


def test_something_that_is_not_a_command_raises():
    with pytest.raises(InvalidCommand):
        decide(empty_state(PROD), "hand it over")  # type: ignore[arg-type]


def test_creating_a_production_twice_is_refused():
    s = dry_gulch()
    refusal = s.refused(
        c.CreateProduction,
        TOM,
        title="",
        company="x",
        location="y",
        time_zone="",
        settings=Settings(misfire_wait_seconds=0),
        roles=(),
    )
    assert len(refusal.reasons) == 5


def test_the_creator_of_a_production_holds_the_role_given():
    s = Shoot()
    s.do(
        c.CreateProduction,
        MARA,
        title="T",
        company="C",
        location="L",
        time_zone="UTC",
        actor_name="Mara Voss",
        roles=(Role.PRODUCER, Role.CREW),
    )
    assert s.state.roles[MARA] == {Role.PRODUCER, Role.CREW}
    assert s.state.name_of(MARA) == "Mara Voss"


def test_the_creator_never_gives_themselves_two_roles_that_check_each_other():
    s = Shoot()
    refusal = s.refused(
        c.CreateProduction,
        MARA,
        title="T",
        company="C",
        location="L",
        time_zone="UTC",
        actor_name="Mara Voss",
        roles=(Role.ARMORER, Role.PRODUCER),
    )
    assert refusal.rules == ("AUTH",)


Case = tuple[str, Callable[[Shoot], Any], type, dict[str, Any], str]

CASES: list[Case] = [
    ("add a person twice", lambda s: None, c.AddPerson, dict(person=JACK, name="Jack"), "INPUT"),
    ("add a person as performer", lambda s: None, c.AddPerson, dict(person="x", name="X"), "AUTH"),
    (
        "give a role twice",
        lambda s: None,
        c.AssignRole,
        dict(person=JACK, role=Role.PERFORMER),
        "INPUT",
    ),
    (
        "give a role to a stranger",
        lambda s: None,
        c.AssignRole,
        dict(person="who", role=Role.CREW),
        "INPUT",
    ),
    (
        "end a role not held",
        lambda s: None,
        c.EndRole,
        dict(person=JACK, role=Role.ARMORER),
        "INPUT",
    ),
    (
        "end the role of a performer holding a weapon",
        armed,
        c.EndRole,
        dict(person=JACK, role=Role.PERFORMER),
        "R09",
    ),
    ("end a duty not held", lambda s: None, c.EndDuty, dict(person=MARA, duty="props"), "INPUT"),
    (
        "record a permit with no number",
        lambda s: None,
        c.RecordPermit,
        dict(person=MARA, kind="armorer", number=" ", expires=DAY),
        "INPUT",
    ),
    (
        "record a live exception without purpose",
        lambda s: None,
        c.RecordLiveException,
        dict(supervisor=MARA, purpose=""),
        "R01",
    ),
    (
        "register a bad tag",
        lambda s: None,
        c.RegisterWeapon,
        dict(WEAPONS[W1], weapon="W1", serial="new"),
        "INPUT",
    ),
    (
        "register a tag twice",
        lambda s: None,
        c.RegisterWeapon,
        dict(WEAPONS[W1], weapon=W1, serial="new"),
        "INPUT",
    ),
    (
        "register a serial twice",
        lambda s: None,
        c.RegisterWeapon,
        dict(WEAPONS[W1], weapon="W-0009"),
        "INPUT",
    ),
    (
        "register a replica with rounds",
        lambda s: None,
        c.RegisterWeapon,
        dict(WEAPONS[W5], weapon="W-0009", serial="new", capacity=6),
        "INPUT",
    ),
    (
        "register a firearm with the replica action",
        lambda s: None,
        c.RegisterWeapon,
        dict(WEAPONS[W1], weapon="W-0009", serial="new", action=ActionType.REPLICA),
        "INPUT",
    ),
    ("retire a weapon that is out", armed, c.RetireWeapon, dict(weapon=W1), "R09"),
    (
        "create a container with a bad tag",
        lambda s: None,
        c.CreateContainer,
        dict(container="box", label="x"),
        "INPUT",
    ),
    (
        "create a container twice",
        lambda s: None,
        c.CreateContainer,
        dict(container=C_BLANKS, label="x"),
        "INPUT",
    ),
    (
        "move an unknown container",
        lambda s: None,
        c.MoveContainer,
        dict(container="C-0099", to="cart"),
        "INPUT",
    ),
    (
        "receive a lot with a bad tag",
        lambda s: None,
        c.ReceiveLot,
        dict(
            lot="lot1",
            round_class=RoundClass.DUMMY,
            calibre="x",
            supplier="y",
            count=1,
            container=C_DUMMIES,
        ),
        "INPUT",
    ),
    (
        "receive a lot twice",
        lambda s: None,
        c.ReceiveLot,
        dict(
            lot=L2,
            round_class=RoundClass.DUMMY,
            calibre="x",
            supplier="y",
            count=1,
            container=C_DUMMIES,
        ),
        "INPUT",
    ),
    (
        "receive dummies with a load",
        lambda s: None,
        c.ReceiveLot,
        dict(
            lot="L-0009",
            round_class=RoundClass.DUMMY,
            blank_load="full",
            calibre="x",
            supplier="y",
            count=1,
            container=C_DUMMIES,
        ),
        "R02",
    ),
    (
        "receive into no container",
        lambda s: None,
        c.ReceiveLot,
        dict(
            lot="L-0009",
            round_class=RoundClass.DUMMY,
            calibre="x",
            supplier="y",
            count=1,
            container="C-0099",
        ),
        "INPUT",
    ),
    (
        "verify blanks as dummies",
        lambda s: None,
        c.VerifyDummies,
        dict(lot=L1, method="rattle", rounds=()),
        "INPUT",
    ),
    (
        "verify without a method",
        lambda s: None,
        c.VerifyDummies,
        dict(lot=L2, method="", rounds=()),
        "R03",
    ),
    (
        "move rounds to the same box",
        lambda s: None,
        c.MoveRounds,
        dict(lot=L1, from_container=C_BLANKS, to_container=C_BLANKS, count=1),
        "INPUT",
    ),
    (
        "move no rounds",
        lambda s: None,
        c.MoveRounds,
        dict(lot=L1, from_container=C_BLANKS, to_container="C-0003", count=0),
        "INPUT",
    ),
    (
        "return rounds of an unknown lot",
        lambda s: None,
        c.ReturnLot,
        dict(lot="L-0099", container=C_BLANKS, count=1),
        "R02",
    ),
    ("release a lot not quarantined", lambda s: None, c.ReleaseLot, dict(lot=L1, note="x"), "R21"),
    (
        "plan a scene without title or known weapon",
        lambda s: None,
        c.PlanScene,
        dict(scene="9", day=DAY, title="", weapons=("W-0099",), performers=(DANA,)),
        "INPUT",
    ),
    (
        "plan firing with only a replica",
        lambda s: None,
        c.PlanScene,
        dict(
            scene="9", day=DAY, title="x", weapons=(W5,), fires_blanks=True, closest_distance_ft=50
        ),
        "INPUT",
    ),
    (
        "hold a meeting twice",
        lambda s: None,
        c.HoldSafetyMeeting,
        dict(meeting="M-41", day=DAY, scenes=(), attendees=(MARA,)),
        "INPUT",
    ),
    (
        "hold a meeting for an unplanned scene",
        lambda s: None,
        c.HoldSafetyMeeting,
        dict(meeting="M-9", day=DAY, scenes=("99",), attendees=(MARA,)),
        "INPUT",
    ),
    (
        "hold a meeting on another day",
        lambda s: None,
        c.HoldSafetyMeeting,
        dict(meeting="M-9", day=DAY + timedelta(days=1), scenes=(SCENE_41,), attendees=(MARA,)),
        "R17",
    ),
    ("unlock an open armory", lambda s: None, c.UnlockArmory, {}, "INPUT"),
    (
        "take out an unknown weapon",
        lambda s: None,
        c.TakeOutOfStorage,
        dict(weapon="W-0099"),
        "INPUT",
    ),
    ("take out a weapon twice", armed, c.TakeOutOfStorage, dict(weapon=W1), "INPUT"),
    ("return a weapon held by a performer", armed, c.ReturnToStorage, dict(weapon=W1), "R08"),
    (
        "return a weapon already in storage",
        lambda s: None,
        c.ReturnToStorage,
        dict(weapon=W1),
        "INPUT",
    ),
    (
        "check the bore of a replica",
        lambda s: s.do(c.TakeOutOfStorage, MARA, weapon=W5),
        c.CheckBore,
        dict(weapon=W5, bore=BoreFinding.CLEAR),
        "INPUT",
    ),
    (
        "check the bore of a weapon in storage",
        lambda s: None,
        c.CheckBore,
        dict(weapon=W1, bore=BoreFinding.CLEAR),
        "R09",
    ),
    (
        "load a replica",
        lambda s: s.take_out_and_inspect(W5),
        c.LoadWeapon,
        dict(weapon=W5, container=C_DUMMIES, loads=(PositionLoad("chamber 1", L2),)),
        "INPUT",
    ),
    (
        "load nothing",
        lambda s: s.take_out_and_inspect(W1),
        c.LoadWeapon,
        dict(weapon=W1, container=C_DUMMIES, loads=()),
        "INPUT",
    ),
    (
        "load the wrong calibre",
        lambda s: s.take_out_and_inspect(W2),
        c.LoadWeapon,
        dict(weapon=W2, container=C_DUMMIES, loads=(PositionLoad("chamber 1", L2),)),
        "INPUT",
    ),
    (
        "load two rounds into one chamber",
        lambda s: s.take_out_and_inspect(W1),
        c.LoadWeapon,
        dict(
            weapon=W1,
            container=C_DUMMIES,
            loads=(PositionLoad("chamber 1", L2), PositionLoad("chamber 1", L2)),
        ),
        "INPUT",
    ),
    (
        "load a position the weapon lacks",
        lambda s: s.take_out_and_inspect(W1),
        c.LoadWeapon,
        dict(weapon=W1, container=C_DUMMIES, loads=(PositionLoad("chamber 7", L2),)),
        "INPUT",
    ),
    (
        "load from a box without that lot",
        lambda s: s.take_out_and_inspect(W1),
        c.LoadWeapon,
        dict(weapon=W1, container=C_BLANKS, loads=(PositionLoad("chamber 1", L2),)),
        "R05",
    ),
    (
        "unload an empty chamber",
        lambda s: s.take_out_and_inspect(W1),
        c.UnloadWeapon,
        dict(weapon=W1, positions=("chamber 1",)),
        "INPUT",
    ),
    (
        "unload nothing",
        lambda s: s.take_out_and_inspect(W1),
        c.UnloadWeapon,
        dict(weapon=W1, positions=()),
        "INPUT",
    ),
    ("take back a weapon in storage", lambda s: None, c.TakeBack, dict(weapon=W1), "INPUT"),
    (
        "record firing of an empty chamber",
        armed,
        c.RecordFiring,
        dict(weapon=W1, positions=("chamber 6",)),
        "INPUT",
    ),
    (
        "record a misfire in storage",
        lambda s: None,
        c.RecordMisfire,
        dict(weapon=W1, position="chamber 1"),
        "INPUT",
    ),
    (
        "record a discharge from a missing position",
        lambda s: None,
        c.RecordUnplannedDischarge,
        dict(weapon=W1, position="barrel 9"),
        "INPUT",
    ),
    (
        "clear a weapon not quarantined",
        lambda s: s.take_out_and_inspect(W1),
        c.ClearWeaponQuarantine,
        dict(weapon=W1, note="fine"),
        "INPUT",
    ),
    (
        "open an incident without words",
        lambda s: None,
        c.OpenIncident,
        dict(kind="x", severity=Severity.NOTE, description=""),
        "INPUT",
    ),
    (
        "close an unknown incident",
        lambda s: None,
        c.CloseIncident,
        dict(incident="I-0099", resolution="x"),
        "INPUT",
    ),
    (
        "close an unknown report",
        lambda s: None,
        c.CloseSafetyReport,
        dict(report="R-99", response="x"),
        "INPUT",
    ),
    ("stop work without a reason", lambda s: None, c.StopWork, dict(reason=" "), "INPUT"),
    (
        "lift a stop-work that is not in force",
        lambda s: None,
        c.LiftStopWork,
        dict(meeting="M-41"),
        "INPUT",
    ),
    (
        "resolve a day without a discrepancy",
        lambda s: None,
        c.ResolveDiscrepancy,
        dict(day=DAY, resolution="x"),
        "INPUT",
    ),
    (
        "change settings as armorer",
        lambda s: None,
        c.ChangeSettings,
        dict(settings=Settings()),
        "AUTH",
    ),
]


@pytest.mark.parametrize(
    ("what", "setup", "cls", "fields", "rule"), CASES, ids=[case[0] for case in CASES]
)
def test_malformed_commands_are_refused_with_a_reason(what, setup, cls, fields, rule):
    s = dry_gulch()
    setup(s)
    actor = (
        JACK
        if "as performer" in what
        else TOM
        if cls
        in (c.AddPerson, c.AssignRole, c.EndRole, c.EndDuty, c.RecordPermit, c.RecordLiveException)
        else MARA
    )
    refusal = s.refused(cls, actor, **fields)
    assert rule in refusal.rules, refusal
    for reason in refusal.reasons:
        assert reason.message.endswith("."), reason


def test_every_command_type_has_a_handler():
    import typing

    from coldcheck.domain.rulebook.kit import HANDLERS as _HANDLERS

    assert set(typing.get_args(c.Command)) == set(_HANDLERS)


def test_next_tags_follow_the_highest_in_use():
    s = dry_gulch()
    assert next_weapon_tag(s.state) == "W-0006"
    assert next_lot_tag(s.state) == "L-0004"
    assert next_container_tag(s.state) == "C-0004"


def test_retiring_a_weapon_in_storage_frees_its_serial():
    s = dry_gulch()
    s.do(c.RetireWeapon, MARA, weapon=W2)
    s.do(c.RegisterWeapon, MARA, weapon="W-0006", **WEAPONS[W2])
    assert s.refused(c.TakeOutOfStorage, MARA, weapon=W2).rules == ("INPUT",)


def test_unloading_a_live_round_into_store_is_refused_R01():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.do(
        c.LoadWeapon,
        MARA,
        weapon=W1,
        container=C_DUMMIES,
        loads=(PositionLoad("chamber 1", L2),),
        hammer_over="chamber 6",
    )
    from coldcheck.domain.mechanics import RoundState

    s.inspect(W1, found={"chamber 1": RoundState.LIVE})
    s.tick(1)
    assert s.refused(
        c.UnloadWeapon, MARA, weapon=W1, positions=("chamber 1",), container=C_DUMMIES
    ).rules == ("R01",)
    s.do(
        c.UnloadWeapon,
        MARA,
        weapon=W1,
        positions=("chamber 1",),
        disposition=Disposition.DESTROY,
        confirm=(PRIYA,),
    )
    assert s.state.lots[L2].destroyed == 1


def test_an_inspection_cannot_make_a_found_live_round_disappear_R05():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    from coldcheck.domain.mechanics import RoundState

    s.inspect(W1, found={"chamber 2": RoundState.LIVE})
    assert s.inspect(W1, found={"chamber 2": RoundState.EMPTY}).rules == ("R05",)


def test_kinds_of_weapons_are_the_three_of_the_design():
    assert [k.value for k in WeaponKind] == ["firearm", "blank_adapted", "replica"]
    assert PROPS  # crew member exists in the fixture


def test_enum_fields_accept_their_string_values_and_refuse_others():
    s = dry_gulch()
    cmd = s.command(
        c.ReceiveLot,
        MARA,
        lot="L-0009",
        round_class="blank",
        blank_load="half",
        calibre=".45 Colt",
        supplier="x",
        count=5,
        container=C_BLANKS,
    )
    assert cmd.round_class is RoundClass.BLANK
    assert isinstance(decide(s.state, cmd), list)
    with pytest.raises(InvalidCommand):
        s.command(
            c.ReceiveLot,
            MARA,
            lot="L-0009",
            round_class="blanks",
            calibre="x",
            supplier="x",
            count=5,
            container=C_BLANKS,
        )
    assert c.StopWork(
        production=PROD, actor=MARA, at=s.now, confirmations={TOM}, reason="x"
    ).confirmations == frozenset({TOM})
