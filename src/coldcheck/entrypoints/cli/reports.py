"""``report daily|custody|incident`` (PDF and CSV) and ``labels`` (QR label sheets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coldcheck.entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    JsonOpt,
    PaperOpt,
    ProductionOpt,
    all_events,
    fail,
    open_app,
    parse_day,
    production_of,
    say,
    today_of,
)

if TYPE_CHECKING:
    from coldcheck.bootstrap import App
    from coldcheck.service.ports import Documents

    pass


# -- reports ------------------------------------------------------------------------------

report_cli = typer.Typer(
    name="report",
    help="Reports as PDF (and CSV): daily armory log, custody, incident, §9153 compliance.",
    no_args_is_help=True,
)
DayOpt = Annotated[
    str | None, typer.Option("--day", help="Shoot day YYYY-MM-DD (default: today, local).")
]
OutPdf = Annotated[
    Path | None, typer.Option("--out", "-o", help="PDF file to write (default: a name in .).")
]
OutCsv = Annotated[
    Path | None, typer.Option("--csv", help="Also write the report's table as CSV here.")
]
ViewOpt = Annotated[
    str,
    typer.Option(
        "--view",
        help="Corrected entries (R27): original (as recorded), corrected, or both (default);"
        " marked whichever.",
    ),
]


def _view(text: str, as_json: bool) -> Any:
    """The report view named by ``--view``, or a usage error that says the choices."""
    from coldcheck.service.corrections import parse_view

    try:
        return parse_view(text)
    except ValueError as exc:
        fail(f"--view: {exc}", EXIT_USAGE, as_json)


def _write_report(
    docs: Documents,
    report: Any,
    out: Path,
    csv_out: Path | None,
    csv_table: tuple[Sequence[str], list[list[str]]],
    paper: str,
    as_json: bool,
    render: Callable[[Any, Path, str], None] | None = None,
) -> None:
    """Write the PDF (``render``: default the timeline report's) and the CSV if asked."""
    if paper not in ("a4", "letter"):
        fail(f"--paper {paper!r}: use a4 or letter", EXIT_USAGE, as_json)
    try:
        (render or docs.render_report)(report, out, paper)
        if csv_out is not None:
            docs.write_csv(csv_out, *csv_table)
    except OSError as exc:
        fail(f"cannot write the report: {exc}", EXIT_FAILURE, as_json)


def _head_json(report: Any) -> dict[str, Any] | None:
    head = report.head
    if head is None:
        return None
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_b64,
        "fingerprint": head.fingerprint,
        "signed_at": head.signed_at.isoformat(),
        "final": head.final,
        "witnesses": list(head.witnesses),
        "checkpoint": head.checkpoint,
        "vkey": head.vkey,
    }


def _closing(app: Any, head: Any) -> Any:
    """The head with its checkpoint (and every cosignature held) and the log's vkey."""
    from coldcheck.service.reports import ClosingCheckpoint

    if head is None:
        return None
    note = app.witnessing.cosigned_checkpoint(head).decode("utf-8")
    return ClosingCheckpoint(head, note, app.identity.vkey)


def _security(app: Any, start: Any, end: Any) -> Any:
    """The security log's PIN failures between two times (bounded to what a report shows)."""
    from datetime import UTC, datetime

    from coldcheck.service.reports import PIN_KINDS

    lo = start or datetime(1970, 1, 1, tzinfo=UTC)
    hi = end or app.clock.now()
    return app.reads.security_events(lo, hi, PIN_KINDS)


