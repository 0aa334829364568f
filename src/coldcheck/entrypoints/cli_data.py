"""Data commands: ``import``, ``export``, ``report``, ``labels``, ``backup``, ``restore``, ``user``.

Exit codes as in cli.py: 0 ok, 1 failure, 2 usage, 3 refused by a safety
rule (every reason is printed with its rule code). ``--json`` prints one JSON
object on stdout and no progress bars. Heavy modules (fpdf2, segno, the
database) are imported inside the commands so ``coldcheck --help`` is fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from coldcheck.entrypoints.cli_common import (
    EXIT_FAILURE,
    EXIT_REFUSED,
    EXIT_USAGE,
    JsonOpt,
    stage_progress,
)
from coldcheck.entrypoints.cli_common import fail as _fail
from coldcheck.entrypoints.cli_common import open_app as _app

if TYPE_CHECKING:
    from coldcheck.bootstrap import App
    from coldcheck.domain.errors import Reason
    from coldcheck.domain.ids import ProductionId
    from coldcheck.domain.state import ProductionState

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


# -- output --------------------------------------------------------------------------------


def _out(as_json: bool, data: dict[str, Any], lines: Sequence[str] = ()) -> None:
    if as_json:
        typer.echo(json.dumps({"ok": True, **data}, indent=2, default=str))
    else:
        for line in lines:
            typer.echo(line)


def _reasons_json(reasons: Sequence[Reason]) -> list[dict[str, str]]:
    return [{"rule": r.rule, "message": r.message} for r in reasons]


def _refused(reasons: Sequence[Reason], as_json: bool, what: str) -> NoReturn:
    _fail(
        f"{what} refused",
        EXIT_REFUSED,
        as_json,
        {"refused": _reasons_json(reasons)},
        [str(r) for r in reasons],
    )


BACKUP_STAGES = {"copy": "copying pages"}


def _one_stage(stages: Callable[[str, int, int], None]) -> Callable[[int, int], None]:
    """A (done, total) callback for a single-stage progress bar."""
    return lambda done, total: stages("", done, total)


def _production(app: App, production: str | None, as_json: bool) -> ProductionId:
    from coldcheck.domain.ids import ProductionId

    if production:
        if not app.custody.production_exists(ProductionId(production)):
            known = ", ".join(p.id for p in app.reads.all_productions()) or "none"
            _fail(f"no production {production!r} (productions: {known})", EXIT_FAILURE, as_json)
        return ProductionId(production)
    productions = app.reads.all_productions()
    if len(productions) == 1:
        return productions[0].id
    known = ", ".join(p.id for p in productions) or "none yet"
    _fail(f"say which production with --production (productions: {known})", EXIT_USAGE, as_json)


def _actor(state: ProductionState, actor: str, as_json: bool) -> str:
    if actor not in state.people:
        _fail(
            f"--as {actor}: no such person on {state.production} "
            f"(people: {', '.join(sorted(state.people))})",
            EXIT_USAGE,
            as_json,
        )
    return actor


def _all_events(app: App, production: ProductionId) -> list[Any]:
    return app.reads.timeline(production, None, limit=2**62)


def _today(app: App, state: ProductionState) -> date:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(state.info.time_zone if state.info else "UTC")
    return app.clock.now().astimezone(tz).date()


def _parse_day(value: str | None, option: str, as_json: bool) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r} is not a date; use YYYY-MM-DD", EXIT_USAGE, as_json)


# -- import / export ---------------------------------------------------------------------

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
) -> None:
    from coldcheck.bootstrap import read_csv
    from coldcheck.domain.ids import PersonId
    from coldcheck.service.exchange import (
        FileError,
        ImportInterrupted,
        plan_import,
        run_import,
    )

    try:
        table = read_csv(file)
    except FileError as exc:
        _fail(str(exc), EXIT_FAILURE, as_json)
    with _app(ctx, as_json) as app:
        prod = _production(app, production, as_json)
        state = app.custody.state(prod)
        _actor(state, actor, as_json)
        plan = plan_import(kind, table, state, PersonId(actor), app.clock.now(), house)
        if not plan.ok:
            problems = [
                {"line": p.line, "reasons": _reasons_json(p.reasons)} for p in plan.problems
            ]
            _fail(
                f"{file}: {len(plan.problems)} bad row(s); nothing was imported",
                EXIT_REFUSED if plan.refused_by_rules else EXIT_FAILURE,
                as_json,
                {"problems": problems, "imported": 0},
                [str(p) for p in plan.problems],
            )
        creates = [c for row in plan.rows for c in row.creates]
        if dry_run:
            _out(
                as_json,
                {"dry_run": True, "rows": len(plan.rows), "would_create": creates},
                [f"{file}: {len(plan.rows)} row(s) pass every rule; nothing written (--dry-run)."],
            )
            return
        try:
            with stage_progress(as_json, {}, f"importing {kind}") as stages:
                progress = None if stages is None else _one_stage(stages)
                result = run_import(plan, app.custody, progress)
        except ImportInterrupted as exc:
            _fail(
                f"line {exc.line} was refused while writing (the production changed meanwhile); "
                f"{exc.done} command(s) before it were recorded",
                EXIT_REFUSED,
                as_json,
                {"refused": _reasons_json(exc.refused.reasons), "created": list(exc.created)},
                [str(r) for r in exc.refused.reasons],
            )
    _out(
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
        },
        [
            f"Imported {len(plan.rows)} row(s) into {prod}: {', '.join(result.created)}",
            f"{result.events} event(s) in the log (entries {result.first_seq}-{result.last_seq}).",
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
    " transfer_bar, select_fire.",
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


def _export_command(kind: str) -> None:
    def command(
        ctx: typer.Context,
        production: ProductionOpt = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="CSV file to write (default: stdout).")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        from coldcheck.bootstrap import write_csv
        from coldcheck.service.exchange import export_rows

        with _app(ctx, as_json) as app:
            prod = _production(app, production, as_json)
            columns, rows = export_rows(kind, app.custody.state(prod))
        if out is None:
            if as_json:
                as_dicts = [dict(zip(columns, r, strict=True)) for r in rows]
                _out(as_json, {"columns": columns, "rows": as_dicts})
                return
            from coldcheck.bootstrap import csv_text

            sys.stdout.write(csv_text(columns, rows))
            return
        try:
            write_csv(out, columns, rows)
        except OSError as exc:
            _fail(f"cannot write {out}: {exc.strerror}", EXIT_FAILURE, as_json)
        _out(
            as_json,
            {"production": prod, "kind": kind, "file": str(out), "rows": len(rows)},
            [f"Wrote {len(rows)} {kind} of {prod} to {out}"],
        )

    command.__doc__ = f"Write the production's {kind} as CSV (the `import {kind}` columns)."
    export_cli.command(name=kind)(command)


for _kind in ("weapons", "lots", "people"):
    _export_command(_kind)


# -- reports ------------------------------------------------------------------------------

report_cli = typer.Typer(
    name="report",
    help="Reports as PDF (and CSV): daily armory log, chain of custody, incident.",
    no_args_is_help=True,
)
OutPdf = Annotated[
    Path | None, typer.Option("--out", "-o", help="PDF file to write (default: a name in .).")
]
OutCsv = Annotated[
    Path | None, typer.Option("--csv", help="Also write the report's table as CSV here.")
]


def _write_report(
    report: Any,
    out: Path,
    csv_out: Path | None,
    csv_table: tuple[Sequence[str], list[list[str]]],
    paper: str,
    as_json: bool,
) -> None:
    from coldcheck.bootstrap import render_report, write_csv

    if paper not in ("a4", "letter"):
        _fail(f"--paper {paper!r}: use a4 or letter", EXIT_USAGE, as_json)
    try:
        render_report(report, out, paper)
        if csv_out is not None:
            write_csv(csv_out, *csv_table)
    except OSError as exc:
        _fail(f"cannot write the report: {exc}", EXIT_FAILURE, as_json)


def _head_json(report: Any) -> dict[str, Any] | None:
    head = report.head
    if head is None:
        return None
    return {
        "tree_size": head.tree_size,
        "root_hash_hex": head.root_hex,
        "signed_at": head.signed_at.isoformat(),
        "final": head.final,
        "head": json.loads(head.qr_text),
    }


@report_cli.command("daily")
def report_daily(
    ctx: typer.Context,
    production: ProductionOpt = None,
    day: Annotated[
        str | None, typer.Option("--day", help="Shoot day YYYY-MM-DD (default: today, local).")
    ] = None,
    out: OutPdf = None,
    csv_out: OutCsv = None,
    paper: PaperOpt = "a4",
    as_json: JsonOpt = False,
) -> None:
    """The daily armory log: custody, loads, blanks fired, reconciliation, incidents, head."""
    from coldcheck.bootstrap import closing_head
    from coldcheck.service.reports import (
        TIMELINE_COLUMNS,
        ReportError,
        daily_report,
        daily_rows,
        day_bounds,
    )

    with _app(ctx, as_json) as app:
        prod = _production(app, production, as_json)
        state = app.custody.state(prod)
        the_day = _parse_day(day, "--day", as_json) or _today(app, state)
        now = app.clock.now()
        from zoneinfo import ZoneInfo

        assert state.info is not None
        _, end = day_bounds(the_day, ZoneInfo(state.info.time_zone))
        head = closing_head(app, end if now >= end else None)
        try:
            report = daily_report(state, _all_events(app, prod), the_day, now, head)
        except ReportError as exc:
            _fail(str(exc), EXIT_FAILURE, as_json)
    target = out or Path(f"daily-{prod}-{the_day}.pdf")
    _write_report(report, target, csv_out, (TIMELINE_COLUMNS, daily_rows(report)), paper, as_json)
    _out(
        as_json,
        {
            "production": prod,
            "day": the_day.isoformat(),
            "pdf": str(target),
            "csv": str(csv_out) if csv_out else None,
            "weapons": len(report.weapons),
            "loads": len(report.loads),
            "blanks_fired": report.blanks_fired,
            "incidents": len(report.incidents),
            "wrap": report.wrap.state,
            "closing_head": _head_json(report),
        },
        [
            f"Daily armory log of {prod} for {the_day}: {target}"
            + (f" (CSV {csv_out})" if csv_out else ""),
            f"  closing head: tree size {report.head.tree_size}, root {report.head.root_hex}"
            if report.head
            else "  no signed head yet",
        ],
    )


@report_cli.command("custody")
def report_custody(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Weapon or lot tag, e.g. W-0001 or L-0002.")],
    production: ProductionOpt = None,
    since: Annotated[
        str | None, typer.Option("--from", help="First day YYYY-MM-DD (default: the beginning).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Last day YYYY-MM-DD, inclusive (default: now).")
    ] = None,
    out: OutPdf = None,
    csv_out: OutCsv = None,
    paper: PaperOpt = "a4",
    as_json: JsonOpt = False,
) -> None:
    """Chain of custody of one weapon or lot over a period, with the head at its end."""
    from zoneinfo import ZoneInfo

    from coldcheck.bootstrap import closing_head
    from coldcheck.service.reports import (
        TIMELINE_COLUMNS,
        ReportError,
        custody_report,
        day_bounds,
    )

    ref = ref.upper()
    with _app(ctx, as_json) as app:
        prod = _production(app, production, as_json)
        state = app.custody.state(prod)
        assert state.info is not None
        tz = ZoneInfo(state.info.time_zone)
        first = _parse_day(since, "--from", as_json)
        last = _parse_day(until, "--to", as_json)
        if first and last and last < first:
            _fail("--to is before --from", EXIT_USAGE, as_json)
        start = day_bounds(first, tz)[0] if first else None
        end = day_bounds(last, tz)[1] if last else None
        now = app.clock.now()
        head = closing_head(app, end if end is not None and now >= end else None)
        try:
            report = custody_report(state, _all_events(app, prod), ref, start, end, now, head)
        except ReportError as exc:
            _fail(str(exc), EXIT_FAILURE, as_json)
    target = out or Path(f"custody-{prod}-{ref}.pdf")
    rows = [[*r.cells(), a] for r, a in zip(report.rows, report.after, strict=True)]
    _write_report(report, target, csv_out, ((*TIMELINE_COLUMNS, "after"), rows), paper, as_json)
    _out(
        as_json,
        {
            "production": prod,
            "ref": ref,
            "pdf": str(target),
            "csv": str(csv_out) if csv_out else None,
            "events": len(report.rows),
            "status_after": report.status_after,
            "closing_head": _head_json(report),
        },
        [f"Chain of custody of {ref} ({len(report.rows)} events): {target}"],
    )


@report_cli.command("incident")
def report_incident(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="Incident id, e.g. I-0001.")],
    production: ProductionOpt = None,
    window: Annotated[
        int, typer.Option("--window", help="Minutes of timeline before and after the incident.")
    ] = 120,
    out: OutPdf = None,
    csv_out: OutCsv = None,
    paper: PaperOpt = "a4",
    as_json: JsonOpt = False,
) -> None:
    """An incident with every event of the production around it."""
    from datetime import timedelta

    from coldcheck.bootstrap import closing_head
    from coldcheck.service.reports import TIMELINE_COLUMNS, ReportError, incident_report

    if window < 0:
        _fail("--window must be 0 or more minutes", EXIT_USAGE, as_json)
    incident = incident.upper()
    with _app(ctx, as_json) as app:
        prod = _production(app, production, as_json)
        state = app.custody.state(prod)
        now = app.clock.now()
        try:
            report = incident_report(
                state,
                _all_events(app, prod),
                incident,
                timedelta(minutes=window),
                now,
                closing_head(app, None),
            )
        except ReportError as exc:
            _fail(str(exc), EXIT_FAILURE, as_json)
    target = out or Path(f"incident-{prod}-{incident}.pdf")
    rows = [r.cells() for r in (*report.rows, *report.follow_up)]
    _write_report(report, target, csv_out, (TIMELINE_COLUMNS, rows), paper, as_json)
    _out(
        as_json,
        {
            "production": prod,
            "incident": incident,
            "pdf": str(target),
            "csv": str(csv_out) if csv_out else None,
            "events": len(report.rows),
            "closed": report.closed_at is not None,
        },
        [f"Incident report {incident} ({len(report.rows)} events around it): {target}"],
    )


# -- labels, backup, restore -------------------------------------------------------------


def labels(
    ctx: typer.Context,
    production: ProductionOpt = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", help="weapons, lots or containers; repeat for several (default: all)."
        ),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Only these tags; repeat for several.")
    ] = None,
    paper: Annotated[
        str,
        typer.Option("--paper", help="a4 (3 x 8 labels, 70 x 37 mm) or letter (2 x 5, 4 x 2 in)."),
    ] = "a4",
    base_url: Annotated[
        str,
        typer.Option("--base-url", help="Put <URL>/p/<production>/<kind>/<tag> in the QR codes."),
    ] = "",
    out: Annotated[Path, typer.Option("--out", "-o", help="PDF file to write.")] = Path(
        "labels.pdf"
    ),
    as_json: JsonOpt = False,
) -> None:
    """QR label sheets for weapons, lots and containers."""
    from coldcheck.bootstrap import render_labels
    from coldcheck.service.reports import label_items

    kinds = kind or ["weapons", "lots", "containers"]
    bad = [k for k in kinds if k not in ("weapons", "lots", "containers")]
    if bad:
        _fail(f"--kind {bad[0]!r}: use weapons, lots or containers", EXIT_USAGE, as_json)
    if paper not in ("a4", "letter"):
        _fail(f"--paper {paper!r}: use a4 or letter", EXIT_USAGE, as_json)
    with _app(ctx, as_json) as app:
        prod = _production(app, production, as_json)
        items = label_items(app.custody.state(prod), kinds, tag or (), base_url)
    if not items:
        _fail("nothing to label (check --kind and --tag)", EXIT_FAILURE, as_json)
    if tag:
        missing = sorted({t.upper() for t in tag} - {i.tag for i in items})
        if missing:
            _fail(f"no such tag(s): {', '.join(missing)}", EXIT_FAILURE, as_json)
    try:
        pages = render_labels(items, out, paper)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}", EXIT_FAILURE, as_json)
    _out(
        as_json,
        {"production": prod, "pdf": str(out), "labels": len(items), "pages": pages, "paper": paper},
        [f"{len(items)} labels on {pages} {paper} page(s): {out}"],
    )


def backup(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="A new folder, or a file ending .tar / .tar.gz "
            "(default coldcheck-backup-<UTC time>.tar.gz).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Consistent online copy of the SQLite database and the signing key, verified."""
    from datetime import UTC

    from coldcheck.bootstrap import backup_data
    from coldcheck.service.exchange import FileError

    target = out or Path(f"coldcheck-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz")
    try:
        with stage_progress(as_json, BACKUP_STAGES, "verifying the ledger") as progress:
            report = backup_data(ctx.obj, target, progress)
    except FileError as exc:
        _fail(str(exc), EXIT_FAILURE, as_json)
    _out(
        as_json,
        {
            "backup": str(report.path),
            "tree_size": report.tree_size,
            "root_hash": report.root_hash,
            "files": report.files,
        },
        [
            f"Backup written to {report.path} (holds the signing key: keep it safe).",
            f"  ledger verified: {report.tree_size} entries, root {report.root_hash}",
        ],
    )


