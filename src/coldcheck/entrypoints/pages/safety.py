"""Safety: stop-work call and lift (R21), incidents, safety reports (R22), the anonymous form.

``/report/{production}`` needs no sign-in: it shows a form and nothing else
of the production (not even its title). What it receives is held outside the
custody log (``service.held_reports``) until the safety supervisor or the
producer accepts it on this screen (filed with no actor) or refuses it (kept).
Any production id gets the same form and the same answer, known or not.
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
from coldcheck.domain.errors import Reason
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
from coldcheck.entrypoints.deps import (
    AppDep,
    FormDep,
    Membership,
    PageMember,
    PostedMember,
    client_of,
    public_base,
    refuse_cross_site,
)
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
from coldcheck.service.held_reports import DECIDERS, HeldReport, ReportsThrottled

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
    held: tuple[HeldReport, ...] = ()
    may_decide_held: bool = False


def safety_page(
    request: Request, app: App, member: Membership, form: FormData | None = None
) -> SafetyPage:
    """The safety screen (after a refused post: with what was typed, never a PIN)."""
    state = app.custody.state(member.id)
    since = state.stop_work.since if state.stop_work else None
    may_decide = bool(member.roles & set(DECIDERS))  # held text is not in the record yet
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
        report_link=f"{public_base(request, app)}/report/{member.id}",
        values=typed(form),
        lots=tuple(sorted(state.lots)),
        scenes=tuple(sorted(state.scenes)),
        people=tuple(people_with(state)),
        stop_incidents=tuple(
            state.incidents[i]
            for i in dict.fromkeys(state.stop_work.incidents if state.stop_work else ())
            if i in state.incidents and state.incidents[i].closed_at is None
        ),
        held=tuple(app.held_reports.held(member.id)) if may_decide else (),
        may_decide_held=may_decide,
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


@router.post("/p/{production}/safety/held/{held}/{decision}", response_class=HTMLResponse)
def decide_held(
    held: str, decision: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """Accept a held anonymous report into the log, or refuse it (kept); safety supervisor or
    producer only."""
    if decision not in ("accept", "refuse"):
        raise HTTPException(404, "Accept or refuse a held report; nothing else.")
    try:
        if decision == "accept":
            app.held_reports.accept(member.id, held, member.viewer.person)
        else:
            app.held_reports.refuse(member.id, held, member.viewer.person)
    except Refused as exc:
        return _after(request, app, member, Outcome(exc.reasons), "report", form)
    return done(f"/p/{member.id}/safety", "report")


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


def _report_link(production: str) -> str:
    """Any production id of the right length gets the same form (known or not)."""
    if not production or len(production) > 64:
        raise HTTPException(404, "No such report link. Ask the production for the right one.")
    return production


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
    return page(request, AnonymousReportPage(report_to=_report_link(production)))


@router.post("/report/{production}", response_class=HTMLResponse)
def anonymous_report(production: str, request: Request, app: AppDep, form: FormDep) -> Response:
    """Hold it for the safety staff; a post from another site is refused (there is no
    session for a CSRF token); past a limit, 429 with when to try again."""
    _report_link(production)
    refuse_cross_site(request, "Reports are filed from this server's own form.")
    words = text(form, "text")
    try:
        app.held_reports.submit(production, words, client_of(request))
    except ReportsThrottled as exc:
        waiting = AnonymousReportPage(
            report_to=production, values={"text": words}, reasons=(Reason("LIMIT", str(exc)),)
        )
        response = page(request, waiting, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Refused as exc:
        refused = AnonymousReportPage(
            report_to=production, values={"text": words}, reasons=exc.reasons
        )
        return page(request, refused, status=409)
    return page(request, AnonymousReportPage(report_to=production, filed=True))
