"""Ammunition: lots and counts (R05), containers (R04), receiving (R02), dummy checks (R03)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.ids import ContainerId, LotId, PersonId, normalise_tag
from coldcheck.domain.model import BlankLoad, Role, RoundCheck, RoundClass, StorageLocation
from coldcheck.domain.state import ContainerState, ProductionState
from coldcheck.domain.status import LotStatus, lot_status
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
    typed,
)
from coldcheck.entrypoints.pages.drawing import Chart, lot_bar

router = APIRouter(include_in_schema=False)


def container_classes(state: ProductionState) -> dict[ContainerId, str]:
    """What each container holds, in words for R04 ("blank", "dummy", "empty")."""
    out: dict[ContainerId, str] = {}
    for cid, cs in state.containers.items():
        kinds = sorted(
            {state.lots[lot].lot.round_class.value for lot, n in cs.contents.items() if n}
        )
        out[cid] = " and ".join(kinds) if kinds else "empty"
    return out


@dataclass(frozen=True, kw_only=True)
class AmmoPage(ProductionPage):
    """Every lot and where its rounds are, every container, and the receive forms."""

    template: ClassVar[str] = "ammo.html"
    lots: tuple[LotStatus, ...]
    movable: tuple[LotStatus, ...]
    containers: tuple[ContainerState, ...]
    holds: Mapping[ContainerId, str]
    classes: tuple[str, ...]
    loads: tuple[str, ...]
    locations: tuple[str, ...]
    bars: Mapping[str, Chart] = field(default_factory=dict)
    values: Typed = field(default_factory=Typed)


@dataclass(frozen=True, kw_only=True)
class LotPage(ProductionPage):
    """One lot: counts, containers, dummy verification round by round, return and destroy."""

    template: ClassVar[str] = "lot.html"
    lot: LotStatus
    containers: tuple[ContainerState, ...]
    confirmers: tuple[tuple[PersonId, str], ...]
    bar: Chart | None = None
    values: Typed = field(default_factory=Typed)


def ammo_page(
    app: App, member: Membership, form: FormData | None = None, posted: str = ""
) -> AmmoPage:
    """The ammunition screen (after a refused post: with what was typed)."""
    state = app.custody.state(member.id)
    lots = tuple(lot_status(state, lot) for lot in sorted(state.lots))
    return AmmoPage(
        **production_page(app, member, state, "ammo"),
        lots=lots,
        movable=tuple(ls for ls in lots if ls.in_store > 0),
        containers=tuple(cs for _, cs in sorted(state.containers.items())),
        holds=container_classes(state),
        classes=(*(r.value for r in RoundClass if r is not RoundClass.LIVE), "live"),
        loads=tuple(b.value for b in BlankLoad),
        locations=tuple(s.value for s in StorageLocation),
        bars={ls.lot: lot_bar(ls) for ls in lots},
        values=typed(form, posted=posted),
    )


@router.get("/p/{production}/ammo", response_class=HTMLResponse)
def ammo(request: Request, app: AppDep, member: PageMember) -> Response:
    """Every lot with where its rounds are, every container, and the receive forms."""
    return page(request, ammo_page(app, member))


def _ammo_after(
    request: Request, app: App, member: Membership, result: Outcome, ok: str, form: FormData
) -> Response:
    if result.ok:
        return done(f"/p/{member.id}/ammo", ok)
    again = ammo_page(app, member, form, posted=ok)
    return page(request, again.refused(result.reasons), status=409)


@router.post("/p/{production}/ammo/lots", response_class=HTMLResponse)
def receive_lot(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """ReceiveLot (R01, R02, R04); the next free tag when none is typed."""

    def build() -> dict[str, Any]:
        rc = RoundClass(text(form, "round_class"))
        load = text(form, "blank_load")
        return {
            "lot": LotId(text(form, "lot").upper()),
            "round_class": rc,
            "blank_load": BlankLoad(load) if load and rc is RoundClass.BLANK else None,
            "calibre": text(form, "calibre"),
            "supplier": text(form, "supplier"),
            "count": number(form, "count", "The count"),
            "container": ContainerId(text(form, "container")),
        }

    result = attempt(app, member, c.ReceiveLot, build)
    if result.ok and result.accepted is not None:
        lot = getattr(result.accepted.events[0], "lot", "")
        return done(f"/p/{member.id}/ammo/{lot}", "lot")
    return _ammo_after(request, app, member, result, "lot", form)


@router.post("/p/{production}/ammo/containers", response_class=HTMLResponse)
def create_container(
    request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """CreateContainer."""

    def build() -> dict[str, Any]:
        return {
            "container": ContainerId(""),
            "label": text(form, "label"),
            "location": StorageLocation(text(form, "location", "storage")),
        }

    return _ammo_after(
        request, app, member, attempt(app, member, c.CreateContainer, build), "container", form
    )


@router.post("/p/{production}/ammo/move", response_class=HTMLResponse)
def move_rounds(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """MoveRounds between containers (R04: blanks and dummies never share one)."""

    def build() -> dict[str, Any]:
        if not text(form, "lot"):
            raise ValueError("choose the lot whose rounds move.")
        return {
            "lot": LotId(text(form, "lot").upper()),
            "from_container": ContainerId(text(form, "from_container")),
            "to_container": ContainerId(text(form, "to_container")),
            "count": number(form, "count", "The count"),
        }

    return _ammo_after(
        request, app, member, attempt(app, member, c.MoveRounds, build), "moved", form
    )


@router.post("/p/{production}/ammo/containers/{container}/move", response_class=HTMLResponse)
def move_container(
    container: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """MoveContainer between storage and the cart (R09: not onto the cart while locked)."""

    def build() -> dict[str, Any]:
        return {
            "container": ContainerId(container.upper()),
            "to": StorageLocation(text(form, "to")),
        }

    result = attempt(app, member, c.MoveContainer, build)
    return _ammo_after(request, app, member, result, "container-moved", form)


def lot_page(
    app: App, member: Membership, lot: str, form: FormData | None = None, posted: str = ""
) -> LotPage:
    """One lot's screen; 404 with words when the tag is unknown."""
    state = app.custody.state(member.id)
    lot_id = LotId(normalise_tag(lot, "L"))
    if lot_id not in state.lots:
        raise HTTPException(404, f"No lot {lot} on this production — check the tag.")
    return LotPage(
        **production_page(app, member, state, "ammo"),
        lot=lot_status(state, lot_id),
        bar=lot_bar(lot_status(state, lot_id)),
        containers=tuple(cs for _, cs in sorted(state.containers.items())),
        confirmers=tuple(
            people_with(state, Role.SAFETY_SUPERVISOR, Role.ARMORER, Role.ASSISTANT_ARMORER)
        ),
        values=typed(form, posted=posted),
    )


