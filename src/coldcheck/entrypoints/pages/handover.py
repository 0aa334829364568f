"""The handover: the armorer hands a weapon to a performer, who and the 1st AD confirm (R08, R12).

The weapon is typed or scanned; its inspection shows as an htmx fragment.
Sending the form asks the server for a challenge for that exact handoff: the
confirmation screen then shows the performer and the 1st AD, in words, what
they confirm (every chamber, the bore, who inspected it and when) before each
types their own PIN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.errors import UnknownEntity
from coldcheck.domain.ids import PersonId, WeaponId, normalise_tag
from coldcheck.domain.model import Role
from coldcheck.domain.state import ProductionState
from coldcheck.domain.status import WeaponStatus, weapon_status
from coldcheck.entrypoints.deps import AppDep, FormDep, Membership, PageMember, PostedMember
from coldcheck.entrypoints.pages.common import (
    Outcome,
    ProductionPage,
    attempt_confirmed,
    done,
    page,
    people_with,
    production_page,
    take_context,
    text,
    today,
    typed,
)
from coldcheck.entrypoints.pages.drawing import CONTENT_WORDS, Drawing, drawing
from coldcheck.entrypoints.pages.photo_view import PhotoView, current_photo

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class HandoverPage(ProductionPage):
    """Pick a weapon (typed or scanned) and a performer; both confirm with their PIN (R12)."""

    template: ClassVar[str] = "handover.html"
    partials: ClassVar[tuple[str, ...]] = ("_handover_weapon.html",)
    w: WeaponStatus | None
    tag: str
    drawing: Drawing | None
    content_words: Mapping[str, str]
    weapons: tuple[WeaponStatus, ...]
    performers: tuple[tuple[PersonId, str], ...]
    ads: tuple[tuple[PersonId, str], ...]
    picked: Mapping[str, str] = field(default_factory=dict)
    #: the performer today's plan gives this weapon to (when there is exactly one)
    planned: str = ""
    #: the weapon's current photo, so the performer sees it is the weapon (issue 18)
    photo: PhotoView | None = None


def handover_page(
    app: App, member: Membership, tag: str, form: FormData | None = None
) -> HandoverPage:
    """The handover screen for the weapon typed (none yet when the tag is unknown)."""
    state = app.custody.state(member.id)
    status = None
    tag = normalise_tag(tag, "W") if tag else ""
    if tag:
        try:
            status = weapon_status(state, WeaponId(tag))
        except UnknownEntity:
            status = None
    return HandoverPage(
        **production_page(app, member, state, "handover"),
        w=status,
        tag=tag.strip().upper(),
        drawing=drawing(status) if status else None,
        content_words=CONTENT_WORDS,
        weapons=tuple(
            weapon_status(state, wid)
            for wid in sorted(state.weapons)
            if not state.weapons[wid].retired
        ),
        performers=tuple(people_with(state, Role.PERFORMER)),
        ads=tuple(people_with(state, Role.FIRST_AD)),
        picked=typed(form),
        planned=planned_performer(state, status.weapon, today(app, member)) if status else "",
        photo=current_photo(state, status.weapon if status else None),
    )


def planned_performer(state: ProductionState, weapon: WeaponId, day: date) -> str:
    """The one performer today's scene plans give ``weapon`` to, or '' (none, or several)."""
    planned = {
        p
        for plan in state.scenes.values()
        if plan.day == day and weapon in plan.weapons
        for p in plan.performers
        if state.has_role(p, Role.PERFORMER)
    }
    return next(iter(planned)) if len(planned) == 1 else ""


@router.get("/p/{production}/handover", response_class=HTMLResponse)
def handover_form(request: Request, app: AppDep, member: PageMember, weapon: str = "") -> Response:
    """Pick a weapon (typed or scanned) and a performer; both confirm with their PIN (R12)."""
    return page(request, handover_page(app, member, weapon))


@router.get("/p/{production}/handover/weapon", response_class=HTMLResponse)
def handover_weapon(
    request: Request, app: AppDep, member: PageMember, weapon: str = ""
) -> Response:
    """The chosen weapon's inspection, as a fragment (htmx)."""
    return page(request, handover_page(app, member, weapon), partial="_handover_weapon.html")


@router.post("/p/{production}/handover", response_class=HTMLResponse)
def handover(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """HandOver: first the confirmation screen, then the PINs; refusals list every rule."""
    tag = normalise_tag(text(form, "weapon"), "W")
    to = text(form, "to")

    def build() -> dict[str, Any]:
        if not tag:
            raise ValueError("type or scan the weapon's tag.")
        if not to:
            raise ValueError("choose who receives the weapon.")
        return {"weapon": WeaponId(tag), "to": PersonId(to), "context": take_context(form)}

    result = attempt_confirmed(
        request,
        app,
        member,
        c.HandOver,
        build,
        form,
        action=f"/p/{member.id}/handover",
        back=f"/p/{member.id}/handover?weapon={tag}",
        heading=f"hand {tag} over",
    )
    if not isinstance(result, Outcome):
        return result
    if result.ok:
        return done(f"/p/{member.id}/w/{tag}", "handed")
    refused = handover_page(app, member, tag, form).refused(result.reasons)
    return page(request, refused, status=409)
