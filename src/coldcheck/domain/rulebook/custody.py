"""Storage, lock-up, handoffs and take-backs (R06-R12, R14, R21, R23, R28)."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.confirming import receives_as_performer
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import ARMORER_ROLES, Role, StorageLocation
from coldcheck.domain.rulebook.checks import (
    armorer_permits_are_current,
    armorer_with_weapons_out_has_no_other_duty,
    earlier_days_are_closed_before_the_first_issue,
    machine_guns_need_a_current_sot_licence,
    misfire_wait_has_passed,
    no_handoff_before_misfire_cleared,
    no_live_or_unknown_round,
    only_a_qualified_armorer_handles_weapons,
    only_the_holder_works_on_a_weapon,
    stop_work_halts_issue_and_loading,
    weapon_is_inspected,
    weapon_is_not_quarantined,
    weapons_out_within_capacity,
)
from coldcheck.domain.rulebook.hazards import (
    a_performer_never_gets_a_weapon_that_fires_without_a_trigger_pull,
)
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    armorers_of,
    because,
    handles,
    need_role,
    refuse,
    shoot_day_of,
    weapon_or_refusal,
    witnesses_of,
)
from coldcheck.domain.rulebook.records import (
    a_compliance_contact_is_named,
    the_take_context_is_known,
    training_has_not_expired,
)
from coldcheck.domain.state import EMPTY, Custody, ProductionState, WeaponState


@handles(c.UnlockArmory)
def _unlock(state: ProductionState, cmd: c.UnlockArmory) -> Decision:
    reasons = list(need_role(state, cmd, ARMORER_ROLES, "unlock the armory"))
    if not state.armory_locked:
        reasons.append(because("INPUT", "the armory is already open."))
    return refuse(reasons) or [Env(cmd)(ev.ArmoryUnlocked)]


def everything_is_locked_up_for_a_break(state: ProductionState) -> Reasons:
    """R09: no weapon out, no ammunition left on the cart."""
    for ws in sorted(state.weapons_out(), key=lambda w: w.weapon.id):
        yield because(
            "R09",
            f"{ws.weapon.id} is still with {state.name_of(ws.holder)} — get it back "
            "into storage before the break.",
        )
    for cs in sorted(state.containers.values(), key=lambda x: x.container.id):
        if cs.container.location is StorageLocation.CART and cs.total > 0:
            yield because(
                "R09",
                f"{cs.container.id} ({cs.container.label}) is still on the cart "
                f"with {cs.total} rounds — lock it up before the break.",
            )


@handles(c.LockUp)
def _lock_up(state: ProductionState, cmd: c.LockUp) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "lock up"),
        *everything_is_locked_up_for_a_break(state),
    ]
    if state.armory_locked:
        reasons.append(because("INPUT", "the armory is already locked."))
    return refuse(reasons) or [Env(cmd)(ev.ArmoryLocked, kind=cmd.kind.value)]


@handles(c.TakeOutOfStorage)
def _take_out(state: ProductionState, cmd: c.TakeOutOfStorage) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "take a weapon out of storage"),
        *machine_guns_need_a_current_sot_licence(state, cmd, ws),
        *armorer_with_weapons_out_has_no_other_duty(state, cmd.actor),
    ]
    if ws.location is not Custody.STORAGE:
        reasons.append(
            because("INPUT", f"{ws.weapon.id} is already out, with {state.name_of(ws.holder)}.")
        )
    if ws.retired:
        reasons.append(because("INPUT", f"{ws.weapon.id} is retired."))
    if state.armory_locked:
        reasons.append(because("R09", "the armory is locked up — unlock it first."))
    if (refusal := refuse(reasons)) is not None:
        return refusal
    warnings = tuple(weapons_out_within_capacity(state, 1))
    return [Env(cmd)(ev.WeaponTakenOut, weapon=ws.weapon.id, warnings=warnings)]


@handles(c.ReturnToStorage)
def _return_to_storage(state: ProductionState, cmd: c.ReturnToStorage) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = list(need_role(state, cmd, ARMORER_ROLES, "put weapons in storage"))
    if ws.location is Custody.STORAGE:
        reasons.append(because("INPUT", f"{ws.weapon.id} is already in storage."))
    elif ws.location is Custody.PERFORMER:
        reasons.append(
            because(
                "R08",
                f"{ws.weapon.id} is with {state.name_of(ws.holder)} — the "
                "armorer takes it back first.",
            )
        )
    reasons += only_the_holder_works_on_a_weapon(state, ws, cmd.actor)
    loaded = [p for p in ws.positions if ws.contents.get(p, EMPTY).state is not RoundState.EMPTY]
    if loaded:
        reasons.append(
            because(
                "R09",
                f"{ws.weapon.id} still holds something in {', '.join(loaded)} "
                "— unload it; weapons go into storage empty.",
            )
        )
    reasons += misfire_wait_has_passed(state, cmd, ws)
    return refuse(reasons) or [Env(cmd)(ev.WeaponReturnedToStorage, weapon=ws.weapon.id)]


def only_an_armorer_hands_weapons_over(
    state: ProductionState, cmd: c.HandOver, ws: WeaponState
) -> Reasons:
    """R08: and only the armorer who holds it."""
    if state.is_armorer(cmd.actor) and ws.holder == cmd.actor and ws.location is Custody.ARMORER:
        return
    back_to = ws.issued_by if state.is_armorer(ws.issued_by) else None
    who = state.name_of(back_to) if back_to else armorers_of(state)
    if state.is_armorer(cmd.actor) and ws.location is Custody.PERFORMER:
        yield because(
            "R08",
            f"{ws.weapon.id} is with {state.name_of(ws.holder)} — take it back "
            "first, then hand it over.",
        )
    elif state.is_armorer(cmd.actor) and ws.location is Custody.ARMORER:
        yield because(
            "R08",
            f"{ws.weapon.id} is held by {state.name_of(ws.holder)} — only the armorer "
            "holding it hands it over.",
        )
    else:
        yield because(
            "R08", f"only an armorer hands a weapon to a performer — give it back to {who}."
        )


def performer_and_first_ad_confirm_the_handoff(state: ProductionState, cmd: c.HandOver) -> Reasons:
    """R12: the receiving performer and the 1st AD each confirm with their own PIN."""
    witnesses = witnesses_of(cmd)
    if cmd.to not in witnesses:
        yield because(
            "R12",
            f"{state.name_of(cmd.to)} must confirm with their own PIN that they were "
            "shown every chamber and the bore.",
        )
    if not any(state.has_role(p, Role.FIRST_AD) for p in witnesses - {cmd.to}):
        yield because("R12", "the 1st AD must witness the handoff and confirm with their own PIN.")


def performer_is_trained_for_the_weapon(
    state: ProductionState, cmd: c.HandOver, ws: WeaponState
) -> Reasons:
    """R14: recorded training on the weapon's action, not expired."""
    yield from training_has_not_expired(state, cmd.to, ws.weapon.action, shoot_day_of(state, cmd))
    if ws.weapon.action not in state.training.get(cmd.to, frozenset()):
        kind = ws.weapon.action.value.replace("_", " ")
        yield because(
            "R14",
            f"{state.name_of(cmd.to)} has no recorded training on the {kind} — "
            "train them and record it first.",
        )


