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
from coldcheck.domain.codec import refs_by_type
from coldcheck.domain.commands import Command
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import (
    ContainerId,
    IncidentId,
    LotId,
    MeetingId,
    PersonId,
    ProductionId,
    ReportId,
    WeaponId,
    is_production_id,
    next_container_tag,
    next_lot_tag,
    next_weapon_tag,
)
from coldcheck.domain.model import Role, Settings
from coldcheck.domain.photos import sha256_hex
from coldcheck.domain.rules import RefusedAt, decide_all
from coldcheck.domain.state import ProductionState
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.service.alerts import AlertHub, alerts_for
from coldcheck.service.confirmations import consume_signed_confirmations
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Refused, Unconfirmed
from coldcheck.service.ports import Clock, PhotoBlob, UnitOfWork, UnitOfWorkFactory
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

    def execute(
        self,
        command: Command,
        confirmations: Sequence[str] = (),
        *,
        channel: Channel,
        photos: Sequence[PhotoBlob] = (),
    ) -> Accepted:
        """Decide and record ``command``; raise ``Refused`` with every reason otherwise.

        ``confirmations`` are the ids of confirmations given against a challenge for
        this very command (``service.confirmations``); they are checked and used up
        in the same transaction. Without them the command keeps the confirmations it
        carries (in-process callers that verified them: the demo, tests, imports).
        ``channel`` is the door it came through, recorded with its entry. ``photos``: the
        bytes a ``PhotographWeapon`` names (``service.photos``), stored in the same
        transaction as its entry.
        """
        return self.execute_batch([command], [confirmations], channel=channel, photos=photos)

    def execute_batch(
        self,
        commands: Sequence[Command],
        confirmations: Sequence[Sequence[str]] | None = None,
        *,
        channel: Channel,
        photos: Sequence[PhotoBlob] = (),
    ) -> Accepted:
        """Decide and record several commands of one production in ONE transaction.

        Each is decided against the state the ones before it leave
        (``decide_all``); if any is refused, nothing at all is written, and the
        refusal says which command (its position in the batch) when there is
        more than one. One head is signed over the whole batch. ``confirmations``
        holds, per command, the ids of the confirmations it presents
        (``Unconfirmed`` when one is not for it); they are used up with the events.
        """
        if not commands:
            raise ValueError("execute_batch needs at least one command")
        production = commands[0].production
        if any(cmd.production != production for cmd in commands):
            raise ValueError("a batch holds commands of one production")
        given = list(confirmations) if confirmations is not None else [()] * len(commands)
        if len(given) != len(commands):
            raise ValueError("one list of confirmations per command")
        asked = {i: list(ids) for i, ids in enumerate(given) if ids}
        blobs = {b.sha256: b for b in photos}
        named = {cmd.sha256 for cmd in commands if isinstance(cmd, c.PhotographWeapon)}
        if named != set(blobs) or any(sha256_hex(b.data) != h for h, b in blobs.items()):
            raise ValueError("a photo is recorded with its bytes, and only bytes it names")
        with self._uow() as uow:
            now = uow.begin(self.clock.now())
            before = uow.state(production)
            index_if_due(uow, before, now)
            store = uow.confirmations() if asked else None
            position = iter(range(len(commands)))

            def prepare(state: ProductionState, command: Command) -> Command:
                ids = asked.get(next(position))
                if ids and store is not None:
                    people, signed = consume_signed_confirmations(
                        store, command, ids, before, state, now
                    )
                    command = dataclasses.replace(command, confirmations=people, signatures=signed)
                if isinstance(command, c.Correct):
                    command = _with_subjects(uow, command)
                return fill_ids(state, dataclasses.replace(command, at=now))

            def check(_: ProductionState, command: Command) -> Refusal | None:
                return _correction_names_an_event(uow, command)

            folded = decide_all(before, commands, prepare, check)
            if isinstance(folded, RefusedAt):
                raise Refused(folded.numbered(), folded.index if len(commands) > 1 else None)
            events = list(folded.all_events)
            seqs = uow.append(before, events, folded.state, channel)
            if blobs:
                store_photos = uow.photos()
                for blob in blobs.values():
                    store_photos.put(blob)
            if store is not None:
                used = [cid for ids in asked.values() for cid in ids]
                if store.consume(used, now, seqs[0]) != len(used):
                    raise Unconfirmed(
                        "A confirmation was used by another command at the same moment — "
                        "ask for a new one; nothing was recorded."
                    )
            head = uow.seal(now)
            uow.commit()
        self.alerts.publish(alerts_for(events, seqs, folded.state))
        self.on_new_head(head)
        return Accepted(tuple(events), tuple(seqs), head, folded.state)

    def create_production(
        self,
        *,
        production: ProductionId,
        actor: PersonId,
        actor_name: str,
        title: str,
        time_zone: str,
        company: str = "",
        location: str = "",
        roles: Sequence[Role] = (Role.PRODUCER,),
        settings: Settings | None = None,
        channel: Channel,
    ) -> Accepted:
        """Start a production with ``actor`` as its first member holding ``roles``.

        ``Refused`` (INPUT) when the id is taken, or the rules refuse it (a bad id,
        title, time zone or setting); nothing is written then.
        """
        if not is_production_id(production):
            raise Refused(
                Refusal(
                    (
                        Reason(
                            "INPUT",
                            f"the production id {production[:70]!r} must be 2-64 lowercase"
                            " letters, digits and hyphens, starting with a letter or digit"
                            " (e.g. dry-gulch).",
                        ),
                    )
                )
            )
        if self.production_exists(production):
            raise Refused(
                Refusal(
                    (
                        Reason(
                            "INPUT",
                            f"a production with id '{production}' exists — choose another id.",
                        ),
                    )
                )
            )
        return self.execute(
            c.CreateProduction(
                production=production,
                actor=actor,
                at=self.clock.now(),
                title=title.strip(),
                company=company.strip(),
                location=location.strip(),
                time_zone=time_zone.strip(),
                settings=settings or Settings(),
                actor_name=actor_name,
                roles=tuple(dict.fromkeys(roles)),
            ),
            channel=channel,
        )

    def grant_commands(
        self,
        production: ProductionId,
        actor: PersonId,
        person: PersonId,
        name: str,
        roles: Sequence[Role],
    ) -> list[Command]:
        """The commands that give ``person`` ``roles`` (adding them first if needed)."""
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
        return commands

    def grant_roles(
        self,
        production: ProductionId,
        actor: PersonId,
        person: PersonId,
        name: str,
        roles: Sequence[Role],
        confirmations: Sequence[Sequence[str]] | None = None,
        *,
        channel: Channel,
    ) -> Accepted:
        """Give ``person`` ``roles`` (adding them to the production first if needed), atomically.

        ``confirmations``: per command of :meth:`grant_commands`, the confirmation ids
        (a role that checks others needs a second person's).
        """
        commands = self.grant_commands(production, actor, person, name, roles)
        return self.execute_batch(commands, confirmations, channel=channel)

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


def _with_subjects(uow: UnitOfWork, command: c.Correct) -> c.Correct:
    """The correction naming what the event it corrects concerns, read from the log.

    Whatever the caller sent is replaced: a bundle about W-0001 then holds every
    correction of an entry about W-0001, and a correction cannot claim another subject.
    """
    corrected = uow.event_at(command.production, command.corrects)
    found = refs_by_type(corrected) if corrected is not None else {}
    return dataclasses.replace(
        command,
        weapons=tuple(WeaponId(x) for x in found.get(WeaponId, ())),
        lots=tuple(LotId(x) for x in found.get(LotId, ())),
        containers=tuple(ContainerId(x) for x in found.get(ContainerId, ())),
        incidents=tuple(IncidentId(x) for x in found.get(IncidentId, ())),
        people=tuple(PersonId(x) for x in found.get(PersonId, ())),
    )


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
