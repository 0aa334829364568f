"""The in-place replay (``replaying.StateBuilder``) reaches the frozen fold's state.

The reference is ``state.replay`` / ``state.apply``. The builder must give an equal
state with every mapping in the same order (pages and rows are read in that order), after
scripted shoot days and after every history hypothesis generates (the custody histories
of test_properties); a state it has frozen must not move when it folds on, and a state it
starts from (a snapshot) must not move either; passkey counters on signed events rise
as the frozen fold raises them.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
from datetime import date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.ids import WeaponId
from coldcheck.domain.mechanics import ActionType, BoltPosition, HammerPosition, RoundState
from coldcheck.domain.model import (
    BoreFinding,
    Finding,
    PasskeySignature,
    PermitKind,
    WeaponKind,
)
from coldcheck.domain.replaying import StateBuilder, replay_in_place
from coldcheck.domain.state import (
    Custody,
    DayRecord,
    DayState,
    Misfire,
    ProductionState,
    apply,
    replay,
)
from tests.factories import DAWN, ELI, JACK, MARA, PROD, ROSA, dry_gulch
from tests.unit.domain.test_properties import PROPERTY, explore
from tests.unit.domain.test_scenarios import run_shoot_day


def same(a: Any, b: Any, path: str = "state") -> None:
    """``a == b``, and every dict in them has its keys in the same order."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} is not {type(b).__name__}"
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def check_every_prefix(log: list[Event], every: int = 1) -> None:
    """Folded in place, every ``every``-th prefix of ``log`` is the frozen fold's state."""
    builder = StateBuilder(PROD)
    kept: list[tuple[int, Any]] = []
    for k, event in enumerate(log, start=1):
        builder.apply(event)
        if k % every == 0 or k == len(log):
            kept.append((k, builder.freeze()))
    for k, state in kept:
        same(state, replay(PROD, log[:k]), f"after {k} events")


def check_step(start: ProductionState, event: Event) -> None:
    """One event folded in place onto ``start`` is the frozen fold's step from it."""
    builder = StateBuilder(start)
    builder.apply(event)
    same(builder.freeze(), apply(start, event))


def test_a_whole_shoot_day_folds_in_place_to_the_frozen_folds_state():
    s = run_shoot_day()
    same(replay_in_place(PROD, s.log), replay(PROD, s.log))
    same(replay_in_place(PROD, s.log), s.state)


def test_every_step_of_the_shoot_day_is_the_frozen_folds_state():
    check_every_prefix(run_shoot_day().log)


def test_a_frozen_state_does_not_move_when_the_builder_folds_on():
    log = run_shoot_day().log
    builder = StateBuilder(PROD)
    half = len(log) // 2
    builder.apply_all(log[:half])
    early = builder.freeze()
    snapshot = copy.deepcopy(early)
    builder.apply_all(log[half:])
    same(early, snapshot)
    same(early, replay(PROD, log[:half]))
    same(builder.freeze(), replay(PROD, log))


def test_a_builder_started_from_a_snapshot_leaves_the_snapshot_as_it_was():
    log = run_shoot_day().log
    half = len(log) // 3
    start = replay(PROD, log[:half])
    before = copy.deepcopy(start)
    builder = StateBuilder(start)
    builder.apply_all(log[half:])
    same(start, before)
    same(builder.freeze(), replay(PROD, log))
    assert builder.event_count == len(log)


def test_the_dry_gulch_set_up_folds_in_place_to_the_frozen_folds_state():
    log = dry_gulch().log
    same(replay_in_place(PROD, log), replay(PROD, log))


