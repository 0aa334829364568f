"""``import`` and ``export``: weapons, lots, people and rental-house manifests as CSV."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from coldcheck.entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_REFUSED,
    EXIT_USAGE,
    ActorOpt,
    JsonOpt,
    PaperOpt,
    ProductionOpt,
    actor_on,
    all_events,
    cli_channel,
    fail,
    open_app,
    production_of,
    reasons_json,
    say,
)

# -- import / export ---------------------------------------------------------------------

ExportViewOpt = Annotated[
    str,
    typer.Option(
        "--view",
        help="Corrected records (R27): corrected (default; 'both' is the same, a CSV cell holds"
        " one value) or original (as first recorded). The corrections are listed on the side.",
    ),
]


def _viewed(app: Any, prod: Any, view: str, as_json: bool) -> tuple[Any, list[str]]:
    """The production's state as ``--view`` shows its records, and the corrections' marks."""
    from zoneinfo import ZoneInfo

    from coldcheck.service.corrections import (
        fixes_in,
        parse_view,
        registration_marks,
        state_as_viewed,
    )

    try:
        shown = parse_view(view)
    except ValueError as exc:
        fail(f"--view: {exc}", EXIT_USAGE, as_json)
    state = app.custody.state(prod)
    tz = ZoneInfo(state.info.time_zone if state.info else "UTC")
    fixes = fixes_in(all_events(app, prod))
    return state_as_viewed(state, fixes, shown), registration_marks(state, fixes, tz)


import_cli = typer.Typer(
    name="import",
    help="Import weapons, lots, people or a rental-house manifest from CSV (all or nothing).",
    no_args_is_help=True,
)
export_cli = typer.Typer(
    name="export",
    help="Export weapons, lots or people as CSV in the import format (round trip).",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row).")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Check every row against the rules; write nothing.")
]
HouseOpt = Annotated[
    str,
    typer.Option(
        "--house", help="Rental house: fills an empty owner (weapons) or supplier (lots) cell."
    ),
]


def _run_import(
    ctx: typer.Context,
    kind: str,
    file: Path,
    production: str | None,
    actor: str,
    house: str,
    dry_run: bool,
    as_json: bool,
    planner: Any = None,
) -> None:
    from coldcheck.bootstrap import documents
    from coldcheck.domain.ids import PersonId
    from coldcheck.service.exchange import (
        FileError,
        ImportInterrupted,
        plan_import,
        run_import,
    )

    try:
        table = documents(ctx.obj).read_csv(file)
    except FileError as exc:
        fail(str(exc), EXIT_FAILURE, as_json)
    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        state = app.custody.state(prod)
        actor_on(state, actor, as_json)
        if planner is None:
            plan = plan_import(kind, table, state, PersonId(actor), app.clock.now(), house)
        else:
            plan = planner(table, state, PersonId(actor), app.clock.now())
        if not plan.ok:
            problems = [{"line": p.line, "reasons": reasons_json(p.reasons)} for p in plan.problems]
            fail(
                f"{file}: {len(plan.problems)} bad row(s); nothing was imported",
                EXIT_REFUSED if plan.refused_by_rules else EXIT_FAILURE,
                as_json,
                {"problems": problems, "imported": 0},
                [str(p) for p in plan.problems],
            )
        creates = [c for row in plan.rows for c in row.creates]
        skipped = [{"line": line, "why": why} for line, why in plan.skipped]
        skipped_lines = [f"  skipped line {line}: {why}" for line, why in plan.skipped]
        if dry_run:
            say(
                as_json,
                {
                    "dry_run": True,
                    "rows": len(plan.rows),
                    "would_create": creates,
                    "skipped": skipped,
                },
                [
                    f"{file}: {len(plan.rows)} row(s) pass every rule; nothing written"
                    " (--dry-run).",
                    *skipped_lines,
                ],
            )
            return
        try:
            result = run_import(plan, app.custody, cli_channel())
        except ImportInterrupted as exc:
            fail(
                f"line {exc.line} was refused while writing (the production changed meanwhile);"
                " nothing was imported",
                EXIT_REFUSED,
                as_json,
                {"refused": reasons_json(exc.refused.reasons), "imported": 0},
                [str(r) for r in exc.refused.reasons],
            )
    say(
        as_json,
        {
            "production": prod,
            "kind": kind,
            "rows": len(plan.rows),
            "created": list(result.created),
            "events": result.events,
            "first_seq": result.first_seq,
            "last_seq": result.last_seq,
            "tree_size": result.tree_size,
            "skipped": skipped,
        },
        [
            f"Imported {len(plan.rows)} row(s) into {prod}: {', '.join(result.created)}",
            f"{result.events} event(s) in the log (entries {result.first_seq}-{result.last_seq})."
            if result.events
            else "Nothing new to record.",
            *skipped_lines,
        ],
    )


def _import_command(kind: str, help_text: str) -> None:
    def command(
        ctx: typer.Context,
        file: FileArg,
        actor: ActorOpt,
        production: ProductionOpt = None,
        house: HouseOpt = "",
        dry_run: DryRunOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        _run_import(ctx, kind, file, production, actor, house, dry_run, as_json)

    command.__doc__ = help_text
    import_cli.command(name=kind)(command)


_import_command(
    "weapons",
    "Register weapons: tag, name, make, model, serial, calibre, owner, kind, action, capacity,"
    " transfer_bar, select_fire (optional: open_bolt, slam_fire, drop_safety, decocker).",
)
_import_command(
    "lots",
    "Receive ammunition lots: tag, round_class, blank_load, calibre, supplier, count, container,"
    " container_label.",
)
_import_command("people", "Add people to the production with their roles: person, name, roles.")
_import_command(
    "manifest",
    "A rental-house manifest: weapons and lots in one file, told apart by the item column.",
)


def _write_table(
    ctx: typer.Context,
    table: tuple[str, Sequence[str], Sequence[Sequence[str]]],
    out: Path | None,
    corrected: list[str],
    as_json: bool,
    wrote: str,
    **extra: str | None,
) -> None:
    """An export's CSV to ``out`` (or stdout, or as JSON), the corrections it shows listed
    after it (R27): what every ``export`` command ends with. ``table`` is (the production,
    the columns, the rows); ``wrote`` the sentence said after writing a file."""
    from coldcheck.bootstrap import documents

    prod, columns, rows = table
    if out is None:
        if as_json:
            as_dicts = [dict(zip(columns, r, strict=True)) for r in rows]
            say(as_json, {"columns": columns, "rows": as_dicts, "corrections": corrected})
            return
        sys.stdout.write(documents(ctx.obj).csv_text(columns, rows))
        sys.stderr.writelines(f"{line}\n" for line in _marks_lines(corrected))
        return
    try:
        documents(ctx.obj).write_csv(out, columns, rows)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", EXIT_FAILURE, as_json)
    say(
        as_json,
        {
            "production": prod,
            **extra,
            "file": str(out),
            "rows": len(rows),
            "corrections": corrected,
        },
        [wrote, *_marks_lines(corrected)],
    )


def _export_command(kind: str) -> None:
    def command(
        ctx: typer.Context,
        production: ProductionOpt = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="CSV file to write (default: stdout).")
        ] = None,
        view: ExportViewOpt = "corrected",
        as_json: JsonOpt = False,
    ) -> None:
        from coldcheck.service.exchange import export_rows

        with open_app(ctx, as_json) as app:
            prod = production_of(app, production, as_json)
            state, corrected = _viewed(app, prod, view, as_json)
            columns, rows = export_rows(kind, state)
        wrote = f"Wrote {len(rows)} {kind} of {prod} to {out}"
        _write_table(ctx, (prod, columns, rows), out, corrected, as_json, wrote, kind=kind)

    command.__doc__ = f"Write the production's {kind} as CSV (the `import {kind}` columns)."
    export_cli.command(name=kind)(command)


for _kind in ("weapons", "lots", "people"):
    _export_command(_kind)


@export_cli.command("return-manifest")
def export_return_manifest(
    ctx: typer.Context,
    production: ProductionOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="CSV file to write (default: stdout).")
    ] = None,
    view: ExportViewOpt = "corrected",
    as_json: JsonOpt = False,
) -> None:
    """What goes back to the rental house: weapons, and per lot received / fired / destroyed /
    returned / evidence / on hand (``count`` is on hand); it imports with `import manifest`."""
    from coldcheck.service.exchange import return_manifest_rows

    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        state, corrected = _viewed(app, prod, view, as_json)
        columns, rows = return_manifest_rows(state)
    wrote = f"Wrote the return manifest of {prod} ({len(rows)} rows) to {out}"
    table = (prod, columns, rows)
    _write_table(ctx, table, out, corrected, as_json, wrote, kind="return-manifest")


def _marks_lines(corrected: list[str]) -> list[str]:
    """What an export says beside its CSV about corrected records (R27)."""
    if not corrected:
        return []
    return ["Corrected records (R27, ATF Ruling 2016-1):", *(f"  {m}" for m in corrected)]


@import_cli.command("bound-book")
def import_bound_book(
    ctx: typer.Context,
    file: FileArg,
    actor: ActorOpt,
    production: ProductionOpt = None,
    house: Annotated[
        str,
        typer.Option(
            "--house",
            help="The file is this rental house's book of what it sends: every row is a weapon"
            " acquired from it (without --house: a production's own bound book).",
        ),
    ] = "",
    house_licence: Annotated[
        str, typer.Option("--house-licence", help="The house's FFL (or other licence) number.")
    ] = "",
    house_address: Annotated[
        str, typer.Option("--house-address", help="The house's address.")
    ] = "",
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Register the firearms of a bound book CSV (27 CFR 478.125(e) columns with coldcheck's
    kind, action and capacity), with their acquisition and, for a production's own book,
    their disposition."""
    from coldcheck.service.boundbook import House, plan_bound_book

    the_house = (
        House(house.strip(), house_licence.strip(), house_address.strip()) if house else None
    )

    def planner(table: Any, state: Any, who: Any, at: Any) -> Any:
        return plan_bound_book(table, state, who, at, the_house)

    _run_import(ctx, "bound-book", file, production, actor, house, dry_run, as_json, planner)


