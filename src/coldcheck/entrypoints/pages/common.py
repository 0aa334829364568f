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

A command that asks for confirmations (a handoff, a take-back, a two-person
rule) goes through :func:`attempt_confirmed` in two steps: the form is posted
without any PIN, the server issues a challenge for that exact command and
shows the :class:`ConfirmPage` (what is confirmed, in words, and one PIN field
per person asked); that page posts the same form again with the challenge
and the PINs, and only then is the command run, with the confirmations given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, available_timezones

import segno
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.confirming import Slot, confirmation_slots
from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import PersonId, SceneId
from coldcheck.domain.localtime import zone_of
from coldcheck.domain.model import ARMORER_ROLES, Role, TakeContext
from coldcheck.domain.state import Custody, ProductionState, StopWorkState
from coldcheck.domain.status import (
    LoadLabel,
    OverdueWeapon,
    label,
    overdue_weapons,
    stop_work_active,
)
from coldcheck.entrypoints.commanding import (
    Asked,
    ask_confirmations,
    command_of,
    give_confirmation,
    run_command,
)
from coldcheck.entrypoints.deps import Membership, Viewer, client_of
from coldcheck.entrypoints.pages.photo_view import PhotoView, current_photo
from coldcheck.service.custody import Accepted
from coldcheck.service.errors import Forbidden, Refused, Unconfirmed
from coldcheck.service.permissions import COMMAND_ROLES, may_ask
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
    "passkey-revoked": "Passkey revoked, on the record: it confirms nothing from now on.",
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
    "photo": "Photo recorded — its SHA-256 is in the log; it is the weapon's current photo.",
    "corrected": "Correction recorded — the entry stays on the record with it.",
    "sealed": "Sealed as evidence and handed over — it never returns to stock.",
    "destroyed": "Rounds destroyed, before a witness.",
    "returned-lot": "Rounds returned to the supplier, before a witness.",
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
    "created": "Production started — what custody still needs is listed below.",
    "resumed": "Signed in again — what you had typed is back; check it and send it again.",
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
TEMPLATES.env.globals["tz_of"] = zone_of
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
    overdue_weapons: tuple[OverdueWeapon, ...] = ()
    strip: StatusStrip | None = None
    #: the newest alert's id when the page was made: its stream starts from there
    alert_id: str = ""
    nav: str = ""
    #: the navigation offers the Reports screen (producer, armorers, 1st AD, safety supervisor)
    reports_link: bool = False

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
    #: the commands (class names) the viewer's roles may ask for: a button only when it can
    can: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StatusStrip:
    """What every production screen says about how current it is and where things stand."""

    at: datetime
    tz: str
    armory_locked: bool
    stop_work_since: datetime | None
    cold: int
    out: int
    loaded: int
    quarantined: int
    total: int
    storage_problem: str | None = None


def status_strip(
    state: ProductionState, now: datetime, tz: ZoneInfo, storage_problem: str | None = None
) -> StatusStrip:
    """The strip: armory, stop-work, and how many weapons are cold, out, loaded, quarantined."""
    labels = [(label(ws), ws) for ws in state.weapons.values() if not ws.retired]
    return StatusStrip(
        at=now,
        tz=tz.key,
        armory_locked=state.armory_locked,
        stop_work_since=state.stop_work.since if state.stop_work else None,
        cold=sum(1 for lb, _ in labels if lb is LoadLabel.COLD),
        out=sum(1 for _, ws in labels if ws.location is not Custody.STORAGE),
        loaded=sum(1 for lb, _ in labels if lb in (LoadLabel.BLANK_LOADED, LoadLabel.DUMMY_LOADED)),
        quarantined=sum(1 for lb, _ in labels if lb is LoadLabel.QUARANTINED),
        total=len(labels),
        storage_problem=storage_problem,
    )


def allowed_commands(member: Membership) -> frozenset[str]:
    """The names of the commands this member's roles may ask for at all."""
    return frozenset(cls.__name__ for cls in COMMAND_ROLES if may_ask(member.roles, cls))


#: Who sees the Reports screen (a performer's own record is on their own screen).
REPORT_ROLES = frozenset({Role.PRODUCER, Role.FIRST_AD, Role.SAFETY_SUPERVISOR, *ARMORER_ROLES})


