"""Productions and what is in them: weapons, lots, people, scenes, incidents, reports, days."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from coldcheck.domain import commands as c
from coldcheck.domain.ids import LotId, ProductionId, WeaponId
from coldcheck.domain.model import Role, Settings
from coldcheck.domain.state import ProductionState
from coldcheck.domain.status import (
    day_status,
    lot_status,
    overdue_reports,
    stop_work_active,
    weapon_status,
)
from coldcheck.entrypoints.api.commands import accepted_json
from coldcheck.entrypoints.api.jsonable import jsonable
from coldcheck.entrypoints.deps import AppDep, MemberDep, ViewerDep
from coldcheck.service.envelope import Channel, envelope

router = APIRouter()


class NewProduction(BaseModel):
    """A production to start; you become a member with ``roles``."""

    model_config = ConfigDict(strict=True, extra="forbid")
    id: str = Field(
        min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", examples=["dry-gulch"]
    )
    title: str = Field(min_length=1, max_length=200, examples=["Dry Gulch"])
    company: str = Field(max_length=200, examples=["Mesa Pictures"])
    location: str = Field(max_length=200, examples=["Ranch, New Mexico"])
    time_zone: str = Field(max_length=64, examples=["America/Denver"])
    roles: list[Role] = Field(default_factory=lambda: [Role.PRODUCER])
    settings: Settings = Field(default_factory=Settings)


@router.get("/productions", tags=["productions"], summary="Your productions")
def list_productions(app: AppDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """Only productions on which you have a role."""
    return [jsonable(p) for p in app.reads.productions_for(viewer.person)]


@router.post("/productions", tags=["productions"], status_code=201, summary="Start a production")
def create_production(body: NewProduction, app: AppDep, viewer: ViewerDep) -> dict[str, Any]:
    """Creates the production with you as its first member."""
    if app.custody.production_exists(ProductionId(body.id)):
        raise HTTPException(409, f"A production with id '{body.id}' exists. Choose another id.")
    result = app.custody.execute(
        c.CreateProduction(
            production=ProductionId(body.id),
            actor=viewer.person,
            at=app.clock.now(),
            title=body.title,
            company=body.company,
            location=body.location,
            time_zone=body.time_zone,
            settings=body.settings,
            actor_name=viewer.user.display_name,
            roles=tuple(body.roles),
        ),
        channel=Channel.api() if viewer.via == "bearer" else Channel.web(),
    )
    return accepted_json(result)


def _state(member: MemberDep, app: AppDep) -> ProductionState:
    return app.custody.state(member.id)


@router.get("/productions/{production}", tags=["productions"], summary="A production")
def production_detail(member: MemberDep, app: AppDep) -> dict[str, Any]:
    """Title, settings, your roles, stop-work state, weapons out, overdue reports."""
    state = _state(member, app)
    return {
        "production": jsonable(member.production),
        "settings": jsonable(state.info.settings if state.info else None),
        "your_roles": sorted(member.production.roles),
        "stop_work": jsonable(state.stop_work) if stop_work_active(state) else None,
        "weapons_out": [w.weapon for w in state.weapons_out()],
        "overdue_reports": jsonable(overdue_reports(state, app.clock.now())),
    }


@router.get("/productions/{production}/weapons", tags=["queries"], summary="Weapons and states")
def weapons(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Every weapon with its derived label (cold, dummy-loaded, ...) and holder."""
    state = _state(member, app)
    return [jsonable(weapon_status(state, w)) for w in sorted(state.weapons)]


@router.get("/productions/{production}/weapons/{tag}", tags=["queries"], summary="One weapon")
def weapon(tag: str, member: MemberDep, app: AppDep) -> dict[str, Any]:
    """Load positions, last inspection, hazards, and whether it can fire without a trigger pull."""
    state = _state(member, app)
    if WeaponId(tag) not in state.weapons:
        raise HTTPException(404, f"No weapon {tag} on this production. Tags look like W-0001.")
    return jsonable(weapon_status(state, WeaponId(tag)))  # type: ignore[no-any-return]


@router.get("/productions/{production}/timeline", tags=["queries"], summary="Custody timeline")
def timeline(
    member: MemberDep,
    app: AppDep,
    ref: Annotated[str | None, Query(max_length=64, description="W-…, L-…, C-… or person")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Events of the production, or of one weapon, lot or person, oldest first."""
    return [
        envelope(item.seq, item.event, item.channel)
        for item in app.reads.timeline(member.id, ref, limit)
    ]


@router.get("/productions/{production}/lots", tags=["queries"], summary="Ammunition lots")
def lots(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Every lot with its counts: received = store + weapons + fired + returned + destroyed."""
    state = _state(member, app)
    return [jsonable(lot_status(state, lot)) for lot in sorted(state.lots)]


@router.get("/productions/{production}/lots/{tag}", tags=["queries"], summary="One lot")
def lot(tag: str, member: MemberDep, app: AppDep) -> dict[str, Any]:
    """A lot's counts, containers and verification."""
    state = _state(member, app)
    if LotId(tag) not in state.lots:
        raise HTTPException(404, f"No lot {tag} on this production. Tags look like L-0001.")
    return jsonable(lot_status(state, LotId(tag)))  # type: ignore[no-any-return]


@router.get("/productions/{production}/people", tags=["queries"], summary="People and roles")
def people(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """People with their roles, duties, training and permits."""
    state = _state(member, app)
    return [
        {
            "person": pid,
            "name": person.name,
            "roles": sorted(r.value for r in state.roles.get(pid, ())),
            "duties": sorted(state.duties.get(pid, ())),
            "training": sorted(a.value for a in state.training.get(pid, ())),
            "permits": jsonable(state.permits.get(pid, ())),
        }
        for pid, person in sorted(state.people.items())
    ]


@router.get("/productions/{production}/scenes", tags=["queries"], summary="Scene plans")
def scenes(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Scene plans and the safety meetings held for them."""
    state = _state(member, app)
    return [jsonable(s) for _, s in sorted(state.scenes.items())]


@router.get("/productions/{production}/incidents", tags=["queries"], summary="Incidents")
def incidents(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Incidents, newest last."""
    state = _state(member, app)
    return [jsonable(i) for _, i in sorted(state.incidents.items())]


@router.get("/productions/{production}/reports", tags=["queries"], summary="Safety reports")
def reports(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Safety reports; anonymous ones carry no name."""
    state = _state(member, app)
    return [jsonable(r) for _, r in sorted(state.reports.items())]


@router.get("/productions/{production}/days/{day}", tags=["queries"], summary="Day status")
def day(day: date, member: MemberDep, app: AppDep) -> dict[str, Any]:
    """Whether the day is open, reconciled or closed, and any discrepancy."""
    return jsonable(day_status(_state(member, app), day))  # type: ignore[no-any-return]
