"""The wider hazard model's rules (R25, issue 18 part 6): what a weapon's mechanism needs said.

Besides the single-action revolver (``loading.hammer_rests_on_an_empty_chamber``):

* Registration: open bolt only for a semi-automatic or belt-fed, slam-fire only
  for a pump, a drop safety and a decocker only for a closed-bolt semi-automatic.
* Loading a closed-bolt semi-automatic with a round in its chamber says where the
  hammer (or striker) is left: cocked, or down where the design has a decocker.
* Loading an open-bolt weapon says where its bolt is left, and never fills its
  chamber (it fires from the open bolt: the round is chambered as the bolt closes).
* Blanks go into a blank-adapted weapon only with its blank-firing adapter recorded
  as fitted (by the last inspection), and it is never handed over without it.
* A handoff to a performer of a weapon that, as recorded, can fire without a
  trigger pull is refused unless it names a scene planned for today whose plan
  fires blanks with that weapon; a struck-hammer hazard is refused always.

Every refusal cites R25 (INPUT for a field that does not fit the weapon) and says what to do.
"""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain.mechanics import (
    CHAMBER,
    OPEN_BOLT_ACTIONS,
    SELF_LOADING,
    SLAM_FIRE_ACTIONS,
    HammerPosition,
    HazardKind,
    RoundState,
    recorded_hazards,
)
from coldcheck.domain.rulebook.kit import Reasons, because, shoot_day_of
from coldcheck.domain.state import EMPTY, ProductionState, WeaponState


def _clause(sentence: str) -> str:
    """A sentence as a clause: lower-case start, no full stop."""
    return sentence[:1].lower() + sentence[1:].rstrip(".")


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def the_mechanism_fits_the_action(cmd: c.RegisterWeapon) -> Reasons:
    """R25 input: each mechanical attribute only where the action can have it."""
    action = _words(cmd.action.value)
    if cmd.open_bolt and cmd.action not in OPEN_BOLT_ACTIONS:
        yield because(
            "INPUT",
            f"a {action} does not fire from an open bolt — open bolt is for a "
            "semi-automatic pistol or rifle (a submachine gun) or a belt-fed weapon.",
        )
    if cmd.slam_fire and cmd.action not in SLAM_FIRE_ACTIONS:
        yield because("INPUT", f"slam-fire is a pump-action hazard, not a {action}'s.")
    closed_bolt = cmd.action in SELF_LOADING and not cmd.open_bolt
    for flag, what in ((cmd.drop_safety, "a drop safety"), (cmd.decocker, "a decocker")):
        if flag and not closed_bolt:
            yield because(
                "INPUT",
                f"{what} is recorded for a closed-bolt semi-automatic pistol or rifle only "
                f"— leave it off for a {'open-bolt weapon' if cmd.open_bolt else action}.",
            )


def the_inspection_fits_the_mechanism(ws: WeaponState, cmd: c.InspectWeapon) -> Reasons:
    """R25 input: the bolt for an open-bolt weapon, the adapter for a blank-adapted one."""
    build = ws.weapon.build
    if cmd.bolt is not None and not build.open_bolt:
        yield because("INPUT", f"{ws.weapon.id} is not an open-bolt weapon: leave the bolt out.")
    if cmd.adapter_fitted is not None and not build.blank_adapted:
        yield because(
            "INPUT", f"{ws.weapon.id} is not blank-adapted: it has no blank-firing adapter."
        )
    if build.closed_bolt_self_loader and cmd.hammer not in (
        None,
        HammerPosition.FULL_COCK,
        HammerPosition.DOWN,
    ):
        yield because("INPUT", "a semi-automatic's hammer is cocked (full cock) or down.")
    if cmd.hammer is HammerPosition.DOWN and build.closed_bolt_self_loader:
        chamber = next((f.found for f in cmd.findings if f.position == CHAMBER), None)
        if chamber not in (None, RoundState.EMPTY) and not build.decocker:
            yield because(
                "INPUT",
                f"{ws.weapon.id} has no decocker: with a round in the chamber its hammer "
                "(or striker) is cocked — record it cocked.",
            )


