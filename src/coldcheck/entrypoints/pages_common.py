"""What every page module shares: templates, the page context, form parsing, running commands.

A POST route reads its form, checks the CSRF token, builds a domain command
and runs it with :func:`attempt`; a refusal (a safety rule, a wrong PIN, a
role that may not ask) comes back as reasons, and the route renders its form
again with every reason listed, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import ValidationError
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import PersonId
from coldcheck.domain.model import ARMORER_ROLES, Role
from coldcheck.domain.state import ProductionState, stop_work_active
from coldcheck.entrypoints.api_commands import PinConfirmation, run_command, verify_confirmations
from coldcheck.entrypoints.deps import Membership, Viewer, membership_of
from coldcheck.service.accounts import check_csrf
from coldcheck.service.custody import Accepted
from coldcheck.service.errors import Refused

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))

LABEL_WORDS = {
    "cold": "Cold — every position empty, bore clear",
    "dummy-loaded": "Dummy-loaded — verified dummies only",
    "blank-loaded": "BLANK-LOADED",
    "unverified": "Unverified — inspect before use",
    "quarantined": "QUARANTINED — do not use",
}
SHORT_LABEL = {
    "cold": "Cold",
    "dummy-loaded": "Dummy-loaded",
    "blank-loaded": "Blank-loaded",
    "unverified": "Unverified",
    "quarantined": "Quarantined",
}
#: Messages shown after a redirect; the query string names one, never carries text.
DONE = {
    "taken-out": "Taken out of storage — inspect it before anything else.",
    "returned": "Back in storage.",
    "inspected": "Inspection recorded.",
    "bore": "Bore check recorded.",
    "loaded": "Load recorded.",
    "unloaded": "Unload recorded.",
    "handed": "Handed over — the performer holds it.",
    "taken-back": "Taken back — it is unverified until inspected.",
    "fired": "Fired blanks recorded — check the bore before the next load.",
    "misfire": "Misfire recorded — keep it pointed safe until the wait is over.",
    "discharge": "Unplanned discharge recorded: incident opened, weapon quarantined.",
    "cleared": "Quarantine cleared.",
    "registered": "Weapon registered and in storage.",
    "lot": "Lot received.",
    "container": "Container created.",
    "container-moved": "Container moved.",
    "moved": "Rounds moved.",
    "retired": "Weapon retired — it is off the board and back to its owner.",
    "verified": "Dummy verification recorded.",
    "rounds": "Rounds recorded.",
    "released": "Lot released from quarantine.",
    "scene": "Scene plan saved.",
    "meeting": "Safety meeting recorded.",
    "reconciled": "Wrap count recorded.",
    "closed": "Day closed.",
    "resolved": "Discrepancy resolved.",
    "armory": "Armory updated.",
    "stopped": "STOP WORK called.",
    "lifted": "Stop-work lifted.",
    "incident": "Incident recorded.",
    "report": "Safety report filed.",
    "person": "Person updated.",
}


def _words(value: object) -> str:
    return str(getattr(value, "value", value)).replace("_", " ")


@pass_context
def _name(ctx: Context, person: str | None) -> str:
    """A person's name from the page's production state (``name_of`` in the context)."""
    name_of = ctx.get("name_of")
    return str(name_of(person)) if name_of else str(person or "")


TEMPLATES.env.filters["words"] = _words
TEMPLATES.env.filters["name"] = _name


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render ``name`` with the shared context (viewer, CSRF token, words for labels)."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    base = {
        "viewer": viewer,
        "csrf": viewer.session.csrf_token if viewer else "",
        "label_words": LABEL_WORDS,
        "short_label": SHORT_LABEL,
        "done": DONE.get(request.query_params.get("ok", "")),
        "reasons": (),
    }
    return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status)


def render_refusal(request: Request, exc: Refused) -> Response:
    """A refusal as a page (or an htmx fragment) listing every reason."""
    template = "_refusal.html" if request.headers.get("hx-request") else "refusal.html"
    return page(request, template, {"reasons": exc.reasons}, status=409)


def require_csrf(viewer: Viewer, token: str | None) -> None:
    """403 unless ``token`` is this session's CSRF token."""
    if not check_csrf(viewer.session, token):
        raise HTTPException(403, "This form has expired. Reload the page and try again.")