def production_page(
    app: App, member: Membership, state: ProductionState | None = None, nav: str = ""
) -> dict[str, Any]:
    """The fields of ``ProductionPage`` for this member (the production's state read once)."""
    st = state if state is not None else app.custody.state(member.id)
    tz = zone(member)
    return {
        "production": member.production,
        "roles": member.roles,
        "is_armorer": bool(member.roles & ARMORER_ROLES),
        "stop_work": st.stop_work if stop_work_active(st) else None,
        "overdue_weapons": tuple(overdue_weapons(st, app.clock.now())),
        "strip": status_strip(st, app.clock.now(), tz, app.storage_problem()),
        "alert_id": app.alerts.last_id(),
        "state": st,
        "tz": tz,
        "name_of": st.name_of,
        "nav": nav,
        "can": allowed_commands(member),
        "reports_link": bool(member.roles & REPORT_ROLES),
    }


def home_of(production: ProductionSummary) -> str:
    """Where a member lands: armorers on the board, everyone else on their own screen."""
    if set(production.roles) & {r.value for r in ARMORER_ROLES}:
        return f"/p/{production.id}/board"
    return f"/p/{production.id}/mine"


def common_zones() -> tuple[str, ...]:
    """IANA zone names to offer (Area/City), sorted."""
    return tuple(
        sorted(
            z
            for z in available_timezones()
            if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
        )
    )


@dataclass(frozen=True)
class CartTrust:
    """How a tablet learns to trust the cart's HTTPS certificate."""

    fingerprint: str
    addresses: tuple[str, ...]
    https_url: str
    qr: str
    serving_https: bool


def cart_trust(request: Request, app: App) -> CartTrust | None:
    """The cart's certificate (made by ``coldcheck init``), or None when there is none."""
    cert = app.tls
    if cert is None:
        return None
    host = next((a for a in cert.addresses if a not in LOOPBACK), cert.addresses[0])
    port = request.url.port or app.settings.port
    shown = f"[{host}]" if ":" in host else host
    url = f"https://{shown}:{port}/"
    return CartTrust(
        fingerprint=cert.fingerprint,
        addresses=cert.addresses,
        https_url=url,
        qr=str(segno.make(url, error="m").svg_data_uri(scale=5, border=2)),
        serving_https=request.url.scheme == "https",
    )


LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


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


def take_context(form: FormData, *, with_scene: bool = True) -> TakeContext | None:
    """The take context typed into a firearm form (``take_scene``, ``take_setup``,
    ``take_number``, ``take_rehearsal`` yes/no); None when nothing was typed (issue 18)."""
    scene = text(form, "take_scene") if with_scene else ""
    setup, number, rehearsal = (
        text(form, n) for n in ("take_setup", "take_number", "take_rehearsal")
    )
    if not (scene or setup or number or rehearsal):
        return None
    if number and not number.isdigit():
        raise ValueError(f"take {number[:20]!r}: type the take number in digits (1, 2, 3 ...).")
    if rehearsal not in ("", "yes", "no"):
        raise ValueError("say whether it was a rehearsal: yes or no.")
    return TakeContext(
        scene=SceneId(scene) if scene else None,
        setup=setup,
        take=int(number[:9]) if number else None,
        rehearsal=None if not rehearsal else rehearsal == "yes",
    )


def day_or_none(typed: str, what: str) -> date | None:
    """A day typed as YYYY-MM-DD (a date field), None when left empty."""
    if not typed:
        return None
    try:
        return date.fromisoformat(typed[:10])
    except ValueError:
        raise ValueError(f"the {what} '{typed[:20]}' is not a date: use YYYY-MM-DD.") from None


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


class Typed(Mapping[str, str]):
    """What was typed into a refused form, to show it again: never a PIN or the CSRF token.

    ``values.title`` / ``values["title"]`` is a field's (first) value; ``values.checked(
    "weapons", "W-0001")`` says whether a checkbox or radio was ticked; ``values.posted``
    names the form the values came from (a page with several forms opens only that one).
    """

    def __init__(
        self, lists: Mapping[str, tuple[str, ...]] | None = None, posted: str = ""
    ) -> None:
        self._lists = dict(lists or {})
        self.posted = posted

    @classmethod
    def of(cls, form: FormData | None, posted: str = "", *, secret: str = "pin") -> Typed:
        """The values of ``form`` (none when there is no form)."""
        if form is None:
            return cls(posted=posted)
        lists: dict[str, tuple[str, ...]] = {}
        for key in form:
            if key == "csrf" or secret in key:
                continue
            lists[key] = tuple(v.strip() for v in form.getlist(key) if isinstance(v, str))
        return cls(lists, posted)

    def __getitem__(self, key: str) -> str:
        values = self._lists[key]
        return values[0] if values else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def checked(self, name: str, value: str) -> bool:
        """True when ``value`` was among the ticked values of ``name``."""
        return value in self._lists.get(name, ())

    def all(self, name: str) -> tuple[str, ...]:
        """Every value of a repeated field."""
        return self._lists.get(name, ())

    def __repr__(self) -> str:
        return f"Typed({self._lists!r}, posted={self.posted!r})"