def weapon_is_ready_to_hand_over(state: ProductionState, ws: WeaponState) -> Reasons:
    """R10, R15, R16, R19, R01 before a performer receives a weapon."""
    yield from weapon_is_inspected(ws, "hand it over")
    yield from no_handoff_before_misfire_cleared(ws)
    yield from no_live_or_unknown_round(ws)
    if ws.bore_check_due is not None:
        yield because("R10", f"the bore of {ws.weapon.id} needs checking before it is handed over.")
    spent = ws.holds(RoundState.SPENT)
    if spent:
        yield because(
            "R15",
            f"{ws.weapon.id} still has spent cases in {', '.join(spent)} — unload "
            "and check it first.",
        )


def the_receiver_confirms(state: ProductionState, cmd: c.HandOver, what: str) -> Reasons:
    """R12: whoever takes custody confirms it with their own PIN."""
    if cmd.to not in witnesses_of(cmd):
        yield because("R12", f"{state.name_of(cmd.to)} must confirm {what} with their own PIN.")


def a_receiving_armorer_is_qualified(
    state: ProductionState, cmd: c.HandOver, ws: WeaponState
) -> Reasons:
    """R07, R26: the armorer taking custody has no other duty and a current permit."""
    yield from armorer_with_weapons_out_has_no_other_duty(state, cmd.to)
    yield from armorer_permits_are_current(state, cmd.to, cmd.at, "take custody of a weapon")
    yield from machine_guns_need_a_current_sot_licence(state, cmd, ws, cmd.to)