@PROPERTY
@given(st.data())
def test_every_generated_history_folds_in_place_to_the_frozen_folds_state(data):
    s, _ = explore(data)
    same(replay_in_place(PROD, s.log), s.state)
    check_every_prefix(s.log, every=max(1, len(s.log) // 4))


def _signed(event: Event, credential: str, counter: int) -> Event:
    data = base64.urlsafe_b64encode(bytes(33) + counter.to_bytes(4, "big")).rstrip(b"=")
    sig = PasskeySignature(JACK, credential, data.decode(), "", "", "", 0, "")
    return dataclasses.replace(event, signatures=(sig,))


def test_passkey_counters_on_signed_events_rise_as_the_frozen_fold_raises_them():
    log = run_shoot_day().log
    enrol = ev.PasskeyEnrolled(
        production=PROD,
        at=log[0].at,
        by=JACK,
        person=JACK,
        credential="cred-1",
        public_key="pk",
        rp_id="localhost",
        label="phone",
    )
    counters = [5, 9, 7, 12, 0, 30, 31]  # a lower or zero counter changes nothing
    signed = [enrol, *log[:1]]
    for k, event in enumerate(log[1:]):
        if k % 3 == 0:
            event = _signed(event, "cred-1" if k % 2 else "unknown", counters[k % 7])
        signed.append(event)
    want = replay(PROD, signed)
    assert want.passkeys["cred-1"].counter > 0  # the test reaches the counters
    same(replay_in_place(PROD, signed), want)
    check_every_prefix(signed, every=7)


def _inspections(s: ProductionState, e: ev.Event) -> list[ev.InspectionRecorded]:
    """Inspections of every weapon in ``s``: findings that match, that are all empty, and
    that differ position by position in every way, each with a clear and a blocked bore."""
    out = []
    states = list(RoundState)
    for k, (weapon, ws) in enumerate(s.weapons.items()):
        positions = ws.positions
        recorded = [ws.contents[p].state for p in positions]
        one_differs = [*recorded[:-1], RoundState.LIVE] if positions else []
        variants = [
            recorded,
            one_differs,
            [RoundState.EMPTY] * len(positions),
            [states[(k + i) % len(states)] for i in range(len(positions))],
            [states[(k + i + 3) % len(states)] for i in range(len(positions))],
        ]
        for found in variants:
            for bore in BoreFinding:
                findings = tuple(Finding(p, f) for p, f in zip(positions, found, strict=True))
                out.append(
                    ev.InspectionRecorded(
                        production=PROD,
                        at=e.at,
                        by=MARA,
                        witnesses=(ELI,),
                        weapon=weapon,
                        findings=findings[: len(findings) - k % 2],  # one position left out
                        bore=bore,
                        checklist=("open", "look"),
                        hammer=HammerPosition.DOWN if k % 2 else None,
                        hammer_over=positions[0] if positions and k % 3 == 0 else None,
                        bolt=BoltPosition.FORWARD if k % 2 else None,
                        adapter_fitted=bool(k % 2),
                    )
                )
    return out


def _misfired(s: ProductionState, weapon: str, at: datetime) -> ProductionState:
    """``s`` with a misfire waiting in the weapon's first position, its bolt back, cycled."""
    ws = s.weapons[WeaponId(weapon)]
    if not ws.positions:
        return s
    misfire = Misfire(ws.positions[0], at)
    changed = dataclasses.replace(ws, misfire=misfire, bolt=BoltPosition.BACK, cycled=True)
    return dataclasses.replace(s, weapons={**s.weapons, ws.weapon.id: changed})


def test_an_inspection_folds_in_place_as_the_frozen_fold_inspects_after_every_shoot_day_step():
    log = run_shoot_day().log
    start = replay(PROD, [])
    seen: set[RoundState] = set()
    for event in log:
        start = apply(start, event)
        if not isinstance(event, ev.InspectionRecorded | ev.WeaponLoaded | ev.BlanksFired):
            continue
        for ws in start.weapons.values():
            seen.update(load.state for load in ws.contents.values())
        for inspection in _inspections(start, event):
            check_step(start, inspection)
            check_step(_misfired(start, inspection.weapon, event.at), inspection)
    # the inspections met blanks, spent cases and dummies in the weapons (every branch)
    assert {RoundState.BLANK, RoundState.SPENT, RoundState.DUMMY} <= seen


def _registered(weapon: str, action: ActionType, capacity: int, serial: str) -> ev.Event:
    return ev.WeaponRegistered(
        production=PROD,
        at=DAWN,
        by=MARA,
        weapon=weapon,
        name=f"{action} {serial}",
        make="Make",
        model="Model",
        serial=serial,
        calibre=".45 Colt",
        owner="Rental House",
        kind=WeaponKind.BLANK_ADAPTED,
        action=action,
        capacity=capacity,
        transfer_bar=capacity % 2 == 0,
        select_fire=False,
        open_bolt=action is ActionType.SEMI_AUTO_PISTOL,
        importer="Importer",
        firearm_type="revolver",
    )


def test_registrations_training_and_permits_fold_in_place_to_the_frozen_folds_state():
    trained = [
        (JACK, ActionType.SINGLE_ACTION_REVOLVER, "Blank safety", date(2026, 3, 1), None),
        (JACK, ActionType.LEVER, "", None, None),
        (ROSA, ActionType.SINGLE_ACTION_REVOLVER, "", None, date(2027, 3, 1)),
        (JACK, ActionType.SINGLE_ACTION_REVOLVER, "", None, None),  # removes its record
        (JACK, ActionType.LEVER, "Lever course", None, None),
        (ROSA, ActionType.SINGLE_ACTION_REVOLVER, "Refresher", date(2026, 3, 2), None),
    ]
    permits = [
        (MARA, PermitKind.ARMORER, "AP-1"),
        (MARA, PermitKind.ARMORER, "AP-2"),  # replaces the first
        (ELI, PermitKind.ARMORER, "AP-3"),
        (MARA, next(k for k in PermitKind if k is not PermitKind.ARMORER), "X-1"),
    ]
    log: list[Event] = [
        _registered("W-1", ActionType.SINGLE_ACTION_REVOLVER, 6, "S1"),
        _registered("W-2", ActionType.SEMI_AUTO_PISTOL, 15, "S2"),
        _registered("W-3", ActionType.LEVER, 10, "S3"),
        _registered("W-1", ActionType.SINGLE_ACTION_REVOLVER, 5, "S1b"),  # again: replaced
    ]
    for person, action, course, on, expires in trained:
        log.append(
            ev.TrainingRecorded(
                production=PROD,
                at=DAWN,
                by=MARA,
                person=person,
                action=action,
                note="",
                course=course,
                trained_on=on,
                expires=expires,
            )
        )
    for person, kind, number in permits:
        log.append(
            ev.PermitRecorded(
                production=PROD,
                at=DAWN,
                by=MARA,
                person=person,
                kind=kind,
                number=number,
                expires=date(2027, 1, 1),
            )
        )
    want = replay(PROD, log)
    assert len(want.training_records) == 2 and len(want.permits[MARA]) == 2  # every branch
    assert want.weapons["W-1"].weapon.serial == "S1b"
    check_every_prefix(log)
    start = dry_gulch().state  # and onto a production with people, weapons and lots
    for event in log:
        check_step(start, event)
        start = apply(start, event)


def test_taking_out_a_weapon_marks_its_day_worked_as_the_frozen_fold_does():
    s = dry_gulch()
    weapon = next(w for w, ws in s.state.weapons.items() if ws.location is Custody.STORAGE)
    day = s.state.local_day(s.now)
    take_out = ev.WeaponTakenOut(production=PROD, at=s.now, by=MARA, weapon=weapon)
    for record in (
        None,
        DayRecord(day),
        DayRecord(day, DayState.CLOSED),  # closed before anything left storage
        DayRecord(day, DayState.RECONCILED, ("count short",), worked=True),
    ):
        days = dict(s.state.days)
        days.pop(day, None)
        if record is not None:
            days[day] = record
        check_step(dataclasses.replace(s.state, days=days), take_out)