def typed(form: FormData | None, *, secret: str = "pin", posted: str = "") -> Typed:
    """What was typed into a form (to show it again after a refusal), never a PIN."""
    return Typed.of(form, posted, secret=secret)


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
    confirmations: Sequence[str] = (),
) -> Outcome:
    """Build the command's values and run it (with the confirmations given, if any);
    refusals become reasons."""
    try:
        values = build()
    except (ValueError, KeyError) as exc:
        return Outcome((Reason("INPUT", str(exc).strip("'\"")),))
    return _run(app, member, Asked(cls, values, tuple(confirmations)))


def _run(app: App, member: Membership, asked: Asked) -> Outcome:
    try:
        return Outcome(accepted=run_command(app, member, asked))
    except Refused as exc:
        return Outcome(exc.reasons)
    except Unconfirmed as exc:
        return Outcome((Reason("PIN", str(exc)),))
    except Forbidden as exc:
        return Outcome((Reason("ROLE", str(exc)),))


@dataclass(frozen=True)
class ConfirmSlot:
    """One confirmation on the confirmation screen."""

    index: int
    who: str
    people: tuple[tuple[PersonId, str], ...]
    required: bool
    pledge: str
    chosen: str
    done: str = ""


@dataclass(frozen=True, kw_only=True)
class ConfirmPage(ProductionPage):
    """What is confirmed, in the server's words, and one PIN per person the command asks.

    The first form's fields are posted again unchanged (``carried``), with the
    challenge and the PINs; a confirmation already given stays (``given``).
    """

    template: ClassVar[str] = "confirm.html"
    heading: str
    summary: str
    action: str
    back: str
    challenge: str
    expires_at: datetime
    slots: tuple[ConfirmSlot, ...]
    carried: tuple[tuple[str, str], ...]
    given: tuple[str, ...]
    #: a handover's weapon photo, so the performer confirming sees it is the weapon (issue 18)
    photo: PhotoView | None = None


def _handover_photo(state: ProductionState, command: c.BaseCommand) -> PhotoView | None:
    """The current photo of the weapon a handover hands over (None for other commands)."""
    return current_photo(state, command.weapon) if isinstance(command, c.HandOver) else None


def _carried(form: FormData) -> tuple[tuple[str, str], ...]:
    skip = ("csrf", "challenge", "given")
    return tuple(
        (k, v)
        for k, v in form.multi_items()
        if isinstance(v, str) and k not in skip and not k.startswith("confirm_")
    )


def _slots(
    state: ProductionState,
    cls: type[c.BaseCommand],
    slots: Sequence[Slot],
    form: FormData | None,
    done: Mapping[int, PersonId] | None = None,
) -> tuple[ConfirmSlot, ...]:
    return tuple(
        ConfirmSlot(
            index=i,
            who=slot.who,
            people=tuple((p, state.name_of(p)) for p in slot.people),
            required=slot.required,
            pledge=slot.pledge,
            chosen=(text(form, f"confirm_person_{i}") if form is not None else "")
            or (slot.people[0] if len(slot.people) == 1 else ""),
            done=state.name_of(done[i]) if done and i in done else "",
        )
        for i, slot in enumerate(slots)
    )


def _slots_done(slots: Sequence[Slot], people: Sequence[PersonId]) -> dict[int, PersonId]:
    """Which slots the confirmations already given fill (each person fills one slot)."""
    done: dict[int, PersonId] = {}
    left = list(dict.fromkeys(people))
    for i, slot in enumerate(slots):
        who = next((p for p in left if p in slot.people), None)
        if who is not None:
            done[i] = who
            left.remove(who)
    return done


