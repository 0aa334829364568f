"""What every page module shares: templates, typed page contexts, form parsing, running commands.

Each page renders one typed context (datasette-style): a frozen dataclass
that names every value its templates read, so a template cannot read a key
its route never sets (``tests/unit/pages/test_page_contexts.py`` checks every
template against its class). ``page(request, ctx)`` renders ``ctx.template``
(or one of ``ctx.partials``, the htmx fragments) with the chrome every page
has: who is signed in, the CSRF token, the message after a redirect.

A POST route takes ``PostedMember`` (CSRF checked, membership found) and its
form, builds a domain command and runs it with :func:`attempt`; a refusal (a
safety rule, a wrong PIN, a role that may not ask) comes back as reasons,
and the route renders its form again with every reason listed and what was
typed kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import PersonId
from coldcheck.domain.model import ARMORER_ROLES, Role
from coldcheck.domain.state import ProductionState, StopWorkState
from coldcheck.domain.status import stop_work_active
from coldcheck.entrypoints.commanding import Asked, run_command
from coldcheck.entrypoints.deps import Membership, Viewer
from coldcheck.service.confirmations import PinConfirmation
from coldcheck.service.custody import Accepted
from coldcheck.service.errors import Forbidden, Refused, Unconfirmed
from coldcheck.service.queries import ProductionSummary

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


def local_time(dt: datetime | None, tz: ZoneInfo, fmt: str = "%H:%M") -> str:
    """A UTC time in the production's zone, or a dash."""
    return dt.astimezone(tz).strftime(fmt) if dt else "—"


TEMPLATES.env.filters["words"] = _words
TEMPLATES.env.filters["name"] = _name
TEMPLATES.env.globals["local_time"] = local_time
TEMPLATES.env.globals["label_words"] = LABEL_WORDS
TEMPLATES.env.globals["short_label"] = SHORT_LABEL

#: What ``page`` adds to every context: the same on every page, never set by a route.
#: ``fork_alert``: a witness reported that this log was forked or rewritten (red, everywhere).
CHROME = frozenset({"viewer", "csrf", "done", "fork_alert"})


# -- typed page contexts ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Page:
    """A page: its template, its htmx fragments, and the reasons a form was refused."""

    template: ClassVar[str]
    partials: ClassVar[tuple[str, ...]] = ()

    reasons: tuple[Reason, ...] = ()
    production: ProductionSummary | None = None
    stop_work: StopWorkState | None = None
    nav: str = ""

    def refused(self, reasons: Sequence[Reason]) -> Any:
        """The same page, listing every reason a form was refused."""
        return dataclasses.replace(self, reasons=tuple(reasons))


@dataclass(frozen=True, kw_only=True)
class ProductionPage(Page):
    """A page of one production: the navigation, the stop-work banner, names and times."""

    production: ProductionSummary
    roles: frozenset[Role]
    is_armorer: bool
    state: ProductionState
    tz: ZoneInfo
    name_of: Callable[[PersonId | None], str]


def production_page(
    app: App, member: Membership, state: ProductionState | None = None, nav: str = ""
) -> dict[str, Any]:
    """The fields of ``ProductionPage`` for this member (the production's state read once)."""
    st = state if state is not None else app.custody.state(member.id)
    return {
        "production": member.production,
        "roles": member.roles,
        "is_armorer": bool(member.roles & ARMORER_ROLES),
        "stop_work": st.stop_work if stop_work_active(st) else None,
        "state": st,
        "tz": zone(member),
        "name_of": st.name_of,
        "nav": nav,
    }


@dataclass(frozen=True, kw_only=True)
class ErrorPage(Page):
    """Something went wrong: a heading and what to do."""

    template: ClassVar[str] = "error.html"
    heading: str
    message: str


@dataclass(frozen=True, kw_only=True)
class RefusalPage(Page):
    """A command refused outside its own form: every reason with its rule."""

    template: ClassVar[str] = "refusal.html"
    partials: ClassVar[tuple[str, ...]] = ("_refusal.html",)


