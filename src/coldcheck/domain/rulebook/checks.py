"""Rules shared by several commands, each a function named as a sentence yielding Reasons."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import PermitKind, Role, RoundClass
from coldcheck.domain.rulebook.kit import Reasons, armorers_of, because, settings_of, witnesses_of
from coldcheck.domain.state import Custody, ProductionState, WeaponState
from coldcheck.domain.status import unresolved_days


def only_a_qualified_armorer_handles_weapons(
    state: ProductionState, cmd: c.BaseCommand, what: str
) -> Reasons:
    """R06 (role) and R26 (armorer permit not expired)."""
    actor = cmd.actor
    if not state.is_armorer(actor):
        yield because("R06", f"only a qualified armorer can {what} — ask {armorers_of(state)}.")
        return
    assert actor is not None
    permits = [p for p in state.permits.get(actor, ()) if p.kind is PermitKind.ARMORER]
    if not permits:
        yield because(
            "R26",
            f"{state.name_of(actor)} has no armorer permit on record — "
            f"record a current permit before they {what}.",
        )
    for p in state.permits.get(actor, ()):
        if p.kind is not PermitKind.FFL_SOT and not p.valid_at(cmd.at):
            kind = p.kind.value.replace("_", " ")
            yield because(
                "R26",
                f"{state.name_of(actor)}'s {kind} permit expired on {p.expires} — "
                f"renew it before they {what}.",
            )


def machine_guns_need_a_current_sot_licence(
    state: ProductionState, cmd: c.BaseCommand, ws: WeaponState
) -> Reasons:
    """R26: FFL/SOT for a machine gun."""
    if not ws.weapon.needs_sot or cmd.actor is None:
        return
    ok = any(
        p.kind is PermitKind.FFL_SOT and p.valid_at(cmd.at)
        for p in state.permits.get(cmd.actor, ())
    )
    if not ok:
        yield because(
            "R26",
            f"{ws.weapon.id} is a machine gun: {state.name_of(cmd.actor)} needs a "
            "current FFL/SOT licence on record before taking custody.",
        )


def armorer_with_weapons_out_has_no_other_duty(
    state: ProductionState, person: PersonId | None
) -> Reasons:
    """R07."""
    if person is None:
        return
    duties = state.duties.get(person, frozenset())
    if duties and state.is_armorer(person):
        yield because(
            "R07",
            f"{state.name_of(person)} also has the duty {', '.join(sorted(duties))}; "
            "an armorer with weapons out does nothing else — end that duty first.",
        )


def weapons_held_by(state: ProductionState, person: PersonId) -> list[WeaponState]:
    return [
        w
        for w in state.weapons_out()
        if w.holder == person or (w.location is Custody.PERFORMER and w.issued_by == person)
    ]


def no_duty_for_an_armorer_holding_weapons(state: ProductionState, cmd: c.AssignDuty) -> Reasons:
    """R07: assigning another duty to an armorer with weapons out is refused."""
    held = weapons_held_by(state, cmd.person)
    if held and state.is_armorer(cmd.person):
        tags = ", ".join(sorted(w.weapon.id for w in held))
        yield because(
            "R07",
            f"{state.name_of(cmd.person)} has weapons out ({tags}); an armorer "
            f"with weapons out has no other duty — give '{cmd.duty}' to someone else.",
        )


def stop_work_halts_issue_and_loading(state: ProductionState, what: str) -> Reasons:
    """R21."""
    if state.stop_work is not None:
        why = "; ".join(state.stop_work.reasons)
        yield because(
            "R21",
            f"STOP WORK is in force ({why}) — no {what} until the armorer and the "
            "safety supervisor lift it after a new safety meeting.",
        )


def weapon_is_not_quarantined(ws: WeaponState, what: str) -> Reasons:
    """R20 (and R01): a quarantined weapon is out of use."""
    if ws.quarantined:
        yield because(
            "R20",
            f"{ws.weapon.id} is quarantined ({ws.quarantine_reason}) — no {what} "
            "until the armorer inspects and clears it.",
        )


def weapon_is_in_armorer_custody(state: ProductionState, ws: WeaponState) -> Reasons:
    """R08/R09: loading, unloading and inspecting happen with the armorer."""
    if ws.location is Custody.STORAGE:
        yield because("R09", f"{ws.weapon.id} is in storage — take it out of storage first.")
    elif ws.location is Custody.PERFORMER:
        yield because(
            "R08",
            f"{ws.weapon.id} is with {state.name_of(ws.holder)} — the armorer takes it back first.",
        )


def misfire_wait_has_passed(state: ProductionState, cmd: c.BaseCommand, ws: WeaponState) -> Reasons:
    """R19."""
    if ws.misfire is None:
        return
    ready = ws.misfire.at + settings_of(state).misfire_wait
    if cmd.at < ready:
        left = (ready - cmd.at).total_seconds()
        yield because(
            "R19",
            f"{ws.weapon.id} misfired in {ws.misfire.position} — keep it pointed "
            f"safe for {left:g} more seconds before clearing it.",
        )


def no_handoff_before_misfire_cleared(ws: WeaponState) -> Reasons:
    """R19: a misfired weapon is cleared by inspection before anything else."""
    if ws.misfire is not None:
        yield because(
            "R19",
            f"{ws.weapon.id} misfired in {ws.misfire.position} — clear it with an "
            "inspection first.",
        )


def bore_is_checked_before_loading(ws: WeaponState) -> Reasons:
    """R15 (after firing) and R16 (after dummies, before blanks)."""
    due = ws.bore_check_due
    if due in ("fired", "misfire"):
        yield because(
            "R15", f"blanks were fired in {ws.weapon.id} — check the bore before the next load."
        )
    elif due == "dummies":
        yield because(
            "R16",
            f"dummies came out of {ws.weapon.id} — check the bore before "
            "anything is loaded (a bullet left in the barrel is what killed Brandon Lee).",
        )
    elif due == "obstructed":
        yield because(
            "R16",
            f"the bore of {ws.weapon.id} was found obstructed — clear it and check "
            "again before anything is loaded.",
        )


def weapon_is_inspected(ws: WeaponState, what: str) -> Reasons:
    """R10/R15: nothing happens to an unverified weapon but an inspection."""
    if ws.inspection is None:
        yield because(
            "R10",
            f"{ws.weapon.id} is unverified — inspect every position and the bore "
            f"before you {what}.",
        )


def no_live_or_unknown_round(ws: WeaponState) -> Reasons:
    """R01."""
    bad = ws.holds(RoundState.LIVE, RoundState.UNKNOWN)
    if bad:
        yield because(
            "R01",
            f"{ws.weapon.id} holds a live or unidentified round in "
            f"{', '.join(bad)} — never hand it over; unload it for destruction and "
            "keep it quarantined.",
        )


def lot_classes(state: ProductionState, container: str) -> set[RoundClass]:
    cs = state.containers[container]  # type: ignore[index]
    return {state.lots[lot].lot.round_class for lot, n in cs.contents.items() if n > 0}


def blanks_and_dummies_never_share_a_container(
    state: ProductionState, container: str, incoming: RoundClass
) -> Reasons:
    """R04 (live rounds, under R01's exception, share with nothing)."""
    present = lot_classes(state, container) - {incoming}
    if present:
        kinds = " and ".join(sorted(k.value for k in present))
        yield because(
            "R04",
            f"{container} holds {kinds}; {incoming.value} rounds never share a "
            "container with them — use another container.",
        )


def armorer_and_safety_supervisor_together(
    state: ProductionState, cmd: c.BaseCommand, what: str
) -> Reasons:
    """R21: one of them asks, the other confirms with their own PIN."""
    people = {cmd.actor} | set(witnesses_of(cmd))
    armorer = any(state.is_armorer(p) for p in people)
    supervisor = any(state.has_role(p, Role.SAFETY_SUPERVISOR) for p in people)
    if not (armorer and supervisor and len(people - {None}) >= 2):
        yield because(
            "R21",
            f"the armorer and the safety supervisor {what} together — one asks, "
            "the other confirms with their own PIN.",
        )


def close_blanks_need_protection(
    state: ProductionState,
    scene_distance: int,
    fires: bool,
    protection: tuple[str, ...],
    scene: str,
) -> Reasons:
    """R18: blanks toward someone closer than the minimum distance need protection."""
    minimum = settings_of(state).min_blank_distance_ft
    if fires and scene_distance < minimum and not protection:
        yield because(
            "R18",
            f"scene {scene} fires blanks {scene_distance} ft from a person, closer "
            f"than {minimum} ft — record the protection (shields, remote camera) or "
            "move them back.",
        )


def weapons_out_within_capacity(state: ProductionState, extra: int) -> Reasons:
    """R28 (warning only)."""
    out = len(state.weapons_out()) + extra
    cap = settings_of(state).armorer_capacity
    if out > cap:
        yield because(
            "R28",
            f"{out} weapons are out, more than the {cap} one armorer can watch — "
            "bring some back or add an armorer.",
        )


def a_day_closed_with_a_discrepancy_blocks_issue(state: ProductionState) -> Reasons:
    """R23."""
    for day in unresolved_days(state):
        yield because(
            "R23",
            f"{day} was closed with a discrepancy — resolve it (armorer and "
            "producer) before issuing any weapon.",
        )


def every_weapon_is_back_in_storage(state: ProductionState) -> Reasons:
    """R23."""
    for ws in sorted(state.weapons_out(), key=lambda w: w.weapon.id):
        yield because(
            "R23",
            f"{ws.weapon.id} is still out with {state.name_of(ws.holder)} — every "
            "weapon goes back to storage before the wrap count.",
        )
