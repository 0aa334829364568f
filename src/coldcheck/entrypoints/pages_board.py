"""The board: every weapon as a card, filtered, refreshed live; registering a weapon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.ids import WeaponId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import WeaponKind
from coldcheck.domain.state import LoadLabel, ProductionState, WeaponStatus, weapon_status
from coldcheck.entrypoints.deps import AppDep, Membership, OptionalViewerDep
from coldcheck.entrypoints.pages_common import (
    FormDep,
    attempt,
    done,
    member_of,
    number,
    page,
    posted_member,
    production_context,
    text,
    today,
)

router = APIRouter(include_in_schema=False)


def since(then: datetime | None, now: datetime) -> str:
    """'12 min ago', '3 h 5 min ago', or 'never'."""
    if then is None:
        return "never"
    minutes = max(int((now - then).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min ago"
    return f"{minutes // 1440} days ago"


@dataclass(frozen=True)
class Card:
    """One weapon on the board."""

    status: WeaponStatus
    scenes: tuple[str, ...]
    inspected: str


def board_cards(app: App, member: Membership, state: ProductionState, query: Any) -> list[Card]:
    """Cards for every weapon that passes the filters in ``query``."""
    day = today(app, member)
    scenes_today = {s.id: s for s in state.scenes.values() if s.day == day}
    now = app.clock.now()
    want_label = query.get("state", "")
    want_where = query.get("where", "")
    want_scene = query.get("scene", "")
    needle = query.get("q", "").strip().lower()
    cards = []
    for wid in sorted(state.weapons):
        ws = state.weapons[wid]
        if ws.retired:
            continue
        st = weapon_status(state, wid)
        scenes = tuple(sorted(s for s, plan in scenes_today.items() if wid in plan.weapons))
        if want_label and st.label.value != want_label:
            continue
        if want_where and st.location.value != want_where:
            continue
        if want_scene and want_scene not in scenes:
            continue
        hay = f"{st.tag} {st.name} {st.serial} {st.holder_name or ''}".lower()
        if needle and needle not in hay:
            continue
        cards.append(Card(st, scenes, since(st.inspected_at, now)))
    return cards


def _board_context(app: App, member: Membership, request: Request) -> dict[str, Any]:
    state = app.custody.state(member.id)
    day = today(app, member)
    q = request.query_params
    return {
        **production_context(app, member, state),
        "cards": board_cards(app, member, state, q),
        "total": sum(1 for w in state.weapons.values() if not w.retired),
        "labels": [label.value for label in LoadLabel],
        "scenes": sorted(s.id for s in state.scenes.values() if s.day == day),
        "filters": {k: q.get(k, "") for k in ("state", "where", "scene", "q")},
    }


@router.get("/p/{production}/board", response_class=HTMLResponse)
def board(production: str, request: Request, app: AppDep, viewer: OptionalViewerDep) -> Response:
    """Every weapon as a card: tag, name, holder, state in words and colour, filters."""
    member = member_of(app, viewer, production)
    return page(request, "board.html", _board_context(app, member, request))


@router.get("/p/{production}/board/cards", response_class=HTMLResponse)
def board_cards_fragment(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """The cards alone, for the live refresh (htmx)."""
    member = member_of(app, viewer, production)
    return page(request, "_cards.html", _board_context(app, member, request))


def _register_context(
    app: App, member: Membership, values: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        **production_context(app, member),
        "actions": [a.value for a in ActionType],
        "kinds": [k.value for k in WeaponKind],
        "values": values or {},
    }


@router.get("/p/{production}/weapons/new", response_class=HTMLResponse)
def register_form(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """Register a weapon received from its owner."""
    member = member_of(app, viewer, production)
    return page(request, "register.html", _register_context(app, member))


@router.post("/p/{production}/weapons/new", response_class=HTMLResponse)
def register(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep
) -> Response:
    """RegisterWeapon; the next free tag is given when none is typed."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        return {
            "weapon": WeaponId(text(form, "weapon").upper()),
            "name": text(form, "name"),
            "make": text(form, "make"),
            "model": text(form, "model"),
            "serial": text(form, "serial"),
            "calibre": text(form, "calibre"),
            "owner": text(form, "owner"),
            "kind": WeaponKind(text(form, "kind")),
            "action": ActionType(text(form, "action")),
            "capacity": number(form, "capacity", "Capacity", 0),
            "transfer_bar": text(form, "transfer_bar") == "yes",
            "select_fire": text(form, "select_fire") == "yes",
        }

    result = attempt(app, member, c.RegisterWeapon, build)
    if result.ok and result.accepted is not None:
        tag = getattr(result.accepted.events[0], "weapon", "")
        return done(f"/p/{production}/w/{tag}", "registered")
    values = {k: text(form, k) for k in form if k != "csrf"}
    ctx = {**_register_context(app, member, values), "reasons": result.reasons}
    return page(request, "register.html", ctx, status=409)
