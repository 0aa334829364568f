"""The custody use case: a command goes through the rules into the log, or nowhere.

``execute`` opens one write transaction, checks that the log still extends its
own newest signed head (``begin``: the server never signs over entries it did not
write) and takes the commit's time, loads the production's current state, writes the
production's subject index first when a new local day began, stamps the command with
that time, lets ``decide`` judge it, and on acceptance appends the events (ledger
entries recording their channel, index, read tables), the commit record and a new
signed head before committing. A refusal or any failure writes nothing. Alerts go out
only after the commit, and ``on_new_head`` (the witnesses' submitter) is poked.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from coldcheck.domain import commands as c
from coldcheck.domain.commands import Command
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import (
    ContainerId,
    LotId,
    MeetingId,
    PersonId,
    ProductionId,
    ReportId,
    WeaponId,
    next_container_tag,
    next_lot_tag,
    next_weapon_tag,
)
from coldcheck.domain.model import Role
from coldcheck.domain.rules import RefusedAt, decide_all
from coldcheck.domain.state import ProductionState
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.service.alerts import AlertHub, alerts_for
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Refused
from coldcheck.service.ports import Clock, UnitOfWork, UnitOfWorkFactory
from coldcheck.service.subject_index import index_due


@dataclass(frozen=True)
class Accepted:
    """What an accepted command wrote: its events, their log positions, the new head."""

    events: tuple[Event, ...]
    seqs: tuple[int, ...]
    head: SignedTreeHead
    state: ProductionState


class CustodyService:
    """Runs commands through the safety rules into the tamper-evident log."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        alerts: AlertHub | None = None,
        on_new_head: Callable[[SignedTreeHead], None] = lambda _: None,
    ):
        self._uow = uow
        self.clock = clock
        self.alerts = alerts or AlertHub()
        self.on_new_head = on_new_head

    def execute(self, command: Command, *, channel: Channel) -> Accepted:
        """Decide and record ``command``; raise ``Refused`` with every reason otherwise."""
        return self.execute_batch([command], channel=channel)

    def execute_batch(self, commands: Sequence[Command], *, channel: Channel) -> Accepted:
        """Decide and record several commands of one production in ONE transaction.

        Each is decided against the state the ones before it leave
        (``decide_all``); if any is refused, nothing at all is written, and the
        refusal says which command (its position in the batch) when there is
        more than one. One head is signed over the whole batch.
        """
        if not commands:
            raise ValueError("execute_batch needs at least one command")
        production = commands[0].production
        if any(cmd.production != production for cmd in commands):
            raise ValueError("a batch holds commands of one production")
        with self._uow() as uow:
            now = uow.begin(self.clock.now())
            before = uow.state(production)
            index_if_due(uow, before, now)

            def prepare(state: ProductionState, command: Command) -> Command:
                return fill_ids(state, dataclasses.replace(command, at=now))

            def check(_: ProductionState, command: Command) -> Refusal | None:
                return _correction_names_an_event(uow, command)

            folded = decide_all(before, commands, prepare, check)
            if isinstance(folded, RefusedAt):
                raise Refused(folded.numbered(), folded.index if len(commands) > 1 else None)
            events = list(folded.all_events)
            seqs = uow.append(before, events, folded.state, channel)
            head = uow.seal(now)
            uow.commit()
        self.alerts.publish(alerts_for(events, seqs, folded.state))
        self.on_new_head(head)
        return Accepted(tuple(events), tuple(seqs), head, folded.state)

    def grant_roles(
        self,
        production: ProductionId,
        actor: PersonId,
        person: PersonId,
        name: str,
        roles: Sequence[Role],
        *,
        channel: Channel,
    ) -> Accepted:
        """Give ``person`` ``roles`` (adding them to the production first if needed), atomically."""
        now = self.clock.now()
        commands: list[Command] = []
        if person not in self.state(production).people:
            commands.append(
                c.AddPerson(production=production, actor=actor, at=now, person=person, name=name)
            )
        commands.extend(
            c.AssignRole(production=production, actor=actor, at=now, person=person, role=role)
            for role in dict.fromkeys(roles)
        )
        return self.execute_batch(commands, channel=channel)

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


def index_if_due(uow: UnitOfWork, before: ProductionState, now: datetime) -> None:
    """Index the production's entries first when this is its first commit of a local day."""
    if before.info is None:
        return
    try:
        tz = ZoneInfo(before.info.time_zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    if index_due(uow.index_mark(before.production), now, tz):
        uow.write_subject_index(before.production, now)


def _correction_names_an_event(uow: UnitOfWork, command: Command) -> Refusal | None:
    """R27 needs the log: a correction must name an event of this production by its position."""
    if isinstance(command, c.Correct) and not uow.is_event_of(command.production, command.corrects):
        return Refusal(
            (
                Reason(
                    "R27",
                    f"log position {command.corrects} holds no event of this production"
                    " — name the event to correct by its position in the timeline.",
                ),
            )
        )
    return None


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
