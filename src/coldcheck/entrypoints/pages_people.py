"""People: roles, other duties (R07), training (R14), permits with expiry warnings (R26)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import Permit, PermitKind, Role
from coldcheck.entrypoints.deps import AppDep, Membership, OptionalViewerDep
from coldcheck.entrypoints.pages_common import (
    FormDep,
    Outcome,
    attempt,
    done,
    member_of,
    page,
    posted_member,
    production_context,
    text,
    today,
)
from coldcheck.service.permissions import may_ask

router = APIRouter(include_in_schema=False)
WARN_DAYS = 30


@dataclass(frozen=True)
class PermitRow:
    """A permit and what its expiry means today."""

    permit: Permit
    days_left: int

    @property
    def level(self) -> str:
        """'expired', 'soon' (within 30 days) or 'ok'."""
        if self.days_left < 0:
            return "expired"
        return "soon" if self.days_left <= WARN_DAYS else "ok"


@dataclass(frozen=True)
class PersonRow:
    """One person on the production."""

    id: PersonId
    name: str
    roles: tuple[str, ...]
    duties: tuple[str, ...]
    training: tuple[str, ...]
    permits: tuple[PermitRow, ...]


def people_rows(app: App, member: Membership) -> list[PersonRow]:
    """Everyone known to the production, by name."""
    state = app.custody.state(member.id)
    now: date = today(app, member)
    rows = [
        PersonRow(
            pid,
            person.name,
            tuple(sorted(r.value for r in state.roles.get(pid, frozenset()))),
            tuple(sorted(state.duties.get(pid, frozenset()))),
            tuple(sorted(a.value for a in state.training.get(pid, frozenset()))),
            tuple(
                PermitRow(p, (p.expires - now).days)
                for p in sorted(state.permits.get(pid, ()), key=lambda p: p.expires)
            ),
        )
        for pid, person in state.people.items()
    ]
    return sorted(rows, key=lambda r: r.name)


def _context(app: App, member: Membership) -> dict[str, Any]:
    return {
        **production_context(app, member),
        "nav": "people",
        "people": people_rows(app, member),
        "actions": [a.value for a in ActionType],
        "permit_kinds": [k.value for k in PermitKind],
        "role_names": [r.value for r in Role],
        "can_end_roles": may_ask(member.roles, c.EndRole),
        "values": {},
    }


@router.get("/p/{production}/people", response_class=HTMLResponse)
def people(production: str, request: Request, app: AppDep, viewer: OptionalViewerDep) -> Response:
    """Everyone with roles, duties, training and permits; expiring permits are flagged."""
    member = member_of(app, viewer, production)
    return page(request, "people.html", _context(app, member))


def _after(
    request: Request, app: App, member: Membership, result: Outcome, form: FormData
) -> Response:
    if result.ok:
        return done(f"/p/{member.id}/people", "person")
    ctx = _context(app, member)
    ctx["values"] = {k: text(form, k) for k in form}
    return page(request, "people.html", {**ctx, "reasons": result.reasons}, status=409)


@router.post("/p/{production}/people/{what}", response_class=HTMLResponse)
def person_change(
    production: str,
    what: str,
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    form: FormDep,
) -> Response:
    """Record training or a permit, assign or end a duty, add a person, give or end a role."""
    member = posted_member(app, viewer, production, form)
    person = PersonId(text(form, "person"))
    builders: dict[str, tuple[type[c.BaseCommand], Any]] = {
        "training": (
            c.RecordTraining,
            lambda: {
                "person": person,
                "action": ActionType(text(form, "action")),
                "note": text(form, "note"),
            },
        ),
        "permit": (
            c.RecordPermit,
            lambda: {
                "person": person,
                "kind": PermitKind(text(form, "kind")),
                "number": text(form, "number"),
                "expires": date.fromisoformat(text(form, "expires")),
            },
        ),
        "duty": (c.AssignDuty, lambda: {"person": person, "duty": text(form, "duty")}),
        "end-duty": (c.EndDuty, lambda: {"person": person, "duty": text(form, "duty")}),
        "add": (c.AddPerson, lambda: {"person": person, "name": text(form, "name")}),
        "role": (c.AssignRole, lambda: {"person": person, "role": Role(text(form, "role"))}),
        "end-role": (c.EndRole, lambda: {"person": person, "role": Role(text(form, "role"))}),
    }
    if what not in builders:
        return _after(request, app, member, Outcome(), form)
    cls, build = builders[what]
    return _after(request, app, member, attempt(app, member, cls, build), form)
