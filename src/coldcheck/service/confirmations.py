"""Confirmations bound to the one command they confirm (R12 and every two-person rule).

A confirmation is never a PIN sent along with a command. It is made in three
steps, and each one is checked:

1. **A challenge** (:meth:`ConfirmationService.challenge`): the one asking
   (the armorer at the cart) asks the server to confirm an exact command. The
   server decides who may confirm it (``domain.confirming``: people of this
   production the command asks for, never the one asking), words what they
   confirm ("Jack Hale receives W-0001: chambers 1-6 empty, bore clear,
   inspected 11:47 by Mara Voss"), and stores the challenge: the command's
   canonical digest (RFC 8785 JSON of its fields, production, actor and
   name), the production's log size, a random nonce, and an expiry a few
   minutes away (:data:`CHALLENGE_TTL`).
2. **A confirmation** (:meth:`ConfirmationService.confirm`): the confirming
   person reads the sentence and types their PIN against that challenge. The
   PIN is checked only for someone the challenge names (so nobody can spend
   another person's PIN tries on a command that never asked for them), the
   lock-out counts on this production only, and a refusal never says whether
   the person has an account. A single-use confirmation is stored.
3. **The command** (``CustodyService.execute(..., confirmations=ids)``): in
   the same transaction as the command's events, each confirmation is checked
   against the command (same digest, same production and actor, unexpired,
   never used, and the production unchanged since the challenge — or, if the
   log moved on, the sentence the confirmer read still true) and consumed.
   A confirmation is used once; presenting it again is refused.

When the accounts write through the custody service's group commit (their ``writer``),
storing a challenge and giving
a confirmation are jobs of the next group commit: one transaction, one fsync, shared with
the commands being recorded meanwhile; a confirmation and the record of the PIN behind
it are written in the same job, so neither is committed without the other.

What this does not do: a PIN typed on the armorer's tablet can be watched,
and whoever watched it can type it again into a new challenge. A PIN proves
that someone knew it, not that its owner was there; passkeys (another issue)
are for that. Every use of a PIN is recorded in the accounts' audit trail.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from coldcheck.domain import commands as c
from coldcheck.domain.codec import to_json
from coldcheck.domain.commands import Command
from coldcheck.domain.confirming import Slot, confirmation_slots
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.localtime import zone_of
from coldcheck.domain.model import Disposition, PasskeySignature
from coldcheck.domain.rulebook.passkeys import PASSKEYS_REQUIRED
from coldcheck.domain.rules import RefusedAt, decide, decide_all
from coldcheck.domain.state import EMPTY, Load, ProductionState, WeaponState
from coldcheck.ledger.canonical import canonical_json
from coldcheck.service.account_model import PinRefused, TriesThrottled
from coldcheck.service.accounts import AccountService
from coldcheck.service.errors import Refused, Unconfirmed
from coldcheck.service.ports import (
    Challenge,
    Clock,
    Confirmation,
    ConfirmationStore,
    ConfirmationTransactions,
    GroupTransaction,
)

__all__ = [
    "CHALLENGE_TTL",
    "MAX_CONFIRMATIONS",
    "ConfirmationService",
    "IssuedChallenge",
    "command_digest",
    "consume_confirmations",
    "describe_command",
]

CHALLENGE_TTL = timedelta(minutes=5)
"""How long a challenge, and the confirmations given against it, can be used."""

MAX_CONFIRMATIONS = 8
"""The most confirmations one command can carry."""

SWEEP_EVERY = timedelta(minutes=10)
"""How often storing a challenge also forgets the old expired ones (a day after they
expired, never used): not with every challenge, which paid two deletes each time."""

_BASE = frozenset(f.name for f in dataclasses.fields(c.BaseCommand))


def command_name(cls: type[c.BaseCommand]) -> str:
    """``HandOver`` → ``hand-over`` (the name of its API route)."""
    out = []
    for i, ch in enumerate(cls.__name__):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


def command_document(command: c.BaseCommand) -> dict[str, Any]:
    """What the command asks: its name, production, actor and own fields (not its time, not
    its confirmations or signatures); its RFC 8785 JSON is what :func:`command_digest` hashes."""
    fields = {
        f.name: to_json(getattr(command, f.name))
        for f in dataclasses.fields(command)
        if f.name not in _BASE
    }
    return {
        "command": command_name(type(command)),
        "production": command.production,
        "actor": command.actor,
        "fields": fields,
    }


def command_digest(command: c.BaseCommand) -> str:
    """SHA-256 (hex) of the RFC 8785 JSON of :func:`command_document`."""
    return hashlib.sha256(canonical_json(command_document(command))).hexdigest()


@dataclass(frozen=True)
class IssuedChallenge:
    """A challenge and the confirmations it asks for, as a screen or an API client shows them."""

    challenge: Challenge
    slots: tuple[Slot, ...]
    names: dict[PersonId, str]


class ConfirmationService:
    """Challenges and confirmations; each call is one transaction (or, when the accounts
    have a ``writer``, one job of its group commit)."""

    def __init__(
        self,
        transactions: ConfirmationTransactions,
        accounts: AccountService,
        clock: Clock,
        ttl: timedelta = CHALLENGE_TTL,
    ) -> None:
        self._tx = transactions
        self._accounts = accounts
        self._clock = clock
        self.ttl = ttl
        self._writer = accounts.writer  # one writer: the PIN checks' and these writes'
        self._swept: datetime | None = None

    def challenge(
        self,
        state: ProductionState,
        command: Command,
        before: Sequence[Command] = (),
    ) -> IssuedChallenge:
        """Ask for the confirmations of ``command`` as it stands on ``state`` (the production
        now); ``before`` are the commands of the same batch that come before it.

        Refused (409) when the earlier commands are refused, when the command asks
        for no confirmation at all, or when the rules would refuse it even with
        every confirmation it asks for (the 1st AD handing a revolver over, R08):
        nobody types a PIN in vain. Nothing is stored then.
        """
        now = self._clock.now()
        seen = state
        if before:
            folded = decide_all(state, [dataclasses.replace(b, at=now) for b in before])
            if isinstance(folded, RefusedAt):
                raise Refused(folded.numbered(), folded.index)
            seen = folded.state
        slots = confirmation_slots(seen, command)
        if not slots:
            raise Refused(
                Refusal(
                    (
                        Reason(
                            "INPUT",
                            f"'{command_name(type(command))}' asks for no confirmation — "
                            "send it without one.",
                        ),
                    )
                )
            )
        # Nobody types a PIN for a command the rules refuse anyway: decide it as if everyone
        # it asks had confirmed, and say now every reason no confirmation can answer.
        trial = decide(
            seen,
            dataclasses.replace(
                command,
                at=now,
                confirmations=frozenset(p for slot in slots for p in slot.people),
            ),
        )
        if isinstance(trial, Refusal):
            # nobody has signed yet: the passkey policy is for the confirmations to answer
            left = tuple(r for r in trial.reasons if not r.message.startswith(PASSKEYS_REQUIRED))
            if left:
                raise Refused(Refusal(left))
        people = tuple(sorted({p for slot in slots for p in slot.people}))
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            production=command.production,
            actor=PersonId(command.actor or ""),
            command=command_name(type(command)),
            digest=command_digest(command),
            log_size=state.event_count,
            nonce=secrets.token_hex(16),
            summary=describe_command(seen, command),
            people=people,
            created_at=now,
            expires_at=now + self.ttl,
            pledges=tuple(
                sorted({(p, slot.pledge) for slot in slots if slot.pledge for p in slot.people})
            ),
        )
        self._store_challenge(challenge, now)
        names = {p: seen.name_of(p) for p in people}
        return IssuedChallenge(challenge, slots, names)

    def _store_challenge(self, challenge: Challenge, now: datetime) -> None:
        """Store ``challenge`` (and, every ``SWEEP_EVERY``, forget the old expired ones) in
        one write."""
        sweep = self._swept is None or now - self._swept >= SWEEP_EVERY

        def store_it(store: ConfirmationStore) -> None:
            if sweep:
                store.delete_expired(now)
            store.add_challenge(challenge)

        if self._writer is not None:
            self._writer(lambda tx, _now: store_it(tx.confirmations()))
        else:
            with self._tx() as store:
                store_it(store)
        if sweep:
            self._swept = now

    def confirm(
        self, production: ProductionId, challenge_id: str, person: str, pin: str, client: str = ""
    ) -> Confirmation:
        """``person`` confirms the challenge with their PIN; ``Unconfirmed`` if they may not."""
        now = self._clock.now()
        with self._tx(write=False) as store:
            challenge = store.challenge(challenge_id)
        if challenge is None or challenge.production != production or challenge.expires_at <= now:
            raise Unconfirmed(
                "This confirmation request has expired or does not exist — ask for the "
                "confirmations again."
            )
        if PersonId(person) not in challenge.people:
            raise Unconfirmed(
                f"{person} is not asked to confirm this — it asks "
                f"{', '.join(challenge.people) or 'nobody'}."
            )
        confirmation = Confirmation(
            id=secrets.token_urlsafe(18),
            challenge=challenge.id,
            person=PersonId(person),
            at=now,
        )

        def give(tx: GroupTransaction) -> None:
            tx.confirmations().add_confirmation(confirmation)

        pins = [(person, pin)]
        try:
            if self._writer is not None:  # the PIN's record and the confirmation: one job
                self._accounts.verify_pins_then(pins, give, production, client)
                return confirmation
            self._accounts.verify_pins(pins, production=production, client=client)
        except PinRefused:
            raise Unconfirmed(_not_accepted(person)) from None
        except TriesThrottled as exc:
            raise Unconfirmed(str(exc)) from None
        with self._tx() as store:
            store.add_confirmation(confirmation)
        return confirmation

    def given(self, challenge_id: str, ids: Sequence[str]) -> dict[str, PersonId]:
        """Who gave each of these unused confirmations of this challenge (the others left out)."""
        with self._tx(write=False) as store:
            found = store.confirmations(ids)
        return {
            conf.id: conf.person
            for conf, ch in found
            if ch.id == challenge_id and conf.consumed_at is None
        }

    def pending(self, production: ProductionId, challenge_id: str) -> Challenge | None:
        """The challenge, while it can still be confirmed."""
        now = self._clock.now()
        with self._tx(write=False) as store:
            found = store.challenge(challenge_id)
        if found is None or found.production != production or found.expires_at <= now:
            return None
        return found


def _not_accepted(person: str) -> str:
    # The same words whether the PIN was wrong, locked, or the person has no PIN:
    # a refusal never tells whether a person id has an account.
    return (
        f"The PIN for {person} was not accepted. Five wrong PINs lock it for 15 minutes; "
        "if it is locked or was never set, an administrator sets one with "
        "`coldcheck user set-pin`."
    )


def consume_confirmations(
    store: ConfirmationStore,
    command: Command,
    ids: Sequence[str],
    before: ProductionState,
    at_this_point: ProductionState,
    now: datetime,
) -> frozenset[PersonId]:
    """The people whose confirmations ``ids`` are, checked against ``command``; ``Unconfirmed``
    if one is not for it. Marking them used is :meth:`ConfirmationStore.consume` (same
    transaction, after the rules accepted)."""
    return consume_signed_confirmations(store, command, ids, before, at_this_point, now)[0]


def consume_signed_confirmations(
    store: ConfirmationStore,
    command: Command,
    ids: Sequence[str],
    before: ProductionState,
    at_this_point: ProductionState,
    now: datetime,
) -> tuple[frozenset[PersonId], tuple[PasskeySignature, ...]]:
    """:func:`consume_confirmations`, and the passkey signatures among them, each with the
    RFC 8785 JSON of the command it confirms (issue 17: the entry carries them)."""
    if len(ids) > MAX_CONFIRMATIONS or len(set(ids)) != len(ids):
        raise Unconfirmed(f"send each confirmation once, at most {MAX_CONFIRMATIONS}.")
    found = {conf.id: (conf, ch) for conf, ch in store.confirmations(ids)}
    document = canonical_json(command_document(command))
    digest = hashlib.sha256(document).hexdigest()
    people: set[PersonId] = set()
    signatures: list[PasskeySignature] = []
    for cid in ids:
        pair = found.get(cid)
        if pair is None:
            raise Unconfirmed("A confirmation sent does not exist — ask for it again.")
        conf, ch = pair
        if conf.consumed_at is not None:
            raise Unconfirmed(
                f"The confirmation of {conf.person} was already used for the command it "
                "confirmed; a confirmation counts once — ask for a new one."
            )
        if ch.expires_at <= now:
            raise Unconfirmed(
                f"The confirmation of {conf.person} expired at "
                f"{ch.expires_at:%H:%M:%S} UTC — ask for a new one."
            )
        same = (
            ch.production == command.production
            and ch.actor == (command.actor or "")
            and hmac.compare_digest(ch.digest, digest)
        )
        if not same:
            raise Unconfirmed(
                f"The confirmation of {conf.person} was given for another command — it "
                "confirms only the command it was asked for."
            )
        if ch.log_size != before.event_count and (
            describe_command(at_this_point, command) != ch.summary
        ):
            raise Unconfirmed(
                f"What {conf.person} confirmed has changed since ({ch.summary}) — ask "
                "them to confirm it again as it is now."
            )
        people.add(conf.person)
        if conf.assertion is not None:
            signatures.append(
                dataclasses.replace(conf.assertion, command_json=document.decode("utf-8"))
            )
    return frozenset(people), tuple(sorted(signatures, key=lambda s: s.person))


# -- what a confirmer reads -----------------------------------------------------------


def _split(position: str) -> tuple[str, int | None]:
    head, _, tail = position.rpartition(" ")
    if head and tail.isdigit():
        return head, int(tail)
    return position, None


def _load_words(load: Load) -> str:
    return str(load)


def contents_words(ws: WeaponState) -> str:
    """A weapon's recorded contents, grouped: "chambers 1-4 blank(L-0001), chambers 5-6 empty"."""
    if not ws.positions:
        return "no load positions"
    groups: list[tuple[str, list[int | None], str]] = []
    for position in ws.positions:
        kind, n = _split(position)
        words = _load_words(ws.contents.get(position, EMPTY))
        last = groups[-1] if groups else None
        if (
            last is not None
            and last[0] == kind
            and last[2] == words
            and n is not None
            and last[1][-1] == n - 1
        ):
            last[1].append(n)
        else:
            groups.append((kind, [n], words))
    out = []
    for kind, numbers, words in groups:
        if numbers == [None]:
            out.append(f"{kind} {words}")
        elif len(numbers) == 1:
            out.append(f"{kind} {numbers[0]} {words}")
        else:
            out.append(f"{kind}s {numbers[0]}-{numbers[-1]} {words}")
    return ", ".join(out)