def every_issue_rule_holds(state: ProductionState, cmd: c.HandOver, ws: WeaponState) -> Reasons:
    """What any handoff of a real weapon needs, to a performer or to another armorer.

    R01, R10, R15, R19 (ready), R20 (quarantine), R21 (stop-work), R23 (earlier
    days closed): an armorer-to-armorer handoff cannot carry a weapon past them.
    """
    yield from weapon_is_ready_to_hand_over(state, ws)
    yield from weapon_is_not_quarantined(ws, "handing over")
    yield from stop_work_halts_issue_and_loading(state, "issuing or handing over")
    yield from earlier_days_are_closed_before_the_first_issue(state, cmd)


@handles(c.HandOver)
def _hand_over(state: ProductionState, cmd: c.HandOver) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = list(only_an_armorer_hands_weapons_over(state, cmd, ws))
    if cmd.to == cmd.actor:
        reasons.append(because("INPUT", "you already hold it."))
    as_performer = receives_as_performer(state, cmd.to)
    warnings: tuple[Reason, ...] = ()
    if not state.has_role(cmd.to, Role.PERFORMER) and not state.is_armorer(cmd.to):
        reasons.append(
            because(
                "R08",
                f"{state.name_of(cmd.to)} is not a performer — weapons go from "
                "the armorer to a performer and back, to nobody else.",
            )
        )
    elif ws.weapon.is_replica:
        reasons += the_receiver_confirms(state, cmd, "receiving the replica")
    elif not as_performer:
        reasons += every_issue_rule_holds(state, cmd, ws)
        reasons += the_receiver_confirms(state, cmd, "taking custody")
        reasons += a_receiving_armorer_is_qualified(state, cmd, ws)
    else:
        reasons += every_issue_rule_holds(state, cmd, ws)
        reasons += performer_and_first_ad_confirm_the_handoff(state, cmd)
        reasons += performer_is_trained_for_the_weapon(state, cmd, ws)
        reasons += a_compliance_contact_is_named(state)
        reasons += a_performer_never_gets_a_weapon_that_fires_without_a_trigger_pull(state, cmd, ws)
        warnings = tuple(weapons_out_within_capacity(state, 0))
    if ws.retired:
        reasons.append(because("INPUT", f"{ws.weapon.id} is retired."))
    reasons += the_take_context_is_known(state, cmd.context)
    if (refusal := refuse(reasons)) is not None:
        return refusal
    return [
        Env(cmd)(
            ev.WeaponHandedOver,
            weapon=ws.weapon.id,
            to=cmd.to,
            warnings=warnings,
            as_armorer=not as_performer,
            context=cmd.context,
        )
    ]


def the_performer_or_first_ad_confirms_the_take_back(
    state: ProductionState, cmd: c.TakeBack, ws: WeaponState
) -> Reasons:
    """R12: the performer hands it back with their own PIN (the 1st AD if they are gone)."""
    witnesses = witnesses_of(cmd)
    if ws.holder in witnesses:
        return
    if any(state.has_role(p, Role.FIRST_AD) for p in witnesses):
        return
    name = state.name_of(ws.holder)
    yield because(
        "R12",
        f"{name} confirms handing {ws.weapon.id} back with their own PIN (or the 1st AD, "
        f"if {name} is gone).",
    )


@handles(c.TakeBack)
def _take_back(state: ProductionState, cmd: c.TakeBack) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons: list[Reason] = []
    if not state.is_armorer(cmd.actor):
        reasons.append(
            because("R08", f"only an armorer takes a weapon back — call {armorers_of(state)}.")
        )
    if ws.location is not Custody.PERFORMER:
        reasons.append(because("INPUT", f"{ws.weapon.id} is not with a performer."))
    else:
        reasons += the_performer_or_first_ad_confirms_the_take_back(state, cmd, ws)
    reasons += the_take_context_is_known(state, cmd.context)
    return refuse(reasons) or [
        Env(cmd)(
            ev.WeaponTakenBack, weapon=ws.weapon.id, from_person=ws.holder, context=cmd.context
        )
    ]
