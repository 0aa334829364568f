"""The shoot day: armory, scene plans (R13, R18), meetings (R17), wrap count and close (R23)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.ids import LotId, MeetingId, PersonId, SceneId, WeaponId
from coldcheck.domain.model import (
    ARMORER_ROLES,
    PRODUCTION_REPRESENTATIVE_ROLES,
    LotCount,
    Role,
    SafetyMeeting,
    ScenePlan,
)
from coldcheck.domain.state import LotState, WeaponState
from coldcheck.domain.status import DayStatus, day_status
from coldcheck.entrypoints.deps import AppDep, FormDep, Membership, PageMember, PostedMember
from coldcheck.entrypoints.pages.common import (
    Outcome,
    ProductionPage,
    Typed,
    attempt,
    attempt_confirmed,
    done,
    number,
    page,
    people_with,
    production_page,
    text,
    texts,
    today,
    typed,
    zone,
)
from coldcheck.entrypoints.pages.drawing import TakesChart, takes_chart

router = APIRouter(include_in_schema=False)


def _day(app: App, member: Membership, raw: str) -> date:
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    return today(app, member)


def last_count(app: App, member: Membership, day: date) -> ev.DayReconciled | None:
    """The latest wrap count recorded for ``day``."""
    found = None
    for item in app.reads.timeline(member.id, None, 500):
        if isinstance(item.event, ev.DayReconciled) and item.event.day == day:
            found = item.event
    return found


@dataclass(frozen=True, kw_only=True)
class DayPage(ProductionPage):
    """A shoot day: armory, scene plans, meetings, the wrap count (expected vs counted), close."""

    template: ClassVar[str] = "day.html"
    day: date
    status: DayStatus
    scenes: tuple[ScenePlan, ...]
    meetings: tuple[SafetyMeeting, ...]
    lots: tuple[LotState, ...]
    weapons: tuple[WeaponState, ...]
    people: tuple[tuple[PersonId, str], ...]
    performers: tuple[tuple[PersonId, str], ...]
    armorers: tuple[tuple[PersonId, str], ...]
    representatives: tuple[tuple[PersonId, str], ...]
    producers: tuple[tuple[PersonId, str], ...]
    counted: ev.DayReconciled | None
    values: Typed = field(default_factory=Typed)
    blind: bool = False
    locked_for_wrap: bool = False
    takes: TakesChart | None = None


def day_page(
    app: App,
    member: Membership,
    day: date,
    form: FormData | None = None,
    posted: str = "",
    blind: bool = False,
) -> DayPage:
    """Everything the day page shows (after a refused post: with what was typed, no PIN)."""
    state = app.custody.state(member.id)
    return DayPage(
        **production_page(app, member, state, "day"),
        day=day,
        status=day_status(state, day, today(app, member)),
        scenes=tuple(
            sorted((s for s in state.scenes.values() if s.day == day), key=lambda s: s.id)
        ),
        meetings=tuple(
            sorted((m for m in state.meetings.values() if m.day == day), key=lambda m: m.at)
        ),
        lots=tuple(state.lots[lot] for lot in sorted(state.lots)),
        weapons=tuple(
            state.weapons[w] for w in sorted(state.weapons) if not state.weapons[w].retired
        ),
        people=tuple(people_with(state)),
        performers=tuple(people_with(state, Role.PERFORMER)),
        armorers=tuple(people_with(state, *ARMORER_ROLES)),
        representatives=tuple(people_with(state, *PRODUCTION_REPRESENTATIVE_ROLES)),
        producers=tuple(people_with(state, Role.PRODUCER, *ARMORER_ROLES)),
        counted=last_count(app, member, day),
        values=typed(form, posted=posted),
        blind=blind or (form is not None and text(form, "blind") == "yes"),
        locked_for_wrap=state.armory_locked and not state.weapons_out(),
        takes=takes_chart(app.reads.timeline(member.id, None, 2000), state, day, zone(member)),
    )


@router.get("/p/{production}/day", response_class=HTMLResponse)
def day_screen(
    request: Request, app: AppDep, member: PageMember, day: str = "", blind: str = ""
) -> Response:
    """Scene plans, safety meetings, the wrap count (expected vs counted) and closing the day.

    ``?blind=1`` hides what the records expect, for a blind count.
    """
    return page(request, day_page(app, member, _day(app, member, day), blind=blind == "1"))


def _after(
    request: Request,
    app: App,
    member: Membership,
    day: date,
    result: Outcome,
    ok: str,
    form: FormData,
) -> Response:
    if result.ok:
        return done(f"/p/{member.id}/day?day={day.isoformat()}", ok)
    again = day_page(app, member, day, form, posted=ok)
    return page(request, again.refused(result.reasons), status=409)


@router.post("/p/{production}/day/scenes", response_class=HTMLResponse)
def plan_scene(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """PlanScene; an armorer signs off by asking or by confirming with a PIN (R18)."""
    day = _day(app, member, text(form, "day"))

    def build() -> dict[str, Any]:
        return {
            "scene": SceneId(text(form, "scene")),
            "day": day,
            "title": text(form, "title"),
            "setup": text(form, "setup"),
            "weapons": tuple(WeaponId(w) for w in texts(form, "weapons")),
            "performers": tuple(PersonId(p) for p in texts(form, "performers")),
            "fires_blanks": text(form, "fires_blanks") == "yes",
            "points_at_people_or_camera": text(form, "points") == "yes",
            "closest_distance_ft": number(form, "distance", "The closest distance", 0),
            "protection": tuple(
                p.strip() for p in text(form, "protection").split(",") if p.strip()
            ),
        }

    return _confirmed(request, app, member, day, c.PlanScene, build, form, "scenes", "scene")


@router.post("/p/{production}/day/meetings", response_class=HTMLResponse)
def hold_meeting(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """HoldSafetyMeeting with the attendees ticked (R17)."""
    day = _day(app, member, text(form, "day"))

    def build() -> dict[str, Any]:
        return {
            "meeting": MeetingId(""),
            "day": day,
            "scenes": tuple(SceneId(s) for s in texts(form, "scenes")),
            "attendees": tuple(PersonId(p) for p in texts(form, "attendees")),
            "notes": text(form, "notes"),
        }

    result = attempt(app, member, c.HoldSafetyMeeting, build)
    return _after(request, app, member, day, result, "meeting", form)


@router.post("/p/{production}/day/armory", response_class=HTMLResponse)
def armory(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """UnlockArmory, or LockUp for a break, lunch or wrap (R09)."""
    day = _day(app, member, text(form, "day"))
    kind = text(form, "kind")
    if kind == "unlock":
        result = attempt(app, member, c.UnlockArmory, dict)
    else:
        result = attempt(app, member, c.LockUp, lambda: {"kind": kind or "break"})
    return _after(request, app, member, day, result, "armory", form)


@router.post("/p/{production}/day/reconcile", response_class=HTMLResponse)
def reconcile(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """ReconcileDay: counted rounds and spent cases per lot, serials seen in storage."""
    day = _day(app, member, text(form, "day"))
    state = app.custody.state(member.id)

    def build() -> dict[str, Any]:
        counts = []
        for lot in sorted(state.lots):
            if text(form, f"store-{lot}") == "":
                raise ValueError(f"count {lot}: type how many rounds are in store (0 if none).")
            counts.append(
                LotCount(
                    LotId(lot),
                    number(form, f"store-{lot}", f"Rounds of {lot}"),
                    number(form, f"spent-{lot}", f"Spent cases of {lot}", 0),
                )
            )
        return {
            "day": day,
            "lot_counts": tuple(counts),
            "serials_seen": tuple(texts(form, "serial")),
        }

    result = attempt(app, member, c.ReconcileDay, build)
    return _after(request, app, member, day, result, "reconciled", form)


@router.post("/p/{production}/day/close", response_class=HTMLResponse)
def close_day(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """CloseDay: the armorer asks, a producer or 1st AD confirms with a PIN (R23)."""
    day = _day(app, member, text(form, "day"))
    return _confirmed(
        request, app, member, day, c.CloseDay, lambda: {"day": day}, form, "close", "closed"
    )


@router.post("/p/{production}/day/resolve", response_class=HTMLResponse)
def resolve(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """ResolveDiscrepancy: armorer and producer together (R23)."""
    day = _day(app, member, text(form, "day"))
    return _confirmed(
        request,
        app,
        member,
        day,
        c.ResolveDiscrepancy,
        lambda: {"day": day, "resolution": text(form, "resolution")},
        form,
        "resolve",
        "resolved",
    )


HEADINGS = {
    c.PlanScene: "sign off the scene plan",
    c.CloseDay: "close the day",
    c.ResolveDiscrepancy: "resolve the discrepancy",
}


def _confirmed(
    request: Request,
    app: App,
    member: Membership,
    day: date,
    cls: type[c.BaseCommand],
    build: Callable[[], Mapping[str, Any]],
    form: FormData,
    action: str,
    ok: str,
) -> Response:
    result = attempt_confirmed(
        request,
        app,
        member,
        cls,
        build,
        form,
        action=f"/p/{member.id}/day/{action}",
        back=f"/p/{member.id}/day?day={day.isoformat()}",
        heading=HEADINGS[cls],
    )
    if not isinstance(result, Outcome):
        return result
    return _after(request, app, member, day, result, ok, form)
