"""The custody use case: a command goes through the rules into the log, or nowhere.

``execute`` opens one write transaction, loads the production's current
state, stamps the command with the clock, lets ``decide`` judge it, and on
acceptance appends the events (ledger entries, index, read tables) and a
new signed head before committing. A refusal or any failure writes nothing.
Alerts go out only after the commit.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from coldcheck.domain import commands as c
from coldcheck.domain.commands import Command
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import (
    ContainerId,
    LotId,
    MeetingId,
    ProductionId,
    ReportId,
    WeaponId,
    next_container_tag,
    next_lot_tag,
    next_weapon_tag,
)
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.service.alerts import AlertHub, alerts_for
from coldcheck.service.errors import Refused
from coldcheck.service.ports import Clock
from coldcheck.service.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class Accepted:
    """What an accepted command wrote: its events, their log positions, the new head."""

    events: tuple[Event, ...]
    seqs: tuple[int, ...]
    head: SignedTreeHead
    state: ProductionState


class CustodyService:
    """Runs commands through the safety rules into the tamper-evident log."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, alerts: AlertHub | None = None):
        self._uow = uow
        self.clock = clock
        self.alerts = alerts or AlertHub()

    def execute(self, command: Command) -> Accepted:
        """Decide and record ``command``; raise ``Refused`` with every reason otherwise."""
        return self.execute_batch([command])

    def execute_batch(self, commands: Sequence[Command]) -> Accepted:
        """Decide and record several commands of one production in ONE transaction.

        Each is decided against the state the ones before it leave; if any is
        refused, nothing at all is written, and the refusal says which
        command (its position in the batch) when there is more than one.
        One head is signed over the whole batch.
        """
        if not commands:
            raise ValueError("execute_batch needs at least one command")
        production = commands[0].production
        if any(cmd.production != production for cmd in commands):
            raise ValueError("a batch holds commands of one production")
        with self._uow() as uow:
            now = self.clock.now()
            before = after = uow.state(production)
            events: list[Event] = []
            for number, command in enumerate(commands, start=1):
                command = fill_ids(after, dataclasses.replace(command, at=now))
                decision = self._decide(uow, after, command)
                if isinstance(decision, Refusal):
                    if len(commands) > 1:
                        decision = Refusal(
                            tuple(
                                Reason(r.rule, f"command {number} of {len(commands)}: {r.message}")
                                for r in decision.reasons
                            )
                        )
                    raise Refused(decision)
                for event in decision:
                    after = apply(after, event)
                events += decision
            seqs = uow.append(before, events, after)
            head = uow.sign_head(now)
            uow.commit()
        self.alerts.publish(alerts_for(events, seqs, after))
        return Accepted(tuple(events), tuple(seqs), head, after)

    @staticmethod
    def _decide(uow: UnitOfWork, state: ProductionState, command: Command) -> list[Event] | Refusal:
        if isinstance(command, c.Correct) and not uow.is_event_of(
            command.production, command.corrects
        ):
            return Refusal(
                (
                    Reason(
                        "R27",
                        f"log position {command.corrects} holds no event of this production"
                        " — name the event to correct by its position in the timeline.",
                    ),
                )
            )
        return decide(state, command)

    def active_states(self) -> list[ProductionState]:
        """States already in memory: the productions this process is serving."""
        return self._uow.active_states()

    def production_exists(self, production: ProductionId) -> bool:
        """True when the production has been created."""
        with self._uow(write=False) as uow:
            return uow.production_exists(production)

    def state(self, production: ProductionId) -> ProductionState:
        """The production's current state (read-only use)."""
        with self._uow(write=False) as uow:
            return uow.state(production)


def fill_ids(state: ProductionState, command: Command) -> Command:
    """Give a new weapon, lot, container, meeting or report the next free id when left blank.

    Done inside the write transaction, so two devices registering at once
    never pick the same tag.
    """
    if isinstance(command, c.RegisterWeapon) and not command.weapon:
        return dataclasses.replace(command, weapon=WeaponId(next_weapon_tag(state)))
    if isinstance(command, c.ReceiveLot) and not command.lot:
        return dataclasses.replace(command, lot=LotId(next_lot_tag(state)))
    if isinstance(command, c.CreateContainer) and not command.container:
        return dataclasses.replace(command, container=ContainerId(next_container_tag(state)))
    if isinstance(command, c.HoldSafetyMeeting) and not command.meeting:
        return dataclasses.replace(command, meeting=MeetingId(f"M-{uuid.uuid4().hex[:8]}"))
    if isinstance(command, c.FileSafetyReport) and not command.report:
        return dataclasses.replace(command, report=ReportId(f"S-{uuid.uuid4().hex[:8]}"))
    return command
