"""Rules shared by several commands, each a function named as a sentence yielding Reasons."""

from __future__ import annotations

from datetime import datetime

from coldcheck.domain import commands as c
from coldcheck.domain.bounds import is_written
from coldcheck.domain.ids import PersonId
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import (
    ARMORER_ROLES,
    CUSTODY_PERMITS,
    DISPOSITION_WITNESS_ROLES,
    PermitKind,
    Role,
    RoundClass,
)
from coldcheck.domain.rulebook.kit import (
    Reasons,
    armorers_of,
    because,
    settings_of,
    shoot_day_of,
    two_different_people,
    witnesses_of,
)
from coldcheck.domain.state import Custody, ProductionState, WeaponState
from coldcheck.domain.status import days_blocking_issue


def only_a_qualified_armorer_handles_weapons(
    state: ProductionState, cmd: c.BaseCommand, what: str
) -> Reasons:
    """R06 (role) and R26 (armorer permit not expired)."""
    actor = cmd.actor
    if not state.is_armorer(actor):
        yield because("R06", f"only a qualified armorer can {what} — ask {armorers_of(state)}.")
        return
    assert actor is not None
    yield from armorer_permits_are_current(state, actor, cmd.at, what)


def armorer_permits_are_current(
    state: ProductionState, person: PersonId, at: datetime, what: str
) -> Reasons:
    """R26: an armorer permit on record, and no permit of theirs expired."""
    permits = [p for p in state.permits.get(person, ()) if p.kind is PermitKind.ARMORER]
    if not permits:
        yield because(
            "R26",
            f"{state.name_of(person)} has no armorer permit on record — "
            f"record a current permit before they {what}.",
        )
    for p in state.permits.get(person, ()):
        if p.kind in CUSTODY_PERMITS and not p.valid_at(at):
            kind = p.kind.value.replace("_", " ")
            yield because(
                "R26",
                f"{state.name_of(person)}'s {kind} permit expired on {p.expires} — "
                f"renew it before they {what}.",
            )


def machine_guns_need_a_current_sot_licence(
    state: ProductionState, cmd: c.BaseCommand, ws: WeaponState, person: PersonId | None = None
) -> Reasons:
    """R26: FFL/SOT for a machine gun (for ``person``, by default the one asking)."""
    who = person if person is not None else cmd.actor
    if not ws.weapon.needs_sot or who is None:
        return
    ok = any(
        p.kind is PermitKind.FFL_SOT and p.valid_at(cmd.at) for p in state.permits.get(who, ())
    )
    if not ok:
        yield because(
            "R26",
            f"{ws.weapon.id} is a machine gun: {state.name_of(who)} needs a "
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


def weapon_is_in_armorer_custody(
    state: ProductionState, ws: WeaponState, actor: PersonId | None = None
) -> Reasons:
    """R08/R09: loading, unloading and inspecting happen with the armorer who holds it."""
    if ws.location is Custody.STORAGE:
        yield because("R09", f"{ws.weapon.id} is in storage — take it out of storage first.")
    elif ws.location is Custody.PERFORMER:
        yield because(
            "R08",
            f"{ws.weapon.id} is with {state.name_of(ws.holder)} — the armorer takes it back first.",
        )
    else:
        yield from only_the_holder_works_on_a_weapon(state, ws, actor)


def only_the_holder_works_on_a_weapon(
    state: ProductionState, ws: WeaponState, actor: PersonId | None
) -> Reasons:
    """R09: a weapon out of storage has one holder, and only the holder works on it."""
    if ws.location is Custody.ARMORER and actor is not None and ws.holder != actor:
        yield because(
            "R09",
            f"{ws.weapon.id} is held by {state.name_of(ws.holder)} — only the armorer "
            f"holding it works on it; {state.name_of(ws.holder)} hands it to you with a "
            "confirmed armorer-to-armorer handoff first.",
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
            f"{', '.join(bad)} — never hand it over; seal it as evidence (or unload it "
            "for destruction) and keep the weapon quarantined.",
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
    """R21: one of them asks, the other confirms with their own PIN — two different people."""
    people = [cmd.actor, *sorted(witnesses_of(cmd))]
    if not two_different_people(state, people, ARMORER_ROLES, (Role.SAFETY_SUPERVISOR,)):
        yield because(
            "R21",
            f"the armorer and the safety supervisor {what} together — one asks, "
            "the other confirms with their own PIN; one person holding both roles "
            "counts once.",
        )


def a_second_person_witnesses_the_disposition(
    state: ProductionState, cmd: c.BaseCommand, what: str
) -> Reasons:
    """R05: rounds leave the production only before a second person (not the one asking)."""
    if not any(state.has_role(p, *DISPOSITION_WITNESS_ROLES) for p in witnesses_of(cmd)):
        yield because(
            "R05",
            f"a second person — an armorer, the safety supervisor or the producer — "
            f"watches rounds {what} and confirms with their own PIN.",
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
    if fires and scene_distance < minimum and not any(is_written(p) for p in protection):
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


def earlier_days_are_closed_before_the_first_issue(
    state: ProductionState, cmd: c.BaseCommand
) -> Reasons:
    """R23: every earlier shoot day counted and closed (a discrepancy resolved) first."""
    for day, what in days_blocking_issue(state, shoot_day_of(state, cmd)):
        yield because("R23", f"{day} {what} before issuing any weapon.")


def every_weapon_is_back_in_storage(state: ProductionState) -> Reasons:
    """R23."""
    for ws in sorted(state.weapons_out(), key=lambda w: w.weapon.id):
        yield because(
            "R23",
            f"{ws.weapon.id} is still out with {state.name_of(ws.holder)} — every "
            "weapon goes back to storage before the wrap count.",
        )
