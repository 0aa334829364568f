"""Evidence holds: rounds or a weapon sealed and handed to police or an investigator (R01, R05).

A live or unidentified round found on set is evidence, not stock: it is
sealed with a seal number and handed to a named person or agency, with a
second person watching, and it never returns to a container. The weapon it
came from may go with it. Counts stay conserved: a lot's ``evidence`` count
(R05) holds what left this way.
"""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import is_written
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import ARMORER_ROLES
from coldcheck.domain.rulebook.checks import (
    a_second_person_witnesses_the_disposition,
    misfire_wait_has_passed,
    only_the_holder_works_on_a_weapon,
)
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    container_exists,
    enough_rounds,
    handles,
    lot_exists,
    need_role,
    refuse,
    weapon_or_refusal,
)
from coldcheck.domain.state import EMPTY, Custody, ProductionState


def the_seal_and_the_recipient_are_written_down(
    cmd: c.SealRoundsAsEvidence | c.SealWeaponAsEvidence,
) -> Reasons:
    """Evidence is sealed with a number and handed to someone named."""
    if not is_written(cmd.seal):
        yield because("R01", "write the number of the seal on the evidence bag.")
    if not is_written(cmd.handed_to):
        yield because(
            "R01",
            "name who receives the evidence (a person and their agency: police, investigator).",
        )


def _from_a_weapon(state: ProductionState, cmd: c.SealRoundsAsEvidence) -> list[Reason]:
    assert cmd.weapon is not None
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return list(ws.reasons)
    reasons: list[Reason] = []
    if ws.location is Custody.PERFORMER:
        reasons.append(
            because(
                "R08",
                f"{ws.weapon.id} is with {state.name_of(ws.holder)} — the armorer takes it "
                "back first.",
            )
        )
    reasons += only_the_holder_works_on_a_weapon(state, ws, cmd.actor)
    reasons += misfire_wait_has_passed(state, cmd, ws)
    if not cmd.positions or len(cmd.positions) != len(set(cmd.positions)):
        reasons.append(because("INPUT", "name each position the evidence comes from once."))
    for p in cmd.positions:
        if p not in ws.positions:
            reasons.append(because("INPUT", f"{ws.weapon.id} has no {p}."))
        elif ws.contents.get(p, EMPTY).state is RoundState.EMPTY:
            reasons.append(because("INPUT", f"{p} of {ws.weapon.id} is empty."))
    if cmd.lot is not None or cmd.container is not None or cmd.count:
        reasons.append(
            because("INPUT", "seal rounds from a weapon or from a container, not both at once.")
        )
    return reasons


def _from_a_container(state: ProductionState, cmd: c.SealRoundsAsEvidence) -> list[Reason]:
    if cmd.lot is None or cmd.container is None:
        return [
            because(
                "INPUT",
                "say where the rounds come from: a weapon and its positions, or a lot, "
                "its container and how many.",
            )
        ]
    reasons = [*lot_exists(state, cmd.lot), *container_exists(state, cmd.container)]
    if not reasons:
        reasons += enough_rounds(state, cmd.container, cmd.lot, cmd.count)
    if cmd.positions:
        reasons.append(because("INPUT", "positions belong to a weapon — name the weapon."))
    return reasons


@handles(c.SealRoundsAsEvidence)
def _seal_rounds(state: ProductionState, cmd: c.SealRoundsAsEvidence) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "seal rounds as evidence"),
        *the_seal_and_the_recipient_are_written_down(cmd),
        *a_second_person_witnesses_the_disposition(state, cmd, "sealed as evidence"),
    ]
    reasons += (
        _from_a_weapon(state, cmd) if cmd.weapon is not None else _from_a_container(state, cmd)
    )
    if (refusal := refuse(reasons)) is not None:
        return refusal
    return [
        Env(cmd)(
            ev.RoundsSealedAsEvidence,
            seal=cmd.seal,
            handed_to=cmd.handed_to,
            weapon=cmd.weapon,
            positions=tuple(cmd.positions) if cmd.weapon is not None else (),
            lot=cmd.lot if cmd.weapon is None else None,
            container=cmd.container if cmd.weapon is None else None,
            count=cmd.count if cmd.weapon is None else 0,
            note=cmd.note,
        )
    ]


@handles(c.SealWeaponAsEvidence)
def _seal_weapon(state: ProductionState, cmd: c.SealWeaponAsEvidence) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "seal a weapon as evidence"),
        *the_seal_and_the_recipient_are_written_down(cmd),
        *a_second_person_witnesses_the_disposition(state, cmd, "sealed as evidence with a weapon"),
        *only_the_holder_works_on_a_weapon(state, ws, cmd.actor),
    ]
    if ws.location is Custody.PERFORMER:
        reasons.append(
            because(
                "R08",
                f"{ws.weapon.id} is with {state.name_of(ws.holder)} — the armorer takes it "
                "back first.",
            )
        )
    if ws.retired:
        reasons.append(because("INPUT", f"{ws.weapon.id} is retired."))
    return refuse(reasons) or [
        Env(cmd)(
            ev.WeaponSealedAsEvidence,
            weapon=ws.weapon.id,
            seal=cmd.seal,
            handed_to=cmd.handed_to,
            note=cmd.note,
        )
    ]