@export_cli.command("bound-book")
def export_bound_book(
    ctx: typer.Context,
    production: ProductionOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="CSV file to write (default: stdout).")
    ] = None,
    pdf: Annotated[
        Path | None,
        typer.Option("--pdf", help="Also print it as PDF here, ending with the newest checkpoint."),
    ] = None,
    paper: PaperOpt = "a4",
    view: ExportViewOpt = "corrected",
    as_json: JsonOpt = False,
) -> None:
    """The bound book: every firearm (open and closed) with its acquisition and disposition, in
    the 27 CFR 478.125(e) columns an FFL's software maps (it imports with `import bound-book`)."""
    from coldcheck.bootstrap import documents
    from coldcheck.service.boundbook import bound_book_report, bound_book_rows
    from coldcheck.service.evidence import closing_checkpoint

    if paper not in ("a4", "letter"):
        fail(f"--paper {paper!r}: use a4 or letter", EXIT_USAGE, as_json)
    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        state, corrected = _viewed(app, prod, view, as_json)
        columns, rows = bound_book_rows(state)
        if pdf is not None:
            closing = closing_checkpoint(app.reads, app.witnessing, app.identity.vkey, None)
            report = bound_book_report(state, app.clock.now(), closing)
            try:
                documents(ctx.obj).render_bound_book(report, pdf, paper)
            except OSError as exc:
                fail(f"cannot write {pdf}: {exc.strerror}", EXIT_FAILURE, as_json)
    wrote = f"Wrote the bound book of {prod} ({len(rows)} firearms) to {out}" + (
        f" and {pdf}" if pdf else ""
    )
    table = (prod, columns, rows)
    pdf_name = str(pdf) if pdf else None
    _write_table(ctx, table, out, corrected, as_json, wrote, kind="bound-book", pdf=pdf_name)


def register(cli: typer.Typer) -> None:
    """Add ``import`` and ``export`` to the root CLI."""
    cli.add_typer(import_cli)
    cli.add_typer(export_cli)
