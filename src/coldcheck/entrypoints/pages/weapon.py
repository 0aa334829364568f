"""One weapon: its page (drawing, hazards, timeline, QR) and every custody step done to it.

Each step is a form that posts back to its own route; an accepted step
redirects to the weapon page, a refused one shows the form again with every
reason and its rule code, and what was ticked and typed kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

import segno
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain import correcting
from coldcheck.domain.errors import UnknownEntity
from coldcheck.domain.events import CorrectionRecorded, Event, InspectionRecorded
from coldcheck.domain.ids import ContainerId, LotId, SceneId, WeaponId, normalise_tag
from coldcheck.domain.mechanics import (
    BoltPosition,
    HammerPosition,
    RoundState,
    has_exposed_hammer_hazard,
    inspection_checklist,
)
from coldcheck.domain.model import (
    BoreFinding,
    Disposition,
    DispositionKind,
    FieldChange,
    Finding,
    PositionLoad,
    RoundClass,
    ScenePlan,
    Weapon,
)
from coldcheck.domain.state import ContainerState, Load, LotState, ProductionState
from coldcheck.domain.status import WeaponStatus, weapon_status
from coldcheck.entrypoints.deps import (
    AppDep,
    FormDep,
    Membership,
    PageMember,
    PostedMember,
    public_base,
)
from coldcheck.entrypoints.pages.common import (
    Outcome,
    ProductionPage,
    attempt,
    attempt_confirmed,
    day_or_none,
    default_take,
    done,
    page,
    production_page,
    take_context,
    take_time,
    text,
    texts,
    today,
    typed,
    zone,
)
from coldcheck.entrypoints.pages.drawing import CONTENT_WORDS, Chart, Drawing, drawing, lanes_chart
from coldcheck.entrypoints.pages.photo_view import PhotoView, current_photo, earlier_photos
from coldcheck.entrypoints.pages.steps import hazard, next_steps
from coldcheck.service import boundbook, words
from coldcheck.service.corrections import (
    VIEWS,
    Fix,
    View,
    as_viewed,
    fixes_in,
    mark,
    marks,
    parse_view,
    registration_fixes,
)
from coldcheck.service.lanes import busy_window, custody_lanes
from coldcheck.service.reports import day_bounds, viewed_words

router = APIRouter(include_in_schema=False)
FOUND_CHOICES = tuple(s.value for s in RoundState)


def status_or_404(state: ProductionState, tag: str) -> WeaponStatus:
    """The weapon's status; 404 with words when the tag is unknown."""
    try:
        return weapon_status(state, WeaponId(normalise_tag(tag, "W")))
    except UnknownEntity:
        raise HTTPException(404, f"No weapon {tag} on this production — check the tag.") from None


def qr_data_uri(request: Request, app: App, production: str, tag: str, scale: int = 6) -> str:
    """A QR label encoding the weapon page's address (the tag is in it), on an allowed host."""
    url = f"{public_base(request, app)}/p/{production}/w/{tag}"
    return str(segno.make(url, error="m").svg_data_uri(scale=scale, border=4 if scale > 6 else 2))


def misfire_remaining(app: App, state: ProductionState, status: WeaponStatus) -> int | None:
    """Seconds left of the misfire wait (R19), or None without a misfire."""
    if status.misfire_at is None:
        return None
    wait = state.info.settings.misfire_wait if state.info else timedelta(seconds=15)
    left = (status.misfire_at + wait - app.clock.now()).total_seconds()
    return max(int(left + 0.999), 0)


@dataclass(frozen=True, kw_only=True)
class WeaponPage(ProductionPage):
    """A screen about one weapon: its status, drawing and hazards (``_weapon_head.html``)."""

    template: ClassVar[str] = "discharge.html"
    w: WeaponStatus
    weapon: Weapon
    drawing: Drawing | None
    content_words: Mapping[str, str]
    misfire_left: int | None
    exposed_hammer: bool
    transfer_bar: bool
    corrected: str = ""
    """The marks of the corrections of the weapon's registration (R27): its serial, name,
    make... are shown as corrected, and say so."""


@dataclass(frozen=True)
class CorrectField:
    """A field the correction form offers (R27): its name, how people say it, its value now."""

    field: str
    label: str
    value: str


