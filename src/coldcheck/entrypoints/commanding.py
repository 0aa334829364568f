"""Run a domain command from a request: the one path every door takes into custody.

The caller (an API route, a page's form, a batch) parses what was sent;
this module adds the server's facts — who asks (the signed-in person), the
time, the people whose PINs confirmed it — checks that the asker's roles may
ask at all (``Forbidden``), checks the PINs (``Unconfirmed``), and hands the
command to the custody service (``Refused`` with every rule). Role first,
then PINs: a person with no right to the command cannot spend anyone's PIN
tries on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.entrypoints.deps import Membership
from coldcheck.service.confirmations import PinConfirmation, confirm
from coldcheck.service.custody import Accepted
from coldcheck.service.envelope import Channel
from coldcheck.service.permissions import check_role

__all__ = ["Asked", "channel_of", "run_batch", "run_command"]


@dataclass(frozen=True)
class Asked:
    """One command as a request asked for it: its class, its own fields, the PINs typed."""

    cls: type[c.BaseCommand]
    values: Mapping[str, Any]
    pins: Sequence[PinConfirmation] = ()


def _command(app: App, member: Membership, asked: Asked) -> c.Command:
    """The command with the server's facts; its PINs are checked here."""
    command = asked.cls(
        production=member.id,
        actor=member.viewer.person,
        at=app.clock.now(),
        confirmations=confirm(app.accounts, asked.pins),
        **asked.values,
    )
    return command  # type: ignore[return-value]


def channel_of(member: Membership) -> Channel:
    """A session cookie is the web pages; a bearer token is the API."""
    return Channel.api() if member.viewer.via == "bearer" else Channel.web()


def run_command(app: App, member: Membership, asked: Asked) -> Accepted:
    """Check the role, then the PINs, then let the rules decide and the log record it."""
    check_role(member.roles, member.production.roles, asked.cls)
    return app.custody.execute(_command(app, member, asked), channel=channel_of(member))


def run_batch(app: App, member: Membership, batch: Sequence[Asked]) -> Accepted:
    """Several commands in one transaction, all or nothing (``Refused.index`` names the one).

    Every role is checked before any PIN is.
    """
    for asked in batch:
        check_role(member.roles, member.production.roles, asked.cls)
    return app.custody.execute_batch(
        [_command(app, member, asked) for asked in batch], channel=channel_of(member)
    )
