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
from coldcheck.service.uow import UnitOfWorkFactory


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
        with self._uow() as uow:
            now = self.clock.now()
            before = uow.state(command.production)
            command = fill_ids(before, dataclasses.replace(command, at=now))
            if isinstance(command, c.Correct) and not uow.is_event_of(
                command.production, command.corrects
            ):
                raise Refused(
                    Refusal(
                        (
                            Reason(
                                "R27",
                                f"log position {command.corrects} holds no event of this"
                                " production — name the event to correct by its position"
                                " in the timeline.",
                            ),
                        )
                    )
                )
            decision = decide(before, command)
            if isinstance(decision, Refusal):
                raise Refused(decision)
            after = before
            for event in decision:
                after = apply(after, event)
            seqs = uow.append(before, decision, after)
            head = uow.sign_head(now)
            uow.commit()
        self.alerts.publish(alerts_for(decision, seqs, after))
        return Accepted(tuple(decision), tuple(seqs), head, after)

    def execute_all(self, commands: Sequence[Command]) -> list[Accepted]:
        """Run commands one after another (each its own transaction)."""
        return [self.execute(c) for c in commands]

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
