"""What every CLI module shares: exit codes, ``--json`` failures, opening the App, progress bars.

Light on purpose (typer and json only at import): ``coldcheck --help`` loads it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from coldcheck.bootstrap import App

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
        app = build(ctx.obj)
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
