"""What every CLI module shares: exit codes, ``--json`` failures, opening the App, progress bars.

Light on purpose (typer and json only at import): ``coldcheck --help`` loads it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from coldcheck.bootstrap import App
    from coldcheck.domain.errors import Reason
    from coldcheck.domain.ids import ProductionId
    from coldcheck.domain.state import ProductionState

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]

StageProgress = Callable[[str, int, int], None]


def fail(
    message: str,
    code: int = EXIT_FAILURE,
    as_json: bool = False,
    extra: dict[str, Any] | None = None,
    details: Sequence[str] = (),
) -> NoReturn:
    """Say what went wrong (on stderr, or as one JSON object on stdout) and exit with ``code``."""
    if as_json:
        typer.echo(
            json.dumps(
                {"ok": False, "error": message, "exit_code": code, **(extra or {})},
                indent=2,
                default=str,
            )
        )
    else:
        typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
        for line in details:
            typer.echo(f"  {line}", err=True)
    raise typer.Exit(code)


@contextmanager
def open_app(ctx: typer.Context, as_json: bool = False) -> Iterator[App]:
    """The wired App for the settings the root command read; closed afterwards."""
    from coldcheck.bootstrap import NotInitialised, build

    try:
        app = build(ctx.obj, channel=str(cli_channel()))
    except NotInitialised as exc:
        fail(str(exc), EXIT_FAILURE, as_json)
    try:
        yield app
    finally:
        app.close()


@contextmanager
def stage_progress(
    quiet: bool, labels: Mapping[str, str], default: str = "working"
) -> Iterator[StageProgress | None]:
    """Rich progress bars, one per stage, on a terminal; None in --json mode or when piped.

    The callback is ``update(stage, done, total)``; ``labels`` names the stages.
    """
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, default), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


# -- options and helpers the command groups share -------------------------------------


def os_user() -> str:
    """The operating-system user running this command (``unknown`` when it cannot be told)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in the environment and no passwd entry
        return "unknown"


def cli_channel() -> Any:
    """The channel of entries this command writes: the command line, with the OS user."""
    from coldcheck.service.envelope import Channel

    return Channel.cli(os_user())


ProductionOpt = Annotated[
    str | None,
    typer.Option(
        "--production", "-p", help="Production id (may be left out when there is only one)."
    ),
]
ActorOpt = Annotated[
    str,
    typer.Option(
        "--as", help="Person id the commands are recorded as (their role must allow them)."
    ),
]
PaperOpt = Annotated[str, typer.Option("--paper", help="Paper size: a4 or letter.")]


def say(as_json: bool, data: dict[str, Any], lines: Sequence[str] = ()) -> None:
    if as_json:
        typer.echo(json.dumps({"ok": True, **data}, indent=2, default=str))
    else:
        for line in lines:
            typer.echo(line)


def reasons_json(reasons: Sequence[Reason]) -> list[dict[str, str]]:
    return [{"rule": r.rule, "message": r.message} for r in reasons]


def refused(reasons: Sequence[Reason], as_json: bool, what: str) -> NoReturn:
    fail(
        f"{what} refused",
        EXIT_REFUSED,
        as_json,
        {"refused": reasons_json(reasons)},
        [str(r) for r in reasons],
    )


def one_stage(stages: Callable[[str, int, int], None]) -> Callable[[int, int], None]:
    """A (done, total) callback for a single-stage progress bar."""
    return lambda done, total: stages("", done, total)


def production_of(app: App, production: str | None, as_json: bool) -> ProductionId:
    from coldcheck.domain.ids import ProductionId

    if production:
        if not app.custody.production_exists(ProductionId(production)):
            known = ", ".join(p.id for p in app.reads.all_productions()) or "none"
            fail(f"no production {production!r} (productions: {known})", EXIT_FAILURE, as_json)
        return ProductionId(production)
    productions = app.reads.all_productions()
    if len(productions) == 1:
        return productions[0].id
    known = ", ".join(p.id for p in productions) or "none yet"
    fail(f"say which production with --production (productions: {known})", EXIT_USAGE, as_json)


def actor_on(state: ProductionState, actor: str, as_json: bool) -> str:
    if actor not in state.people:
        fail(
            f"--as {actor}: no such person on {state.production} "
            f"(people: {', '.join(sorted(state.people))})",
            EXIT_USAGE,
            as_json,
        )
    return actor


def all_events(app: App, production: ProductionId) -> list[Any]:
    return app.reads.timeline(production, None, limit=2**62)


def today_of(app: App, state: ProductionState) -> date:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(state.info.time_zone if state.info else "UTC")
    return app.clock.now().astimezone(tz).date()


def parse_day(value: str | None, option: str, as_json: bool) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date; use YYYY-MM-DD", EXIT_USAGE, as_json)
