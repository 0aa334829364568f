"""The board: every weapon as a card, filtered, refreshed live; registering a weapon."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.ids import WeaponId, normalise_tag
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import Acquisition, WeaponKind
from coldcheck.domain.state import ProductionState
from coldcheck.domain.status import LoadLabel, WeaponStatus, still_needed, weapon_status
from coldcheck.entrypoints.deps import AppDep, FormDep, Membership, PageMember, PostedMember
from coldcheck.entrypoints.pages.common import (
    ProductionPage,
    attempt,
    day_or_none,
    done,
    number,
    page,
    production_page,
    text,
    today,
    typed,
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
    short = normalise_tag(needle, "W") if needle else ""
    if short in state.weapons:
        needle = short.lower()  # 'w-1' or '1' finds W-0001
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


@dataclass(frozen=True, kw_only=True)
class BoardPage(ProductionPage):
    """The board: every weapon that passes the filters, as a card."""

    template: ClassVar[str] = "board.html"
    partials: ClassVar[tuple[str, ...]] = ("_cards.html",)
    cards: tuple[Card, ...]
    total: int
    labels: tuple[str, ...]
    scenes: tuple[str, ...]
    filters: Mapping[str, str]
    still_needed: tuple[str, ...] = ()
    witnesses: str | None = None
    """How far behind the witnesses' copy of the log is, in words (None: no witnesses)."""
    witnesses_stale: bool = False


@dataclass(frozen=True, kw_only=True)
class RegisterPage(ProductionPage):
    """Register a weapon received from its owner; what was typed is kept after a refusal."""

    template: ClassVar[str] = "register.html"
    actions: tuple[str, ...]
    kinds: tuple[str, ...]
    values: Mapping[str, str]


def board_page(app: App, member: Membership, request: Request) -> BoardPage:
    """The board for the filters in the query string."""
    state = app.custody.state(member.id)
    day = today(app, member)
    q = request.query_params
    fresh = app.witnessing.freshness()
    return BoardPage(
        witnesses=fresh.words if fresh is not None else None,
        witnesses_stale=fresh is not None and fresh.stale,
        **production_page(app, member, state, "board"),
        cards=tuple(board_cards(app, member, state, q)),
        total=sum(1 for w in state.weapons.values() if not w.retired),
        labels=tuple(label.value for label in LoadLabel),
        scenes=tuple(sorted(s.id for s in state.scenes.values() if s.day == day)),
        filters={k: q.get(k, "") for k in ("state", "where", "scene", "q")},
        still_needed=still_needed(state, day),
    )


@router.get("/p/{production}/board", response_class=HTMLResponse)
def board(request: Request, app: AppDep, member: PageMember) -> Response:
    """Every weapon as a card: tag, name, holder, state in words and colour, filters."""
    return page(request, board_page(app, member, request))


@router.get("/p/{production}/board/cards", response_class=HTMLResponse)
def board_cards_fragment(request: Request, app: AppDep, member: PageMember) -> Response:
    """The cards alone, for the live refresh (htmx)."""
    return page(request, board_page(app, member, request), partial="_cards.html")


def _acquisition(form: FormData) -> Acquisition | None:
    """From whom the weapon was received (the bound book, issue 18); None when nothing typed."""
    name, address, licence, reference, received = (
        text(form, f"acquired_{n}") for n in ("name", "address", "licence", "reference", "on")
    )
    if not (name or address or licence or reference or received):
        return None
    return Acquisition(
        name=name,
        address=address,
        licence=licence,
        reference=reference,
        received=day_or_none(received, "day received"),
    )


def register_page(app: App, member: Membership, form: FormData | None = None) -> RegisterPage:
    """The register form, with what was typed."""
    return RegisterPage(
        **production_page(app, member, nav="board"),
        actions=tuple(a.value for a in ActionType),
        kinds=tuple(k.value for k in WeaponKind),
        values=typed(form),
    )


@router.get("/p/{production}/weapons/new", response_class=HTMLResponse)
def register_form(request: Request, app: AppDep, member: PageMember) -> Response:
    """Register a weapon received from its owner."""
    return page(request, register_page(app, member))


@router.post("/p/{production}/weapons/new", response_class=HTMLResponse)
def register(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """RegisterWeapon; the next free tag is given when none is typed."""

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
            "open_bolt": text(form, "open_bolt") == "yes",
            "slam_fire": text(form, "slam_fire") == "yes",
            "drop_safety": text(form, "drop_safety") == "yes",
            "decocker": text(form, "decocker") == "yes",
            "importer": text(form, "importer"),
            "country": text(form, "country"),
            "firearm_type": text(form, "firearm_type"),
            "acquisition": _acquisition(form),
        }

    result = attempt(app, member, c.RegisterWeapon, build)
    if result.ok and result.accepted is not None:
        tag = getattr(result.accepted.events[0], "weapon", "")
        return done(f"/p/{member.id}/w/{tag}", "registered")
    return page(request, register_page(app, member, form).refused(result.reasons), status=409)