@report_cli.command("daily")
def report_daily(
    ctx: typer.Context,
    production: ProductionOpt = None,
    day: DayOpt = None,
    out: OutPdf = None,
    csv_out: OutCsv = None,
    paper: PaperOpt = "a4",
    view: ViewOpt = "both",
    as_json: JsonOpt = False,
) -> None:
    """The daily armory log: custody, loads, blanks fired, reconciliation, incidents, head."""
    from coldcheck.service.daily import daily_report, daily_rows
    from coldcheck.service.evidence import closing_head
    from coldcheck.service.reports import TIMELINE_COLUMNS, ReportError, day_bounds

    shown = _view(view, as_json)
    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        state = app.custody.state(prod)
        the_day = parse_day(day, "--day", as_json) or today_of(app, state)
        now = app.clock.now()
        from zoneinfo import ZoneInfo

        assert state.info is not None
        _, end = day_bounds(the_day, ZoneInfo(state.info.time_zone))
        head = _closing(app, closing_head(app.reads, end if now >= end else None))
        try:
            report = daily_report(state, all_events(app, prod), the_day, now, head, shown)
        except ReportError as exc:
            fail(str(exc), EXIT_FAILURE, as_json)
    target = out or Path(f"daily-{prod}-{the_day}.pdf")
    _write_report(
        app.documents,
        report,
        target,
        csv_out,
        (TIMELINE_COLUMNS, daily_rows(report)),
        paper,
        as_json,
    )
    say(
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
            f"  closing checkpoint: tree size {report.head.tree_size}, root"
            f" {report.head.root_b64}, fingerprint {report.head.fingerprint}"
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
    view: ViewOpt = "both",
    as_json: JsonOpt = False,
) -> None:
    """Chain of custody of one weapon or lot over a period, with the head at its end."""
    from zoneinfo import ZoneInfo

    from coldcheck.service.evidence import closing_head
    from coldcheck.service.reports import (
        TIMELINE_COLUMNS,
        ReportError,
        custody_report,
        day_bounds,
    )

    ref = ref.upper()
    shown = _view(view, as_json)
    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        state = app.custody.state(prod)
        assert state.info is not None
        tz = ZoneInfo(state.info.time_zone)
        first = parse_day(since, "--from", as_json)
        last = parse_day(until, "--to", as_json)
        if first and last and last < first:
            fail("--to is before --from", EXIT_USAGE, as_json)
        start = day_bounds(first, tz)[0] if first else None
        end = day_bounds(last, tz)[1] if last else None
        now = app.clock.now()
        head = _closing(
            app, closing_head(app.reads, end if end is not None and now >= end else None)
        )
        try:
            report = custody_report(
                state,
                all_events(app, prod),
                ref,
                start,
                end,
                now,
                head,
                _security(app, start, end),
                shown,
            )
        except ReportError as exc:
            fail(str(exc), EXIT_FAILURE, as_json)
    target = out or Path(f"custody-{prod}-{ref}.pdf")
    rows = [[*r.cells(), a] for r, a in zip(report.rows, report.after, strict=True)]
    _write_report(
        app.documents, report, target, csv_out, ((*TIMELINE_COLUMNS, "after"), rows), paper, as_json
    )
    say(
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
    view: ViewOpt = "both",
    as_json: JsonOpt = False,
) -> None:
    """An incident with every event of the production around it."""
    from datetime import timedelta

    from coldcheck.service.evidence import closing_head
    from coldcheck.service.reports import TIMELINE_COLUMNS, ReportError, incident_report

    if window < 0:
        fail("--window must be 0 or more minutes", EXIT_USAGE, as_json)
    incident = incident.upper()
    shown = _view(view, as_json)
    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        state = app.custody.state(prod)
        now = app.clock.now()
        try:
            found = state.incidents.get(incident)  # type: ignore[call-overload]
            span = timedelta(minutes=window)
            security = _security(app, found.at - span, found.at + span) if found is not None else ()
            report = incident_report(
                state,
                all_events(app, prod),
                incident,
                span,
                now,
                _closing(app, closing_head(app.reads, None)),
                security,
                shown,
            )
        except ReportError as exc:
            fail(str(exc), EXIT_FAILURE, as_json)
    target = out or Path(f"incident-{prod}-{incident}.pdf")
    rows = [r.cells() for r in (*report.rows, *report.follow_up)]
    _write_report(app.documents, report, target, csv_out, (TIMELINE_COLUMNS, rows), paper, as_json)
    say(
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


@report_cli.command("compliance")
def report_compliance(
    ctx: typer.Context,
    production: ProductionOpt = None,
    day: DayOpt = None,
    out: OutPdf = None,
    csv_out: OutCsv = None,
    paper: PaperOpt = "a4",
    view: ViewOpt = "both",
    as_json: JsonOpt = False,
) -> None:
    """California Labor Code §9153 daily compliance: met / not met / not recorded, per
    firearm and per person, citing the log positions; ends with the day's closing head."""
    from coldcheck.service.compliance import (
        COMPLIANCE_COLUMNS,
        NOT_MET,
        compliance_rows,
        day_compliance,
    )
    from coldcheck.service.reports import ReportError

    if paper not in ("a4", "letter"):
        fail(f"--paper {paper!r}: use a4 or letter", EXIT_USAGE, as_json)
    shown = _view(view, as_json)
    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        state = app.custody.state(prod)
        the_day = parse_day(day, "--day", as_json) or today_of(app, state)
        try:
            report = day_compliance(
                state,
                app.reads,
                app.witnessing,
                app.identity.vkey,
                the_day,
                app.clock.now(),
                shown,
            )
        except ReportError as exc:
            fail(str(exc), EXIT_FAILURE, as_json)
    target = out or Path(f"compliance-{prod}-{the_day}.pdf")
    _write_report(
        app.documents,
        report,
        target,
        csv_out,
        (COMPLIANCE_COLUMNS, compliance_rows(report)),
        paper,
        as_json,
        render=app.documents.render_compliance,
    )
    not_met = [line for line in report.lines if line.status == NOT_MET]
    say(
        as_json,
        {
            "production": prod,
            "day": the_day.isoformat(),
            "pdf": str(target),
            "csv": str(csv_out) if csv_out else None,
            "contact": report.contact,
            "counts": report.counts,
            "not_met": [line.cells() for line in not_met],
            "closing_head": _head_json(report),
        },
        [
            f"§9153 compliance report of {prod} for {the_day}: {target}"
            + (f" (CSV {csv_out})" if csv_out else ""),
            "  " + ", ".join(f"{n} {k}" for k, n in report.counts.items()),
            *(f"  NOT MET: {line.subject}: {line.requirement} - {line.detail}" for line in not_met),
        ],
    )


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
        typer.Option(
            "--base-url",
            help="The cart's address for the pages the QR codes open (default: the HTTPS address"
            " of the cart's certificate, else http://HOST:PORT); 'none' puts"
            " coldcheck:<production>/<tag> in them instead.",
        ),
    ] = "",
    out: Annotated[Path, typer.Option("--out", "-o", help="PDF file to write.")] = Path(
        "labels.pdf"
    ),
    as_json: JsonOpt = False,
) -> None:
    """QR label sheets for weapons, lots and containers."""
    from coldcheck.service.reports import label_items

    kinds = kind or ["weapons", "lots", "containers"]
    bad = [k for k in kinds if k not in ("weapons", "lots", "containers")]
    if bad:
        fail(f"--kind {bad[0]!r}: use weapons, lots or containers", EXIT_USAGE, as_json)
    if paper not in ("a4", "letter"):
        fail(f"--paper {paper!r}: use a4 or letter", EXIT_USAGE, as_json)
    with open_app(ctx, as_json) as app:
        prod = production_of(app, production, as_json)
        base = cart_url(app) if not base_url else ("" if base_url == "none" else base_url)
        items = label_items(app.custody.state(prod), kinds, tag or (), base)
    if not items:
        fail("nothing to label (check --kind and --tag)", EXIT_FAILURE, as_json)
    if tag:
        missing = sorted({t.upper() for t in tag} - {i.tag for i in items})
        if missing:
            fail(f"no such tag(s): {', '.join(missing)}", EXIT_FAILURE, as_json)
    try:
        pages = app.documents.render_labels(items, out, paper)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}", EXIT_FAILURE, as_json)
    say(
        as_json,
        {"production": prod, "pdf": str(out), "labels": len(items), "pages": pages, "paper": paper},
        [f"{len(items)} labels on {pages} {paper} page(s): {out}"],
    )


def cart_url(app: App) -> str:
    """Where tablets reach this cart: its certificate's first LAN address over HTTPS, else
    the configured host and port over HTTP."""
    port = app.settings.port
    if app.tls is not None:
        lan = [a for a in app.tls.addresses if a not in ("localhost", "127.0.0.1", "::1")]
        host = (lan or list(app.tls.addresses))[0]
        return f"https://{f'[{host}]' if ':' in host else host}:{port}"
    return f"http://{app.settings.host}:{port}"


def register(cli: typer.Typer) -> None:
    """Add ``report`` and ``labels`` to the root CLI."""
    cli.add_typer(report_cli)
    cli.command("labels")(labels)
