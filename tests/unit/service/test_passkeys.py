"""Passkeys (issue 17): enrolment on the record, confirmations signed by the confirmer's own
key and bound to their command, and every stored assertion re-checked from the log.

The assertions are made in the test by an ES256 authenticator written from the WebAuthn
specification (tests/webauthn_device.py), on memory adapters with py_webauthn verifying.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.adapters.webauthn import PyWebAuthn
from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.ids import PersonId, WeaponId
from coldcheck.domain.mechanics import RoundState, inspection_checklist, load_positions
from coldcheck.domain.model import BoreFinding, Finding, PasskeySignature, Settings
from coldcheck.ledger.records import parse_record
from coldcheck.service import demo
from coldcheck.service.accounts import AccountService
from coldcheck.service.confirmations import ConfirmationService
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import Channel, decode_entry, encode_entry
from coldcheck.service.errors import Refused, Unconfirmed
from coldcheck.service.passkeys import PasskeyService, check_signatures
from coldcheck.service.ports import FixedClock
from tests.factories import COMPLIANCE_CONTACT
from tests.webauthn_device import Device, b64url, unb64url

NOW = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
DEMO = demo.PRODUCTION
MARA, DANA, ROSA, TOM, JACK = (
    PersonId(p) for p in ("mara-voss", "dana-ortiz", "rosa-lind", "tom-reyes", "jack-hale")
)
W1, W2 = WeaponId("W-0001"), WeaponId("W-0002")
PINS = {p.person: p.pin for p in demo.PEOPLE}
HOST, ORIGIN = "localhost", "http://localhost:8000"


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.db = MemoryDatabase(key=Ed25519PrivateKey.generate())
        self.custody = CustodyService(MemoryUnitOfWorkFactory(self.db), FixedClock(NOW))
        self.accounts = AccountService(
            MemoryAccountTransactions(), self.clock, Argon2Hasher.cheap()
        )
        demo.load_demo(self.custody, self.accounts, NOW)
        self.custody.clock = self.clock
        self.clock.set(NOW + timedelta(hours=1))
        self.confirmations = ConfirmationService(self.db.confirmations, self.accounts, self.clock)
        self.passkeys = PasskeyService(
            self.custody, self.confirmations, self.db.confirmations, PyWebAuthn(), self.clock
        )

    def cmd(self, cls: type[c.BaseCommand], actor: PersonId = MARA, **fields: object) -> c.Command:
        return cls(production=DEMO, actor=actor, at=self.clock.now(), **fields)  # type: ignore[return-value]

    def enrol(self, person: PersonId, device: Device | None = None) -> Device:
        device = device or Device()
        options = self.passkeys.enrolment_options(DEMO, person, HOST)
        self.passkeys.enrol(
            DEMO,
            person,
            person,
            device.register(options),
            rp_id=HOST,
            origin=ORIGIN,
            label="phone",
            channel=Channel.web(),
        )
        return device

    def ready(self, weapon: WeaponId = W2) -> None:
        ws = self.custody.state(DEMO).weapons[weapon]
        self.custody.execute(self.cmd(c.TakeOutOfStorage, weapon=weapon), channel=Channel.web())
        positions = load_positions(ws.weapon.action, ws.weapon.capacity)
        self.custody.execute(
            self.cmd(
                c.InspectWeapon,
                weapon=weapon,
                findings=tuple(Finding(p, RoundState.EMPTY) for p in positions),
                bore=BoreFinding.CLEAR,
                checklist=inspection_checklist(ws.weapon.action),
            ),
            channel=Channel.web(),
        )

    def inspect(self, weapon: WeaponId = W2) -> None:
        ws = self.custody.state(DEMO).weapons[weapon]
        positions = load_positions(ws.weapon.action, ws.weapon.capacity)
        self.custody.execute(
            self.cmd(
                c.InspectWeapon,
                weapon=weapon,
                findings=tuple(Finding(p, RoundState.EMPTY) for p in positions),
                bore=BoreFinding.CLEAR,
                checklist=inspection_checklist(ws.weapon.action),
            ),
            channel=Channel.web(),
        )

    def challenge(self, command: c.Command) -> str:
        return self.confirmations.challenge(self.custody.state(DEMO), command).challenge.id

    def sign(self, device: Device, challenge_id: str, person: PersonId) -> str:
        options = self.passkeys.assertion_options(DEMO, challenge_id, person, HOST)
        return device.sign(options["challenge"])

    def confirm(
        self, challenge_id: str, person: PersonId, assertion: str, *, pledged: bool = True
    ) -> str:
        return self.passkeys.confirm(
            DEMO, challenge_id, person, assertion, rp_id=HOST, origin=ORIGIN, pledged=pledged
        ).id

    def pin(self, challenge_id: str, person: PersonId) -> str:
        return self.confirmations.confirm(DEMO, challenge_id, person, PINS[person]).id

    def entries(self) -> list[tuple[int, bytes, ev.Event]]:
        events = [e for e in self.db.entries if parse_record(e) is None]
        return [(*decode_entry(e)[:1], e, decode_entry(e)[1]) for e in events]


@pytest.fixture
def world() -> World:
    return World()


def test_a_person_enrols_their_own_passkey_as_a_ledger_entry(world: World):
    device = world.enrol(ROSA)
    enrolled = [e for _, _, e in world.entries() if isinstance(e, ev.PasskeyEnrolled)]
    assert len(enrolled) == 1
    e = enrolled[0]
    assert (e.person, e.by, e.credential, e.rp_id, e.label) == (
        ROSA,
        ROSA,
        device.credential,
        HOST,
        "phone",
    )
    assert unb64url(e.public_key) == device.cose_key()
    assert world.custody.state(DEMO).passkeys[device.credential].active


def test_an_armorer_enrols_a_passkey_for_a_person_present_who_types_their_pin(world: World):
    device = Device()
    options = world.passkeys.enrolment_options(DEMO, ROSA, HOST)
    world.passkeys.enrol(
        DEMO,
        MARA,
        ROSA,
        device.register(options),
        rp_id=HOST,
        origin=ORIGIN,
        pin=PINS[ROSA],
        channel=Channel.web(),
    )
    e = next(e for _, _, e in world.entries() if isinstance(e, ev.PasskeyEnrolled))
    assert (e.person, e.by, e.witnesses) == (ROSA, MARA, (ROSA,))


def test_an_armorer_enrolling_a_passkey_without_the_persons_pin_is_refused(world: World):
    options = world.passkeys.enrolment_options(DEMO, ROSA, HOST)
    with pytest.raises(Unconfirmed, match="types their own PIN"):
        world.passkeys.enrol(
            DEMO,
            MARA,
            ROSA,
            Device().register(options),
            rp_id=HOST,
            origin=ORIGIN,
            channel=Channel.web(),
        )
    assert not world.custody.state(DEMO).passkeys


def test_a_performer_enrolling_a_passkey_for_someone_else_is_refused(world: World):
    options = world.passkeys.enrolment_options(DEMO, DANA, HOST)
    with pytest.raises(Refused, match="only Dana Ortiz or an armorer"):
        world.passkeys.enrol(
            DEMO,
            ROSA,
            DANA,
            Device().register(options),
            rp_id=HOST,
            origin=ORIGIN,
            pin=PINS[DANA],
            channel=Channel.web(),
        )


def test_a_registration_made_on_another_origin_is_refused(world: World):
    options = world.passkeys.enrolment_options(DEMO, ROSA, HOST)
    answer = Device().register(options, origin="https://evil.example")
    with pytest.raises(Unconfirmed, match="not accepted"):
        world.passkeys.enrol(
            DEMO, ROSA, ROSA, answer, rp_id=HOST, origin=ORIGIN, channel=Channel.web()
        )
    assert not world.custody.state(DEMO).passkeys


def test_a_handoff_confirmed_with_a_passkey_keeps_the_assertion_in_its_entry(world: World):
    device = world.enrol(ROSA)
    world.ready()
    pins_before = check_signatures(world.entries(), PyWebAuthn()).pin_only
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ch = world.challenge(handover)
    ids = [world.confirm(ch, ROSA, world.sign(device, ch, ROSA)), world.pin(ch, DANA)]
    accepted = world.custody.execute(handover, ids, channel=Channel.web())
    event = accepted.events[0]
    assert event.witnesses == (DANA, ROSA)
    (sig,) = event.signatures
    assert (sig.person, sig.credential) == (ROSA, device.credential)
    assert json.loads(sig.command_json)["fields"] == {"to": ROSA, "weapon": W2, "context": None}
    stored = json.loads(world.db.entries[accepted.seqs[0]])
    assert stored["seq"] == accepted.seqs[0]
    assert stored["signatures"][0]["signature"] == sig.signature
    report = check_signatures(world.entries(), PyWebAuthn())
    assert report.ok, report.problems
    assert (report.signed, report.pin_only, report.enrolments) == (1, pins_before + 1, 1)


def test_a_passkey_signature_for_another_command_is_refused(world: World):
    device = world.enrol(DANA)
    world.ready(W2)
    world.ready(W1)
    first = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    signed_for_w2 = world.sign(device, first, DANA)
    other = world.challenge(world.cmd(c.HandOver, weapon=W1, to=JACK))
    with pytest.raises(Unconfirmed, match="made for another command"):
        world.confirm(other, DANA, signed_for_w2)
    # the same command asked again is another challenge (another nonce): refused too
    again = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    with pytest.raises(Unconfirmed, match="made for another command"):
        world.confirm(again, DANA, signed_for_w2)
    assert world.confirm(first, DANA, signed_for_w2)


def test_a_replayed_passkey_signature_is_refused(world: World):
    device = world.enrol(ROSA)
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ch = world.challenge(handover)
    assertion = world.sign(device, ch, ROSA)
    world.custody.execute(
        handover, [world.confirm(ch, ROSA, assertion), world.pin(ch, DANA)], channel=Channel.web()
    )
    with pytest.raises(Unconfirmed, match="already given and used by the entry at log position"):
        world.confirm(ch, ROSA, assertion)


class _ReadBeforeTheOtherCopy:
    """Confirmation reads that find nothing given yet: what the second of two copies of one
    signature, sent at the same moment, reads before the first is stored."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    @contextmanager
    def __call__(self, *, write: bool = True) -> Iterator[object]:
        assert not write
        with self.inner(write=False):  # type: ignore[operator]
            yield SimpleNamespace(confirmations_of=lambda _challenge: [])


