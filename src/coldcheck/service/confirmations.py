"""Confirmations: the people who confirm a command on this device, each with their own PIN.

R12 asks for the performer and the 1st AD to confirm a handoff with their
own credential; other two-person rules ask the same of a second person.
:func:`confirm` checks the PINs typed (one transaction; wrong and locked
PINs are committed before the refusal is raised, see ``AccountService``)
and returns who confirmed. It raises service errors, never HTTP ones: the
edges translate ``Unconfirmed`` to 403 or an error line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo

from coldcheck.domain.ids import PersonId
from coldcheck.service.account_model import PinLocked, PinRefused, WrongPin
from coldcheck.service.accounts import AccountService
from coldcheck.service.errors import Unconfirmed

__all__ = ["PinConfirmation", "confirm"]


@dataclass(frozen=True)
class PinConfirmation:
    """One person confirming with their PIN, as typed (checked by :func:`confirm`)."""

    person: str
    pin: str

    def __repr__(self) -> str:  # never the PIN
        return f"PinConfirmation(person={self.person!r})"


def confirm(
    accounts: AccountService, pins: Sequence[PinConfirmation], zone: tzinfo | None = None
) -> frozenset[PersonId]:
    """The people whose PIN was right; ``Unconfirmed`` at the first one that was not.

    Times in the words (a PIN locked until ...) are in ``zone``, the production's.
    """
    try:
        return accounts.verify_pins([(p.person, p.pin) for p in pins])
    except PinRefused as refused:
        raise Unconfirmed(_words(refused.person, refused.cause, zone)) from None


def _words(person: str, cause: Exception, zone: tzinfo | None = None) -> str:
    if isinstance(cause, WrongPin):
        return (
            f"The PIN entered for {person} is wrong;"
            f" {cause.remaining_attempts} tries left before it locks for 15 minutes."
        )
    if isinstance(cause, PinLocked):
        return (
            f"{person}'s PIN is locked after five wrong tries until"
            f" {cause.until.astimezone(zone or UTC):%H:%M} ({_zone_name(zone)})."
            " Wait, or confirm with someone else."
        )
    return f"{person} has no account with a PIN; set one with `coldcheck user`."


def _zone_name(zone: tzinfo | None) -> str:
    return str(getattr(zone, "key", None) or "UTC")
