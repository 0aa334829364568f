"""The Reports screen: the §9153 daily compliance report of a shoot day, on screen, as PDF
and as CSV (producer, armorers, 1st AD, safety supervisor; anyone else is sent to their own
screen)."""

from __future__ import annotations

import tempfile
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

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class ReportsPage(ProductionPage):
    """One day's compliance lines, with the links to its PDF and CSV."""

    template: ClassVar[str] = "reports.html"
    day: date
    report: ComplianceReport
    statuses: tuple[str, str, str] = (MET, NOT_MET, NOT_RECORDED)


def _day(request: Request, app: App, member: Membership) -> date | str:
    typed = request.query_params.get("day", "").strip()
    if not typed:
        return today(app, member)
    try:
        return date.fromisoformat(typed[:10])
    except ValueError:
        return f"'{typed[:20]}' is not a day: give it as YYYY-MM-DD (e.g. 2026-03-14)."


def _guard(request: Request, app: App, member: Membership) -> date | Response:
    if not member.roles & REPORT_ROLES:  # the reports are not theirs: their own screen is
        return RedirectResponse(f"/p/{member.id}/mine", status_code=303)
    day = _day(request, app, member)
    if isinstance(day, str):
        return error_page(request, "Reports", day, 400)
    return day


def _report(app: App, member: Membership, day: date) -> ComplianceReport:
    state = app.custody.state(member.id)
    return day_compliance(state, app.reads, app.witnessing, app.identity.vkey, day, app.clock.now())


@router.get("/p/{production}/reports", response_class=HTMLResponse)
def reports(request: Request, app: AppDep, member: PageMember) -> Response:
    """The compliance report of ``?day=`` (default today) on screen."""
    day = _guard(request, app, member)
    if isinstance(day, Response):
        return day
    state = app.custody.state(member.id)
    ctx = ReportsPage(
        **production_page(app, member, state, "reports"),
        day=day,
        report=day_compliance(
            state, app.reads, app.witnessing, app.identity.vkey, day, app.clock.now()
        ),
    )
    return page(request, ctx)


@router.get("/p/{production}/reports/compliance.pdf")
def compliance_pdf(request: Request, app: AppDep, member: PageMember) -> Response:
    """The compliance report of ``?day=`` as PDF (A4; ``?paper=letter``)."""
    day = _guard(request, app, member)
    if isinstance(day, Response):
        return day
    paper = "letter" if request.query_params.get("paper") == "letter" else "a4"
    report = _report(app, member, day)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "compliance.pdf"
        app.documents.render_compliance(report, path, paper)
        body = path.read_bytes()
    name = f"compliance-{member.id}-{day}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/p/{production}/reports/compliance.csv")
def compliance_csv(request: Request, app: AppDep, member: PageMember) -> Response:
    """The compliance report of ``?day=`` as CSV (one row per line)."""
    day = _guard(request, app, member)
    if isinstance(day, Response):
        return day
    report = _report(app, member, day)
    text = app.documents.csv_text(COMPLIANCE_COLUMNS, compliance_rows(report))
    name = f"compliance-{member.id}-{day}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
