"""Take back: the armorer scans (or types) the weapon a performer hands back, and goes to it.

The take-back itself stays on the weapon page (its own form and confirmations); this
screen only finds the weapon fast, and lists every weapon a performer holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coldcheck.domain.ids import WeaponId, normalise_tag
from coldcheck.domain.state import Custody
from coldcheck.domain.status import WeaponStatus, weapon_status
from coldcheck.entrypoints.deps import AppDep, PageMember
from coldcheck.entrypoints.pages.common import ProductionPage, page, production_page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class TakeBackPage(ProductionPage):
    """Scan or type the weapon coming back; the weapons performers hold, to pick from."""

    template: ClassVar[str] = "takeback.html"
    held: tuple[WeaponStatus, ...]
    tag: str = ""
    problem: str = ""


@router.get("/p/{production}/takeback", response_class=HTMLResponse)
def take_back(request: Request, app: AppDep, member: PageMember, weapon: str = "") -> Response:
    """Find the weapon being handed back (``?weapon=`` a tag, short forms too) and open it."""
    state = app.custody.state(member.id)
    problem = ""
    tag = normalise_tag(weapon, "W") if weapon else ""
    if tag:
        ws = state.weapons.get(WeaponId(tag))
        if ws is None:
            problem = f"No weapon {weapon} on this production — check the tag."
        elif ws.location is not Custody.PERFORMER:
            problem = f"{tag} is not with a performer ({ws.location.value}): nothing to take back."
        else:
            return RedirectResponse(f"/p/{member.id}/w/{tag}#take-back-form", status_code=303)
    held = tuple(
        weapon_status(state, w.weapon.id)
        for w in sorted(state.weapons_out(), key=lambda w: w.weapon.id)
        if w.location is Custody.PERFORMER
    )
    return page(
        request,
        TakeBackPage(
            **production_page(app, member, state, "board"),
            held=held,
            tag=tag,
            problem=problem,
        ),
        status=404 if problem.startswith("No weapon") else 200,
    )
