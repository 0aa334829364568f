"""One weapon: its page (drawing, hazards, timeline, QR) and every custody step done to it.

Each step is a form that posts back to its own route; an accepted step
redirects to the weapon page, a refused one shows the form again with every
reason and its rule code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import segno
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.errors import UnknownEntity
from coldcheck.domain.ids import ContainerId, LotId, PersonId, SceneId, WeaponId
from coldcheck.domain.mechanics import (
    HammerPosition,
    RoundState,
    has_exposed_hammer_hazard,
    inspection_checklist,
)
from coldcheck.domain.model import (
    ARMORER_ROLES,
    BoreFinding,
    Disposition,
    Finding,
    PositionLoad,
    Role,
    RoundClass,
)
from coldcheck.domain.state import ProductionState, WeaponStatus, weapon_status
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
    take_time,
    text,
    texts,
    today,
)
from coldcheck.entrypoints.pages_drawing import CONTENT_WORDS, drawing, event_words

router = APIRouter(include_in_schema=False)
FOUND_CHOICES = [s.value for s in RoundState]


def status_or_404(state: ProductionState, tag: str) -> WeaponStatus:
    """The weapon's status; 404 with words when the tag is unknown."""
    try:
        return weapon_status(state, WeaponId(tag.strip().upper()))
    except UnknownEntity:
        raise HTTPException(404, f"No weapon {tag} on this production — check the tag.") from None


def qr_data_uri(request: Request, production: str, tag: str, scale: int = 6) -> str:
    """A QR label encoding the weapon page's address (the tag is in it)."""
    url = f"{str(request.base_url).rstrip('/')}/p/{production}/w/{tag}"
    return str(segno.make(url, error="m").svg_data_uri(scale=scale, border=4 if scale > 6 else 2))


def misfire_remaining(app: App, state: ProductionState, status: WeaponStatus) -> int | None:
    """Seconds left of the misfire wait (R19), or None without a misfire."""
    if status.misfire_at is None:
        return None
    wait = state.info.settings.misfire_wait if state.info else timedelta(seconds=15)
    left = (status.misfire_at + wait - app.clock.now()).total_seconds()
    return max(int(left + 0.999), 0)


def weapon_context(
    request: Request, app: App, member: Membership, tag: str, *, timeline: bool = False
) -> dict[str, Any]:
    """Everything a weapon screen shows about the weapon."""
    state = app.custody.state(member.id)
    status = status_or_404(state, tag)
    ctx: dict[str, Any] = {
        **production_context(app, member, state),
        "w": status,
        "drawing": drawing(status),
        "content_words": CONTENT_WORDS,
        "misfire_left": misfire_remaining(app, state, status),
        "exposed_hammer": has_exposed_hammer_hazard(
            status.action, state.weapons[status.weapon].weapon.transfer_bar
        ),
        "transfer_bar": state.weapons[status.weapon].weapon.transfer_bar,
        "weapon": state.weapons[status.weapon].weapon,
    }
    if timeline:
        items = app.reads.timeline(member.id, status.tag, 200)
        ctx["timeline"] = [
            (item.seq, item.event, *event_words(state, item.event, ctx["tz"]))
            for item in reversed(items)
        ]
        ctx["qr"] = qr_data_uri(request, member.id, status.tag)
    return ctx


