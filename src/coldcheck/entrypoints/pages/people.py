"""People: roles, other duties (R07), training (R14), permits with expiry warnings (R26)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import Permit, PermitKind, Role
from coldcheck.entrypoints.deps import AppDep, FormDep, Membership, PageMember, PostedMember
from coldcheck.entrypoints.pages.common import (
    Outcome,
    ProductionPage,
    attempt_confirmed,
    done,
    page,
    production_page,
    text,
    today,
    typed,
)
from coldcheck.service.permissions import may_ask

router = APIRouter(include_in_schema=False)


def _day_or_none(typed: str, what: str) -> date | None:
    """A date typed as YYYY-MM-DD, None when left empty."""
    if not typed:
        return None
    try:
        return date.fromisoformat(typed[:10])
    except ValueError:
        raise ValueError(f"the {what} '{typed[:20]}' is not a date: use YYYY-MM-DD.") from None


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


@dataclass(frozen=True, kw_only=True)
class PeoplePage(ProductionPage):
    """Everyone with their roles, duties, training and permits, and the forms to change them.

    ``posted`` names the form a refused post came from; only that form shows ``values`` again.
    """

    template: ClassVar[str] = "people.html"
    people: tuple[PersonRow, ...]
    actions: tuple[str, ...]
    permit_kinds: tuple[str, ...]
    role_names: tuple[str, ...]
    can_end_roles: bool
    posted: str = ""
    values: Mapping[str, str] = field(default_factory=dict)


def people_page(
    app: App, member: Membership, posted: str = "", form: FormData | None = None
) -> PeoplePage:
    """The people screen (after a refused post: that form with what was typed)."""
    return PeoplePage(
        **production_page(app, member, nav="people"),
        people=tuple(people_rows(app, member)),
        actions=tuple(a.value for a in ActionType),
        permit_kinds=tuple(k.value for k in PermitKind),
        role_names=tuple(r.value for r in Role),
        can_end_roles=may_ask(member.roles, c.EndRole),
        posted=posted,
        values=typed(form),
    )


@router.get("/p/{production}/people", response_class=HTMLResponse)
def people(request: Request, app: AppDep, member: PageMember) -> Response:
    """Everyone with roles, duties, training and permits; expiring permits are flagged."""
    return page(request, people_page(app, member))


@router.post("/p/{production}/people/{what}", response_class=HTMLResponse)
def person_change(
    what: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """Record training or a permit, assign or end a duty, add a person, give or end a role."""
    person = PersonId(text(form, "person"))
    builders: dict[str, tuple[type[c.BaseCommand], Any]] = {
        "training": (
            c.RecordTraining,
            lambda: {
                "person": person,
                "action": ActionType(text(form, "action")),
                "note": text(form, "note"),
                "course": text(form, "course"),
                "trained_on": _day_or_none(text(form, "trained_on"), "training date"),
                "expires": _day_or_none(text(form, "training_expires"), "expiry"),
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
        raise HTTPException(404, f"There is no '{what}' change for people.")
    cls, build = builders[what]
    result = attempt_confirmed(
        request,
        app,
        member,
        cls,
        build,
        form,
        action=f"/p/{member.id}/people/{what}",
        back=f"/p/{member.id}/people",
        heading="give a role that checks others",
    )
    if not isinstance(result, Outcome):
        return result
    if result.ok:
        return done(f"/p/{member.id}/people", "person")
    refused = people_page(app, member, what, form).refused(result.reasons)
    return page(request, refused, status=409)
