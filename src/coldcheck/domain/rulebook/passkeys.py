"""Passkeys (issue 17): who may enrol whom, revoking together, and what a signature needs.

* A member enrols their own passkey; an armorer enrols one for a person present at the
  cart, that person confirming with their PIN. Nobody else enrols a key for another.
* A credential is enrolled once per production (revoked ones stay on the record).
* Revoking takes an armorer and the producer, two different people, one asking and the
  other confirming.
* A passkey signature on any command is by someone who confirmed it, with a key enrolled
  to them on this production and not revoked, whose signature counter advances on the one
  its key reached on the record (or is zero, as it was: an authenticator that keeps none);
  with ``passkeys_required_for_handoffs`` every confirmation of a handoff is signed so (R12).
"""

from __future__ import annotations

import re

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import is_written
from coldcheck.domain.model import ARMORER_ROLES, PasskeySignature, Role, counter_advances
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    handles,
    person_exists,
    refuse,
    settings_of,
    two_different_people,
    witnesses_of,
)
from coldcheck.domain.state import ProductionState

__all__ = ["PASSKEYS_REQUIRED", "counter_words", "passkey_signatures_count"]

PASSKEYS_REQUIRED = "this production requires passkeys for handoffs"
"""How the policy's reason begins (a challenge is issued before anyone has signed)."""

_B64URL = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}", re.ASCII)


@handles(c.EnrolPasskey)
def _enrol_passkey(state: ProductionState, cmd: c.EnrolPasskey) -> Decision:
    reasons = list(person_exists(state, cmd.person))
    if cmd.actor != cmd.person:
        if not state.is_armorer(cmd.actor):
            reasons.append(
                because(
                    "AUTH",
                    f"only {state.name_of(cmd.person)} or an armorer at the cart enrols "
                    f"{state.name_of(cmd.person)}'s passkey — {state.name_of(cmd.actor)} cannot.",
                )
            )
        elif cmd.person not in witnesses_of(cmd):
            reasons.append(
                because(
                    "AUTH",
                    f"{state.name_of(cmd.person)} confirms the enrolment of their passkey with "
                    "their own PIN, present at the cart.",
                )
            )
    for name, value in (("credential id", cmd.credential), ("public key", cmd.public_key)):
        if not _B64URL.fullmatch(value):
            reasons.append(because("INPUT", f"the {name} must be base64url (A-Z a-z 0-9 - _)."))
    if not _HOST.fullmatch(cmd.rp_id):
        reasons.append(because("INPUT", "the relying party id must be a host name."))
    if cmd.credential in state.passkeys:
        reasons.append(
            because("INPUT", "this passkey is already enrolled on this production (or revoked).")
        )
    return refuse(reasons) or [
        Env(cmd)(
            ev.PasskeyEnrolled,
            person=cmd.person,
            credential=cmd.credential,
            public_key=cmd.public_key,
            rp_id=cmd.rp_id,
            label=cmd.label.strip(),
        )
    ]


@handles(c.RevokePasskey)
def _revoke_passkey(state: ProductionState, cmd: c.RevokePasskey) -> Decision:
    reasons = []
    key = state.passkeys.get(cmd.credential)
    if key is None:
        reasons.append(because("INPUT", "no passkey with this credential id is enrolled here."))
    elif not key.active:
        reasons.append(because("INPUT", "this passkey is already revoked."))
    if not is_written(cmd.reason):
        reasons.append(because("INPUT", "say why the passkey is revoked (lost, stolen, ...)."))
    if not two_different_people(
        state, [cmd.actor, *sorted(witnesses_of(cmd))], ARMORER_ROLES, (Role.PRODUCER,)
    ):
        reasons.append(
            because(
                "AUTH",
                "an armorer and the producer revoke a passkey together, two different "
                "people: one asks, the other confirms.",
            )
        )
    if (refusal := refuse(reasons)) is not None or key is None:
        return refusal or []
    return [
        Env(cmd)(ev.PasskeyRevoked, person=key.person, credential=key.credential, reason=cmd.reason)
    ]


def counter_words(name: str, stored: int, sig: PasskeySignature) -> str:
    """Why a signature whose counter does not advance is refused (the same words everywhere)."""
    given = sig.sign_count
    return (
        f"{name}'s passkey signed with counter {given}, not above the {stored} it reached on "
        "the record before (WebAuthn §7.2): the key may have been copied — confirm with the PIN "
        "or another passkey, and have an armorer and the producer look at this key."
    )


def passkey_signatures_count(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    """Each signature is a confirmer's, with their own enrolled, unrevoked key; the policy."""
    confirmers = witnesses_of(cmd)
    signed: set[str] = set()
    for sig in cmd.signatures:
        key = state.passkeys.get(sig.credential)
        if sig.person not in confirmers:
            yield because("INPUT", f"a passkey signature of {sig.person} who did not confirm.")
        elif key is None or key.person != sig.person:
            yield because(
                "AUTH", f"the passkey signing for {state.name_of(sig.person)} is not theirs."
            )
        elif not key.active:
            yield because(
                "AUTH",
                f"{state.name_of(sig.person)}'s passkey was revoked — confirm with another "
                "passkey or the PIN.",
            )
        elif not counter_advances(key.counter, sig.sign_count):
            yield because("AUTH", counter_words(state.name_of(sig.person), key.counter, sig))
        else:
            signed.add(sig.person)
    if isinstance(cmd, c.HandOver) and settings_of(state).passkeys_required_for_handoffs:
        unsigned = sorted(confirmers - signed)
        if unsigned:
            yield because(
                "R12",
                f"{PASSKEYS_REQUIRED}: "
                f"{', '.join(state.name_of(p) for p in unsigned)} confirmed with a PIN — "
                "confirm with your own passkey (enrol one on your account page).",
            )