def attempt_confirmed(
    request: Request,
    app: App,
    member: Membership,
    cls: type[c.BaseCommand],
    build: Callable[[], Mapping[str, Any]],
    form: FormData,
    *,
    action: str,
    back: str,
    heading: str,
) -> Outcome | Response:
    """Run a command that may ask for confirmations, in two steps (see the module docstring).

    Returns the :class:`ConfirmPage` (step one, or step two again after a wrong PIN,
    keeping what was typed and the confirmations already given), or the Outcome of
    running the command.
    """
    try:
        values = build()
    except (ValueError, KeyError) as exc:
        return Outcome((Reason("INPUT", str(exc).strip("'\"")),))
    asked = Asked(cls, values)
    try:
        command = command_of(app, member, asked)
    except Exception as exc:  # an enum value the form should not have sent
        return Outcome((Reason("INPUT", str(exc)),))
    state = app.custody.state(member.id)
    slots = confirmation_slots(state, command)
    challenge = text(form, "challenge")
    if not challenge:
        if not any(slot.required for slot in slots):
            return _run(app, member, asked)
        try:
            issued = ask_confirmations(app, member, asked)
        except Refused as exc:
            return Outcome(exc.reasons)
        except Forbidden as exc:
            return Outcome((Reason("ROLE", str(exc)),))
        ctx = ConfirmPage(
            **production_page(app, member, state),
            heading=heading,
            summary=issued.challenge.summary,
            action=action,
            back=back,
            challenge=issued.challenge.id,
            expires_at=issued.challenge.expires_at,
            slots=_slots(state, cls, issued.slots, None),
            carried=_carried(form),
            given=(),
            photo=_handover_photo(state, command),
        )
        return page(request, ctx)
    pending = app.confirmations.pending(member.id, challenge)
    # passkey signatures given on the confirmers' own phones count too (issue 17)
    already = {
        **app.passkeys.signed_for(challenge),
        **app.confirmations.given(challenge, texts(form, "given")),
    }
    given = list(already)
    done = _slots_done(slots, list(already.values()))
    reasons: list[Reason] = []
    if pending is None:
        return Outcome(
            (
                Reason(
                    "PIN",
                    "the confirmation request expired (they last a few minutes) — send the "
                    "form again and confirm at once.",
                ),
            )
        )
    for i, slot in enumerate(slots):
        if i in done:
            continue
        person, pin = text(form, f"confirm_person_{i}"), text(form, f"confirm_pin_{i}")
        pledge = slot.pledge
        if not pin:
            if slot.required:
                reasons.append(Reason("PIN", f"{slot.who} types their PIN."))
            continue
        if not (4 <= len(pin) <= 8 and pin.isascii() and pin.isdigit()):
            reasons.append(Reason("PIN", "a PIN is 4 to 8 digits — type it again."))
            continue
        if pledge and text(form, f"confirm_pledge_{i}") != "yes":
            reasons.append(Reason("R12", f"{slot.who} ticks “{pledge}” before confirming."))
            continue
        try:
            confirmation = give_confirmation(
                app, member, challenge, person, pin, client_of(request)
            )
        except Unconfirmed as exc:
            reasons.append(Reason("PIN", str(exc)))
            continue
        given.append(confirmation.id)
        done[i] = confirmation.person
    if reasons:
        ctx = ConfirmPage(
            **production_page(app, member, state),
            heading=heading,
            summary=pending.summary,
            action=action,
            back=back,
            challenge=pending.id,
            expires_at=pending.expires_at,
            slots=_slots(state, cls, slots, form, done),
            carried=_carried(form),
            given=tuple(given),
            reasons=tuple(reasons),
            photo=_handover_photo(state, command),
        )
        return page(request, ctx, status=409)
    return _run(app, member, Asked(cls, values, tuple(given)))


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


def default_take(app: App, member: Membership) -> str:
    """A take time to offer on the load form: 10-15 minutes from now, on a 5-minute mark, local.

    Inside R13's window once the load is recorded, and easy to correct.
    """
    now = app.clock.now().astimezone(zone(member)) + timedelta(minutes=10)
    at = now.replace(second=0, microsecond=0) + timedelta(minutes=(-now.minute) % 5)
    return at.strftime("%H:%M")


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
    "CartTrust",
    "ConfirmPage",
    "ErrorPage",
    "Outcome",
    "Page",
    "ProductionPage",
    "RefusalPage",
    "StatusStrip",
    "Typed",
    "allowed_commands",
    "attempt",
    "attempt_confirmed",
    "cart_trust",
    "common_zones",
    "default_take",
    "done",
    "error_page",
    "home_of",
    "local_time",
    "number",
    "page",
    "people_with",
    "production_page",
    "render_refusal",
    "status_strip",
    "take_time",
    "text",
    "texts",
    "today",
    "typed",
    "zone",
]
