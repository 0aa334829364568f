"""What every rule module shares: reasons, the handler registry, envelopes, incidents.

Handlers register themselves with :func:`handles`; :func:`coldcheck.domain.rules.decide`
runs the generic checks first, then the handler for the command's type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import out_of_bounds
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import (
    LotId,
    PersonId,
    SceneId,
    WeaponId,
    next_incident_id,
)
from coldcheck.domain.model import Role, Settings, Severity, TakeContext
from coldcheck.domain.state import ProductionState, WeaponState

#: What ``decide`` returns: the events to append, or every reason not to.
Decision = list[Event] | Refusal
Reasons = Iterator[Reason]
C = TypeVar("C", bound=c.BaseCommand)


def because(rule: str, message: str) -> Reason:
    """A reason citing ``rule``; ``message`` says what is wrong and what to do instead."""
    return Reason(rule, message)


def names_of(state: ProductionState, people: Iterable[PersonId | None]) -> str:
    """Display names joined as "A, B or C"."""
    names = sorted(state.name_of(p) for p in people)
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def armorers_of(state: ProductionState) -> str:
    """Who to ask for: the production's armorers by name."""
    people = [p for p in state.roles if state.is_armorer(p)]
    return names_of(state, people) if people else "the armorer"


def settings_of(state: ProductionState) -> Settings:
    """The production's thresholds (defaults before it exists)."""
    return state.info.settings if state.info else Settings()


@dataclass(frozen=True)
class Env:
    """Envelope fields copied from the command onto every event it produces."""

    cmd: c.BaseCommand

    def __call__(self, cls: type[Any], **payload: Any) -> Any:
        return cls(
            production=self.cmd.production,
            at=self.cmd.at,
            by=self.cmd.actor,
            witnesses=tuple(sorted(self.cmd.confirmations - {self.cmd.actor})),
            signatures=self.cmd.signatures,
            **payload,
        )


def witnesses_of(cmd: c.BaseCommand) -> frozenset[PersonId]:
    """Who confirmed the command, never counting the actor as their own witness."""
    return frozenset(p for p in cmd.confirmations if p != cmd.actor)


