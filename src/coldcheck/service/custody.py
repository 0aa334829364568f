"""The custody use case: a command goes through the rules into the log, or nowhere.

**Group commit.** ``execute`` / ``execute_batch`` queue the caller's commands (one
request) and wait; the first waiting thread to find no commit running leads the next
group (``service.group_commit``): it takes every request queued, opens ONE write
transaction, checks that the log still extends its own newest signed head (``begin``:
the server never signs over entries it did not write) and takes the commit's time, and
then, request by request in arrival order, loads the production's state (or the state
the group's earlier requests left), lets ``decide`` judge the request's commands —
stamped with that time, new tags filled in, confirmations checked — and, on
acceptance, writes the production's subject index first when a new local day began,
the events (ledger entries recording their channel, index, read tables) and the
confirmations they used. After the last request: one commit record, one signed head,
one commit (one fsync) for everybody. A refused request fails alone (it wrote
nothing); a failure while writing or committing fails every request of the group and
writes nothing. Nobody is answered before the commit; alerts go out and
``on_new_head`` (the witnesses' submitter) is poked only after it.

**The one writer's other jobs.** Work that writes outside the log's events — a
challenge stored, the security records of a PIN check, a confirmation given — is queued
on the same group commit (``run_job``) instead of opening a write transaction of its own
that every custody request would wait behind: it runs in the group's transaction, in
arrival order, inside a savepoint (a job that raises is undone alone and gets its error;
one that raises after appending to the log fails the group, ``GroupBroken``), its
security records join the group's batch and are sealed by the group's head, and it is
answered only after the group's commit. A group of jobs only, none of which appended to
the log, commits without a commit record or a head.

Several server processes on one database stay correct: each group holds the
database's write lock (``BEGIN IMMEDIATE`` / the advisory lock) from ``begin`` to
commit, and reads the log's size, newest head and each production's newest event
under it, so whatever another process wrote in between is read before deciding.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

from coldcheck.domain import commands as c
from coldcheck.domain import correcting
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
from coldcheck.service.group_commit import GroupCommit, Ticket
from coldcheck.service.ports import (
    Clock,
    GroupBroken,
    GroupTransaction,
    PhotoBlob,
    UnitOfWork,
    UnitOfWorkFactory,
)
from coldcheck.service.subject_index import index_due

T = TypeVar("T")


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
        self.group_commit: GroupCommit[_Request | _Job, Accepted | _JobDone] = GroupCommit(
            self._commit_group
        )
        """The one writer every request queues on (``groups`` / ``largest``: how it went)."""

    def run_job(self, work: Callable[[GroupTransaction, datetime], T]) -> T:
        """Run ``work`` in the next group commit's transaction; what it returned, after the
        commit (a ``GroupWriter``: see the module docstring)."""
        done = self.group_commit.submit(_Job(work))
        if not isinstance(done, _JobDone):
            raise RuntimeError("the group commit answered a job with a custody result")
        return cast(T, done.value)

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
        more than one. ``confirmations`` holds, per command, the ids of the
        confirmations it presents (``Unconfirmed`` when one is not for it); they are
        used up with the events. The batch is one request of a group commit (see the
        module docstring): other requests may share its transaction and signed head,
        and its answer comes only after that transaction committed.
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
        done = self.group_commit.submit(
            _Request(tuple(commands), asked, channel, tuple(blobs.values()))
        )
        if not isinstance(done, Accepted):
            raise RuntimeError("the group commit answered a custody request with a job's result")
        return done

    def _commit_group(self, tickets: Sequence[_Ticket]) -> None:
        """Decide every queued request in arrival order and commit the accepted ones at once.

        Each request is decided against the state the accepted ones before it leave (of
        its production) and fails alone when refused (or unconfirmed): it has written
        nothing yet. Once a request's writes begin, any failure is the group's: every
        request gets the error and the transaction is rolled back, nothing half-written.
        A job runs in a savepoint and fails alone, unless it appended to the log. One
        commit record, one signed head, one commit for the whole group (no record and no
        head when nothing was appended); results, alerts and the head's poke only after
        the commit.
        """
        accepted: list[tuple[_Ticket, _Decided, list[int]]] = []
        jobs: list[tuple[_Ticket, _JobDone]] = []
        head: SignedTreeHead | None = None
        try:
            with self._uow() as uow:
                now = uow.begin(self.clock.now())
                working: dict[ProductionId, ProductionState] = {}
                for ticket in tickets:
                    request = ticket.request
                    if isinstance(request, _Job):
                        try:
                            with uow.isolated():
                                jobs.append((ticket, _JobDone(request.work(uow, now))))
                        except GroupBroken:
                            raise
                        except Exception as exc:  # this job only: its writes were undone
                            ticket.error = exc
                        continue
                    production = request.commands[0].production
                    before = working[production] if production in working else uow.state(production)
                    try:
                        decided = _decide(uow, request, before, now)
                    except Exception as exc:  # this request only: it wrote nothing
                        ticket.error = exc
                        continue
                    seqs = _write(uow, decided, now)
                    working[production] = decided.state
                    accepted.append((ticket, decided, seqs))
                if not accepted and not jobs:
                    return
                if accepted or uow.appended():
                    head = uow.seal(now)
                uow.commit()
        except BaseException as exc:
            for ticket in tickets:
                ticket.result, ticket.error = None, exc
            raise
        for ticket, done in jobs:
            ticket.result = done
        if head is None:
            return
        for ticket, decided, seqs in accepted:
            ticket.result = Accepted(tuple(decided.events), tuple(seqs), head, decided.state)
        for _, decided, seqs in accepted:
            self.alerts.publish(alerts_for(decided.events, seqs, decided.state))
        self.on_new_head(head)

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


@dataclass(frozen=True)
class _Request:
    """One caller's commands (one production), the confirmations each presents, its door,
    and the bytes of the photos its commands name."""

    commands: tuple[Command, ...]
    asked: dict[int, list[str]]
    channel: Channel
    photos: tuple[PhotoBlob, ...] = ()


@dataclass(frozen=True)
class _Job:
    """Work for the group's transaction (``CustodyService.run_job``)."""

    work: Callable[[GroupTransaction, datetime], object]


