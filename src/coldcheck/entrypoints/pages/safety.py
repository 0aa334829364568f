"""Safety: stop-work call and lift (R21), incidents, safety reports (R22), the anonymous form.

``/report/{production}`` needs no sign-in: it shows a form and nothing else
of the production (not even its title), and files the report with no actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.ids import (
    IncidentId,
    LotId,
    MeetingId,
    PersonId,
    ProductionId,
    ReportId,
    SceneId,
    WeaponId,
)
from coldcheck.domain.model import (
    ARMORER_ROLES,
    Incident,
    Role,
    SafetyMeeting,
    SafetyReport,
    Severity,
)
from coldcheck.domain.status import overdue_reports
from coldcheck.entrypoints.deps import AppDep, FormDep, Membership, PageMember, PostedMember
from coldcheck.entrypoints.pages.common import (
    Outcome,
    Page,
    ProductionPage,
    attempt,
    attempt_confirmed,
    done,
    page,
    people_with,
    production_page,
    text,
    texts,
    typed,
)
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Refused

router = APIRouter(include_in_schema=False)
MAX_REPORT = 4000


@dataclass(frozen=True, kw_only=True)
class SafetyPage(ProductionPage):
    """Stop-work, incidents, safety reports and the forms to act on them."""

    template: ClassVar[str] = "safety.html"
    incidents: tuple[Incident, ...]
    reports: tuple[SafetyReport, ...]
    overdue: frozenset[str]
    meetings_since: tuple[SafetyMeeting, ...]
    lifters: tuple[tuple[PersonId, str], ...]
    weapons: tuple[WeaponId, ...]
    report_link: str
    values: Mapping[str, str] = field(default_factory=dict)
    lots: tuple[LotId, ...] = ()
    scenes: tuple[SceneId, ...] = ()
    people: tuple[tuple[PersonId, str], ...] = ()
    stop_incidents: tuple[Incident, ...] = ()


def safety_page(
    request: Request, app: App, member: Membership, form: FormData | None = None
) -> SafetyPage:
    """The safety screen (after a refused post: with what was typed, never a PIN)."""
    state = app.custody.state(member.id)
    since = state.stop_work.since if state.stop_work else None
    return SafetyPage(
        **production_page(app, member, state, "safety"),
        incidents=tuple(
            sorted(state.incidents.values(), key=lambda i: (i.closed_at is not None, i.at))
        ),
        reports=tuple(
            sorted(state.reports.values(), key=lambda r: (r.closed_at is not None, r.at))
        ),
        overdue=frozenset(r.id for r in overdue_reports(state, app.clock.now())),
        meetings_since=tuple(
            sorted(
                (m for m in state.meetings.values() if since is not None and m.at > since),
                key=lambda m: m.at,
            )
        ),
        lifters=tuple(people_with(state, Role.SAFETY_SUPERVISOR, *ARMORER_ROLES)),
        weapons=tuple(sorted(state.weapons)),
        report_link=f"{str(request.base_url).rstrip('/')}/report/{member.id}",
        values=typed(form),
        lots=tuple(sorted(state.lots)),
        scenes=tuple(sorted(state.scenes)),
        people=tuple(people_with(state)),
        stop_incidents=tuple(
            state.incidents[i]
            for i in dict.fromkeys(state.stop_work.incidents if state.stop_work else ())
            if i in state.incidents and state.incidents[i].closed_at is None
        ),
    )


@router.get("/p/{production}/safety", response_class=HTMLResponse)
def safety(request: Request, app: AppDep, member: PageMember) -> Response:
    """Stop-work state, incidents and safety reports, and the forms to act on them."""
    return page(request, safety_page(request, app, member))


def _after(
    request: Request, app: App, member: Membership, result: Outcome, ok: str, form: FormData
) -> Response:
    if result.ok:
        return done(f"/p/{member.id}/safety", ok)
    refused = safety_page(request, app, member, form).refused(result.reasons)
    return page(request, refused, status=409)


@router.post("/p/{production}/safety/stop", response_class=HTMLResponse)
def stop_work(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """StopWork: anyone on the production may call it (R21)."""
    result = attempt(app, member, c.StopWork, lambda: {"reason": text(form, "reason")})
    return _after(request, app, member, result, "stopped", form)


@router.post("/p/{production}/safety/lift", response_class=HTMLResponse)
def lift_stop_work(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """LiftStopWork: armorer and safety supervisor together, after a new meeting, with every
    stop incident closed or carried over in words (R21)."""

    def build() -> dict[str, Any]:
        return {
            "meeting": MeetingId(text(form, "meeting")),
            "carry_over": tuple(IncidentId(i) for i in texts(form, "carry_over")),
            "carry_over_reason": text(form, "carry_over_reason"),
        }

    result = attempt_confirmed(
        request,
        app,
        member,
        c.LiftStopWork,
        build,
        form,
        action=f"/p/{member.id}/safety/lift",
        back=f"/p/{member.id}/safety",
        heading="lift stop-work",
    )
    if not isinstance(result, Outcome):
        return result
    return _after(request, app, member, result, "lifted", form)


@router.post("/p/{production}/safety/incidents", response_class=HTMLResponse)
def open_incident(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """OpenIncident; severity 'stop' stops work (R21)."""

    def build() -> dict[str, Any]:
        scene = text(form, "scene")
        return {
            "kind": text(form, "kind") or "reported",
            "severity": Severity(text(form, "severity", "note")),
            "description": text(form, "description"),
            "weapons": tuple(WeaponId(w) for w in texts(form, "weapon")),
            "lots": tuple(LotId(x) for x in texts(form, "lot")),
            "scene": SceneId(scene) if scene else None,
            "people": tuple(PersonId(p) for p in texts(form, "person")),
        }

    return _after(
        request, app, member, attempt(app, member, c.OpenIncident, build), "incident", form
    )


@router.post("/p/{production}/safety/incidents/{incident}/close", response_class=HTMLResponse)
def close_incident(
    incident: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """CloseIncident with its resolution."""

    def build() -> dict[str, Any]:
        return {"incident": IncidentId(incident), "resolution": text(form, "resolution")}

    return _after(
        request, app, member, attempt(app, member, c.CloseIncident, build), "incident", form
    )


@router.post("/p/{production}/safety/reports", response_class=HTMLResponse)
def file_report(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """FileSafetyReport by a signed-in member, named or anonymous (R22)."""
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
    report: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """CloseSafetyReport with an answer (it is never deleted)."""

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
        app.custody.execute(command, channel=Channel.web())
    except Refused as exc:
        return Outcome(exc.reasons)
    return Outcome()


def _known_production(app: App, production: str) -> ProductionId:
    pid = ProductionId(production)
    if len(production) > 64 or not app.custody.production_exists(pid):
        raise HTTPException(404, "No such report link. Ask the production for the right one.")
    return pid


@dataclass(frozen=True, kw_only=True)
class AnonymousReportPage(Page):
    """The anonymous safety report form: nothing of the production but where it goes."""

    template: ClassVar[str] = "report.html"
    report_to: str
    filed: bool = False
    values: Mapping[str, str] = field(default_factory=dict)


@router.get("/report/{production}", response_class=HTMLResponse)
def anonymous_form(production: str, request: Request, app: AppDep) -> Response:
    """The anonymous safety report form; no sign-in, nothing else of the production shown."""
    _known_production(app, production)
    return page(request, AnonymousReportPage(report_to=production))


@router.post("/report/{production}", response_class=HTMLResponse)
def anonymous_report(production: str, request: Request, app: AppDep, form: FormDep) -> Response:
    """File it; a post from another site is refused (there is no session for a CSRF token)."""
    pid = _known_production(app, production)
    origin = request.headers.get("origin", "null")
    own = str(request.base_url).rstrip("/")
    if request.headers.get("sec-fetch-site") == "cross-site" or origin not in ("null", own):
        raise HTTPException(403, "Reports are filed from this server's own form.")
    result = file_anonymously(app, pid, text(form, "text"))
    filed = AnonymousReportPage(
        report_to=production,
        filed=result.ok,
        values={"text": text(form, "text")},
        reasons=result.reasons,
    )
    return page(request, filed, status=200 if result.ok else 409)
