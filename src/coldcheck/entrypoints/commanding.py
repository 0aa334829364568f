"""Run a domain command from a request: the one path every door takes into custody.

The caller (an API route, a page's form, a batch) parses what was sent;
this module adds the server's facts — who asks (the signed-in person), the
time — checks that the asker's roles may ask at all (``Forbidden``), and
hands the command to the custody service with the ids of the confirmations
it presents (checked and used up with its events: ``Unconfirmed``), where the
rules decide (``Refused`` with every rule). Role first, then confirmations:
a person with no right to the command cannot ask anyone to confirm it, and
PINs are typed only against a challenge for this very command
(``service.confirmations``: :func:`ask_confirmations`, :func:`give_confirmation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.entrypoints.deps import Membership
from coldcheck.service.confirmations import IssuedChallenge
from coldcheck.service.custody import Accepted
from coldcheck.service.envelope import Channel
from coldcheck.service.permissions import check_role
from coldcheck.service.ports import Confirmation

__all__ = [
    "Asked",
    "ask_confirmations",
    "channel_of",
    "give_confirmation",
    "run_batch",
    "run_command",
]


@dataclass(frozen=True)
class Asked:
    """One command as a request asked for it: its class, its own fields, the ids of the
    confirmations it presents."""

    cls: type[c.BaseCommand]
    values: Mapping[str, Any]
    confirmations: Sequence[str] = ()


def command_of(app: App, member: Membership, asked: Asked) -> c.Command:
    """The command with the server's facts (who asks, when); never any confirmation."""
    command = asked.cls(
        production=member.id,
        actor=member.viewer.person,
        at=app.clock.now(),
        **asked.values,
    )
    return command  # type: ignore[return-value]


def channel_of(member: Membership) -> Channel:
    """A session cookie is the web pages; a bearer token is the API."""
    return member.viewer.channel


def run_command(app: App, member: Membership, asked: Asked) -> Accepted:
    """Check the role, then the confirmations and the rules (one transaction), and record it."""
    check_role(member.roles, member.production.roles, asked.cls)
    return app.custody.execute(
        command_of(app, member, asked), asked.confirmations, channel=channel_of(member)
    )


def run_batch(app: App, member: Membership, batch: Sequence[Asked]) -> Accepted:
    """Several commands in one transaction, all or nothing (``Refused.index`` names the one).

    Every role is checked before anything else.
    """
    for asked in batch:
        check_role(member.roles, member.production.roles, asked.cls)
    return app.custody.execute_batch(
        [command_of(app, member, asked) for asked in batch],
        [asked.confirmations for asked in batch],
        channel=channel_of(member),
    )


def ask_confirmations(
    app: App, member: Membership, asked: Asked, before: Sequence[Asked] = ()
) -> IssuedChallenge:
    """A challenge for this exact command (role checked first); ``before``: the commands of
    the same batch that come before it."""
    for one in (*before, asked):
        check_role(member.roles, member.production.roles, one.cls)
    state = app.custody.state(member.id)
    return app.confirmations.challenge(
        state,
        command_of(app, member, asked),
        [command_of(app, member, b) for b in before],
    )


def give_confirmation(
    app: App, member: Membership, challenge: str, person: str, pin: str, client: str = ""
) -> Confirmation:
    """``person`` confirms the challenge with their PIN (``Unconfirmed`` if refused);
    ``client``: the caller's address, whose wrong PINs are throttled."""
    return app.confirmations.confirm(member.id, challenge, person, pin, client)
