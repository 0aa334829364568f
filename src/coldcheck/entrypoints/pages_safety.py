"""Safety: stop-work call and lift (R21), incidents, safety reports (R22), the anonymous form.

``/report/{production}`` needs no sign-in: it shows a form and nothing else
of the production (not even its title), and files the report with no actor.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import IncidentId, MeetingId, ProductionId, ReportId, WeaponId
from coldcheck.domain.model import ARMORER_ROLES, Role, Severity
from coldcheck.domain.state import overdue_reports
from coldcheck.entrypoints.deps import AppDep, Membership, OptionalViewerDep
from coldcheck.entrypoints.pages_common import (
    FormDep,
    Outcome,
    attempt,
    done,
    member_of,
    page,
    people_with,
    posted_member,
    production_context,
    text,
)
from coldcheck.service.errors import Refused

router = APIRouter(include_in_schema=False)
MAX_REPORT = 4000


def _safety_context(request: Request, app: App, member: Membership) -> dict[str, Any]:
    state = app.custody.state(member.id)
    since = state.stop_work.since if state.stop_work else None
    return {
        **production_context(app, member, state),
        "nav": "safety",
        "incidents": sorted(
            state.incidents.values(), key=lambda i: (i.closed_at is not None, i.at), reverse=False
        ),
        "reports": sorted(state.reports.values(), key=lambda r: (r.closed_at is not None, r.at)),
        "overdue": {r.id for r in overdue_reports(state, app.clock.now())},
        "meetings_since": sorted(
            (m for m in state.meetings.values() if since is not None and m.at > since),
            key=lambda m: m.at,
        ),
        "lifters": people_with(state, Role.SAFETY_SUPERVISOR, *ARMORER_ROLES),
        "weapons": sorted(state.weapons),
        "report_link": f"{str(request.base_url).rstrip('/')}/report/{member.id}",
        "values": {},
    }


@router.get("/p/{production}/safety", response_class=HTMLResponse)
def safety(production: str, request: Request, app: AppDep, viewer: OptionalViewerDep) -> Response:
    """Stop-work state, incidents and safety reports, and the forms to act on them."""
    member = member_of(app, viewer, production)
    return page(request, "safety.html", _safety_context(request, app, member))


def _after(
    request: Request, app: App, member: Membership, result: Outcome, ok: str, form: FormData
) -> Response:
    if result.ok:
        return done(f"/p/{member.id}/safety", ok)
    ctx = _safety_context(request, app, member)
    ctx["values"] = {k: text(form, k) for k in form if "pin" not in k}
    return page(request, "safety.html", {**ctx, "reasons": result.reasons}, status=409)


@router.post("/p/{production}/safety/stop", response_class=HTMLResponse)
def stop_work(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep
) -> Response:
    """StopWork: anyone on the production may call it (R21)."""
    member = posted_member(app, viewer, production, form)
    result = attempt(app, member, c.StopWork, lambda: {"reason": text(form, "reason")})
    return _after(request, app, member, result, "stopped", form)


@router.post("/p/{production}/safety/lift", response_class=HTMLResponse)
def lift_stop_work(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep
) -> Response:
    """LiftStopWork: armorer and safety supervisor together, after a new meeting (R21)."""
    member = posted_member(app, viewer, production, form)
    pins = [(text(form, "lift_person"), text(form, "lift_pin"))]
    result = attempt(
        app, member, c.LiftStopWork, lambda: {"meeting": MeetingId(text(form, "meeting"))}, pins
    )
    return _after(request, app, member, result, "lifted", form)


@router.post("/p/{production}/safety/incidents", response_class=HTMLResponse)
def open_incident(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep
) -> Response:
    """OpenIncident; severity 'stop' stops work (R21)."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        weapon = text(form, "weapon")
        return {
            "kind": text(form, "kind") or "reported",
            "severity": Severity(text(form, "severity", "note")),
            "description": text(form, "description"),
            "weapon": WeaponId(weapon) if weapon else None,
        }

    return _after(
        request, app, member, attempt(app, member, c.OpenIncident, build), "incident", form
    )


@router.post("/p/{production}/safety/incidents/{incident}/close", response_class=HTMLResponse)
def close_incident(
    production: str,
    incident: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """CloseIncident with its resolution."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        return {"incident": IncidentId(incident), "resolution": text(form, "resolution")}

    return _after(
        request, app, member, attempt(app, member, c.CloseIncident, build), "incident", form
    )


@router.post("/p/{production}/safety/reports", response_class=HTMLResponse)
def file_report(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep
) -> Response:
    """FileSafetyReport by a signed-in member, named or anonymous (R22)."""
    member = posted_member(app, viewer, production, form)
    anonymous = text(form, "anonymous") == "yes"
    if anonymous:
        result = file_anonymously(app, member.id, text(form, "text"))
    else:
        result = attempt(
            app,
            member,
            c.FileSafetyReport,
            lambda: {"report": ReportId(""), "text": text(form, "text")[:MAX_REPORT]},
        )
    return _after(request, app, member, result, "report", form)


@router.post("/p/{production}/safety/reports/{report}/close", response_class=HTMLResponse)
def close_report(
    production: str,
    report: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """CloseSafetyReport with an answer (it is never deleted)."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        return {"report": ReportId(report), "response": text(form, "response")}

    return _after(
        request, app, member, attempt(app, member, c.CloseSafetyReport, build), "report", form
    )


# -- the anonymous form ------------------------------------------------------------------


def file_anonymously(app: App, production: ProductionId, words: str) -> Outcome:
    """FileSafetyReport with no actor and anonymous=True; the domain strips the envelope too."""
    command = c.FileSafetyReport(
        production=production,
        actor=None,
        at=app.clock.now(),
        report=ReportId(""),
        text=words[:MAX_REPORT],
        anonymous=True,
    )
    try:
        app.custody.execute(command)
    except Refused as exc:
        return Outcome(exc.reasons)
    return Outcome()


def _known_production(app: App, production: str) -> ProductionId:
    pid = ProductionId(production)
    if len(production) > 64 or not app.custody.production_exists(pid):
        raise HTTPException(404, "No such report link. Ask the production for the right one.")
    return pid


@router.get("/report/{production}", response_class=HTMLResponse)
def anonymous_form(production: str, request: Request, app: AppDep) -> Response:
    """The anonymous safety report form; no sign-in, nothing else of the production shown."""
    _known_production(app, production)
    return page(request, "report.html", {"report_to": production, "filed": False, "values": {}})


@router.post("/report/{production}", response_class=HTMLResponse)
def anonymous_report(production: str, request: Request, app: AppDep, form: FormDep) -> Response:
    """File it; a post from another site is refused (there is no session for a CSRF token)."""
    pid = _known_production(app, production)
    origin = request.headers.get("origin", "null")
    own = str(request.base_url).rstrip("/")
    if request.headers.get("sec-fetch-site") == "cross-site" or origin not in ("null", own):
        raise HTTPException(403, "Reports are filed from this server's own form.")
    result = file_anonymously(app, pid, text(form, "text"))
    reasons: tuple[Reason, ...] = result.reasons
    ctx = {"report_to": production, "filed": result.ok, "values": {"text": text(form, "text")}}
    return page(
        request, "report.html", {**ctx, "reasons": reasons}, status=200 if result.ok else 409
    )
