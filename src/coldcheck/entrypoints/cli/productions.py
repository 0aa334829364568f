"""``production``: start a production from the command line (the first-run path of a cart)."""

from __future__ import annotations

from typing import Annotated

import typer

from coldcheck.entrypoints.cli.common import (
    EXIT_USAGE,
    JsonOpt,
    cli_channel,
    fail,
    open_app,
    refused,
    say,
)
from coldcheck.entrypoints.cli.users import RoleChoice

production_cli = typer.Typer(
    name="production",
    help="Productions: start one (you become its first member with the roles you choose).",
    no_args_is_help=True,
)


@production_cli.command("create")
def production_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="The production's title, e.g. 'Dry Gulch'.")],
    timezone: Annotated[
        str, typer.Option("--timezone", help="Its time zone, e.g. America/Denver.")
    ],
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Person id of the creator (default: the only account's person).",
        ),
    ] = None,
    production_id: Annotated[
        str | None, typer.Option("--id", help="Production id (default: made from the name).")
    ] = None,
    company: Annotated[str, typer.Option("--company", help="Production company.")] = "",
    location: Annotated[str, typer.Option("--location", help="Where it shoots.")] = "",
    role: Annotated[
        list[RoleChoice] | None,
        typer.Option("--role", help="The creator's role; repeat for several (default producer)."),
    ] = None,
    compliance_contact: Annotated[
        str,
        typer.Option(
            "--compliance-contact",
            help="Who answers for firearm compliance (Labor Code §9153), one line: needed "
            "before the first weapon is issued (R29).",
        ),
    ] = "",
    as_json: JsonOpt = False,
) -> None:
    """Start a production; the creator holds the roles chosen. Says what custody still needs."""
    from coldcheck.domain.ids import PersonId, ProductionId, production_id_from
    from coldcheck.domain.localtime import zone_of
    from coldcheck.domain.model import Role, Settings
    from coldcheck.domain.status import still_needed
    from coldcheck.service.errors import Refused

    roles = [Role(r.value) for r in role] if role else [Role.PRODUCER]
    pid = ProductionId(production_id or production_id_from(name))
    with open_app(ctx, as_json) as app:
        accounts = app.accounts.users()
        if actor is None:
            if len(accounts) != 1:
                fail(
                    "say who creates the production with --as PERSON"
                    f" ({len(accounts)} accounts: give the person id of one)",
                    EXIT_USAGE,
                    as_json,
                )
            actor = accounts[0].person_id
        account = next((u for u in accounts if u.person_id == actor), None)
        try:
            accepted = app.custody.create_production(
                production=pid,
                actor=PersonId(actor),
                actor_name=account.display_name if account else actor,
                title=name,
                company=company,
                location=location,
                time_zone=timezone,
                roles=roles,
                settings=Settings(compliance_contact=compliance_contact.strip()),
                channel=cli_channel(),
            )
        except Refused as exc:
            refused(exc.reasons, as_json, "production create")
        today = app.clock.now().astimezone(zone_of(timezone)).date()
        needed = still_needed(accepted.state, today)
    lines = [
        f"Created production {name!r} (id {pid}, time zone {timezone});"
        f" {actor} holds {', '.join(r.value for r in roles)}."
    ]
    if not account:
        lines.append(f"No account belongs to {actor} yet: make one with `coldcheck user create`.")
    lines += ["Still needed before the first weapon is issued:", *(f"  - {n}" for n in needed)]
    say(
        as_json,
        {
            "production": pid,
            "creator": actor,
            "roles": [r.value for r in roles],
            "still_needed": list(needed),
            "seqs": list(accepted.seqs),
        },
        lines,
    )


def register(cli: typer.Typer) -> None:
    """Add ``production`` to the root CLI."""
    cli.add_typer(production_cli)
