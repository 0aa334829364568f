"""The safety rules R01-R28: ``decide(state, command) -> list[Event] | Refusal``.

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
with their own PIN for this command; the actor is never counted as their
own witness.  They become the events' ``witnesses``.  Who must confirm:

* ``HandOver`` to a performer: the performer and a 1st AD (R12); to another
  armorer: that armorer; of a replica: the performer.
* ``LiftStopWork`` and ``ReleaseLot``: armorer and safety supervisor, one
  asking, the other confirming (R21).
* ``CloseDay``: a producer or 1st AD (R23); ``ResolveDiscrepancy``: the
  armorer and the producer.
* ``PlanScene``: an armorer signs off by asking or confirming (R18).

Other choices:

* R17 "that day" is the scene's planned shoot day (``PlanScene.day``); the
  meeting names that day and the scene, and must be held before the load.
  Re-planning a scene's day, weapons, people, firing, pointing, distance,
  protection or setup bumps its revision and makes older meetings stale.
* R23: while any day is closed with a discrepancy, every handoff to a
  performer is refused until ``ResolveDiscrepancy``.
* R27: ``Correct.corrects`` is the 0-based position of the corrected event in
  this production's own event stream (the order ``replay`` folds).

The handlers live in :mod:`coldcheck.domain.rulebook`, one module per area.
"""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain.errors import InvalidCommand, Reason, Refusal
from coldcheck.domain.rulebook import ammunition, custody, loading, people, scenes, wrap
from coldcheck.domain.rulebook.kit import (
    HANDLERS,
    Decision,
    actor_is_known,
    command_is_for_this_production,
    refuse,
    time_is_utc,
)
from coldcheck.domain.state import ProductionState

__all__ = ["Decision", "Reason", "Refusal", "decide"]

#: The rule modules; importing them registers their handlers.
RULE_MODULES = (people, ammunition, scenes, custody, loading, wrap)


def decide(state: ProductionState, command: c.Command) -> Decision:
    """Events for a command that keeps everyone safe, or every reason it does not."""
    handler = HANDLERS.get(type(command))
    if handler is None:
        raise InvalidCommand(f"not a command: {command!r}")
    basic = refuse(
        [
            *command_is_for_this_production(state, command),
            *time_is_utc(state, command),
            *actor_is_known(state, command),
        ]
    )
    if basic is not None:
        return basic
    return handler(state, command)
