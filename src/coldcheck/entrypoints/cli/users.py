"""``user``: create accounts, set passwords and PINs, grant roles, list accounts."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from coldcheck.entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    ActorOpt,
    JsonOpt,
    ProductionOpt,
    actor_on,
    cli_channel,
    fail,
    open_app,
    production_of,
    refused,
    say,
)

if TYPE_CHECKING:
    from coldcheck.bootstrap import App
    from coldcheck.service.account_model import User


# -- users ----------------------------------------------------------------------------------

user_cli = typer.Typer(
    name="user",
    help="Accounts: create, set password or PIN, grant roles on a production, list.",
    no_args_is_help=True,
)
StdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin (no prompt)."
    ),
]


def _secret(from_stdin: bool, prompt: str, line: int = 0) -> str:
    if from_stdin:
        lines = _stdin_lines()
        if len(lines) <= line:
            fail(f"expected the {prompt.lower()} on line {line + 1} of stdin", EXIT_USAGE)
        return lines[line]
    if not sys.stdin.isatty():
        fail(f"no terminal to ask for the {prompt.lower()}; use the -stdin option", EXIT_USAGE)
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return value


_STDIN: list[str] | None = None


def _stdin_lines() -> list[str]:
    global _STDIN
    if _STDIN is None:
        _STDIN = [line.rstrip("\r\n") for line in sys.stdin.readlines()]
    return _STDIN


def _account_error(exc: Exception, as_json: bool) -> NoReturn:
    fail(str(exc), EXIT_FAILURE, as_json)


@user_cli.command("create")
def user_create(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login name.")],
    name: Annotated[str, typer.Option("--name", help="Display name, e.g. 'Mara Voss'.")],
    person: Annotated[
        str, typer.Option("--person", help="Person id on productions, e.g. mara-voss.")
    ],
    password_stdin: StdinOpt = False,
    with_pin: Annotated[
        bool,
        typer.Option(
            "--with-pin", help="Also set a PIN (prompted; second stdin line with --password-stdin)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account (password prompted without echo, or read from stdin)."""
    from coldcheck.service.account_model import AccountError

    password = _secret(password_stdin, "Password")
    pin = _secret(password_stdin, "PIN", 1) if with_pin else None
    with open_app(ctx, as_json) as app:
        try:
            user = app.accounts.create_user(
                login=login, display_name=name, person_id=person, password=password, pin=pin
            )
        except AccountError as exc:
            _account_error(exc, as_json)
    say(
        as_json,
        {
            "login": user.login,
            "person": user.person_id,
            "name": user.display_name,
            "pin": bool(pin),
        },
        [f"Created account {user.login} for {user.display_name} (person {user.person_id})."],
    )


def _user(app: App, login: str, as_json: bool) -> User:
    user = app.accounts.user_by_login(login)
    if user is None:
        fail(f"no account with login {login!r}", EXIT_FAILURE, as_json)
    return user


