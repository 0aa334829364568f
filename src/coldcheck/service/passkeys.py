"""Passkeys (issue 17): confirmations signed by the confirming person's own device.

Enrolment. A person asks for registration options on their account page
(:meth:`PasskeyService.enrolment_options`); their browser makes a key pair
(``navigator.credentials.create``), and :meth:`PasskeyService.enrol` checks the
answer with the WebAuthn library (challenge, origin, relying party id = the host
the pages are served on) and records an ``EnrolPasskey`` command through the
rules: the ledger entry holds the credential id, the COSE public key, the person,
who enrolled it and when. An armorer may enrol one for a person present at the
cart: that person types their PIN against a challenge for that very enrolment.

Confirming. On the confirmation screen a person may sign instead of typing a PIN.
The WebAuthn challenge is :func:`webauthn_challenge` of the issue-19 challenge:
SHA-256 over the command's canonical digest, the production's log size and the
challenge's nonce, so a signature is for one command at one moment and nothing
else. :meth:`PasskeyService.confirm` checks, in this order, and says which one
failed: the request is pending and asks this person; the key is enrolled here,
is this person's, is not revoked; the signature was made for this challenge; it
was not given before; the library verifies it with the enrolled public key; its
signature counter advances on the one the key reached on the record (WebAuthn §7.2,
:func:`coldcheck.domain.model.counter_advances`; the rules check it again). The
single-use confirmation then carries the assertion, and when the command uses it
the assertion goes into the command's ledger entry (``signatures``), with the
RFC 8785 JSON of the command it signed.

Verifying. :func:`check_signatures` re-checks every stored assertion from the
log alone: against the key enrolled in an earlier entry (not revoked by then, its
counter above the one the key's previous signature gave),
the entry it sits on (production, asker, the fields the entry records, a
confirmer the entry names) and the challenge derived from what it carries.

What this proves and does not: see README, "Passkeys".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from coldcheck.domain import commands as c
from coldcheck.domain.errors import DomainError
from coldcheck.domain.events import Event, PasskeyEnrolled, PasskeyRevoked
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import PasskeySignature, counter_advances, sign_count
from coldcheck.domain.rulebook.passkeys import counter_words
from coldcheck.domain.state import PasskeyRecord
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.records import parse_record
from coldcheck.service.confirmations import ConfirmationService
from coldcheck.service.custody import Accepted, CustodyService
from coldcheck.service.envelope import Channel, decode_entry
from coldcheck.service.errors import Unconfirmed
from coldcheck.service.ports import (
    Clock,
    Confirmation,
    ConfirmationTransactions,
    GroupTransaction,
)
from coldcheck.service.queries import ReadModel

__all__ = [
    "CONTEXT",
    "MAX_CREDENTIAL_JSON",
    "PasskeyInvalid",
    "PasskeyService",
    "SignatureCheck",
    "StoredAssertion",
    "WebAuthn",
    "b64url",
    "check_signatures",
    "signature_from_json",
    "webauthn_challenge",
]

CONTEXT = b"coldcheck passkey confirmation v1\n"
"""Prefix of what is hashed into a WebAuthn challenge: a coldcheck signature is never
mistaken for a sign-in elsewhere."""

MAX_CREDENTIAL_JSON = 16_384
"""The longest credential (``navigator.credentials`` answer, as JSON) accepted."""

ENROLMENT_TTL = timedelta(minutes=5)


def b64url(data: bytes) -> str:
    """base64url without padding (WebAuthn's encoding)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """The bytes of base64url text (padding optional); ``ValueError`` when it is not."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


def webauthn_challenge(digest: str, log_size: int, nonce: str) -> bytes:
    """The bytes a passkey signs for an issue-19 challenge: SHA-256 of :data:`CONTEXT` and the
    RFC 8785 JSON ``{"digest", "log_size", "nonce"}``."""
    doc = {"digest": digest, "log_size": log_size, "nonce": nonce}
    return hashlib.sha256(CONTEXT + canonical_json(doc)).digest()


def signature_from_json(data: Mapping[str, Any]) -> PasskeySignature:
    """A stored signature (the JSON of :class:`PasskeySignature`)."""
    return PasskeySignature(
        person=PersonId(str(data["person"])),
        credential=str(data["credential"]),
        authenticator_data=str(data["authenticator_data"]),
        client_data_json=str(data["client_data_json"]),
        signature=str(data["signature"]),
        command_json=str(data["command_json"]),
        log_size=int(data["log_size"]),
        nonce=str(data["nonce"]),
    )


class PasskeyInvalid(ValueError):
    """A WebAuthn answer that does not verify; the message says what was wrong."""


@dataclass(frozen=True)
class StoredAssertion:
    """An assertion's parts, base64url, as the authenticator returned them."""

    credential: str
    authenticator_data: str
    client_data_json: str
    signature: str


class WebAuthn(Protocol):
    """The WebAuthn ceremonies (an adapter over a WebAuthn library)."""

    def registration_options(
        self,
        *,
        rp_id: str,
        rp_name: str,
        user_id: bytes,
        user_name: str,
        display_name: str,
        challenge: bytes,
        exclude: Sequence[str],
    ) -> dict[str, Any]:
        """``navigator.credentials.create`` options, as JSON."""
        ...

    def verify_registration(
        self, credential: str, *, challenge: bytes, rp_id: str, origin: str
    ) -> tuple[str, str]:
        """The credential id and COSE public key (base64url) of a checked registration."""
        ...

    def authentication_options(
        self, *, rp_id: str, challenge: bytes, allow: Sequence[str]
    ) -> dict[str, Any]:
        """``navigator.credentials.get`` options, as JSON."""
        ...

    def parse_assertion(self, credential: str) -> StoredAssertion:
        """The parts of a ``navigator.credentials.get`` answer."""
        ...

    def verify_assertion(
        self,
        assertion: StoredAssertion,
        *,
        challenge: bytes,
        rp_id: str,
        origin: str,
        public_key: str,
    ) -> None:
        """``PasskeyInvalid`` unless the assertion is a valid signature over ``challenge``."""
        ...


def _client_data(assertion: StoredAssertion | PasskeySignature) -> dict[str, Any]:
    try:
        data = json.loads(unb64url(assertion.client_data_json))
    except (ValueError, UnicodeDecodeError):
        raise PasskeyInvalid("its client data is not JSON") from None
    if not isinstance(data, dict):
        raise PasskeyInvalid("its client data is not a JSON object")
    return data


def _as_signature(person: PersonId, assertion: StoredAssertion) -> PasskeySignature:
    return PasskeySignature(
        person=person,
        credential=assertion.credential,
        authenticator_data=assertion.authenticator_data,
        client_data_json=assertion.client_data_json,
        signature=assertion.signature,
        command_json="",
        log_size=0,
        nonce="",
    )


def origin_matches(origin: str, rp_id: str) -> bool:
    """True when a page of ``origin`` may use passkeys of ``rp_id`` (its host, or a subdomain)."""
    host = urlsplit(origin).hostname or ""
    return host == rp_id or host.endswith("." + rp_id)


@dataclass
class _Pending:
    challenge: bytes
    expires_at: datetime
    rp_id: str


@dataclass
class PasskeyService:
    """Enrol passkeys and confirm with them; needs the custody and confirmation services."""

    custody: CustodyService
    confirmations: ConfirmationService
    transactions: ConfirmationTransactions
    webauthn: WebAuthn
    clock: Clock
    reads: ReadModel | None = None
    rp_name: str = "coldcheck"
    _pending: dict[tuple[str, str], _Pending] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- enrolment --------------------------------------------------------------------

    def enrolment_options(
        self, production: ProductionId, person: PersonId, rp_id: str
    ) -> dict[str, Any]:
        """Registration options for ``person`` on this production (valid 5 minutes)."""
        state = self.custody.state(production)
        if person not in state.people:
            raise Unconfirmed(f"{person} is not on this production — add them first.")
        now = self.clock.now()
        challenge = secrets.token_bytes(32)
        with self._lock:
            self._pending = {k: v for k, v in self._pending.items() if v.expires_at > now}
            self._pending[(production, person)] = _Pending(challenge, now + ENROLMENT_TTL, rp_id)
        return self.webauthn.registration_options(
            rp_id=rp_id,
            rp_name=self.rp_name,
            user_id=hashlib.sha256(f"{production}\n{person}".encode()).digest()[:16],
            user_name=f"{person}@{production}",
            display_name=state.name_of(person),
            challenge=challenge,
            exclude=[k.credential for k in state.passkeys.values() if k.person == person],
        )

    def enrol(
        self,
        production: ProductionId,
        actor: PersonId,
        person: PersonId,
        credential: str,
        *,
        rp_id: str,
        origin: str,
        channel: Channel,
        label: str = "",
        pin: str | None = None,
    ) -> Accepted:
        """Check the browser's registration and record the enrolment (``Accepted``).

        ``Unconfirmed`` when the options expired, the answer does not verify, or (an armorer
        enrolling someone else) the person's PIN is missing or not accepted; ``Refused`` when
        the rules refuse it. Nothing is recorded then.
        """
        if len(credential) > MAX_CREDENTIAL_JSON:
            raise Unconfirmed("the passkey's answer is too long — try again.")
        now = self.clock.now()
        with self._lock:
            pending = self._pending.pop((production, person), None)
        if pending is None or pending.expires_at <= now or pending.rp_id != rp_id:
            raise Unconfirmed(
                "This enrolment request has expired or was made on another host — start the "
                "enrolment again."
            )
        try:
            cred_id, public_key = self.webauthn.verify_registration(
                credential, challenge=pending.challenge, rp_id=rp_id, origin=origin
            )
        except PasskeyInvalid as exc:
            raise Unconfirmed(f"The new passkey was not accepted: {exc}.") from None
        command = c.EnrolPasskey(
            production=production,
            actor=actor,
            at=now,
            person=person,
            credential=cred_id,
            public_key=public_key,
            rp_id=rp_id,
            label=label.strip()[:60],
        )
        if actor == person:
            return self.custody.execute(command, channel=channel)
        if not pin:
            raise Unconfirmed(
                f"{person} types their own PIN to confirm the enrolment of their passkey."
            )
        state = self.custody.state(production)
        issued = self.confirmations.challenge(state, command)
        given = self.confirmations.confirm(production, issued.challenge.id, person, pin)
        return self.custody.execute(command, [given.id], channel=channel)

    def check_log(self, chunk: int = 1000) -> SignatureCheck:
        """:func:`check_signatures` over the whole stored log (``coldcheck verify``)."""
        if self.reads is None:
            raise RuntimeError("check_log needs the read model")
        reads = self.reads

        def entries() -> Iterator[tuple[int, bytes, Event]]:
            size = reads.ledger_size()
            for start in range(0, size, chunk):
                for entry in reads.ledger_entries(start, min(size, start + chunk)):
                    if parse_record(entry.entry) is not None:
                        continue  # a commit, security or subject-index record: no event
                    try:
                        seq, event = decode_entry(entry.entry)
                    except (ValueError, KeyError, TypeError, DomainError):
                        continue  # an unreadable entry is the ledger check's to name
                    yield seq, entry.entry, event

        return check_signatures(entries(), self.webauthn)

    def signed_for(self, challenge_id: str) -> dict[str, PersonId]:
        """The unused passkey confirmations of this challenge, wherever they were given (a
        person's own phone): a signature over the challenge speaks for itself."""
        with self.transactions(write=False) as store:
            found = store.confirmations_of(challenge_id)
        return {
            conf.id: conf.person
            for conf in found
            if conf.assertion is not None and conf.consumed_at is None
        }

    # -- confirming -------------------------------------------------------------------

    def keys_of(
        self, production: ProductionId, person: PersonId, rp_id: str | None = None
    ) -> list[PasskeyRecord]:
        """The person's passkeys on this production (revoked ones too), oldest first."""
        state = self.custody.state(production)
        return [
            k
            for k in state.passkeys.values()
            if k.person == person and (rp_id is None or k.rp_id == rp_id)
        ]

    def assertion_options(
        self, production: ProductionId, challenge_id: str, person: PersonId, rp_id: str
    ) -> dict[str, Any]:
        """``navigator.credentials.get`` options that sign this very challenge."""
        challenge = self.confirmations.pending(production, challenge_id)
        if challenge is None:
            raise Unconfirmed(
                "This confirmation request has expired or does not exist — ask for the "
                "confirmations again."
            )
        if person not in challenge.people:
            raise Unconfirmed(f"{person} is not asked to confirm this.")
        keys = [k for k in self.keys_of(production, person, rp_id) if k.active]
        if not keys:
            raise Unconfirmed(
                f"{person} has no passkey enrolled on this production for {rp_id} — confirm "
                "with the PIN, or enrol one on the account page."
            )
        return self.webauthn.authentication_options(
            rp_id=rp_id,
            challenge=webauthn_challenge(challenge.digest, challenge.log_size, challenge.nonce),
            allow=[k.credential for k in keys],
        )

    def confirm(
        self,
        production: ProductionId,
        challenge_id: str,
        person: str,
        credential: str,
        *,
        rp_id: str,
        origin: str,
        pledged: bool = False,
    ) -> Confirmation:
        """``person`` confirms the challenge with their passkey; ``Unconfirmed`` saying why not.

        ``pledged``: they ticked what the challenge asks them to tick (the performer
        receiving a weapon: "I was shown every chamber and the bore"); without it their
        signature is refused before it is even checked."""
        if len(credential) > MAX_CREDENTIAL_JSON:
            raise Unconfirmed("the passkey's answer is too long — try again.")
        now = self.clock.now()
        challenge = self.confirmations.pending(production, challenge_id)
        if challenge is None:
            raise Unconfirmed(
                "This confirmation request has expired or does not exist — ask for the "
                "confirmations again."
            )
        who = PersonId(person)
        if who not in challenge.people:
            raise Unconfirmed(
                f"{person} is not asked to confirm this — it asks "
                f"{', '.join(challenge.people) or 'nobody'}."
            )
        pledge = dict(challenge.pledges).get(who)
        if pledge and not pledged:
            raise Unconfirmed(
                f"{person} ticks “{pledge}” before signing — a signature says they were shown "
                "it; ask to be shown, then tick it and sign."
            )
        try:
            assertion = self.webauthn.parse_assertion(credential)
        except PasskeyInvalid as exc:
            raise Unconfirmed(f"That is not a passkey signature: {exc}.") from None
        state = self.custody.state(production)
        key = state.passkeys.get(assertion.credential)
        if key is None:
            raise Unconfirmed(
                "This passkey is not enrolled on this production — enrol it on the account "
                "page first, or confirm with the PIN."
            )
        if key.person != who:
            raise Unconfirmed(
                f"This passkey is {state.name_of(key.person)}'s, not {state.name_of(who)}'s — "
                "each person confirms with their own passkey."
            )
        if not key.active:
            raise Unconfirmed(
                f"This passkey of {state.name_of(who)} was revoked — it confirms nothing any "
                "more; confirm with another passkey or the PIN."
            )
        if key.rp_id != rp_id:
            raise Unconfirmed(
                f"This passkey was enrolled for {key.rp_id}, and this page is served on "
                f"{rp_id} — confirm on {key.rp_id}, or with the PIN."
            )
        expected = webauthn_challenge(challenge.digest, challenge.log_size, challenge.nonce)
        try:
            signed = _client_data(assertion).get("challenge")
        except PasskeyInvalid as exc:
            raise Unconfirmed(f"The passkey signature of {person} did not verify: {exc}.") from None
        if not isinstance(signed, str) or not hmac.compare_digest(signed, b64url(expected)):
            raise Unconfirmed(
                f"This passkey signature of {person} was made for another command (or the log "
                "as it was at another moment) — it confirms only what it signed; confirm this "
                "command now."
            )
        with self.transactions(write=False) as store:
            _refuse_replay(store.confirmations_of(challenge.id), who, person)
        try:
            self.webauthn.verify_assertion(
                assertion, challenge=expected, rp_id=rp_id, origin=origin, public_key=key.public_key
            )
        except PasskeyInvalid as exc:
            raise Unconfirmed(f"The passkey signature of {person} did not verify: {exc}.") from None
        if not counter_advances(key.counter, sign_count(assertion.authenticator_data)):
            raise Unconfirmed(
                counter_words(state.name_of(who), key.counter, _as_signature(who, assertion))
            )
        confirmation = Confirmation(
            id=secrets.token_urlsafe(18),
            challenge=challenge.id,
            person=who,
            at=now,
            assertion=PasskeySignature(
                person=who,
                credential=assertion.credential,
                authenticator_data=assertion.authenticator_data,
                client_data_json=assertion.client_data_json,
                signature=assertion.signature,
                command_json="",  # filled with the command's JSON when the command uses it
                log_size=challenge.log_size,
                nonce=challenge.nonce,
            ),
        )

        def give(tx: GroupTransaction, _now: datetime) -> None:
            # again in the one writer's transaction: of two copies of one signature sent at
            # once, the second always finds the first
            store = tx.confirmations()
            _refuse_replay(store.confirmations_of(challenge.id), who, person)
            store.add_confirmation(confirmation)

        self.custody.run_job(give)
        return confirmation


def _refuse_replay(before: Sequence[Confirmation], who: PersonId, person: str) -> None:
    """``Unconfirmed`` when ``who`` already gave a passkey signature for this challenge."""
    for earlier in before:
        if earlier.person == who and earlier.assertion is not None:
            used = (
                f" and used by the entry at log position {earlier.consumed_seq}"
                if earlier.consumed_seq is not None
                else ""
            )
            raise Unconfirmed(
                f"This passkey signature of {person} was already given{used} — a "
                "signature counts once (a replay is refused); ask for a new confirmation."
            )


# -- verifying the log ------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """What :func:`check_signatures` found: passkey-signed and PIN-only confirmations, and
    every problem (log position and what is wrong)."""

    signed: int = 0
    pin_only: int = 0
    enrolments: int = 0
    problems: tuple[tuple[int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        words = (
            f"{self.signed} confirmations signed by the confirmer's own passkey "
            f"(each re-verified against the key enrolled in the log), {self.pin_only} by PIN "
            f"(attested by the server only); {self.enrolments} passkeys enrolled"
        )
        if self.ok:
            return f"passkeys OK: {words}"
        return f"passkeys NOT OK: {len(self.problems)} problems; {words}"


def check_signatures(
    entries: Iterable[tuple[int, bytes, Event]], webauthn: WebAuthn
) -> SignatureCheck:
    """Re-check every passkey signature in the log (``(seq, entry bytes, event)``, in order)."""
    keys: dict[tuple[str, str], tuple[PasskeyRecord, int]] = {}
    revoked: dict[tuple[str, str], int] = {}
    counters: dict[tuple[str, str], tuple[int, int]] = {}
    counts: dict[str, int] = {}
    signed = pin_only = enrolments = 0
    problems: list[tuple[int, str]] = []
    for seq, entry, event in entries:
        production = str(event.production)
        index = counts.get(production, 0)
        counts[production] = index + 1
        payload = json.loads(entry).get("payload", {})
        by_sig = {s.person for s in event.signatures}
        pin_only += len([w for w in event.witnesses if w not in by_sig])
        for sig in event.signatures:
            try:
                _check_one(seq, index, event, payload, sig, keys, revoked, webauthn)
                _check_counter(production, sig, counters, seq)
                signed += 1
            except PasskeyInvalid as exc:
                problems.append((seq, f"the passkey signature of {sig.person}: {exc}"))
        if isinstance(event, PasskeyEnrolled):
            enrolments += 1
            record = PasskeyRecord(
                event.person,
                event.credential,
                event.public_key,
                event.rp_id,
                event.label,
                event.by,
                event.at,
            )
            keys[(production, event.credential)] = (record, seq)
        elif isinstance(event, PasskeyRevoked):
            revoked[(production, event.credential)] = seq
    return SignatureCheck(signed, pin_only, enrolments, tuple(problems))


def _check_counter(
    production: str,
    sig: PasskeySignature,
    counters: dict[tuple[str, str], tuple[int, int]],
    seq: int,
) -> None:
    """WebAuthn §7.2's signature counter, in log order: each (non-zero) one above the last."""
    slot = (production, sig.credential)
    stored, where = counters.get(slot, (0, -1))
    given = sig.sign_count
    if not counter_advances(stored, given):
        raise PasskeyInvalid(
            f"its signature counter {given} is not above the {stored} its key gave at log "
            f"position {where} (the authenticator may have been copied, or a signature replayed)"
        )
    if given is not None and given > stored:
        counters[slot] = (given, seq)


def _check_one(
    seq: int,
    index: int,
    event: Event,
    payload: Mapping[str, Any],
    sig: PasskeySignature,
    keys: Mapping[tuple[str, str], tuple[PasskeyRecord, int]],
    revoked: Mapping[tuple[str, str], int],
    webauthn: WebAuthn,
) -> None:
    found = keys.get((str(event.production), sig.credential))
    if found is None:
        raise PasskeyInvalid("its key is not enrolled in any earlier entry of the production")
    key, _ = found
    if key.person != sig.person:
        raise PasskeyInvalid(f"its key is enrolled to {key.person}, not {sig.person}")
    if (str(event.production), sig.credential) in revoked:
        raise PasskeyInvalid("its key was revoked before this entry")
    if sig.person not in event.witnesses:
        raise PasskeyInvalid("the entry does not name its signer as a confirmer")
    try:
        doc = json.loads(sig.command_json)
    except ValueError:
        raise PasskeyInvalid("the command it signed is not JSON") from None
    if not isinstance(doc, dict) or canonical_json(doc) != sig.command_json.encode():
        raise PasskeyInvalid("the command it signed is not in RFC 8785 form")
    if doc.get("production") != event.production or doc.get("actor") != (event.by or ""):
        raise PasskeyInvalid("it signed a command of another production or asker")
    fields = doc.get("fields")
    if not isinstance(fields, dict):
        raise PasskeyInvalid("the command it signed has no fields")
    for name, value in fields.items():
        if name in payload and payload[name] != value:
            raise PasskeyInvalid(
                f"it signed {name}={json.dumps(value)}, the entry records "
                f"{json.dumps(payload[name])}"
            )
    if not 0 <= sig.log_size <= index:
        raise PasskeyInvalid("it claims a log size the production had not reached")
    digest = hashlib.sha256(sig.command_json.encode()).hexdigest()
    expected = webauthn_challenge(digest, sig.log_size, sig.nonce)
    origin = _client_data(sig).get("origin")
    if not isinstance(origin, str) or not origin_matches(origin, key.rp_id):
        raise PasskeyInvalid(f"it was made on a page of another host than {key.rp_id}")
    stored = StoredAssertion(
        sig.credential, sig.authenticator_data, sig.client_data_json, sig.signature
    )
    webauthn.verify_assertion(
        stored, challenge=expected, rp_id=key.rp_id, origin=origin, public_key=key.public_key
    )
