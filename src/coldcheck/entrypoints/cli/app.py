"""The root of the ``coldcheck`` command line: global options, ``init``, ``demo``, ``serve``.

Exit codes: 0 ok, 1 failure, 2 usage error, 3 refused by a safety rule.
Heavy modules are imported inside the commands so ``coldcheck --help``
starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from coldcheck.config import Settings

from coldcheck.entrypoints.cli.common import EXIT_USAGE
from coldcheck.entrypoints.cli.common import fail as _fail

cli = typer.Typer(
    name="coldcheck",
    help="Custody of prop firearms and ammunition, with a tamper-evident log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: rendering it with Rich costs ~0.3 s of imports on every --help
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from coldcheck import __version__

        typer.echo(f"coldcheck {__version__}")
        raise typer.Exit()


@cli.callback()
def _root(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Data folder (env COLDCHECK_DATA, default ./coldcheck-data)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL (env COLDCHECK_DATABASE_URL); default SQLite in the data folder.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Read settings once: environment first, then these flags over it."""
    from coldcheck.config import ConfigError, Settings

    try:
        settings = Settings.from_env().with_overrides(data_dir=data, database_url=database_url)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    ctx.obj = settings


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


@cli.command()
def init(
    ctx: typer.Context,
    address: Annotated[
        list[str] | None,
        typer.Option(
            "--address",
            help="Another name or IP address of the cart for its HTTPS certificate; repeat.",
        ),
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option(
            "--origin",
            help="The log's name in its checkpoints, a schema-less URL such as"
            " studio.example/coldcheck/dry-gulch (default: host name and log id); fixed once set.",
        ),
    ] = None,
) -> None:
    """Create the data folder, the database (newest schema), the signing key, the log's
    origin, the security log's baseline and the cart's HTTPS certificate."""
    from coldcheck.bootstrap import InitRefused, init_data

    settings = _settings(ctx)
    try:
        report = init_data(settings, address or (), origin)
    except InitRefused as exc:
        _fail(str(exc), EXIT_USAGE)
    except Exception as exc:
        _fail(f"could not initialise {settings.data_dir}: {exc}")
    if not report.changed:
        typer.echo(
            f"Already initialised: {report.data_dir} (schema {report.migrated_to},"
            f" signing key present, origin {report.origin}). Nothing changed."
        )
        return
    if report.created_dir:
        typer.echo(f"Created data folder {report.data_dir}")
    if report.migrated_from != report.migrated_to:
        typer.echo(
            f"Database {report.database_url}: schema {report.migrated_from or 'empty'}"
            f" -> {report.migrated_to}"
        )
    if report.created_key:
        typer.echo(f"Created ledger signing key {settings.key_path} (mode 0600)")
    if report.set_origin:
        typer.echo(f"The log's origin is {report.origin} (fixed from now on)")
    if report.baseline is not None:
        typer.echo(
            "Started the security log with a baseline of the existing accounts and sessions"
            f" (signed head at tree size {report.baseline.tree_size})"
        )
    if report.created_tls:
        typer.echo(
            f"Made the cart's HTTPS certificate in {settings.tls_dir}"
            " (serve it with `coldcheck serve --tls`; the Productions screen shows how a"
            " tablet trusts it)"
        )


@cli.command()
def demo(
    ctx: typer.Context,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (exit 0) when productions exist.")
    ] = False,
) -> None:
    """Load the demo production "Dry Gulch" and print every demo login and PIN."""
    from coldcheck.bootstrap import NotInitialised, build, load_demo
    from coldcheck.service.demo import DEMO_PASSWORD

    settings = _settings(ctx)
    try:
        app = build(settings, channel="demo")
    except NotInitialised as exc:
        _fail(str(exc))
    try:
        existing = app.reads.all_productions()
        if existing:
            names = ", ".join(p.title for p in existing)
            if if_empty:
                typer.echo(f"Demo not loaded: the database already holds {names}.")
                return
            _fail(
                f"the database already holds {names}; the demo loads only into an empty"
                " database (use a new --data folder)"
            )
        if app.reads.ledger_head() is not None:
            _fail(
                "the log already holds records (accounts?); the demo writes yesterday's"
                " history and loads only into an empty database (use a new --data folder)"
            )
        people = load_demo(app)
    finally:
        app.close()
    typer.echo('Loaded the demo production "Dry Gulch" (id dry-gulch).')
    typer.echo(f"Every demo login has the password: {DEMO_PASSWORD}")
    for p in people:
        roles = ", ".join(r.value.replace("_", " ") for r in p.roles)
        typer.echo(f"  {p.login:<6} {p.name:<11} {roles:<18} PIN {p.pin}")


@cli.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (env COLDCHECK_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (env COLDCHECK_PORT).")] = None,
    tls: Annotated[
        bool,
        typer.Option("--tls", help="Serve HTTPS with the certificate `coldcheck init` made."),
    ] = False,
) -> None:
    """Start the web app and JSON API (127.0.0.1:8000 by default)."""
    import uvicorn

    from coldcheck.bootstrap import NotInitialised, build
    from coldcheck.entrypoints.http import create_app

    settings = _settings(ctx).with_overrides(host=host, port=port, tls=tls)
    try:
        app = build(settings, serving=True)
    except NotInitialised as exc:
        _fail(str(exc))
    certfile = keyfile = None
    if tls:
        if app.tls is None:
            app.close()
            _fail(f"no HTTPS certificate in {settings.tls_dir}; run `coldcheck init` first")
        certfile, keyfile = str(app.tls.cert_file), str(app.tls.key_file)
    scheme = "https" if tls else "http"
    typer.echo(f"coldcheck serving on {scheme}://{settings.host}:{settings.port}/")
    uvicorn.run(
        create_app(app),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )


def _register_all() -> None:
    from coldcheck.entrypoints.cli import (
        backup,
        exchange,
        ledger,
        productions,
        reports,
        users,
        witnesses,
    )
    from coldcheck.witness.cli import witness_cli

    for module in (ledger, exchange, reports, backup, users, productions, witnesses):
        module.register(cli)
    cli.add_typer(witness_cli, name="witness")


_register_all()