@router.get("/p/{production}/w/{tag}", response_class=HTMLResponse)
def weapon_page(
    production: str, tag: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """State, drawing of load positions, hazards, actions, QR label and custody timeline."""
    member = member_of(app, viewer, production)
    ctx = weapon_context(request, app, member, tag, timeline=True)
    return page(request, "weapon.html", {**ctx, "nav": "board"})


def _after(
    request: Request,
    app: App,
    member: Membership,
    tag: str,
    result: Outcome,
    ok: str,
    template: str = "weapon.html",
    extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Response:
    """Redirect to the weapon page when accepted; else the form again with every reason."""
    if result.ok:
        return done(f"/p/{member.id}/w/{tag.upper()}", ok)
    ctx = weapon_context(request, app, member, tag, timeline=template == "weapon.html")
    if extra is not None:
        ctx.update(extra(ctx))
    return page(request, template, {**ctx, "nav": "board", "reasons": result.reasons}, status=409)


def _simple(
    cls: type[c.BaseCommand], ok: str, fields: Callable[[FormData], dict[str, Any]] | None = None
) -> Callable[..., Response]:
    def route(
        production: str,
        tag: str,
        request: Request,
        app: AppDep,
        viewer: OptionalViewerDep,
        form: FormDep,
    ) -> Response:
        member = posted_member(app, viewer, production, form)

        def build() -> dict[str, Any]:
            return {"weapon": WeaponId(tag.upper()), **(fields(form) if fields else {})}

        return _after(request, app, member, tag, attempt(app, member, cls, build), ok)

    route.__doc__ = f"{cls.__name__} from the weapon page."
    return route


router.post("/p/{production}/w/{tag}/take-out")(_simple(c.TakeOutOfStorage, "taken-out"))
router.post("/p/{production}/w/{tag}/return")(_simple(c.ReturnToStorage, "returned"))
router.post("/p/{production}/w/{tag}/take-back")(_simple(c.TakeBack, "taken-back"))
router.post("/p/{production}/w/{tag}/bore")(
    _simple(c.CheckBore, "bore", lambda f: {"bore": BoreFinding(text(f, "bore"))})
)
router.post("/p/{production}/w/{tag}/clear")(
    _simple(c.ClearWeaponQuarantine, "cleared", lambda f: {"note": text(f, "note")})
)
router.post("/p/{production}/w/{tag}/retire")(_simple(c.RetireWeapon, "retired"))


@router.get("/p/{production}/w/{tag}/label", response_class=HTMLResponse)
def label_page(
    production: str, tag: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """A printable label: the QR big, the tag, name and serial (print stylesheet)."""
    member = member_of(app, viewer, production)
    state = app.custody.state(member.id)
    status = status_or_404(state, tag)
    return page(
        request,
        "label.html",
        {
            **production_context(app, member, state),
            "nav": "board",
            "w": status,
            "qr": qr_data_uri(request, member.id, status.tag, scale=12),
        },
    )


# -- inspect ---------------------------------------------------------------------


def _inspect_extra(form: FormData | None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def extra(ctx: dict[str, Any]) -> dict[str, Any]:
        w: WeaponStatus = ctx["w"]
        return {
            "checklist": inspection_checklist(w.action),
            "found_choices": FOUND_CHOICES,
            "hammer_choices": [h.value for h in HammerPosition],
            "picked": {k: text(form, k) for k in form} if form else {},
            "ticked": set(texts(form, "step")) if form else set(),
        }

    return extra


@router.get("/p/{production}/w/{tag}/inspect", response_class=HTMLResponse)
def inspect_form(
    production: str, tag: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """The checklist of the action type (R24), one control per position, and the bore."""
    member = member_of(app, viewer, production)
    ctx = weapon_context(request, app, member, tag)
    return page(request, "inspect.html", {**ctx, **_inspect_extra(None)(ctx), "nav": "board"})


@router.post("/p/{production}/w/{tag}/inspect", response_class=HTMLResponse)
def inspect(
    production: str,
    tag: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """InspectWeapon; an incomplete inspection is refused (R24) and nothing is recorded."""
    member = posted_member(app, viewer, production, form)
    state = app.custody.state(member.id)
    status = status_or_404(state, tag)

    def build() -> dict[str, Any]:
        findings = []
        for i, (position, _) in enumerate(status.positions):
            found = text(form, f"pos-{i}")
            if found:
                findings.append(Finding(position, RoundState(found)))
        hammer = text(form, "hammer")
        over = text(form, "hammer_over")
        if not text(form, "bore"):
            raise ValueError("R24: record what you found in the bore.")
        return {
            "weapon": status.weapon,
            "findings": tuple(findings),
            "bore": BoreFinding(text(form, "bore")),
            "checklist": tuple(texts(form, "step")),
            "hammer": HammerPosition(hammer) if hammer else None,
            "hammer_over": over or None,
        }

    result = attempt(app, member, c.InspectWeapon, build)
    return _after(
        request, app, member, tag, result, "inspected", "inspect.html", _inspect_extra(form)
    )


# -- load and unload -------------------------------------------------------------------


def _load_extra(form: FormData | None, app: App, member: Membership) -> Callable[..., Any]:
    def extra(ctx: dict[str, Any]) -> dict[str, Any]:
        state: ProductionState = ctx["state"]
        w: WeaponStatus = ctx["w"]
        lots = [
            ls
            for ls in sorted(state.lots.values(), key=lambda x: x.lot.id)
            if ls.lot.calibre == w.calibre
            and ls.lot.round_class is not RoundClass.LIVE
            and not ls.quarantined
            and ls.in_store > 0
        ]
        containers = [
            cs
            for cid, cs in sorted(state.containers.items())
            if any(cs.contents.get(ls.lot.id) for ls in lots)
        ]
        empty = [p for p, load in w.positions if load.state is RoundState.EMPTY]
        hammer_default = text(form, "hammer_over") if form else ""
        if not hammer_default and ctx["exposed_hammer"] and empty:
            hammer_default = empty[-1]
        checked = (
            set(texts(form, "position"))
            if form
            else {p for p in empty if p != hammer_default or not ctx["exposed_hammer"]}
        )
        day = today(app, member)
        return {
            "lots": lots,
            "containers": containers,
            "empty_positions": empty,
            "checked": checked,
            "hammer_default": hammer_default,
            "scenes": sorted(
                (s for s in state.scenes.values() if s.day == day), key=lambda s: s.id
            ),
            "picked": {k: text(form, k) for k in form} if form else {},
        }

    return extra


@router.get("/p/{production}/w/{tag}/load", response_class=HTMLResponse)
def load_form(
    production: str, tag: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """Load: positions, lot, container, and for blanks the scene and time of the take."""
    member = member_of(app, viewer, production)
    ctx = weapon_context(request, app, member, tag)
    return page(
        request, "load.html", {**ctx, **_load_extra(None, app, member)(ctx), "nav": "board"}
    )


@router.post("/p/{production}/w/{tag}/load", response_class=HTMLResponse)
def load(
    production: str,
    tag: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """LoadWeapon (R13, R16, R17, R25)."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        lot = LotId(text(form, "lot"))
        if not lot:
            raise ValueError("choose the lot the rounds come from.")
        scene = text(form, "scene")
        return {
            "weapon": WeaponId(tag.upper()),
            "container": ContainerId(text(form, "container")),
            "loads": tuple(PositionLoad(p, lot) for p in texts(form, "position")),
            "scene": SceneId(scene) if scene else None,
            "take_at": take_time(app, member, text(form, "take_at")),
            "hammer_over": text(form, "hammer_over") or None,
        }

    result = attempt(app, member, c.LoadWeapon, build)
    return _after(
        request, app, member, tag, result, "loaded", "load.html", _load_extra(form, app, member)
    )


def _unload_extra(form: FormData | None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def extra(ctx: dict[str, Any]) -> dict[str, Any]:
        state: ProductionState = ctx["state"]
        w: WeaponStatus = ctx["w"]
        held = [(p, load) for p, load in w.positions if load.state is not RoundState.EMPTY]
        lots = {load.lot for _, load in held if load.lot}
        containers = sorted(state.containers.items())
        suggested = next(
            (cid for cid, cs in containers if any(cs.contents.get(lot) for lot in lots)), ""
        )
        return {
            "held": held,
            "containers": [cs for _, cs in containers],
            "suggested": text(form, "container") if form else suggested,
            "checked": set(texts(form, "position")) if form else {p for p, _ in held},
            "disposition": text(form, "disposition", "store") if form else "store",
        }

    return extra


@router.get("/p/{production}/w/{tag}/unload", response_class=HTMLResponse)
def unload_form(
    production: str, tag: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """Unload positions: unfired rounds back to a container or to destruction; spent cases out."""
    member = member_of(app, viewer, production)
    ctx = weapon_context(request, app, member, tag)
    return page(request, "unload.html", {**ctx, **_unload_extra(None)(ctx), "nav": "board"})


@router.post("/p/{production}/w/{tag}/unload", response_class=HTMLResponse)
def unload(
    production: str,
    tag: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """UnloadWeapon (R01, R04)."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        container = text(form, "container")
        return {
            "weapon": WeaponId(tag.upper()),
            "positions": tuple(texts(form, "position")),
            "disposition": Disposition(text(form, "disposition", "store")),
            "container": ContainerId(container) if container else None,
        }

    result = attempt(app, member, c.UnloadWeapon, build)
    return _after(request, app, member, tag, result, "unloaded", "unload.html", _unload_extra(form))


# -- fired blanks, misfire, unplanned discharge ---------------------------------------


def _fire_extra(ctx: dict[str, Any]) -> dict[str, Any]:
    w: WeaponStatus = ctx["w"]
    return {"blanks": [p for p, load in w.positions if load.state is RoundState.BLANK]}


@router.get("/p/{production}/w/{tag}/fire", response_class=HTMLResponse)
def fire_form(
    production: str, tag: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """Fired blanks (spent cases stay in until unloaded) and misfires (R15, R19)."""
    member = member_of(app, viewer, production)
    ctx = weapon_context(request, app, member, tag)
    return page(request, "fire.html", {**ctx, **_fire_extra(ctx), "nav": "board"})


@router.post("/p/{production}/w/{tag}/fire", response_class=HTMLResponse)
def fire(
    production: str,
    tag: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """RecordFiring."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        return {"weapon": WeaponId(tag.upper()), "positions": tuple(texts(form, "position"))}

    result = attempt(app, member, c.RecordFiring, build)
    return _after(request, app, member, tag, result, "fired", "fire.html", _fire_extra)


@router.post("/p/{production}/w/{tag}/misfire", response_class=HTMLResponse)
def misfire(
    production: str,
    tag: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """RecordMisfire; the weapon page then counts the wait down (R19)."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        return {"weapon": WeaponId(tag.upper()), "position": text(form, "position")}

    result = attempt(app, member, c.RecordMisfire, build)
    return _after(request, app, member, tag, result, "misfire", "fire.html", _fire_extra)


@router.get("/p/{production}/w/{tag}/discharge", response_class=HTMLResponse)
def discharge_form(
    production: str, tag: str, request: Request, app: AppDep, viewer: OptionalViewerDep
) -> Response:
    """Record an unplanned discharge (R20): incident, quarantine, stop-work."""
    member = member_of(app, viewer, production)
    ctx = weapon_context(request, app, member, tag)
    return page(request, "discharge.html", {**ctx, "nav": "board"})


@router.post("/p/{production}/w/{tag}/discharge", response_class=HTMLResponse)
def discharge(
    production: str,
    tag: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """RecordUnplannedDischarge."""
    member = posted_member(app, viewer, production, form)

    def build() -> dict[str, Any]:
        return {
            "weapon": WeaponId(tag.upper()),
            "position": text(form, "position") or None,
            "description": text(form, "description"),
        }

    result = attempt(app, member, c.RecordUnplannedDischarge, build)
    return _after(request, app, member, tag, result, "discharge", "discharge.html")


# -- hand to a performer ------------------------------------------------------------------


def _handover_context(
    request: Request, app: App, member: Membership, tag: str, form: FormData | None = None
) -> dict[str, Any]:
    state = app.custody.state(member.id)
    ctx: dict[str, Any] = {**production_context(app, member, state), "nav": "handover"}
    status = None
    if tag:
        try:
            status = weapon_status(state, WeaponId(tag.strip().upper()))
        except UnknownEntity:
            status = None
    ctx.update(
        {
            "w": status,
            "tag": tag.strip().upper(),
            "drawing": drawing(status) if status else None,
            "content_words": CONTENT_WORDS,
            "weapons": [
                weapon_status(state, wid)
                for wid in sorted(state.weapons)
                if not state.weapons[wid].retired
            ],
            "performers": people_with(state, Role.PERFORMER, *ARMORER_ROLES),
            "ads": people_with(state, Role.FIRST_AD),
            "picked": {k: text(form, k) for k in form if "pin" not in k} if form else {},
        }
    )
    return ctx


@router.get("/p/{production}/handover", response_class=HTMLResponse)
def handover_form(
    production: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    weapon: str = "",
) -> Response:
    """Pick a weapon (typed or scanned) and a performer; both confirm with their PIN (R12)."""
    member = member_of(app, viewer, production)
    return page(request, "handover.html", _handover_context(request, app, member, weapon))


@router.get("/p/{production}/handover/weapon", response_class=HTMLResponse)
def handover_weapon(
    production: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    weapon: str = "",
) -> Response:
    """The chosen weapon's inspection, as a fragment (htmx)."""
    member = member_of(app, viewer, production)
    return page(request, "_handover_weapon.html", _handover_context(request, app, member, weapon))


def handover_pins(form: FormData, to: str) -> Sequence[tuple[str, str]]:
    """The performer's PIN and the witness's PIN, as typed."""
    return [(to, text(form, "performer_pin")), (text(form, "ad_person"), text(form, "ad_pin"))]


@router.post("/p/{production}/handover", response_class=HTMLResponse)
def handover(
    production: str, request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep
) -> Response:
    """HandOver with the performer's and the 1st AD's PINs; refusals list every rule."""
    member = posted_member(app, viewer, production, form)
    tag = text(form, "weapon").upper()
    to = text(form, "to")

    def build() -> dict[str, Any]:
        if not tag:
            raise ValueError("type or scan the weapon's tag.")
        if not to:
            raise ValueError("choose who receives the weapon.")
        return {"weapon": WeaponId(tag), "to": PersonId(to)}

    result = attempt(app, member, c.HandOver, build, handover_pins(form, to))
    if result.ok:
        return done(f"/p/{production}/w/{tag}", "handed")
    ctx = _handover_context(request, app, member, tag, form)
    return page(request, "handover.html", {**ctx, "reasons": result.reasons}, status=409)


__all__ = ["router"]