def command_is_for_this_production(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    if cmd.production != state.production:
        yield because("INPUT", f"this command is for {cmd.production}, not {state.production}.")
    elif state.info is None and not isinstance(cmd, c.CreateProduction):
        yield because("INPUT", f"production {cmd.production} does not exist — create it first.")


def time_is_utc(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    offset = cmd.at.utcoffset()
    if offset is None or offset != timedelta(0):
        yield because("INPUT", "the command's time must be a UTC time with its offset.")
    for f in dataclasses.fields(cmd):
        value = getattr(cmd, f.name)
        if f.name != "at" and isinstance(value, datetime) and value.utcoffset() is None:
            yield because(
                "INPUT",
                f"{f.name.replace('_', ' ')} {value.isoformat()} has no UTC offset — give it "
                "with its offset, e.g. 2026-03-14T14:05:00-06:00.",
            )


def command_is_within_bounds(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    """Every text, number and list the command carries is within its bound."""
    for problem in out_of_bounds(cmd, skip=frozenset({"at", "production", "actor"})):
        yield because("INPUT", problem)


def shoot_day_of(state: ProductionState, cmd: c.BaseCommand) -> date:
    """The shoot day of the command, on the production's clock."""
    return state.local_day(cmd.at)


def two_different_people(
    state: ProductionState,
    people: Iterable[PersonId | None],
    first: Iterable[Role],
    second: Iterable[Role],
) -> bool:
    """True when two *different* people among ``people`` hold a ``first`` and a ``second`` role.

    One person holding both counts once: two-person rules need two people.
    """
    known = [p for p in dict.fromkeys(people) if p is not None]
    a_roles, b_roles = tuple(first), tuple(second)
    return any(
        a != b and state.has_role(a, *a_roles) and state.has_role(b, *b_roles)
        for a in known
        for b in known
    )


def actor_is_known(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    if isinstance(cmd, c.CreateProduction) or state.info is None:
        if cmd.actor is None:
            yield because("INPUT", "say who is asking.")
        return
    if cmd.actor is None:
        if not (isinstance(cmd, c.FileSafetyReport) and cmd.anonymous):
            yield because("INPUT", "say who is asking; only a safety report may be anonymous.")
        return
    if not state.roles.get(cmd.actor):
        yield because("AUTH", f"{state.name_of(cmd.actor)} has no role on this production.")
    unknown = sorted(p for p in cmd.confirmations if p not in state.people)
    if unknown:
        yield because(
            "INPUT", f"{', '.join(unknown)} confirmed but are not known to the production."
        )


ROLE_WORDS = {
    Role.ARMORER: "the armorer",
    Role.ASSISTANT_ARMORER: "an assistant armorer",
    Role.FIRST_AD: "the 1st AD",
    Role.PERFORMER: "a performer",
    Role.SAFETY_SUPERVISOR: "the safety supervisor",
    Role.PRODUCER: "the producer",
    Role.CREW: "crew",
}


def need_role(
    state: ProductionState, cmd: c.BaseCommand, roles: Iterable[Role], what: str
) -> Reasons:
    wanted = [r for r in Role if r in frozenset(roles)]
    if not state.has_role(cmd.actor, *wanted):
        words = [ROLE_WORDS[r] for r in wanted]
        who = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        yield because("AUTH", f"only {who} can {what} — {state.name_of(cmd.actor)} cannot.")


Handler = Callable[[ProductionState, Any], Decision]


HANDLERS: dict[type[c.BaseCommand], Handler] = {}


def handles(
    cls: type[C],
) -> Callable[[Callable[[ProductionState, C], Decision]], Callable[[ProductionState, C], Decision]]:
    def register(
        fn: Callable[[ProductionState, C], Decision],
    ) -> Callable[[ProductionState, C], Decision]:
        HANDLERS[cls] = fn
        return fn

    return register


def refuse(reasons: Iterable[Reason]) -> Refusal | None:
    collected = tuple(dict.fromkeys(reasons))
    return Refusal(collected) if collected else None


def weapon_or_refusal(state: ProductionState, weapon: str) -> WeaponState | Refusal:
    ws: WeaponState | None = state.weapons.get(WeaponId(weapon))
    if ws is None:
        return Refusal(
            (
                because(
                    "INPUT",
                    f"there is no weapon {weapon} on this production — "
                    "check the tag on the weapon.",
                ),
            )
        )
    return ws


def incident_events(
    state: ProductionState,
    env: Env,
    *,
    kind: str,
    description: str,
    weapon: WeaponState | None = None,
    lots: Iterable[LotId] = (),
    severity: Severity = Severity.STOP,
    weapons: Iterable[WeaponId] = (),
    scene: SceneId | None = None,
    people: Iterable[PersonId] = (),
    quarantine: bool = True,
    context: TakeContext | None = None,
) -> list[Event]:
    """An incident, the quarantines it calls for, and stop-work for severity stop (R21).

    ``weapon`` (and ``lots``) are quarantined when ``quarantine``; ``weapons``
    adds more weapons it names (quarantined too for a stop), ``scene`` and
    ``people`` are named only.
    """
    incident = next_incident_id(state)
    lot_ids = tuple(sorted(set(lots)))
    named = tuple(dict.fromkeys([*([weapon.weapon.id] if weapon else []), *weapons]))
    out: list[Event] = [
        env(
            ev.IncidentOpened,
            incident=incident,
            kind=kind,
            severity=severity,
            description=description,
            weapon=named[0] if named else None,
            lots=lot_ids,
            weapons=named,
            scene=scene,
            people=tuple(dict.fromkeys(people)),
            context=context,
        )
    ]
    if quarantine:
        for weapon_id in named:
            ws = state.weapons[weapon_id]
            if not ws.quarantined and not ws.retired:
                out.append(
                    env(
                        ev.WeaponQuarantined,
                        weapon=weapon_id,
                        reason=description,
                        incident=incident,
                    )
                )
        for lot in lot_ids:
            if not state.lots[lot].quarantined:
                out.append(env(ev.LotQuarantined, lot=lot, reason=description, incident=incident))
    if severity is Severity.STOP:
        out.append(env(ev.StopWorkStarted, reason=f"{incident}: {description}", incident=incident))
    return out


def person_exists(state: ProductionState, person: PersonId) -> Reasons:
    if person not in state.people:
        yield because("INPUT", f"{person} is not known to the production — add the person first.")


def container_exists(state: ProductionState, container: str | None) -> Reasons:
    if container is None or container not in state.containers:
        yield because("INPUT", f"there is no container {container} — create it first.")


def lot_exists(state: ProductionState, lot: str) -> Reasons:
    if lot not in state.lots:
        yield because(
            "R02", f"there is no lot {lot} — receive it first; nothing of unknown origin is used."
        )


def enough_rounds(state: ProductionState, container: str, lot: str, count: int) -> Reasons:
    if count <= 0:
        yield because("INPUT", "give a number of rounds greater than 0.")
        return
    have = state.containers[container].contents.get(lot, 0)  # type: ignore[index, call-overload]
    if have < count:
        yield because(
            "R05", f"{container} holds {have} rounds of {lot}, not {count} — count again."
        )