async def form_data(request: Request) -> FormData:
    """The posted form (urlencoded or multipart)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def viewer_or_redirect(viewer: Viewer | None) -> Viewer:
    """The signed-in person, or a redirect to sign in."""
    if viewer is None:
        raise HTTPException(303, headers={"Location": "/signin"})
    return viewer


def member_of(app: App, viewer: Viewer | None, production: str) -> Membership:
    """GET pages: the viewer's membership (sign in first; 404 without a role)."""
    return membership_of(app, viewer_or_redirect(viewer), production)


def posted_member(app: App, viewer: Viewer | None, production: str, form: FormData) -> Membership:
    """POST pages: membership, after checking the form's CSRF token."""
    who = viewer_or_redirect(viewer)
    require_csrf(who, text(form, "csrf"))
    return membership_of(app, who, production)


def text(form: FormData, name: str, default: str = "") -> str:
    """One text field, stripped; ``default`` when absent."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def texts(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), blanks dropped."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def number(form: FormData, name: str, what: str, default: int | None = None) -> int:
    """A whole number field; ValueError in words when it is not one."""
    raw = text(form, name)
    if not raw and default is not None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{what} must be a whole number.") from None


@dataclass(frozen=True)
class Outcome:
    """What came of a command from a form: accepted, or every reason it was refused."""

    reasons: tuple[Reason, ...] = ()
    accepted: Accepted | None = None

    @property
    def ok(self) -> bool:
        return not self.reasons


def attempt(
    app: App,
    member: Membership,
    cls: type[c.BaseCommand],
    build: Callable[[], dict[str, Any]],
    pins: Sequence[tuple[str, str]] = (),
) -> Outcome:
    """Build the command's values, check the PINs typed, run it; refusals become reasons."""
    try:
        values = build()
    except (ValueError, KeyError) as exc:
        return Outcome((Reason("INPUT", str(exc).strip("'\"")),))
    try:
        confs = [PinConfirmation(person=p, pin=pin) for p, pin in pins if p and pin]
    except ValidationError:
        return Outcome((Reason("PIN", "a PIN is 4 to 8 digits — type it again."),))
    try:
        confirmed = verify_confirmations(app, confs)
    except HTTPException as exc:
        return Outcome((Reason("PIN", str(exc.detail)),))
    try:
        return Outcome(accepted=run_command(app, member, cls, values, confirmed))
    except Refused as exc:
        return Outcome(exc.reasons)
    except HTTPException as exc:
        return Outcome((Reason("ROLE", str(exc.detail)),))


def done(url: str, key: str) -> Response:
    """Redirect after a successful POST, naming the message to show."""
    sep = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{sep}ok={key}", status_code=303)


def zone(member: Membership) -> ZoneInfo:
    """The production's time zone (UTC when unknown)."""
    try:
        return ZoneInfo(member.production.time_zone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def today(app: App, member: Membership) -> date:
    """The production's local date now."""
    return app.clock.now().astimezone(zone(member)).date()


def local_time(dt: datetime | None, tz: ZoneInfo, fmt: str = "%H:%M") -> str:
    """A UTC time in the production's zone, or a dash."""
    return dt.astimezone(tz).strftime(fmt) if dt else "—"


def take_time(app: App, member: Membership, hhmm: str) -> datetime | None:
    """A local HH:MM today (tomorrow when it already passed by hours) as UTC."""
    if not hhmm:
        return None
    try:
        hour, minute = (int(x) for x in hhmm.split(":")[:2])
    except ValueError:
        raise ValueError("the take time must look like 14:05.") from None
    tz = zone(member)
    now = app.clock.now().astimezone(tz)
    at = datetime.combine(now.date(), datetime.min.time(), tz).replace(hour=hour, minute=minute)
    if at < now - timedelta(hours=12):
        at += timedelta(days=1)
    return at.astimezone(UTC)


def people_with(state: ProductionState, *roles: Role) -> list[tuple[PersonId, str]]:
    """(id, name) of everyone holding any of ``roles``, by name."""
    out = [
        (pid, state.name_of(pid))
        for pid, held in state.roles.items()
        if not roles or held & set(roles)
    ]
    return sorted(out, key=lambda p: p[1])


def production_context(
    app: App, member: Membership, state: ProductionState | None = None
) -> dict[str, Any]:
    """What base.html and the navigation need on every production page."""
    st = state if state is not None else app.custody.state(member.id)
    return {
        "production": member.production,
        "roles": member.roles,
        "is_armorer": bool(member.roles & ARMORER_ROLES),
        "stop_work": st.stop_work if stop_work_active(st) else None,
        "state": st,
        "tz": zone(member),
        "local_time": local_time,
        "name_of": st.name_of,
    }