@dataclass(frozen=True)
class _JobDone:
    """What a job returned (None included: a ticket's result is never None)."""

    value: object


_Ticket = Ticket[_Request | _Job, Accepted | _JobDone]


@dataclass(frozen=True)
class _Decided:
    """An accepted request before it is written: the state before, its events, the state after."""

    request: _Request
    before: ProductionState
    events: list[Event]
    state: ProductionState


def _decide(uow: UnitOfWork, request: _Request, before: ProductionState, now: datetime) -> _Decided:
    """Judge one request on ``before`` (reads only); ``Refused`` / ``Unconfirmed`` otherwise.

    Confirmations are checked here (the ones an earlier request of the group used up in
    this transaction are seen as used) and consumed by :func:`_write`.
    """
    commands, asked = request.commands, request.asked
    store = uow.confirmations() if asked else None
    position = iter(range(len(commands)))

    def prepare(state: ProductionState, command: Command) -> Command:
        ids = asked.get(next(position))
        if ids and store is not None:
            people, signed = consume_signed_confirmations(store, command, ids, before, state, now)
            command = dataclasses.replace(command, confirmations=people, signatures=signed)
        if isinstance(command, c.Correct):
            command = _with_subjects(uow, state, command)
        return fill_ids(state, dataclasses.replace(command, at=now))

    def check(_: ProductionState, command: Command) -> Refusal | None:
        return _correction_names_an_event(uow, command)

    folded = decide_all(before, commands, prepare, check)
    if isinstance(folded, RefusedAt):
        raise Refused(folded.numbered(), folded.index if len(commands) > 1 else None)
    return _Decided(request, before, list(folded.all_events), folded.state)


def _write(uow: UnitOfWork, decided: _Decided, now: datetime) -> list[int]:
    """Write one accepted request into the group's transaction; its events' log positions.

    The production's subject index first when a new local day began, then the events,
    the photos' bytes they name, then the confirmations they used.
    """
    index_if_due(uow, decided.before, now)
    seqs = uow.append(decided.before, decided.events, decided.state, decided.request.channel)
    if decided.request.photos:
        store_photos = uow.photos()
        for blob in decided.request.photos:
            store_photos.put(blob)
    used = [cid for ids in decided.request.asked.values() for cid in ids]
    if used and uow.confirmations().consume(used, now, seqs[0]) != len(used):
        raise Unconfirmed(
            "A confirmation was used by another command at the same moment — "
            "ask for a new one; nothing was recorded."
        )
    return seqs


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


def _with_subjects(uow: UnitOfWork, state: ProductionState, command: c.Correct) -> c.Correct:
    """The correction naming what the event it corrects concerns, read from the log: its
    subjects, its type, the id its values describe, and each corrected field's value before
    (as recorded, or as an earlier correction of it left it: the latest wins).

    Whatever the caller sent is replaced: a bundle about W-0001 then holds every
    correction of an entry about W-0001, and a correction cannot claim another subject.
    """
    corrected = uow.event_at(command.production, command.corrects)
    found = refs_by_type(corrected) if corrected is not None else {}
    changes = command.changes
    if corrected is not None:
        earlier = [
            ch
            for note in state.corrections
            if note.corrects == command.corrects
            for ch in note.changes
        ]
        now = correcting.corrected_event(corrected, earlier)
        changes = tuple(
            dataclasses.replace(ch, was=correcting.text_of(correcting.value_at(now, ch.field)))
            for ch in command.changes
        )
    return dataclasses.replace(
        command,
        of_type=corrected.type_name if corrected is not None else "",
        subject=correcting.subject_of(corrected) if corrected is not None else "",
        changes=changes,
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
