"""Who a command asks to confirm it, each with their own credential.

A command names the confirmations it needs as :class:`Slot` s: who may give
each one (people holding the right role on this production, never the one
asking) and in what words. The service checks a PIN only for someone a slot
names (a confirmation nobody asked for is refused before any PIN is tried);
``decide`` refuses a command carrying a confirmation that no slot asks for;
the rules themselves still decide whether the people who did confirm are
enough (R12, R21, R23, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import (
    ARMORER_ROLES,
    DISPOSITION_WITNESS_ROLES,
    GUARDED_ROLES,
    PRODUCTION_REPRESENTATIVE_ROLES,
    Disposition,
    Role,
)
from coldcheck.domain.state import EMPTY, ProductionState

__all__ = ["Slot", "confirmation_slots", "receives_as_performer", "who_may_confirm"]


@dataclass(frozen=True)
class Slot:
    """One confirmation a command asks for: ``who`` in words, the ``people`` who may give it,
    and the ``pledge`` they tick before confirming (checked by the server for a PIN and for a
    passkey alike), if any."""

    who: str
    people: tuple[PersonId, ...]
    required: bool = True
    pledge: str = ""


SHOWN_EMPTY = "I was shown every chamber and the bore"
"""What the person receiving a weapon ticks (R12)."""


def _holding(
    state: ProductionState, roles: Iterable[Role], *, but: Iterable[PersonId | None]
) -> tuple[PersonId, ...]:
    wanted = tuple(roles)
    skip = set(but)
    return tuple(sorted(p for p in state.roles if p not in skip and state.has_role(p, *wanted)))


def receives_as_performer(state: ProductionState, person: PersonId) -> bool:
    """A person with a performer role is a performer for every handoff rule (R08, R12, R14),
    whatever else they hold; an armorer receives as an armorer only without one."""
    return state.has_role(person, Role.PERFORMER) or not state.is_armorer(person)


def confirmation_slots(state: ProductionState, cmd: c.BaseCommand) -> tuple[Slot, ...]:
    """The confirmations ``cmd`` asks for, in the order a screen shows them."""
    actor = cmd.actor
    match cmd:
        case c.HandOver():
            ws = state.weapons.get(cmd.weapon)
            to = (cmd.to,) if cmd.to in state.people and cmd.to != actor else ()
            if ws is not None and ws.weapon.is_replica:
                return (Slot("the person receiving the replica", to, pledge=SHOWN_EMPTY),)
            if receives_as_performer(state, cmd.to):
                return (
                    Slot(
                        "the performer, who was shown every chamber and the bore",
                        to,
                        pledge=SHOWN_EMPTY,
                    ),
                    Slot(
                        "the 1st AD, as witness",
                        _holding(state, (Role.FIRST_AD,), but=(actor, cmd.to)),
                    ),
                )
            return (Slot("the armorer taking custody", to, pledge=SHOWN_EMPTY),)
        case c.TakeBack():
            ws = state.weapons.get(cmd.weapon)
            holder = ws.holder if ws is not None else None
            people = [holder] if holder is not None and holder != actor else []
            people += _holding(state, (Role.FIRST_AD,), but=(actor, holder))
            return (
                Slot(
                    "the performer handing it back (or the 1st AD, if the performer is gone)",
                    tuple(p for p in people if p is not None),
                ),
            )
        case c.LiftStopWork() | c.ReleaseLot():
            other = (
                "the safety supervisor"
                if state.is_armorer(actor) and not state.has_role(actor, Role.SAFETY_SUPERVISOR)
                else "the armorer"
                if state.has_role(actor, Role.SAFETY_SUPERVISOR) and not state.is_armorer(actor)
                else "the armorer or the safety supervisor"
            )
            roles = (*ARMORER_ROLES, Role.SAFETY_SUPERVISOR)
            return (Slot(other, _holding(state, roles, but=(actor,))),)
        case c.CloseDay():
            return (
                Slot(
                    "the producer or the 1st AD, for the production",
                    _holding(state, PRODUCTION_REPRESENTATIVE_ROLES, but=(actor,)),
                ),
            )
        case c.ResolveDiscrepancy():
            other = "the producer" if state.is_armorer(actor) else "the armorer"
            roles = (*ARMORER_ROLES, Role.PRODUCER)
            return (Slot(other, _holding(state, roles, but=(actor,))),)
        case c.PlanScene():
            if state.is_armorer(actor):
                return ()
            info = state.info
            minimum = info.settings.min_blank_distance_ft if info else 20
            needed = cmd.points_at_people_or_camera or (
                cmd.fires_blanks and cmd.closest_distance_ft < minimum
            )
            return (
                Slot(
                    "an armorer signing off the plan",
                    _holding(state, ARMORER_ROLES, but=(actor,)),
                    required=needed,
                ),
            )
        case c.AssignRole():
            if cmd.role not in GUARDED_ROLES:
                return ()
            return (
                Slot(
                    "a second person, neither giving nor receiving the role",
                    _holding(state, tuple(Role), but=(actor, cmd.person)),
                ),
            )
        case c.RecordLiveException():
            named = (cmd.supervisor,) if cmd.supervisor in state.people else ()
            return (Slot("the supervisor it names", tuple(p for p in named if p != actor)),)
        case (
            c.DestroyRounds() | c.ReturnLot() | c.SealRoundsAsEvidence() | c.SealWeaponAsEvidence()
        ):
            return (_disposition_witness(state, actor),)
        case c.EnrolPasskey():
            if cmd.person == actor or cmd.person not in state.people:
                return ()
            return (Slot("the person whose passkey it is, with their PIN", (cmd.person,)),)
        case c.RevokePasskey():
            wanted = (Role.PRODUCER,) if state.is_armorer(actor) else tuple(ARMORER_ROLES)
            words = "the producer" if state.is_armorer(actor) else "an armorer"
            return (Slot(f"{words}, revoking it together", _holding(state, wanted, but=(actor,))),)
        case c.UnloadWeapon() if cmd.disposition is Disposition.DESTROY:
            ws = state.weapons.get(cmd.weapon)
            rounds = ws is not None and any(
                ws.contents.get(p, EMPTY).state not in (RoundState.EMPTY, RoundState.SPENT)
                for p in cmd.positions
            )
            return (replace(_disposition_witness(state, actor), required=rounds),)
    return ()


def _disposition_witness(state: ProductionState, actor: PersonId | None) -> Slot:
    return Slot(
        "a second person: an armorer, the safety supervisor or the producer",
        _holding(state, DISPOSITION_WITNESS_ROLES, but=(actor,)),
    )


def who_may_confirm(state: ProductionState, cmd: c.BaseCommand) -> frozenset[PersonId]:
    """Everyone whose confirmation ``cmd`` can use."""
    return frozenset(p for slot in confirmation_slots(state, cmd) for p in slot.people)