def _at(state: ProductionState, when: datetime | None) -> str:
    return when.astimezone(zone_of(state.time_zone)).strftime("%H:%M") if when else "—"


def _names(state: ProductionState, people: Iterable[PersonId | None]) -> str:
    return ", ".join(state.name_of(p) for p in people) or "nobody"


def _weapon_words(state: ProductionState, weapon: str) -> str:
    ws = state.weapons.get(weapon)  # type: ignore[call-overload]
    if ws is None:
        return f"{weapon} (not on this production)"
    insp = ws.inspection
    inspected = (
        f"bore {insp.bore.value}, inspected {_at(state, insp.at)} by {state.name_of(insp.by)}"
        if insp is not None
        else "NOT inspected since it last came back"
    )
    return f"{ws.weapon.id}: {contents_words(ws)}, {inspected}"


def describe_command(state: ProductionState, command: c.BaseCommand) -> str:
    """The sentence a confirming person reads before typing their PIN."""
    actor = state.name_of(command.actor)
    match command:
        case c.HandOver():
            return f"{state.name_of(command.to)} receives {_weapon_words(state, command.weapon)}"
        case c.TakeBack():
            ws = state.weapons.get(command.weapon)
            holder = state.name_of(ws.holder) if ws is not None else "someone"
            return f"{holder} hands {command.weapon} back to {actor}"
        case c.LiftStopWork():
            sw = state.stop_work
            why = "; ".join(sw.reasons) if sw else "work is not stopped"
            meeting = state.meetings.get(command.meeting)
            held = f" held {_at(state, meeting.at)}" if meeting else ""
            carried = (
                f"; still open, carried over: {', '.join(command.carry_over)} "
                f"({command.carry_over_reason})"
                if command.carry_over
                else ""
            )
            return (
                f"{actor} lifts STOP WORK ({why}) after safety meeting "
                f"{command.meeting}{held}{carried}"
            )
        case c.ReleaseLot():
            return f"{actor} releases {command.lot} from quarantine: {command.note}"
        case c.CloseDay():
            record = state.days.get(command.day)
            how = (
                f"{len(record.discrepancies)} discrepancies"
                if record and record.discrepancies
                else "counted clean"
            )
            return f"{actor} closes shoot day {_day(command.day)} ({how})"
        case c.ResolveDiscrepancy():
            return f"{actor} resolves the discrepancy of {_day(command.day)}: {command.resolution}"
        case c.PlanScene():
            fires = "fires blanks" if command.fires_blanks else "no firing"
            protection = "; ".join(command.protection) or "none"
            return (
                f"an armorer signs off scene {command.scene} ({command.title}) for "
                f"{_day(command.day)}: {', '.join(command.weapons) or 'no weapons'}, {fires}, "
                f"closest person {command.closest_distance_ft} ft, protection: {protection}"
            )
        case c.AssignRole():
            title = state.info.title if state.info else str(state.production)
            return (
                f"{state.name_of(command.person)} becomes "
                f"{command.role.value.replace('_', ' ')} on {title}, given by {actor}"
            )
        case c.RecordLiveException():
            return (
                f"{state.name_of(command.supervisor)} supervises a §9155 live-ammunition "
                f"exception ({command.purpose}), recorded by {actor}"
            )
        case c.DestroyRounds():
            return (
                f"{command.count} rounds of {command.lot} from {command.container} are "
                f"destroyed by {actor}{_note(command.note)}"
            )
        case c.ReturnLot():
            ls = state.lots.get(command.lot)
            supplier = ls.lot.supplier if ls else "the supplier"
            return (
                f"{command.count} rounds of {command.lot} from {command.container} go back "
                f"to {supplier}, sent by {actor}{_note(command.note)}"
            )
        case c.UnloadWeapon() if command.disposition is Disposition.DESTROY:
            return (
                f"{actor} unloads {', '.join(command.positions)} of "
                f"{_weapon_words(state, command.weapon)} for destruction"
            )
        case c.SealRoundsAsEvidence():
            source = (
                f"{', '.join(command.positions)} of {_weapon_words(state, command.weapon)}"
                if command.weapon
                else f"{command.count} rounds of {command.lot} from {command.container}"
            )
            return (
                f"{source} sealed as evidence (seal {command.seal}) and handed to "
                f"{command.handed_to} by {actor}"
            )
        case c.SealWeaponAsEvidence():
            return (
                f"{_weapon_words(state, command.weapon)}, sealed as evidence (seal "
                f"{command.seal}) and handed to {command.handed_to} by {actor}"
            )
    return f"{actor} asks: {command_name(type(command))}"


def _day(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def _note(note: str) -> str:
    return f" ({note})" if note.strip() else ""


def confirmers_words(state: ProductionState, slots: Sequence[Slot]) -> list[dict[str, Any]]:
    """The slots as JSON: who, and the people who may confirm each one."""
    return [
        {
            "who": slot.who,
            "required": slot.required,
            "people": [{"person": p, "name": state.name_of(p)} for p in slot.people],
        }
        for slot in slots
    ]
