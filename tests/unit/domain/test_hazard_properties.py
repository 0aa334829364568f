"""R25 over random histories (hypothesis), with every build the hazard model knows.

What the rules guarantee, checked at every accepted handoff to a performer:

1. A weapon that, as recorded, can fire without a trigger pull (a chambered round
   without a drop safety, an open bolt back on a loaded magazine, a slam-fire pump
   with rounds in it) reaches a performer only for a scene planned for that day
   whose plan fires blanks with that very weapon; a revolver's hammer resting on a
   loaded chamber never does.
2. A blank-adapted weapon holding blanks reaches a performer only with its adapter
   recorded as fitted.
3. No weapon holds a round the record does not show: a self-loader that fed itself
   since its last inspection never reaches a performer, and the rounds recorded in
   a weapon are exactly those loaded minus those unloaded and fired — at most its
   capacity plus the chamber.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.errors import Refusal
from coldcheck.domain.ids import SceneId, WeaponId
from coldcheck.domain.mechanics import (
    BoltPosition,
    HammerPosition,
    HazardKind,
    RoundState,
    inspection_checklist,
    recorded_hazards,
)
from coldcheck.domain.model import BoreFinding, Finding, PositionLoad, TakeContext
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply
from tests.factories import DANA, JACK, MARA, W1, W4, Shoot
from tests.unit.domain.test_hazards import (
    BERETTA,
    CLOSE_UP,
    COLT_1911,
    FIRING,
    GLOCK,
    M1897,
    STEN,
    armory,
)

BASE = armory()
WEAPONS = [W1, W4, GLOCK, COLT_1911, STEN, M1897, BERETTA]
SCENES: list[SceneId | None] = [FIRING, FIRING, CLOSE_UP, None]
OPS = [
    "take_out",
    *["inspect"] * 3,
    *["load"] * 4,
    "unload",
    *["hand"] * 3,
    "take_back",
    *["fire"] * 2,
    "bore",
    "return",
]
NOT_ROUNDS = (RoundState.EMPTY, RoundState.SPENT)
MACROS = {
    "prepare": ["take_out", "inspect", "load", "load", "hand"],
    "shoot": ["take_out", "inspect", "load", "hand", "fire", "take_back", "inspect", "hand"],
    "test_fire": ["take_out", "inspect", "load", "fire", "unload", "bore", "hand"],
    "hot": ["take_out", "inspect", "load", "load", "hand_for_the_scene"],
}
CHOICES = [*OPS, *["prepare"] * 4, *["shoot"] * 2, "test_fire", *["hot"] * 2]


@dataclass
class Seen:
    """What the test counts itself: rounds put in and taken out, and what was exercised."""

    rounds: dict[WeaponId, int] = field(default_factory=dict)
    handoffs: int = 0
    hot_handoffs: int = 0
    r25_refusals: int = 0


def _draw(data: st.DataObject, s: Shoot, op: str, w: WeaponId) -> Any:
    s.tick(seconds=data.draw(st.sampled_from([1, 20, 60])))
    ws = s.state.weapons[w]
    holder = ws.holder or MARA
    if op == "take_out":
        return s.command(c.TakeOutOfStorage, MARA, weapon=w)
    if op == "inspect":
        findings = tuple(Finding(p, ws.contents[p].state) for p in ws.positions)
        extra: dict[str, Any] = {}
        if ws.weapon.build.blank_adapted:
            extra["adapter_fitted"] = data.draw(st.sampled_from([True, True, False, None]))
        if ws.weapon.open_bolt:
            extra["bolt"] = data.draw(st.sampled_from([None, *BoltPosition]))
        if ws.weapon.build.closed_bolt_self_loader:
            extra["hammer"] = data.draw(
                st.sampled_from([None, HammerPosition.FULL_COCK, HammerPosition.DOWN])
            )
        if w == W1:
            extra["hammer"] = HammerPosition.DOWN
            extra["hammer_over"] = data.draw(st.sampled_from(ws.positions))
        return s.command(
            c.InspectWeapon,
            holder,
            weapon=w,
            findings=findings,
            bore=BoreFinding.CLEAR,
            checklist=inspection_checklist(ws.weapon.action),
            **extra,
        )
    if op == "load":
        empty = [p for p in ws.positions if ws.contents[p].state is RoundState.EMPTY]
        lots = sorted(
            lot for lot, ls in s.state.lots.items() if ls.lot.calibre == ws.weapon.calibre
        )
        if not empty or not lots:
            return None
        lot = data.draw(st.sampled_from(lots))
        box = next(
            (cid for cid, cs in sorted(s.state.containers.items()) if cs.contents.get(lot, 0)),
            None,
        )
        if box is None:
            return None
        chosen = data.draw(st.lists(st.sampled_from(empty), min_size=1, max_size=4, unique=True))
        return s.command(
            c.LoadWeapon,
            holder,
            weapon=w,
            container=box,
            loads=tuple(PositionLoad(p, lot) for p in chosen),
            scene=data.draw(st.sampled_from(SCENES)),
            take_at=s.now + timedelta(minutes=10),
            hammer_over=data.draw(st.sampled_from([None, *empty])) if w == W1 else None,
            hammer=data.draw(st.sampled_from([None, HammerPosition.FULL_COCK, HammerPosition.DOWN]))
            if ws.weapon.build.closed_bolt_self_loader
            else None,
            bolt=data.draw(st.sampled_from([None, *BoltPosition])) if ws.weapon.open_bolt else None,
        )
    if op == "unload":
        full = [p for p in ws.positions if ws.contents[p].state is not RoundState.EMPTY]
        if not full:
            return None
        lot = ws.contents[full[0]].lot
        box = next(
            (cid for cid, cs in sorted(s.state.containers.items()) if lot and cs.contents.get(lot)),
            None,
        )
        if box is None or full[0] in ws.misfired:
            return None
        return s.command(c.UnloadWeapon, holder, weapon=w, positions=(full[0],), container=box)
    if op in ("hand", "hand_for_the_scene"):
        scene = FIRING if op == "hand_for_the_scene" else data.draw(st.sampled_from(SCENES))
        context = TakeContext(scene=scene) if scene else None
        return s.command(
            c.HandOver, holder, confirm=(JACK, DANA), weapon=w, to=JACK, context=context
        )
    if op == "take_back":
        return s.command(c.TakeBack, MARA, confirm=(JACK,), weapon=w)
    if op == "fire":
        blanks = ws.holds(RoundState.BLANK)
        if not blanks:
            return None
        chosen = data.draw(st.lists(st.sampled_from(blanks), min_size=1, max_size=2, unique=True))
        return s.command(c.RecordFiring, MARA, weapon=w, positions=tuple(chosen))
    if op == "bore":
        return s.command(c.CheckBore, holder, weapon=w, bore=BoreFinding.CLEAR)
    return s.command(c.ReturnToStorage, holder, weapon=w)


def _planned_to_fire(state: ProductionState, e: ev.WeaponHandedOver) -> bool:
    scene = e.context.scene if e.context else None
    plan = state.scenes.get(scene) if scene else None
    return (
        plan is not None
        and plan.fires_blanks
        and e.weapon in plan.weapons
        and plan.day == state.local_day(e.at)
    )


def assert_handoff_is_safe(before: ProductionState, e: ev.WeaponHandedOver, seen: Seen) -> None:
    if e.as_armorer:
        return
    seen.handoffs += 1
    ws = before.weapons[e.weapon]
    hazards = recorded_hazards(ws.weapon.build, ws.action_state)
    kinds = {h.kind for h in hazards}
    assert HazardKind.STRUCK_HAMMER not in kinds, "a hammer on a loaded chamber went out"
    assert HazardKind.UNSEEN_CHAMBER not in kinds, "a self-loader that fed itself went out"
    if ws.weapon.build.blank_adapted and ws.holds(RoundState.BLANK):
        assert ws.adapter_fitted is True, "blanks went out without the blank-firing adapter"
    if any(h.without_trigger for h in hazards):
        seen.hot_handoffs += 1
        assert _planned_to_fire(before, e), (
            f"{e.weapon} can fire without a trigger pull and went out for {e.context}"
        )


def _count(seen: Seen, before: ProductionState, e: Any) -> None:
    match e:
        case ev.WeaponLoaded():
            seen.rounds[e.weapon] = seen.rounds.get(e.weapon, 0) + len(e.loads)
        case ev.WeaponUnloaded():
            ws = before.weapons[e.weapon]
            out = sum(1 for p in e.positions if ws.contents[p].state not in NOT_ROUNDS)
            seen.rounds[e.weapon] = seen.rounds.get(e.weapon, 0) - out
        case ev.BlanksFired():
            seen.rounds[e.weapon] = seen.rounds.get(e.weapon, 0) - len(e.positions)
        case _:
            pass


def explore(data: st.DataObject, steps: int = 25) -> Seen:
    s = Shoot(state=BASE.state, now=BASE.now, log=list(BASE.log))
    seen = Seen()
    for _ in range(steps):
        op = data.draw(st.sampled_from(CHOICES))
        w = data.draw(st.sampled_from(WEAPONS))
        for one in MACROS.get(op, [op]):
            cmd = _draw(data, s, one, w)
            if cmd is not None:
                _step(s, cmd, seen)
    return seen


def _step(s: Shoot, cmd: Any, seen: Seen) -> None:
    decision = decide(s.state, cmd)
    if isinstance(decision, Refusal):
        seen.r25_refusals += "R25" in decision.rules
        return
    state = s.state
    for e in decision:
        if isinstance(e, ev.WeaponHandedOver):
            assert_handoff_is_safe(state, e, seen)
        _count(seen, state, e)
        state = apply(state, e)
    s.state = state
    for tag, ws in state.weapons.items():
        held = sum(1 for p in ws.positions if ws.contents[p].state not in NOT_ROUNDS)
        assert held == seen.rounds.get(tag, 0), f"{tag}: recorded {held}"
        assert held <= len(ws.positions)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_no_history_hands_a_performer_a_weapon_that_fires_without_a_trigger_outside_its_scene_R25(
    data,
):
    explore(data)


def test_random_histories_do_reach_hot_handoffs_and_r25_refusals():
    """Guard against a vacuous property: weapons that can fire without a trigger pull do
    reach performers (for their scene), and R25 does refuse some handoffs and loads."""
    reached: list[Seen] = []

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        reached.append(explore(data, steps=40))

    run()
    assert sum(seen.hot_handoffs for seen in reached) >= 5
    assert sum(seen.r25_refusals for seen in reached) >= 10