def the_action_is_said_at_the_load(ws: WeaponState, cmd: c.LoadWeapon) -> Reasons:
    """R25: where a chambered semi-automatic's hammer, or an open bolt, is left."""
    build = ws.weapon.build
    loads_chamber = any(pl.position == CHAMBER for pl in cmd.loads)
    chamber_full = loads_chamber or ws.contents.get(CHAMBER, EMPTY).state is not RoundState.EMPTY
    if cmd.hammer is not None and not build.closed_bolt_self_loader:
        yield because(
            "INPUT",
            f"the hammer is said at a load only for a closed-bolt semi-automatic — "
            f"{ws.weapon.id} is not one"
            + (" (for its hammer, name the chamber it rests on)." if ws.positions else "."),
        )
    if cmd.bolt is not None and not build.open_bolt:
        yield because("INPUT", f"{ws.weapon.id} is not an open-bolt weapon: leave the bolt out.")
    if build.closed_bolt_self_loader and cmd.loads:
        if cmd.hammer is None and chamber_full:
            yield because(
                "R25",
                f"a round is in the chamber of {ws.weapon.id} — say whether its hammer (or "
                "striker) is left cocked or down: cocked, a light touch of the trigger fires it.",
            )
        elif cmd.hammer not in (None, HammerPosition.FULL_COCK, HammerPosition.DOWN):
            yield because("INPUT", "a semi-automatic's hammer is cocked (full cock) or down.")
        elif cmd.hammer is HammerPosition.DOWN and chamber_full and not build.decocker:
            yield because(
                "R25",
                f"{ws.weapon.id} has no decocker: a chambered round leaves it cocked — "
                "record it cocked, or leave the chamber empty.",
            )
    if build.open_bolt and build.action in OPEN_BOLT_ACTIONS and cmd.loads:
        if loads_chamber:
            yield because(
                "R25",
                f"{ws.weapon.id} fires from an open bolt: its chamber stays empty at rest — "
                "load the magazine only (the round is chambered and fired as the bolt closes).",
            )
        if cmd.bolt is None:
            yield because(
                "R25",
                f"{ws.weapon.id} fires from an open bolt — say whether its bolt is left back "
                "(releasing or jarring it fires) or forward on the empty chamber.",
            )


def a_blank_adapted_weapon_has_its_adapter(ws: WeaponState, blanks: bool) -> Reasons:
    """R25: blanks go into a blank-adapted weapon only with its adapter recorded fitted."""
    if not blanks or not ws.weapon.build.blank_adapted or ws.adapter_fitted is True:
        return
    yield because(
        "R25",
        f"{ws.weapon.id} is blank-adapted and its blank-firing adapter is "
        f"{'off' if ws.adapter_fitted is False else 'not recorded as fitted'} — fit it and "
        "record it in an inspection before loading blanks.",
    )


_MAKE_SAFE = {
    HazardKind.DROP: "unload the chamber",
    HazardKind.BOLT_BACK: "ease the bolt forward on the empty chamber, or unload the magazine",
    HazardKind.SLAM_FIRE: "unload the tube and the chamber",
}


def _planned_to_fire(state: ProductionState, cmd: c.HandOver, ws: WeaponState) -> bool:
    scene = cmd.context.scene if cmd.context else None
    plan = state.scenes.get(scene) if scene else None
    return (
        plan is not None
        and plan.fires_blanks
        and ws.weapon.id in plan.weapons
        and plan.day == shoot_day_of(state, cmd)
    )


def a_performer_never_gets_a_weapon_that_fires_without_a_trigger_pull(
    state: ProductionState, cmd: c.HandOver, ws: WeaponState
) -> Reasons:
    """R25 at the handoff to a performer, for every build the hazard model knows."""
    hazards = recorded_hazards(ws.weapon.build, ws.action_state)
    kinds = {h.kind for h in hazards}
    tag = ws.weapon.id
    if HazardKind.STRUCK_HAMMER in kinds:
        yield because(
            "R25",
            f"the hammer of {tag} rests on a loaded {ws.hammer_over}: a blow fires it — "
            "unload that chamber, or turn the cylinder so the hammer rests on an empty one, "
            "and record it in an inspection.",
        )
    if HazardKind.NO_ADAPTER in kinds and ws.holds(RoundState.BLANK):
        yield because(
            "R25",
            f"{tag} holds blanks and its blank-firing adapter is not recorded as fitted — "
            "fit it and record it in an inspection before handing it over.",
        )
    if HazardKind.UNSEEN_CHAMBER in kinds:
        yield because(
            "R25",
            f"{tag} fired since its last inspection and loads itself: the next round may be "
            "in the chamber — inspect it before handing it over.",
        )
        return
    others = [h for h in hazards if h.without_trigger and h.kind is not HazardKind.STRUCK_HAMMER]
    if others and not _planned_to_fire(state, cmd, ws):
        fixes = "; or ".join(dict.fromkeys(_MAKE_SAFE[h.kind] for h in others))
        yield because(
            "R25",
            f"{tag} can fire without a trigger pull as recorded ({_clause(others[0].words)}) — "
            f"hand it over like this only for a scene planned today that fires blanks with "
            f"{tag} (name the scene), or make it safe first: {fixes}, and record it.",
        )