@dataclass(frozen=True, kw_only=True)
class WeaponScreen(WeaponPage):
    """The weapon page: the next sensible steps, QR label, today's custody swim-lane and the
    custody timeline in words.

    ``view`` is how corrected entries are shown (original, corrected or both, R27);
    ``marks`` maps a log position to the marks of its corrections (who, when, what was and
    is now, why); ``correctable`` are the positions a correction is offered for, and
    ``correct_fields`` the fields of each that can be corrected, with their values now.
    """

    template: ClassVar[str] = "weapon.html"
    timeline: tuple[tuple[int, Event, str, str], ...]
    qr: str
    steps: frozenset[str] = frozenset()
    primary: str = ""
    hazard: str = "caution"
    lanes: Chart | None = None
    view: str = View.BOTH.value
    views: tuple[str, ...] = VIEWS
    marks: Mapping[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    correctable: frozenset[int] = frozenset()
    correct_fields: Mapping[int, tuple[CorrectField, ...]] = dataclasses.field(default_factory=dict)
    book: tuple[tuple[str, str], ...] = ()
    """The weapon's bound book line (issue 18): (column, value) of every column with a value,
    acquisition and disposition included, as ``export bound-book`` writes it."""
    disposition_kinds: tuple[str, ...] = tuple(k.value for k in DispositionKind)
    #: the current photo (the newest) and the earlier ones, newest first (issue 18)
    photo: PhotoView | None = None
    photos: tuple[PhotoView, ...] = ()


def weapon_page(app: App, member: Membership, tag: str) -> WeaponPage:
    """What every weapon screen shows about the weapon; 404 when the tag is unknown."""
    state = app.custody.state(member.id)
    status = status_or_404(state, tag)
    weapon = state.weapons[status.weapon].weapon
    registered: tuple[Fix, ...] = ()
    if any(
        n.of_type == "WeaponRegistered" and n.subject == status.weapon and n.changes
        for n in state.corrections
    ):  # read from the log, where the corrections' positions are (rare: only then)
        about = app.reads.timeline(member.id, status.weapon, 500)
        registered = registration_fixes(fixes_in(about), "WeaponRegistered", status.weapon)
    return WeaponPage(
        **production_page(app, member, state, "board"),
        corrected=marks(registered, state, zone(member)) if registered else "",
        w=status,
        weapon=weapon,
        drawing=drawing(status),
        content_words=CONTENT_WORDS,
        misfire_left=misfire_remaining(app, state, status),
        exposed_hammer=has_exposed_hammer_hazard(status.action, weapon.transfer_bar),
        transfer_bar=weapon.transfer_bar,
    )


def _fields(base: WeaponPage) -> dict[str, Any]:
    """The shared weapon fields of ``base``, to build a more specific weapon screen from."""
    return {f.name: getattr(base, f.name) for f in dataclasses.fields(WeaponPage)}


def weapon_screen(
    request: Request, app: App, member: Membership, tag: str, view: View = View.BOTH
) -> WeaponScreen:
    """The weapon page with its timeline (newest first) in the same words as the reports;
    corrected entries (R27) as ``view`` shows them, each marked."""
    base = weapon_page(app, member, tag)
    items = app.reads.timeline(member.id, base.w.tag, 200)
    steps = next_steps(base.w, base.can)
    day_start, day_end = day_bounds(today(app, member), base.tz)
    start, end = busy_window(items, day_start, day_end, app.clock.now())
    lanes = custody_lanes(items, base.state, base.w.weapon, start, end)
    fixes = fixes_in(items)
    offered = [item for item in items if _offers_a_correction(item.event)]
    return WeaponScreen(
        **_fields(base),
        timeline=tuple(
            (
                item.seq,
                item.event,
                words.title(item.event),
                viewed_words(item.event, base.state, fixes.get(item.seq, ()), view),
            )
            for item in reversed(items)
        ),
        qr=qr_data_uri(request, app, member.id, base.w.tag),
        steps=steps.offered,
        primary=steps.primary,
        hazard=hazard(base.w),
        lanes=lanes_chart(lanes, base.tz),
        view=view.value,
        marks={seq: tuple(mark(f, base.state, base.tz) for f in fs) for seq, fs in fixes.items()},
        correctable=frozenset(item.seq for item in offered),
        correct_fields={
            item.seq: _correct_fields(item.event, fixes.get(item.seq, ())) for item in offered
        },
        book=_book(base.state, base.w.weapon),
        photo=current_photo(base.state, base.w.weapon),
        photos=earlier_photos(base.state, base.w.weapon),
    )


def _book(state: ProductionState, weapon: WeaponId) -> tuple[tuple[str, str], ...]:
    """The bound book line of a weapon in (column, value) pairs, empty columns left out;
    none for a non-firing replica (not a firearm, not in the bound book)."""
    ws = state.weapons[weapon]
    if ws.weapon.is_replica:
        return ()
    line = boundbook.entry(state, ws)
    return tuple(
        (header, line.cells[key]) for key, header in boundbook.COLUMNS[1:19] if line.cells.get(key)
    )


def _offers_a_correction(e: Event) -> bool:
    """An entry of the weapon's timeline that a correction is offered for: one with fields
    a correction may name, or an inspection (corrected in words)."""
    if isinstance(e, CorrectionRecorded):
        return False
    return isinstance(e, InspectionRecorded) or bool(correcting.correctable_fields(e.type_name))


def _correct_fields(e: Event, fixes: Sequence[Fix]) -> tuple[CorrectField, ...]:
    """The fields of ``e`` a correction may name, with their values as now corrected."""
    now = as_viewed(e, fixes, View.CORRECTED)
    return tuple(
        CorrectField(f, correcting.shown(f), correcting.text_of(correcting.value_at(now, f)))
        for f in correcting.correctable_fields(e.type_name)
    )


def view_of(raw: str) -> View:
    """The ``view`` query parameter (original, corrected, both); 400 with the choices."""
    try:
        return parse_view(raw)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/p/{production}/w/{tag}", response_class=HTMLResponse)
def weapon_view(
    tag: str, request: Request, app: AppDep, member: PageMember, view: str = ""
) -> Response:
    """State, drawing of load positions, hazards, actions, QR label and custody timeline;
    ``?view=original|corrected|both`` (default both) for corrected entries (R27)."""
    return page(request, weapon_screen(request, app, member, tag, view_of(view)))


def _after(
    request: Request,
    app: App,
    member: Membership,
    tag: str,
    result: Outcome,
    ok: str,
    refused: Callable[[], WeaponPage] | None = None,
) -> Response:
    """Redirect to the weapon page when accepted; else the form again with every reason."""
    if result.ok:
        return done(f"/p/{member.id}/w/{tag.upper()}", ok)
    again = refused() if refused is not None else weapon_screen(request, app, member, tag)
    return page(request, again.refused(result.reasons), status=409)


def _simple(
    cls: type[c.BaseCommand], ok: str, fields: Callable[[FormData], dict[str, Any]] | None = None
) -> Callable[..., Response]:
    def route(
        tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
    ) -> Response:
        def build() -> dict[str, Any]:
            return {"weapon": WeaponId(tag.upper()), **(fields(form) if fields else {})}

        return _after(request, app, member, tag, attempt(app, member, cls, build), ok)

    route.__doc__ = f"{cls.__name__} from the weapon page."
    return route


router.post("/p/{production}/w/{tag}/take-out")(_simple(c.TakeOutOfStorage, "taken-out"))
router.post("/p/{production}/w/{tag}/return")(_simple(c.ReturnToStorage, "returned"))


def _confirmed(
    request: Request,
    app: App,
    member: Membership,
    tag: str,
    cls: type[c.BaseCommand],
    build: Callable[[], Mapping[str, Any]],
    form: FormData,
    *,
    action: str,
    heading: str,
    ok: str,
    refused: Callable[[], WeaponPage] | None = None,
) -> Response:
    """A weapon step that asks for confirmations: the confirmation screen, then the step."""
    result = attempt_confirmed(
        request,
        app,
        member,
        cls,
        build,
        form,
        action=action,
        back=f"/p/{member.id}/w/{tag.upper()}",
        heading=heading,
    )
    if not isinstance(result, Outcome):
        return result
    return _after(request, app, member, tag, result, ok, refused)


@router.post("/p/{production}/w/{tag}/take-back", response_class=HTMLResponse)
def take_back(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """TakeBack: the performer (or the 1st AD) confirms handing it back (R12)."""
    return _confirmed(
        request,
        app,
        member,
        tag,
        c.TakeBack,
        lambda: {"weapon": WeaponId(tag.upper())},
        form,
        action=f"/p/{member.id}/w/{tag.upper()}/take-back",
        heading=f"take {tag.upper()} back",
        ok="taken-back",
    )


@router.post("/p/{production}/w/{tag}/correct", response_class=HTMLResponse)
def correct(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """Correct (R27, ATF Ruling 2016-1): an entry recorded in error is named, with the
    corrected values (the form's ``value.<field>`` that differ from ``was.<field>``, the
    value it showed) and what was wrong; the entry stays."""

    def build() -> dict[str, Any]:
        try:
            corrects = int(text(form, "corrects"))
        except ValueError:
            raise ValueError("choose the entry to correct.") from None
        changes = []
        for key in form:
            if not key.startswith("value."):
                continue
            field = key.removeprefix("value.")
            value, shown_as = text(form, key), text(form, f"was.{field}")
            if value != shown_as:
                changes.append(FieldChange(field, value))
        return {"corrects": corrects, "reason": text(form, "reason"), "changes": tuple(changes)}

    result = attempt(app, member, c.Correct, build)
    return _after(request, app, member, tag, result, "corrected")


@router.post("/p/{production}/w/{tag}/seal", response_class=HTMLResponse)
def seal_weapon(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """SealWeaponAsEvidence: the weapon, as it is, to a named person or agency (a witness)."""

    def build() -> dict[str, Any]:
        return {
            "weapon": WeaponId(tag.upper()),
            "seal": text(form, "seal"),
            "handed_to": text(form, "handed_to"),
            "note": text(form, "note"),
        }

    return _confirmed(
        request,
        app,
        member,
        tag,
        c.SealWeaponAsEvidence,
        build,
        form,
        action=f"/p/{member.id}/w/{tag.upper()}/seal",
        heading=f"seal {tag.upper()} as evidence",
        ok="sealed",
    )


router.post("/p/{production}/w/{tag}/bore")(
    _simple(c.CheckBore, "bore", lambda f: {"bore": BoreFinding(text(f, "bore"))})
)
router.post("/p/{production}/w/{tag}/clear")(
    _simple(c.ClearWeaponQuarantine, "cleared", lambda f: {"note": text(f, "note")})
)


def _retirement(form: FormData) -> dict[str, Any]:
    """RetireWeapon's disposition as typed (issue 18): how, to whom, their address, licence,
    reference and the day; empty fields keep the defaults (returned to the house, today)."""
    how = text(form, "how") or DispositionKind.RETURNED.value
    try:
        kind = DispositionKind(how)
    except ValueError:
        raise ValueError(f"'{how[:20]}': say returned, transferred or destroyed.") from None
    return {
        "how": kind,
        "to_name": text(form, "to_name"),
        "to_address": text(form, "to_address"),
        "to_licence": text(form, "to_licence"),
        "reference": text(form, "reference"),
        "on": day_or_none(text(form, "on"), "day it left"),
    }


router.post("/p/{production}/w/{tag}/retire")(_simple(c.RetireWeapon, "retired", _retirement))


@dataclass(frozen=True, kw_only=True)
class LabelPage(ProductionPage):
    """A printable label: the QR big, the tag, name and serial."""

    template: ClassVar[str] = "label.html"
    w: WeaponStatus
    qr: str


@router.get("/p/{production}/w/{tag}/label", response_class=HTMLResponse)
def label_page(tag: str, request: Request, app: AppDep, member: PageMember) -> Response:
    """A printable label: the QR big, the tag, name and serial (print stylesheet)."""
    state = app.custody.state(member.id)
    status = status_or_404(state, tag)
    return page(
        request,
        LabelPage(
            **production_page(app, member, state, "board"),
            w=status,
            qr=qr_data_uri(request, app, member.id, status.tag, scale=12),
        ),
    )


# -- inspect ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class InspectPage(WeaponPage):
    """The checklist of the action type (R24), one control per position, and the bore."""

    template: ClassVar[str] = "inspect.html"
    checklist: tuple[str, ...]
    found_choices: tuple[str, ...]
    hammer_choices: tuple[str, ...]
    picked: Mapping[str, str]
    ticked: frozenset[str]
    live_question: str = ""
    tap_mode: str = "inspect"


def inspect_page(
    app: App, member: Membership, tag: str, form: FormData | None = None, question: str = ""
) -> InspectPage:
    """The inspection form (after a refusal or a question: with what was chosen and ticked)."""
    base = weapon_page(app, member, tag)
    return InspectPage(
        **{**_fields(base), "drawing": drawing(base.w, per_row=5)},
        checklist=inspection_checklist(base.w.action),
        found_choices=FOUND_CHOICES,
        hammer_choices=tuple(h.value for h in HammerPosition),
        picked=typed(form),
        ticked=frozenset(texts(form, "step")) if form else frozenset(),
        live_question=question,
    )


def live_round_question(status: WeaponStatus, form: FormData) -> str:
    """ "You found a live round in chamber 3?" — asked once before such a finding is saved."""
    found = []
    for i, (position, load) in enumerate(status.positions):
        kind = text(form, f"pos-{i}")
        if kind in ("live", "unknown") and load.state.value != kind:
            found.append(f"{'a live' if kind == 'live' else 'an unidentified'} round in {position}")
    if text(form, "bore") == "obstructed" and status.bore_check_due != "obstructed":
        found.append("the bore obstructed")
    if not found:
        return ""
    return f"You found {' and '.join(found)}?"


@router.get("/p/{production}/w/{tag}/inspect", response_class=HTMLResponse)
def inspect_form(tag: str, request: Request, app: AppDep, member: PageMember) -> Response:
    """The checklist of the action type (R24), one control per position, and the bore."""
    return page(request, inspect_page(app, member, tag))


@router.post("/p/{production}/w/{tag}/inspect", response_class=HTMLResponse)
def inspect(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """InspectWeapon; an incomplete inspection is refused (R24) and nothing is recorded."""
    status = status_or_404(app.custody.state(member.id), tag)

    def build() -> dict[str, Any]:
        findings = []
        for i, (position, _) in enumerate(status.positions):
            found = text(form, f"pos-{i}")
            if found:
                findings.append(Finding(position, RoundState(found)))
        hammer = text(form, "hammer")
        over = text(form, "hammer_over")
        bolt = text(form, "bolt")
        adapter = text(form, "adapter_fitted")
        if not text(form, "bore"):
            raise ValueError("R24: record what you found in the bore.")
        return {
            "weapon": status.weapon,
            "findings": tuple(findings),
            "bore": BoreFinding(text(form, "bore")),
            "checklist": tuple(texts(form, "step")),
            "hammer": HammerPosition(hammer) if hammer else None,
            "hammer_over": over or None,
            "bolt": BoltPosition(bolt) if bolt else None,
            "adapter_fitted": {"yes": True, "no": False}.get(adapter),
        }

    question = live_round_question(status, form)
    if question and text(form, "confirm_live") != "yes":
        return page(request, inspect_page(app, member, tag, form, question))
    result = attempt(app, member, c.InspectWeapon, build)
    return _after(
        request, app, member, tag, result, "inspected", lambda: inspect_page(app, member, tag, form)
    )


# -- load and unload -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LoadPage(WeaponPage):
    """Load: positions, lot, container, and for blanks the scene and time of the take."""

    template: ClassVar[str] = "load.html"
    lots: tuple[LotState, ...]
    containers: tuple[ContainerState, ...]
    empty_positions: tuple[str, ...]
    checked: frozenset[str]
    hammer_default: str
    scenes: tuple[ScenePlan, ...]
    picked: Mapping[str, str]
    take_default: str = ""
    tap_mode: str = "load"


def load_page(app: App, member: Membership, tag: str, form: FormData | None = None) -> LoadPage:
    """The load form: usable lots of the weapon's calibre (after a refusal: what was chosen)."""
    base = weapon_page(app, member, tag)
    state, w = base.state, base.w
    lots = tuple(
        ls
        for ls in sorted(state.lots.values(), key=lambda x: x.lot.id)
        if ls.lot.calibre == w.calibre
        and ls.lot.round_class is not RoundClass.LIVE
        and not ls.quarantined
        and ls.in_store > 0
    )
    containers = tuple(
        cs
        for _, cs in sorted(state.containers.items())
        if any(cs.contents.get(ls.lot.id) for ls in lots)
    )
    empty = tuple(p for p, load in w.positions if load.state is RoundState.EMPTY)
    hammer_default = text(form, "hammer_over") if form else ""
    if not hammer_default and base.exposed_hammer and empty:
        hammer_default = empty[-1]
    checked = (
        frozenset(texts(form, "position"))
        if form
        else frozenset(p for p in empty if p != hammer_default or not base.exposed_hammer)
    )
    day = today(app, member)
    return LoadPage(
        **{**_fields(base), "drawing": drawing(base.w, per_row=5)},
        lots=lots,
        containers=containers,
        empty_positions=empty,
        checked=checked,
        hammer_default=hammer_default,
        scenes=tuple(
            sorted((s for s in state.scenes.values() if s.day == day), key=lambda s: s.id)
        ),
        picked=typed(form),
        take_default=default_take(app, member),
    )


@router.get("/p/{production}/w/{tag}/load", response_class=HTMLResponse)
def load_form(tag: str, request: Request, app: AppDep, member: PageMember) -> Response:
    """Load: positions, lot, container, and for blanks the scene and time of the take."""
    return page(request, load_page(app, member, tag))


@router.post("/p/{production}/w/{tag}/load", response_class=HTMLResponse)
def load(tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """LoadWeapon (R13, R16, R17, R25)."""

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
            "hammer": HammerPosition(hammer) if (hammer := text(form, "hammer")) else None,
            "bolt": BoltPosition(bolt) if (bolt := text(form, "bolt")) else None,
            "context": take_context(form, with_scene=False),
        }

    result = attempt(app, member, c.LoadWeapon, build)
    return _after(
        request, app, member, tag, result, "loaded", lambda: load_page(app, member, tag, form)
    )


@dataclass(frozen=True, kw_only=True)
class UnloadPage(WeaponPage):
    """Unload positions: unfired rounds to a container or destruction; spent cases out."""

    template: ClassVar[str] = "unload.html"
    held: tuple[tuple[str, Load], ...]
    containers: tuple[ContainerState, ...]
    suggested: str
    checked: frozenset[str]
    disposition: str
    misfired: tuple[str, ...] = ()
    picked: Mapping[str, str] = dataclasses.field(default_factory=dict)


def unload_page(app: App, member: Membership, tag: str, form: FormData | None = None) -> UnloadPage:
    """The unload form (after a refusal: with what was chosen).

    A misfired round never goes back to a box (R19): while one is held, the form
    offers it alone, to destruction, and never pre-ticks it for a container.
    """
    base = weapon_page(app, member, tag)
    held = tuple((p, load) for p, load in base.w.positions if load.state is not RoundState.EMPTY)
    misfired = tuple(
        sorted(p for p in base.state.weapons[base.w.weapon].misfired if p in dict(held))
    )
    lots = {load.lot for _, load in held if load.lot}
    containers = sorted(base.state.containers.items())
    suggested = next(
        (cid for cid, cs in containers if any(cs.contents.get(lot) for lot in lots)), ""
    )
    if form:
        checked = frozenset(texts(form, "position"))
        disposition = text(form, "disposition", "store")
    elif misfired:
        checked, disposition = frozenset(misfired), "destroy"
    else:
        checked, disposition = frozenset(p for p, _ in held), "store"
    return UnloadPage(
        **_fields(base),
        held=held,
        containers=tuple(cs for _, cs in containers),
        suggested=text(form, "container") if form else suggested,
        checked=checked,
        disposition=disposition,
        misfired=misfired,
        picked=typed(form),
    )


@router.get("/p/{production}/w/{tag}/unload", response_class=HTMLResponse)
def unload_form(tag: str, request: Request, app: AppDep, member: PageMember) -> Response:
    """Unload positions: unfired rounds back to a container or to destruction; spent cases out."""
    return page(request, unload_page(app, member, tag))


@router.post("/p/{production}/w/{tag}/unload", response_class=HTMLResponse)
def unload(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """UnloadWeapon (R01, R04)."""

    def build() -> dict[str, Any]:
        container = text(form, "container")
        return {
            "weapon": WeaponId(tag.upper()),
            "positions": tuple(texts(form, "position")),
            "disposition": Disposition(text(form, "disposition", "store")),
            "container": ContainerId(container) if container else None,
        }

    return _confirmed(
        request,
        app,
        member,
        tag,
        c.UnloadWeapon,
        build,
        form,
        action=f"/p/{member.id}/w/{tag.upper()}/unload",
        heading=f"unload {tag.upper()} for destruction",
        ok="unloaded",
        refused=lambda: unload_page(app, member, tag, form),
    )


@router.post("/p/{production}/w/{tag}/evidence", response_class=HTMLResponse)
def seal_rounds(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """SealRoundsAsEvidence from the weapon's positions: sealed, handed over, never restocked."""

    def build() -> dict[str, Any]:
        return {
            "weapon": WeaponId(tag.upper()),
            "positions": tuple(texts(form, "position")),
            "seal": text(form, "seal"),
            "handed_to": text(form, "handed_to"),
            "note": text(form, "note"),
        }

    return _confirmed(
        request,
        app,
        member,
        tag,
        c.SealRoundsAsEvidence,
        build,
        form,
        action=f"/p/{member.id}/w/{tag.upper()}/evidence",
        heading=f"seal rounds of {tag.upper()} as evidence",
        ok="sealed",
        refused=lambda: unload_page(app, member, tag, form),
    )


# -- fired blanks, misfire, unplanned discharge ---------------------------------------


@dataclass(frozen=True, kw_only=True)
class FirePage(WeaponPage):
    """Fired blanks (spent cases stay in until unloaded) and misfires (R15, R19)."""

    template: ClassVar[str] = "fire.html"
    blanks: tuple[str, ...]


def fire_page(app: App, member: Membership, tag: str) -> FirePage:
    """The firing form: the positions that hold a blank."""
    base = weapon_page(app, member, tag)
    blanks = tuple(p for p, load in base.w.positions if load.state is RoundState.BLANK)
    return FirePage(**_fields(base), blanks=blanks)


@router.get("/p/{production}/w/{tag}/fire", response_class=HTMLResponse)
def fire_form(tag: str, request: Request, app: AppDep, member: PageMember) -> Response:
    """Fired blanks (spent cases stay in until unloaded) and misfires (R15, R19)."""
    return page(request, fire_page(app, member, tag))


@router.post("/p/{production}/w/{tag}/fire", response_class=HTMLResponse)
def fire(tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """RecordFiring."""

    def build() -> dict[str, Any]:
        return {
            "weapon": WeaponId(tag.upper()),
            "positions": tuple(texts(form, "position")),
            "context": take_context(form),
        }

    result = attempt(app, member, c.RecordFiring, build)
    return _after(request, app, member, tag, result, "fired", lambda: fire_page(app, member, tag))


@router.post("/p/{production}/w/{tag}/misfire", response_class=HTMLResponse)
def misfire(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """RecordMisfire; the weapon page then counts the wait down (R19)."""

    def build() -> dict[str, Any]:
        return {
            "weapon": WeaponId(tag.upper()),
            "position": text(form, "position"),
            "context": take_context(form),
        }

    result = attempt(app, member, c.RecordMisfire, build)
    return _after(request, app, member, tag, result, "misfire", lambda: fire_page(app, member, tag))


@router.get("/p/{production}/w/{tag}/discharge", response_class=HTMLResponse)
def discharge_form(tag: str, request: Request, app: AppDep, member: PageMember) -> Response:
    """Record an unplanned discharge (R20): incident, quarantine, stop-work."""
    return page(request, weapon_page(app, member, tag))


@router.post("/p/{production}/w/{tag}/discharge", response_class=HTMLResponse)
def discharge(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """RecordUnplannedDischarge."""

    def build() -> dict[str, Any]:
        return {
            "weapon": WeaponId(tag.upper()),
            "position": text(form, "position") or None,
            "description": text(form, "description"),
            "context": take_context(form),
        }

    result = attempt(app, member, c.RecordUnplannedDischarge, build)
    return _after(
        request, app, member, tag, result, "discharge", lambda: weapon_page(app, member, tag)
    )