@user_cli.command("set-password")
def user_set_password(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: StdinOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Set a new password (signs the user out everywhere)."""
    from coldcheck.service.account_model import AccountError

    password = _secret(password_stdin, "New password")
    with open_app(ctx, as_json) as app:
        user_id = _user(app, login, as_json).id
        try:
            app.accounts.set_password(user_id, password)
        except AccountError as exc:
            _account_error(exc, as_json)
    say(as_json, {"login": login}, [f"Password of {login} changed; its sessions are signed out."])


@user_cli.command("set-pin")
def user_set_pin(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login name.")],
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="Read the PIN from the first line of stdin.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Set a new 4-8 digit PIN for confirming handoffs (clears a PIN lock)."""
    from coldcheck.service.account_model import AccountError

    pin = _secret(pin_stdin, "New PIN")
    with open_app(ctx, as_json) as app:
        user_id = _user(app, login, as_json).id
        try:
            app.accounts.set_pin(user_id, pin)
        except AccountError as exc:
            _account_error(exc, as_json)
    say(as_json, {"login": login}, [f"PIN of {login} changed."])


@user_cli.command("clear-pin-hold")
def user_clear_pin_hold(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login of the person whose PIN is held.")],
    actor: ActorOpt,
    production: ProductionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Clear a PIN held after repeated lock periods; only the armorer or the producer may."""
    from coldcheck.domain.ids import PersonId
    from coldcheck.domain.model import Role

    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        user = _user(app, login, as_json)
        state = app.custody.state(prod)
        actor_on(state, actor, as_json)
        if not state.has_role(PersonId(actor), Role.ARMORER, Role.PRODUCER):
            fail(
                f"--as {actor}: only the armorer or the producer of {prod} may clear a held PIN",
                EXIT_FAILURE,
                as_json,
            )
        role = "armorer" if state.has_role(PersonId(actor), Role.ARMORER) else "producer"
        cleared = app.accounts.clear_pin_hold(user.id, f"{role} {actor} on {prod}", prod)
    say(
        as_json,
        {"login": user.login, "cleared": cleared},
        [
            f"PIN of {user.login} cleared by {actor}; it works again."
            if cleared
            else f"The PIN of {user.login} was not held; nothing changed."
        ],
    )


class RoleChoice(StrEnum):
    ARMORER = "armorer"
    ASSISTANT_ARMORER = "assistant_armorer"
    FIRST_AD = "first_ad"
    PERFORMER = "performer"
    SAFETY_SUPERVISOR = "safety_supervisor"
    PRODUCER = "producer"
    CREW = "crew"


@user_cli.command("grant")
def user_grant(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        list[RoleChoice], typer.Option("--role", help="Role to give; repeat for several.")
    ],
    actor: ActorOpt,
    production: ProductionOpt = None,
    confirm: Annotated[
        str | None,
        typer.Option(
            "--confirm",
            help="Person id of the second person who confirms a role that checks others "
            "(armorer, assistant armorer, safety supervisor, producer) with their PIN.",
        ),
    ] = None,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="Read the confirming person's PIN from stdin.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Give an account's person roles on a production (adds the person first if needed).

    All or nothing: the person and every role are recorded in one transaction. A
    role that checks others needs a second person (``--confirm``: neither the one
    giving nor the one receiving it), who reads what they confirm and types their PIN.
    """
    from coldcheck.domain.confirming import confirmation_slots
    from coldcheck.domain.errors import Reason
    from coldcheck.domain.events import PersonAdded
    from coldcheck.domain.ids import PersonId, ProductionId
    from coldcheck.domain.model import Role
    from coldcheck.service.errors import Refused, Unconfirmed

    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        user = _user(app, login, as_json)
        actor_on(app.custody.state(prod), actor, as_json)
        person = PersonId(user.person_id)
        roles = [Role(r.value) for r in role]
        commands = app.custody.grant_commands(
            prod, PersonId(actor), person, user.display_name, roles
        )
        state = app.custody.state(prod)
        ids: list[list[str]] = [[] for _ in commands]
        try:
            if confirm:
                pin = _confirming_pin(pin_stdin, confirm, as_json)
                for i, command in enumerate(commands):
                    if not any(slot.required for slot in confirmation_slots(state, command)):
                        continue
                    issued = app.confirmations.challenge(state, command, commands[:i])
                    if not as_json:
                        typer.echo(f"{confirm} confirms: {issued.challenge.summary}", err=True)
                    given = app.confirmations.confirm(
                        ProductionId(prod), issued.challenge.id, confirm, pin
                    )
                    ids[i].append(given.id)
            accepted = app.custody.grant_roles(
                prod,
                PersonId(actor),
                person,
                user.display_name,
                roles,
                ids,
                channel=cli_channel(),
            )
        except Refused as exc:
            refused(exc.reasons, as_json, "user grant")
        except Unconfirmed as exc:
            refused((Reason("PIN", str(exc)),), as_json, "user grant")
    granted = ", ".join(r.value for r in role)
    say(
        as_json,
        {
            "login": user.login,
            "person": person,
            "production": prod,
            "roles": [r.value for r in role],
            "added_person": any(isinstance(e, PersonAdded) for e in accepted.events),
            "seqs": list(accepted.seqs),
        },
        [f"{user.display_name} ({person}) now has {granted} on {prod}."],
    )


def _confirming_pin(from_stdin: bool, person: str, as_json: bool) -> str:
    if from_stdin:
        lines = _stdin_lines()
        if not lines:
            fail("expected the confirming person's PIN on line 1 of stdin", EXIT_USAGE, as_json)
        return lines[0]
    if not sys.stdin.isatty():
        fail("no terminal to ask for the PIN; use --pin-stdin", EXIT_USAGE, as_json)
    value: str = typer.prompt(f"PIN of {person} (they type it)", hide_input=True)
    return value


@user_cli.command("list")
def user_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List accounts (never any secret)."""
    with open_app(ctx, as_json) as app:
        users = app.accounts.users()
    rows = [{"login": u.login, "name": u.display_name, "person": u.person_id} for u in users]
    say(
        as_json,
        {"users": rows},
        [f"{u.login:<16} {u.person_id:<20} {u.display_name}" for u in users] or ["no accounts"],
    )


def register(cli: typer.Typer) -> None:
    """Add ``user`` to the root CLI."""
    cli.add_typer(user_cli)
