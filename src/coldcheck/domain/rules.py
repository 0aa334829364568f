"""The safety rules R01-R29: ``decide(state, command) -> list[Event] | Refusal``.

Each rule is a small function named as a sentence that yields the
:class:`Reason` s a command breaks; a handler runs every rule that guards its
command, so a refusal lists every reason at once.  ``decide`` is pure: no
clock (time is ``command.at``), no IO, no randomness; incident numbers are
derived from the state (``I-0001``...).

Time windows compare command times only:

* R13: blanks are loaded for ``LoadWeapon.scene`` at most
  ``blank_load_window_minutes`` before ``LoadWeapon.take_at`` and not after it.
* R19: after a misfire recorded at ``t``, inspecting, bore-checking or
  unloading that weapon is refused before ``t + misfire_wait_seconds``.
* R21: lifting stop-work needs a safety meeting held after the stop began.
* R26: a permit counts through its expiry date (UTC date of ``command.at``).

Confirmations (``command.confirmations``) are persons the service verified
with their own PIN against a challenge for this very command; the actor is
never counted as their own witness, and a confirmation the command does not
ask for (``domain.confirming``) is refused. They become the events'
``witnesses``. Who must confirm:

* ``HandOver`` to a performer: the performer and a 1st AD (R12); to another
  armorer: that armorer; of a replica: the receiver. ``TakeBack``: the
  performer handing it back, or a 1st AD (R12).
* ``LiftStopWork`` and ``ReleaseLot``: armorer and safety supervisor, one
  asking, the other confirming — two different people (R21).
* ``CloseDay``: a producer or 1st AD (R23); ``ResolveDiscrepancy``: the
  armorer and the producer, two different people.
* ``PlanScene``: an armorer signs off by asking or confirming (R18).
* ``DestroyRounds``, ``ReturnLot``, ``UnloadWeapon`` to destruction, evidence
  holds: a second person, an armorer, the safety supervisor or the producer (R05).
* ``AssignRole`` of armorer, assistant armorer, safety supervisor or producer: a
  second person, neither giving nor receiving it. ``RecordLiveException``: the
  supervisor it names, who is not the producer recording it (R01).

Other choices:

* "Today" is the production's local date of ``command.at`` (its time zone,
  ``ProductionState.info.time_zone``). R13/R17: blanks are loaded only for a
  scene planned for today, after a safety meeting held today for that scene
  as now planned. Re-planning a scene's day, weapons, people, firing,
  pointing, distance, protection or setup bumps its revision and makes older
  meetings stale.
* Two-person rules (R01 exception, R21 lift, lot release, R23 resolution,
  role grants, dispositions) need two *different* people: one person holding
  both roles counts once; nobody grants a role to themselves.
* A person holding a performer role is a performer for every handoff rule,
  whatever else they hold; an armorer-to-armorer handoff obeys every rule of a
  handoff that could reach a performer (R01, R10, R20, R21, R23, R26).
* R23: the first issue of a day is refused while an earlier shoot day was
  never counted, counted but never closed, or closed with a discrepancy
  nobody resolved.
* R27: ``Correct.corrects`` is the 0-based position of the corrected event in
  this production's own event stream (the order ``replay`` folds).

The handlers live in :mod:`coldcheck.domain.rulebook`, one module per area.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coldcheck.domain import commands as c
from coldcheck.domain.confirming import who_may_confirm
from coldcheck.domain.errors import InvalidCommand, Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.rulebook import (
    ammunition,
    custody,
    evidence,
    loading,
    passkeys,
    people,
    photos,
    scenes,
    wrap,
)
from coldcheck.domain.rulebook.kit import (
    HANDLERS,
    Decision,
    Reasons,
    actor_is_known,
    because,
    command_is_for_this_production,
    command_is_within_bounds,
    refuse,
    time_is_utc,
    witnesses_of,
)
from coldcheck.domain.state import ProductionState, apply

__all__ = ["Decision", "Folded", "Reason", "Refusal", "RefusedAt", "decide", "decide_all"]

#: The rule modules; importing them registers their handlers.
RULE_MODULES = (people, ammunition, scenes, custody, loading, evidence, wrap, passkeys, photos)


def confirmations_are_asked_for(state: ProductionState, cmd: c.Command) -> Reasons:
    """A confirmation counts only where the command asks for it (see ``domain.confirming``)."""
    if state.info is None:
        return
    extra = sorted(witnesses_of(cmd) - who_may_confirm(state, cmd))
    if extra:
        names = ", ".join(state.name_of(p) for p in extra)
        yield because(
            "INPUT",
            f"this command does not ask {names} to confirm it — only the people it names "
            "confirm (see who is asked on the confirmation screen).",
        )


def decide(state: ProductionState, command: c.Command) -> Decision:
    """Events for a command that keeps everyone safe, or every reason it does not."""
    handler = HANDLERS.get(type(command))
    if handler is None:
        raise InvalidCommand(f"not a command: {command!r}")
    basic = refuse(
        [
            *command_is_for_this_production(state, command),
            *time_is_utc(state, command),
            *command_is_within_bounds(state, command),
            *actor_is_known(state, command),
        ]
    )
    if basic is None:
        basic = refuse(
            [
                *confirmations_are_asked_for(state, command),
                *passkeys.passkey_signatures_count(state, command),
            ]
        )
    if basic is not None:
        return basic
    return handler(state, command)


@dataclass(frozen=True)
class RefusedAt:
    """The command of several that was refused: its 0-based ``index`` and every reason."""

    index: int
    total: int
    refusal: Refusal

    def numbered(self) -> Refusal:
        """The refusal, each reason prefixed "command 3 of 5" when there were several."""
        if self.total == 1:
            return self.refusal
        where = f"command {self.index + 1} of {self.total}"
        return Refusal(tuple(Reason(r.rule, f"{where}: {r.message}") for r in self.refusal.reasons))


@dataclass(frozen=True)
class Folded:
    """Commands accepted together: their events, one tuple per command, and the state after."""

    events: tuple[tuple[Event, ...], ...]
    state: ProductionState

    @property
    def all_events(self) -> tuple[Event, ...]:
        """Every event, in order."""
        return tuple(e for group in self.events for e in group)


def decide_all(
    state: ProductionState,
    commands: Sequence[c.Command],
    prepare: Callable[[ProductionState, c.Command], c.Command] | None = None,
    check: Callable[[ProductionState, c.Command], Refusal | None] | None = None,
) -> Folded | RefusedAt:
    """Decide each command against the state the ones before it leave; all or nothing.

    ``prepare`` may complete a command from the state it meets (e.g. the next
    free tag) and ``check`` may refuse it for a reason the domain cannot see
    (e.g. a log position that holds no event). The first refusal stops the
    fold: :class:`RefusedAt` says which command, and nothing of the others counts.
    """
    groups: list[tuple[Event, ...]] = []
    after = state
    for index, command in enumerate(commands):
        if prepare is not None:
            command = prepare(after, command)
        vetoed = check(after, command) if check is not None else None
        decision: Decision = vetoed if vetoed is not None else decide(after, command)
        if isinstance(decision, Refusal):
            return RefusedAt(index, len(commands), decision)
        for event in decision:
            after = apply(after, event)
        groups.append(tuple(decision))
    return Folded(tuple(groups), after)
