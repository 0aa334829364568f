"""Productions and what is in them: weapons, lots, people, scenes, incidents, reports, days."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, Strict

from coldcheck.domain.ids import LotId, ProductionId, WeaponId
from coldcheck.domain.localtime import zone_of
from coldcheck.domain.mechanics import CHECKLISTS, inspection_checklist
from coldcheck.domain.model import Role, Settings
from coldcheck.domain.state import ProductionState
from coldcheck.domain.status import (
    day_status,
    lot_status,
    overdue_reports,
    still_needed,
    stop_work_active,
    weapon_status,
)
from coldcheck.entrypoints.api.commands import accepted_json
from coldcheck.entrypoints.api.jsonable import jsonable
from coldcheck.entrypoints.deps import AppDep, MemberDep, ViewerDep
from coldcheck.entrypoints.routes import API_PREFIX
from coldcheck.service.envelope import envelope

router = APIRouter(prefix=API_PREFIX)


class NewSettings(BaseModel):
    """The production's thresholds; every one may be left out for its default."""

    model_config = ConfigDict(strict=True, extra="forbid")
    blank_load_window_minutes: int = Field(default=15, ge=1, le=240, examples=[15])
    min_blank_distance_ft: int = Field(default=20, ge=1, le=1000, examples=[20])
    misfire_wait_seconds: int = Field(default=15, ge=1, le=600, examples=[15])
    armorer_capacity: int = Field(default=6, ge=1, le=100, examples=[6])
    escalation_hours: int = Field(default=24, ge=1, le=720, examples=[24])
    passkeys_required_for_handoffs: bool = Field(default=False, examples=[False])
    compliance_contact: str = Field(
        default="",
        max_length=200,
        examples=["Tom Reyes, producer, +1 505 555 0190"],
        description="Who answers for firearm compliance (Labor Code §9153); needed before "
        "the first weapon is issued (R29).",
    )

    def to_domain(self) -> Settings:
        """The domain's ``Settings``."""
        return Settings(**self.model_dump())


class NewProduction(BaseModel):
    """A production to start; you become a member with ``roles``."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "dry-gulch",
                    "title": "Dry Gulch",
                    "company": "Mesa Pictures",
                    "location": "Ranch, New Mexico",
                    "time_zone": "America/Denver",
                    "roles": ["armorer"],
                    "settings": {
                        "blank_load_window_minutes": 15,
                        "armorer_capacity": 6,
                        "compliance_contact": "Tom Reyes, producer, +1 505 555 0190",
                    },
                }
            ]
        },
    )
    id: str = Field(
        min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", examples=["dry-gulch"]
    )
    title: str = Field(min_length=1, max_length=200, examples=["Dry Gulch"])
    company: str = Field("", max_length=200, examples=["Mesa Pictures"])
    location: str = Field("", max_length=200, examples=["Ranch, New Mexico"])
    time_zone: str = Field(max_length=64, examples=["America/Denver"])
    # enums arrive as JSON strings: strict mode would ask for a Python Role instance
    roles: list[Annotated[Role, Strict(False)]] = Field(
        default_factory=lambda: [Role.PRODUCER],
        min_length=1,
        max_length=7,
        examples=[["producer", "armorer"]],
    )
    settings: NewSettings = Field(default_factory=lambda: NewSettings())


@router.get("/productions", tags=["productions"], summary="Your productions")
def list_productions(app: AppDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """Only productions on which you have a role."""
    return [jsonable(p) for p in app.reads.productions_for(viewer.person)]


@router.post("/productions", tags=["productions"], status_code=201, summary="Start a production")
def create_production(body: NewProduction, app: AppDep, viewer: ViewerDep) -> dict[str, Any]:
    """Creates the production with you as its first member, holding ``roles``.

    The answer lists what is still needed before custody (``still_needed``).
    """
    result = app.custody.create_production(
        production=ProductionId(body.id),
        actor=viewer.person,
        actor_name=viewer.user.display_name,
        title=body.title,
        company=body.company,
        location=body.location,
        time_zone=body.time_zone,
        roles=body.roles,
        settings=body.settings.to_domain(),
        channel=viewer.channel,
    )
    today = app.clock.now().astimezone(zone_of(body.time_zone)).date()
    return {**accepted_json(result), "still_needed": list(still_needed(result.state, today))}


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


@router.get(
    "/productions/{production}/weapons/{tag}/checklist",
    tags=["queries"],
    summary="The inspection checklist of one weapon (R24)",
)
def weapon_checklist(tag: str, member: MemberDep, app: AppDep) -> dict[str, Any]:
    """The steps an inspection must tick, exactly as ``inspect-weapon`` expects them, and the
    load positions it must record."""
    state = _state(member, app)
    ws = state.weapons.get(WeaponId(tag))
    if ws is None:
        raise HTTPException(404, f"No weapon {tag} on this production. Tags look like W-0001.")
    return {
        "weapon": ws.weapon.id,
        "action": ws.weapon.action.value,
        "checklist": list(inspection_checklist(ws.weapon.action)),
        "positions": list(ws.positions),
    }


@router.get("/checklists", tags=["queries"], summary="Every action type's checklist (R24)")
def checklists(viewer: ViewerDep) -> dict[str, list[str]]:
    """Each action type and the steps an inspection of it ticks, case-exact."""
    return {action.value: list(steps) for action, steps in CHECKLISTS.items()}


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
