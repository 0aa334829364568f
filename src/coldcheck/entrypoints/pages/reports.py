"""The Reports screen: the §9153 daily compliance report and the daily armory log of a shoot
day, on screen, as PDF and as CSV (producer, armorers, 1st AD, safety supervisor; anyone else
is sent to their own screen). ``?view=original|corrected|both`` (default both) shows corrected
entries (R27) as recorded, as corrected, or both; they are marked whichever."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coldcheck.bootstrap import App
from coldcheck.entrypoints.deps import AppDep, Membership, PageMember
from coldcheck.entrypoints.pages.common import (
    REPORT_ROLES,
    ProductionPage,
    error_page,
    page,
    production_page,
    today,
)
from coldcheck.service.compliance import (
    COMPLIANCE_COLUMNS,
    MET,
    NOT_MET,
    NOT_RECORDED,
    ComplianceReport,
    compliance_rows,
    day_compliance,
)
from coldcheck.service.corrections import VIEWS, View, parse_view
from coldcheck.service.daily import DailyReport, daily_rows, day_log
from coldcheck.service.reports import TIMELINE_COLUMNS

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class ReportsPage(ProductionPage):
    """One day's compliance lines, with the links to its PDF and CSV."""

    template: ClassVar[str] = "reports.html"
    day: date
    report: ComplianceReport
    daily: DailyReport
    statuses: tuple[str, str, str] = (MET, NOT_MET, NOT_RECORDED)
    view: str = View.BOTH.value
    views: tuple[str, ...] = VIEWS


def _day(request: Request, app: App, member: Membership) -> date | str:
    typed = request.query_params.get("day", "").strip()
    if not typed:
        return today(app, member)
    try:
        return date.fromisoformat(typed[:10])
    except ValueError:
        return f"'{typed[:20]}' is not a day: give it as YYYY-MM-DD (e.g. 2026-03-14)."


def _guard(request: Request, app: App, member: Membership) -> tuple[date, View] | Response:
    if not member.roles & REPORT_ROLES:  # the reports are not theirs: their own screen is
        return RedirectResponse(f"/p/{member.id}/mine", status_code=303)
    day = _day(request, app, member)
    if isinstance(day, str):
        return error_page(request, "Reports", day, 400)
    try:
        view = parse_view(request.query_params.get("view"))
    except ValueError as exc:
        return error_page(request, "Reports", str(exc), 400)
    return day, view


def _report(app: App, member: Membership, day: date, view: View) -> ComplianceReport:
    state = app.custody.state(member.id)
    return day_compliance(
        state, app.reads, app.witnessing, app.identity.vkey, day, app.clock.now(), view
    )


def _daily(app: App, member: Membership, day: date, view: View) -> DailyReport:
    state = app.custody.state(member.id)
    return day_log(state, app.reads, app.witnessing, app.identity.vkey, day, app.clock.now(), view)


@router.get("/p/{production}/reports", response_class=HTMLResponse)
def reports(request: Request, app: AppDep, member: PageMember) -> Response:
    """The compliance report and the daily armory log of ``?day=`` (default today) on
    screen, corrected entries as ``?view=`` shows them."""
    asked = _guard(request, app, member)
    if isinstance(asked, Response):
        return asked
    day, view = asked
    state = app.custody.state(member.id)
    ctx = ReportsPage(
        **production_page(app, member, state, "reports"),
        day=day,
        report=_report(app, member, day, view),
        daily=_daily(app, member, day, view),
        view=view.value,
    )
    return page(request, ctx)


def _download(body: bytes | str, media: str, name: str) -> Response:
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _pdf(request: Request, render: Callable[[Path, str], None], name: str) -> Response:
    """A PDF download: ``render(path, paper)`` writes it (A4, or ``?paper=letter``)."""
    paper = "letter" if request.query_params.get("paper") == "letter" else "a4"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        render(path, paper)
        return _download(path.read_bytes(), "application/pdf", name)


@router.get("/p/{production}/reports/daily.pdf")
def daily_pdf(request: Request, app: AppDep, member: PageMember) -> Response:
    """The daily armory log of ``?day=`` as PDF (A4; ``?paper=letter``; ``?view=``)."""
    asked = _guard(request, app, member)
    if isinstance(asked, Response):
        return asked
    day, view = asked
    report = _daily(app, member, day, view)
    return _pdf(
        request,
        lambda path, paper: app.documents.render_report(report, path, paper),
        f"daily-{member.id}-{day}.pdf",
    )


@router.get("/p/{production}/reports/daily.csv")
def daily_csv(request: Request, app: AppDep, member: PageMember) -> Response:
    """The day's events of the daily armory log of ``?day=`` as CSV (``?view=``)."""
    asked = _guard(request, app, member)
    if isinstance(asked, Response):
        return asked
    day, view = asked
    text = app.documents.csv_text(TIMELINE_COLUMNS, daily_rows(_daily(app, member, day, view)))
    return _download(text, "text/csv; charset=utf-8", f"daily-{member.id}-{day}.csv")


@router.get("/p/{production}/reports/compliance.pdf")
def compliance_pdf(request: Request, app: AppDep, member: PageMember) -> Response:
    """The compliance report of ``?day=`` as PDF (A4; ``?paper=letter``; ``?view=``)."""
    asked = _guard(request, app, member)
    if isinstance(asked, Response):
        return asked
    day, view = asked
    report = _report(app, member, day, view)
    return _pdf(
        request,
        lambda path, paper: app.documents.render_compliance(report, path, paper),
        f"compliance-{member.id}-{day}.pdf",
    )


@router.get("/p/{production}/reports/compliance.csv")
def compliance_csv(request: Request, app: AppDep, member: PageMember) -> Response:
    """The compliance report of ``?day=`` as CSV (one row per line; ``?view=``)."""
    asked = _guard(request, app, member)
    if isinstance(asked, Response):
        return asked
    day, view = asked
    report = _report(app, member, day, view)
    text = app.documents.csv_text(COMPLIANCE_COLUMNS, compliance_rows(report))
    return _download(text, "text/csv; charset=utf-8", f"compliance-{member.id}-{day}.csv")