@router.get("/p/{production}/c/{container}", response_class=HTMLResponse)
def container_label(container: str, app: AppDep, member: PageMember) -> Response:
    """A container's label opens the ammunition screen at that container."""
    state = app.custody.state(member.id)
    cid = ContainerId(normalise_tag(container, "C"))
    if cid not in state.containers:
        raise HTTPException(404, f"No container {container} on this production — check the tag.")
    return RedirectResponse(f"/p/{member.id}/ammo#{cid}", status_code=303)


@router.get("/p/{production}/ammo/{lot}", response_class=HTMLResponse)
def lot_screen(lot: str, request: Request, app: AppDep, member: PageMember) -> Response:
    """One lot: counts, containers, dummy verification round by round, return/destroy."""
    return page(request, lot_page(app, member, lot))


def _lot_after(
    request: Request,
    app: App,
    member: Membership,
    lot: str,
    result: Outcome,
    ok: str,
    form: FormData,
) -> Response:
    if result.ok:
        return done(f"/p/{member.id}/ammo/{lot.upper()}", ok)
    again = lot_page(app, member, lot, form, posted=ok)
    return page(request, again.refused(result.reasons), status=409)


@router.post("/p/{production}/ammo/{lot}/verify", response_class=HTMLResponse)
def verify_dummies(
    lot: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """VerifyDummies: every round passed or failed; a failure opens an incident (R03)."""
    state = app.custody.state(member.id)
    lot_id = LotId(lot.upper())
    count = state.lots[lot_id].lot.count if lot_id in state.lots else 0

    def build() -> dict[str, Any]:
        rounds, unset = [], 0
        for n in range(1, count + 1):
            verdict = text(form, f"round-{n}")
            if verdict in ("pass", "fail"):
                rounds.append(RoundCheck(n, verdict == "pass", text(form, f"note-{n}")))
            elif verdict != "gone":
                unset += 1
        if unset:
            raise ValueError(
                f"R03: check every round — {unset} of {count} have no result yet (a round "
                "destroyed, returned or sealed is 'no longer in the lot')."
            )
        return {"lot": lot_id, "method": text(form, "method"), "rounds": tuple(rounds)}

    result = attempt(app, member, c.VerifyDummies, build)
    return _lot_after(request, app, member, lot, result, "verified", form)


def _confirmed_lot(
    request: Request,
    app: App,
    member: Membership,
    lot: str,
    cls: type[c.BaseCommand],
    build: Callable[[], Mapping[str, Any]],
    form: FormData,
    *,
    action: str,
    heading: str,
    ok: str,
) -> Response:
    result = attempt_confirmed(
        request,
        app,
        member,
        cls,
        build,
        form,
        action=f"/p/{member.id}/ammo/{lot.upper()}/{action}",
        back=f"/p/{member.id}/ammo/{lot.upper()}",
        heading=heading,
    )
    if not isinstance(result, Outcome):
        return result
    return _lot_after(request, app, member, lot, result, ok, form)


def _rounds_route(cls: type[c.BaseCommand], action: str, heading: str) -> Any:
    def route(
        lot: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
    ) -> Response:
        def build() -> dict[str, Any]:
            return {
                "lot": LotId(lot.upper()),
                "container": ContainerId(text(form, "container")),
                "count": number(form, "count", "The count"),
                "note": text(form, "note"),
            }

        return _confirmed_lot(
            request,
            app,
            member,
            lot,
            cls,
            build,
            form,
            action=action,
            heading=f"{heading} {lot.upper()}",
            ok="rounds",
        )

    route.__doc__ = f"{cls.__name__} (R05: counted, never just gone; a second person watches)."
    return route


router.post("/p/{production}/ammo/{lot}/return")(
    _rounds_route(c.ReturnLot, "return", "return rounds of")
)
router.post("/p/{production}/ammo/{lot}/destroy")(
    _rounds_route(c.DestroyRounds, "destroy", "destroy rounds of")
)


@router.post("/p/{production}/ammo/{lot}/evidence", response_class=HTMLResponse)
def seal_lot_rounds(
    lot: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """SealRoundsAsEvidence from a container: sealed, handed over, never back in stock."""

    def build() -> dict[str, Any]:
        return {
            "lot": LotId(lot.upper()),
            "container": ContainerId(text(form, "container")),
            "count": number(form, "count", "The count"),
            "seal": text(form, "seal"),
            "handed_to": text(form, "handed_to"),
            "note": text(form, "note"),
        }

    return _confirmed_lot(
        request,
        app,
        member,
        lot,
        c.SealRoundsAsEvidence,
        build,
        form,
        action="evidence",
        heading=f"seal rounds of {lot.upper()} as evidence",
        ok="sealed",
    )


@router.post("/p/{production}/ammo/{lot}/release", response_class=HTMLResponse)
def release_lot(
    lot: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """ReleaseLot: the armorer asks, the safety supervisor confirms (two different people)."""

    def build() -> dict[str, Any]:
        return {"lot": LotId(lot.upper()), "note": text(form, "note")}

    return _confirmed_lot(
        request,
        app,
        member,
        lot,
        c.ReleaseLot,
        build,
        form,
        action="release",
        heading=f"release {lot.upper()} from quarantine",
        ok="released",
    )
