"""Each role's own screen ("For you"): what a performer holds, the 1st AD's day, the safety
supervisor's incidents, reports and stop-work — and the safety links everyone needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coldcheck.domain.model import Incident, Role, SafetyMeeting, SafetyReport, ScenePlan
from coldcheck.domain.state import Custody
from coldcheck.domain.status import (
    DayStatus,
    WeaponStatus,
    day_status,
    overdue_reports,
    weapon_status,
)
from coldcheck.entrypoints.deps import AppDep, PageMember, public_base
from coldcheck.entrypoints.pages.common import ProductionPage, page, production_page, today

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Held:
    """A weapon the viewer holds: its state, today's scene with it, and who takes it back."""

    status: WeaponStatus
    scenes: tuple[ScenePlan, ...]
    give_back_to: str


@dataclass(frozen=True)
class Out:
    """A weapon out of storage, and with whom."""

    status: WeaponStatus


@dataclass(frozen=True, kw_only=True)
class MinePage(ProductionPage):
    """The viewer's own screen; each section shows for the roles it is for."""

    template: ClassVar[str] = "mine.html"
    held: tuple[Held, ...]
    scenes: tuple[ScenePlan, ...]
    meetings: tuple[SafetyMeeting, ...]
    met: frozenset[str]
    out: tuple[Out, ...]
    incidents: tuple[Incident, ...]
    reports: tuple[SafetyReport, ...]
    overdue: frozenset[str]
    day: DayStatus
    report_link: str
    show_performer: bool
    show_ad: bool
    show_safety: bool
    show_armorer: bool


@router.get("/p/{production}/mine", response_class=HTMLResponse)
def mine(request: Request, app: AppDep, member: PageMember) -> Response:
    """What this person needs today, by their roles."""
    state = app.custody.state(member.id)
    me = member.viewer.person
    day = today(app, member)
    scenes = tuple(sorted((s for s in state.scenes.values() if s.day == day), key=lambda s: s.id))
    meetings = tuple(
        sorted((m for m in state.meetings.values() if m.day == day), key=lambda m: m.at)
    )
    met = frozenset(
        s
        for m in meetings
        for s, rev in zip(m.scenes, m.scene_revisions, strict=True)
        if s in state.scenes and state.scenes[s].revision == rev
    )
    held = tuple(
        Held(
            weapon_status(state, wid),
            tuple(s for s in scenes if wid in s.weapons and me in s.performers),
            state.name_of(ws.issued_by) if ws.issued_by else "the armorer",
        )
        for wid, ws in sorted(state.weapons.items())
        if ws.holder == me and not ws.retired
    )
    out = tuple(
        Out(weapon_status(state, w.weapon.id))
        for w in sorted(state.weapons_out(), key=lambda w: w.weapon.id)
        if w.location is not Custody.STORAGE
    )
    roles = member.roles
    return page(
        request,
        MinePage(
            **production_page(app, member, state, "mine"),
            held=held,
            scenes=scenes,
            meetings=meetings,
            met=met,
            out=out,
            incidents=tuple(
                sorted(
                    (i for i in state.incidents.values() if i.closed_at is None),
                    key=lambda i: i.at,
                )
            ),
            reports=tuple(
                sorted(
                    (r for r in state.reports.values() if r.closed_at is None),
                    key=lambda r: r.at,
                )
            ),
            overdue=frozenset(r.id for r in overdue_reports(state, app.clock.now())),
            day=day_status(state, day),
            report_link=f"{public_base(request, app)}/report/{member.id}",
            show_performer=Role.PERFORMER in roles or bool(held),
            show_ad=bool(roles & {Role.FIRST_AD, Role.PRODUCER}),
            show_safety=bool(roles & {Role.SAFETY_SUPERVISOR, Role.PRODUCER}),
            show_armorer=bool(roles & {Role.ARMORER, Role.ASSISTANT_ARMORER}),
        ),
    )