def restore(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="A backup folder or .tar / .tar.gz file.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace an existing database and key (kept beside them)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore a backup into the data folder, after its whole ledger verifies."""
    from coldcheck.bootstrap import restore_data
    from coldcheck.service.exchange import FileError

    try:
        with stage_progress(as_json, BACKUP_STAGES, "verifying the ledger") as progress:
            report = restore_data(ctx.obj, source, force=force, progress=progress)
    except FileError as exc:
        _fail(str(exc), EXIT_FAILURE, as_json)
    _out(
        as_json,
        {
            "data": str(report.data_dir),
            "tree_size": report.tree_size,
            "root_hash": report.root_hash,
            "kept": [str(p) for p in report.kept],
            "verified": report.summary,
        },
        [
            f"Restored into {report.data_dir}: {report.summary}",
            *[f"  kept the old file as {p}" for p in report.kept],
            "Run `coldcheck init` to bring an older backup's schema up to date.",
        ],
    )


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
            _fail(f"expected the {prompt.lower()} on line {line + 1} of stdin", EXIT_USAGE)
        return lines[line]
    if not sys.stdin.isatty():
        _fail(f"no terminal to ask for the {prompt.lower()}; use the -stdin option", EXIT_USAGE)
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return value


_STDIN: list[str] | None = None


def _stdin_lines() -> list[str]:
    global _STDIN
    if _STDIN is None:
        _STDIN = [line.rstrip("\r\n") for line in sys.stdin.readlines()]
    return _STDIN


def _account_error(exc: Exception, as_json: bool) -> NoReturn:
    _fail(str(exc), EXIT_FAILURE, as_json)


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
    from coldcheck.service.accounts import AccountError

    password = _secret(password_stdin, "Password")
    pin = _secret(password_stdin, "PIN", 1) if with_pin else None
    with _app(ctx, as_json) as app:
        try:
            with app.account_store() as store:
                user = app.accounts.create_user(
                    store,
                    login=login,
                    display_name=name,
                    person_id=person,
                    password=password,
                    pin=pin,
                    now=app.clock.now(),
                )
        except AccountError as exc:
            _account_error(exc, as_json)
    _out(
        as_json,
        {
            "login": user.login,
            "person": user.person_id,
            "name": user.display_name,
            "pin": bool(pin),
        },
        [f"Created account {user.login} for {user.display_name} (person {user.person_id})."],
    )


def _user_id(app: App, login: str, as_json: bool) -> str:
    from coldcheck.service.accounts import normalise_login

    with app.account_store(write=False) as store:
        try:
            user = store.user_by_login(normalise_login(login))
        except Exception:
            user = None
    if user is None:
        _fail(f"no account with login {login!r}", EXIT_FAILURE, as_json)
    return user.id


@user_cli.command("set-password")
def user_set_password(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: StdinOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Set a new password (signs the user out everywhere)."""
    from coldcheck.service.accounts import AccountError

    password = _secret(password_stdin, "New password")
    with _app(ctx, as_json) as app:
        user_id = _user_id(app, login, as_json)
        try:
            with app.account_store() as store:
                app.accounts.set_password(store, user_id, password, app.clock.now())
        except AccountError as exc:
            _account_error(exc, as_json)
    _out(as_json, {"login": login}, [f"Password of {login} changed; its sessions are signed out."])


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
    from coldcheck.service.accounts import AccountError

    pin = _secret(pin_stdin, "New PIN")
    with _app(ctx, as_json) as app:
        user_id = _user_id(app, login, as_json)
        try:
            with app.account_store() as store:
                app.accounts.set_pin(store, user_id, pin, app.clock.now())
        except AccountError as exc:
            _account_error(exc, as_json)
    _out(as_json, {"login": login}, [f"PIN of {login} changed."])


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
    as_json: JsonOpt = False,
) -> None:
    """Give an account's person roles on a production (adds the person first if needed)."""
    import dataclasses

    from coldcheck.domain import commands as c
    from coldcheck.domain.errors import Refusal
    from coldcheck.domain.ids import PersonId
    from coldcheck.domain.model import Role
    from coldcheck.domain.rules import decide
    from coldcheck.domain.state import apply
    from coldcheck.service.accounts import normalise_login
    from coldcheck.service.errors import Refused

    with _app(ctx, as_json) as app:
        prod = _production(app, production, as_json)
        with app.account_store(write=False) as store:
            user = store.user_by_login(normalise_login(login))
        if user is None:
            _fail(f"no account with login {login!r}", EXIT_FAILURE, as_json)
        state = app.custody.state(prod)
        _actor(state, actor, as_json)
        now = app.clock.now()
        person = PersonId(user.person_id)
        base: dict[str, Any] = {"production": prod, "actor": PersonId(actor), "at": now}
        commands: list[c.Command] = []
        if person not in state.people:
            commands.append(c.AddPerson(person=person, name=user.display_name, **base))
        commands.extend(
            c.AssignRole(person=person, role=Role(r.value), **base) for r in dict.fromkeys(role)
        )
        folded = state
        for command in commands:
            decision = decide(folded, command)
            if isinstance(decision, Refusal):
                _refused(decision.reasons, as_json, f"{type(command).__name__}")
            for event in decision:
                folded = apply(folded, event)
        seqs: list[int] = []
        for command in commands:
            try:
                accepted = app.custody.execute(dataclasses.replace(command, at=now))
            except Refused as exc:
                _refused(exc.reasons, as_json, type(command).__name__)
            seqs.extend(accepted.seqs)
    roles = ", ".join(r.value for r in role)
    _out(
        as_json,
        {
            "login": user.login,
            "person": person,
            "production": prod,
            "roles": [r.value for r in role],
            "added_person": isinstance(commands[0], c.AddPerson),
            "seqs": seqs,
        },
        [f"{user.display_name} ({person}) now has {roles} on {prod}."],
    )


@user_cli.command("list")
def user_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List accounts (never any secret)."""
    with _app(ctx, as_json) as app, app.account_store(write=False) as store:
        users = store.users()
    rows = [{"login": u.login, "name": u.display_name, "person": u.person_id} for u in users]
    _out(
        as_json,
        {"users": rows},
        [f"{u.login:<16} {u.person_id:<20} {u.display_name}" for u in users] or ["no accounts"],
    )


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the root CLI."""
    cli.add_typer(import_cli)
    cli.add_typer(export_cli)
    cli.add_typer(report_cli)
    cli.command("labels")(labels)
    cli.command("backup")(backup)
    cli.command("restore")(restore)
    cli.add_typer(user_cli)