def page(request: Request, ctx: Page, *, partial: str | None = None, status: int = 200) -> Response:
    """Render ``ctx`` (its template, or one of its partials) with the chrome of every page."""
    if partial is not None and partial not in ctx.partials:
        raise ValueError(f"{type(ctx).__name__} does not render {partial}")
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    values = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
    app: App | None = getattr(request.app.state, "coldcheck", None)
    values.update(
        viewer=viewer,
        csrf=viewer.session.csrf_token if viewer else "",
        done=DONE.get(request.query_params.get("ok", "")),
        fork_alert=app.witnessing.fork_alert() if app is not None else None,
    )
    return TEMPLATES.TemplateResponse(request, partial or ctx.template, values, status_code=status)


def render_refusal(request: Request, exc: Refused) -> Response:
    """A refusal as a page (or an htmx fragment) listing every reason."""
    partial = "_refusal.html" if request.headers.get("hx-request") else None
    return page(request, RefusalPage(reasons=exc.reasons), partial=partial, status=409)


def error_page(request: Request, heading: str, message: str, status: int) -> Response:
    """An error as a page for a browser."""
    return page(request, ErrorPage(heading=heading, message=message), status=status)


# -- forms -----------------------------------------------------------------------------


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


def typed(form: FormData | None, *, secret: str = "pin") -> Mapping[str, str]:
    """What was typed into a form (to show it again after a refusal), never a PIN."""
    if form is None:
        return {}
    return {k: text(form, k) for k in form if k != "csrf" and secret not in k}


@dataclass(frozen=True)
class Outcome:
    """What came of a command from a form: accepted, or every reason it was refused."""

    reasons: tuple[Reason, ...] = ()
    accepted: Accepted | None = field(default=None)

    @property
    def ok(self) -> bool:
        return not self.reasons


def attempt(
    app: App,
    member: Membership,
    cls: type[c.BaseCommand],
    build: Callable[[], Mapping[str, Any]],
    pins: Sequence[tuple[str, str]] = (),
) -> Outcome:
    """Build the command's values, run it with the PINs typed; refusals become reasons."""
    try:
        values = build()
    except (ValueError, KeyError) as exc:
        return Outcome((Reason("INPUT", str(exc).strip("'\"")),))
    typed_pins = [(p, pin) for p, pin in pins if p and pin]
    if any(not (4 <= len(pin) <= 8 and pin.isascii() and pin.isdigit()) for _, pin in typed_pins):
        return Outcome((Reason("PIN", "a PIN is 4 to 8 digits — type it again."),))
    asked = Asked(cls, values, [PinConfirmation(p, pin) for p, pin in typed_pins])
    try:
        return Outcome(accepted=run_command(app, member, asked))
    except Refused as exc:
        return Outcome(exc.reasons)
    except Unconfirmed as exc:
        return Outcome((Reason("PIN", str(exc)),))
    except Forbidden as exc:
        return Outcome((Reason("ROLE", str(exc)),))


def done(url: str, key: str) -> Response:
    """Redirect after a successful POST, naming the message to show."""
    sep = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{sep}ok={key}", status_code=303)


# -- times and people --------------------------------------------------------------------


def zone(member: Membership) -> ZoneInfo:
    """The production's time zone (UTC when unknown)."""
    try:
        return ZoneInfo(member.production.time_zone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def today(app: App, member: Membership) -> date:
    """The production's local date now."""
    return app.clock.now().astimezone(zone(member)).date()


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


__all__ = [
    "CHROME",
    "TEMPLATES",
    "ErrorPage",
    "Outcome",
    "Page",
    "ProductionPage",
    "RefusalPage",
    "attempt",
    "done",
    "error_page",
    "local_time",
    "number",
    "page",
    "people_with",
    "production_page",
    "render_refusal",
    "take_time",
    "text",
    "texts",
    "today",
    "typed",
    "zone",
]