def test_two_copies_of_one_passkey_signature_sent_at_once_give_one_confirmation(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    device = world.enrol(ROSA)
    world.ready()
    ch = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    assertion = world.sign(device, ch, ROSA)
    monkeypatch.setattr(
        world.passkeys, "transactions", _ReadBeforeTheOtherCopy(world.passkeys.transactions)
    )
    first = world.confirm(ch, ROSA, assertion)
    # the one writer checks again in its own transaction, where the first copy is stored
    with pytest.raises(Unconfirmed, match="already given"):
        world.confirm(ch, ROSA, assertion)
    assert [g.id for g in world.db.confirmations.confirmations_of(ch)] == [first]


def test_a_revoked_passkey_confirms_nothing(world: World):
    device = world.enrol(ROSA)
    revoke = world.cmd(c.RevokePasskey, credential=device.credential, reason="phone lost on set")
    ch = world.challenge(revoke)
    world.custody.execute(revoke, [world.pin(ch, TOM)], channel=Channel.web())
    assert not world.custody.state(DEMO).passkeys[device.credential].active
    world.ready()
    handover = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    with pytest.raises(Unconfirmed, match="no passkey enrolled"):
        world.passkeys.assertion_options(DEMO, handover, ROSA, HOST)
    # an assertion made anyway (the options are public) is refused for the revoked key
    with pytest.raises(Unconfirmed, match="was revoked"):
        world.confirm(handover, ROSA, device.sign(b64url(b"x" * 32)))


def test_revoking_a_passkey_takes_an_armorer_and_the_producer_together(world: World):
    device = world.enrol(ROSA)
    with pytest.raises(Refused, match="an armorer and the producer revoke a passkey together"):
        world.custody.execute(
            world.cmd(c.RevokePasskey, credential=device.credential, reason="lost"),
            channel=Channel.web(),
        )


def test_another_persons_passkey_is_refused(world: World):
    danas = world.enrol(DANA)
    world.ready()
    ch = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    options = world.passkeys.assertion_options(DEMO, ch, DANA, HOST)
    with pytest.raises(Unconfirmed, match="is Dana Ortiz's, not Rosa Lind's"):
        world.confirm(ch, ROSA, danas.sign(options["challenge"]))


def test_a_signature_that_does_not_verify_is_refused(world: World):
    device = world.enrol(ROSA)
    world.ready()
    ch = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    options = world.passkeys.assertion_options(DEMO, ch, ROSA, HOST)
    impostor = Device(credential_id=device.credential_id)  # same id, another private key
    with pytest.raises(Unconfirmed, match="did not verify"):
        world.confirm(ch, ROSA, impostor.sign(options["challenge"]))


def test_a_tampered_stored_assertion_fails_the_log_check(world: World):
    device = world.enrol(ROSA)
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ch = world.challenge(handover)
    accepted = world.custody.execute(
        handover,
        [world.confirm(ch, ROSA, world.sign(device, ch, ROSA)), world.pin(ch, DANA)],
        channel=Channel.web(),
    )
    seq = accepted.seqs[0]
    entries = world.entries()
    at = next(i for i, (s, _, _) in enumerate(entries) if s == seq)
    _, _, event = entries[at]
    sig = event.signatures[0]
    raw = bytearray(unb64url(sig.signature))
    raw[-1] ^= 0x01
    for tampered in (
        dataclasses.replace(sig, signature=b64url(bytes(raw))),
        # the same valid signature moved onto a handoff to someone else
        dataclasses.replace(sig, command_json=sig.command_json.replace("rosa-lind", "jack-hale")),
    ):
        forged = dataclasses.replace(event, signatures=(tampered,))
        bad = list(entries)
        bad[at] = (seq, encode_entry(seq, forged, Channel.web()), forged)
        report = check_signatures(bad, PyWebAuthn())
        assert not report.ok
        assert report.problems[0][0] == seq
    assert check_signatures(entries, PyWebAuthn()).ok


def test_a_production_requiring_passkeys_refuses_a_pin_only_handoff(world: World):
    world.custody.execute(
        world.cmd(
            c.ChangeSettings,
            actor=TOM,
            settings=Settings(
                passkeys_required_for_handoffs=True, compliance_contact=COMPLIANCE_CONTACT
            ),
        ),
        channel=Channel.web(),
    )
    rosa, dana = world.enrol(ROSA), world.enrol(DANA)
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ch = world.challenge(handover)
    with pytest.raises(Refused, match="requires passkeys for handoffs: Dana Ortiz"):
        world.custody.execute(
            handover,
            [world.confirm(ch, ROSA, world.sign(rosa, ch, ROSA)), world.pin(ch, DANA)],
            channel=Channel.web(),
        )
    ch = world.challenge(handover)
    accepted = world.custody.execute(
        handover,
        [
            world.confirm(ch, ROSA, world.sign(rosa, ch, ROSA)),
            world.confirm(ch, DANA, world.sign(dana, ch, DANA)),
        ],
        channel=Channel.web(),
    )
    assert {s.person for s in accepted.events[0].signatures} == {ROSA, DANA}


def test_the_rules_refuse_a_signature_with_another_persons_key_whoever_calls_them(world: World):
    world.enrol(ROSA)
    danas = world.enrol(DANA)
    world.ready()
    forged = PasskeySignature(
        person=ROSA,
        credential=danas.credential,
        authenticator_data="AA",
        client_data_json="AA",
        signature="AA",
        command_json="{}",
        log_size=0,
        nonce="00",
    )
    handover = dataclasses.replace(
        world.cmd(c.HandOver, weapon=W2, to=ROSA),
        confirmations=frozenset({ROSA, DANA}),
        signatures=(forged,),
    )
    with pytest.raises(Refused, match="the passkey signing for Rosa Lind is not theirs"):
        world.custody.execute(handover, channel=Channel.web())
    stranger = dataclasses.replace(forged, person=TOM)
    with pytest.raises(Refused, match="a passkey signature of tom-reyes who did not confirm"):
        world.custody.execute(
            dataclasses.replace(handover, signatures=(stranger,)), channel=Channel.web()
        )


# -- signature counters (WebAuthn §7.2: the signCount step) ---------------------------------


def _hand_w2_to_rosa(world: World, device: Device) -> int:
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    ch = world.challenge(handover)
    ids = [world.confirm(ch, ROSA, world.sign(device, ch, ROSA)), world.pin(ch, DANA)]
    return world.custody.execute(handover, ids, channel=Channel.web()).seqs[0]


def _take_w2_back(world: World, device: Device) -> int:
    take = world.cmd(c.TakeBack, weapon=W2)
    ch = world.challenge(take)
    ids = [world.confirm(ch, ROSA, world.sign(device, ch, ROSA))]
    return world.custody.execute(take, ids, channel=Channel.web()).seqs[0]


def test_each_signature_raises_the_keys_counter_on_the_record(world: World):
    device = world.enrol(ROSA)
    world.ready()
    _hand_w2_to_rosa(world, device)
    assert world.custody.state(DEMO).passkeys[device.credential].counter == device.counter == 1
    _take_w2_back(world, device)
    assert world.custody.state(DEMO).passkeys[device.credential].counter == 2


def test_a_copied_passkey_whose_counter_does_not_increase_is_refused(world: World):
    device = world.enrol(ROSA)
    world.ready()
    _hand_w2_to_rosa(world, device)  # counter 1 on the record
    copy = Device(key=device.key, credential_id=device.credential_id)  # a clone: counter 0
    ch = world.challenge(world.cmd(c.TakeBack, weapon=W2))
    with pytest.raises(Unconfirmed, match="signed with counter 1, not above the 1 it reached"):
        world.confirm(ch, ROSA, world.sign(copy, ch, ROSA))


def test_a_signature_used_after_a_later_one_of_the_same_key_is_refused_by_the_rules(
    world: World,
):
    """Two signatures given in one order and used in the other: the older counter no longer
    advances once the newer is on the record (nothing is written; sign again)."""
    device = world.enrol(ROSA)
    world.ready()
    handover = world.cmd(c.HandOver, weapon=W2, to=ROSA)
    first = world.challenge(handover)
    early = world.confirm(first, ROSA, world.sign(device, first, ROSA))  # counter 1
    second = world.challenge(handover)
    late = world.confirm(second, ROSA, world.sign(device, second, ROSA))  # counter 2
    world.custody.execute(handover, [late, world.pin(second, DANA)], channel=Channel.web())
    take = world.cmd(c.TakeBack, weapon=W2)
    world.custody.execute(take, [world.pin(world.challenge(take), ROSA)], channel=Channel.web())
    world.inspect()
    size = len(world.db.entries)
    with pytest.raises(Refused, match="signed with counter 1, not above the 2"):
        world.custody.execute(handover, [early, world.pin(first, DANA)], channel=Channel.web())
    assert len(world.db.entries) == size


def test_an_authenticator_that_keeps_no_counter_signs_again_and_again(world: World):
    device = world.enrol(ROSA)
    world.ready()
    device.counter = -1  # its next signature says 0
    _hand_w2_to_rosa(world, device)
    device.counter = -1
    _take_w2_back(world, device)
    assert world.custody.state(DEMO).passkeys[device.credential].counter == 0
    assert check_signatures(world.entries(), PyWebAuthn()).ok


def test_the_log_check_flags_a_signature_whose_counter_does_not_increase(world: World):
    """The same valid assertion written again later (a replay the server did not refuse)."""
    device = world.enrol(ROSA)
    world.ready()
    seq = _hand_w2_to_rosa(world, device)
    entries = world.entries()
    _, _, event = next(e for e in entries if e[0] == seq)
    again = len(world.db.entries)
    replayed = [*entries, (again, encode_entry(again, event, Channel.web()), event)]
    report = check_signatures(replayed, PyWebAuthn())
    assert [p[0] for p in report.problems] == [again]
    assert (
        "its signature counter 1 is not above the 1 its key gave at log position"
        in (report.problems[0][1])
    )
    assert f"position {seq}" in report.problems[0][1]


# -- the pledge: "I was shown every chamber and the bore", checked by the server ------------


def test_the_receiving_performers_passkey_signature_needs_the_tick_the_server_checks(
    world: World,
):
    device = world.enrol(ROSA)
    world.ready()
    ch = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    assertion = world.sign(device, ch, ROSA)
    with pytest.raises(Unconfirmed, match="rosa-lind ticks “I was shown every chamber and the"):
        world.confirm(ch, ROSA, assertion, pledged=False)
    assert world.passkeys.signed_for(ch) == {}  # nothing was stored
    assert world.confirm(ch, ROSA, assertion, pledged=True)


def test_the_witness_signs_without_a_tick_of_their_own(world: World):
    device = world.enrol(DANA)
    world.ready()
    ch = world.challenge(world.cmd(c.HandOver, weapon=W2, to=ROSA))
    pending = world.confirmations.pending(DEMO, ch)
    assert pending is not None
    assert pending.pledges == ((ROSA, "I was shown every chamber and the bore"),)
    assert world.confirm(ch, DANA, world.sign(device, ch, DANA), pledged=False)
