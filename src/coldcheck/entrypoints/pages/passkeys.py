"""Passkeys (issue 17): your passkeys on this production, enrolment, revocation, and the
confirmation screen's "Confirm with my passkey".

The relying party id is the host the page was served on (``request.url.hostname``) and the
origin its scheme, host and port: WebAuthn needs a secure context, which ``serve --tls``
or ``http://localhost`` gives. The JSON routes answer the page's own script
(static/passkeys.js) and carry the session's CSRF token like every form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId
from coldcheck.domain.model import ARMORER_ROLES
from coldcheck.domain.state import PasskeyRecord
from coldcheck.entrypoints.commanding import channel_of
from coldcheck.entrypoints.deps import AppDep, FormDep, Membership, PageMember, PostedMember
from coldcheck.entrypoints.pages.common import (
    Outcome,
    ProductionPage,
    attempt_confirmed,
    done,
    page,
    production_page,
    text,
)
from coldcheck.service.errors import Forbidden, Refused, Unconfirmed
from coldcheck.service.permissions import check_role

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class PasskeyRow:
    """One enrolled passkey, as the page lists it."""

    credential: str
    person: str
    label: str
    enrolled_at: datetime
    enrolled_by: str
    revoked_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class PasskeysPage(ProductionPage):
    """Your passkeys, enrolling one on this device; an armorer's enrolment for a person at
    the cart; every key of the production, revoked by an armorer and the producer together."""

    template: ClassVar[str] = "passkeys.html"
    me: str
    host: str
    mine: tuple[PasskeyRow, ...]
    everyone: tuple[PasskeyRow, ...]
    people: tuple[tuple[str, str], ...]
    may_revoke: bool


def _row(key: PasskeyRecord, name_of: Callable[[PersonId | None], str]) -> PasskeyRow:
    return PasskeyRow(
        credential=key.credential,
        person=name_of(key.person),
        label=key.label,
        enrolled_at=key.enrolled_at,
        enrolled_by=name_of(key.enrolled_by),
        revoked_at=key.revoked_at,
    )


def _origin(request: Request) -> tuple[str, str]:
    url = request.url
    return url.hostname or "", f"{url.scheme}://{url.netloc}"


def _error(exc: Exception, status: int) -> JSONResponse:
    if isinstance(exc, Refused):
        message = " ".join(f"{r.rule}: {r.message}" for r in exc.reasons)
    else:
        message = str(exc)
    return JSONResponse({"error": message}, status_code=status)


def _context(request: Request, app: App, member: Membership) -> PasskeysPage:
    state = app.custody.state(member.id)
    me = member.viewer.person
    keys = sorted(state.passkeys.values(), key=lambda k: k.enrolled_at)
    base = production_page(app, member, state)
    others = sorted(((p, state.name_of(p)) for p in state.people if p != me), key=lambda x: x[1])
    return PasskeysPage(
        **base,
        me=me,
        host=request.url.hostname or "",
        mine=tuple(_row(k, state.name_of) for k in keys if k.person == me),
        everyone=tuple(_row(k, state.name_of) for k in keys),
        people=tuple(others),
        may_revoke="RevokePasskey" in base["can"],
    )


@router.get("/p/{production}/passkeys", response_class=HTMLResponse)
def passkeys_page(request: Request, app: AppDep, member: PageMember) -> Response:
    """The account page's passkeys on this production."""
    return page(request, _context(request, app, member))


@router.post("/p/{production}/passkeys/options")
def enrolment_options(
    request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """Registration options for the person named (yourself, or, for an armorer, anyone)."""
    person = PersonId(text(form, "person") or member.viewer.person)
    host, _ = _origin(request)
    if person != member.viewer.person and not member.roles & ARMORER_ROLES:
        return JSONResponse(
            {"error": "only an armorer at the cart enrols a passkey for someone else."},
            status_code=403,
        )
    try:
        check_role(member.roles, member.production.roles, c.EnrolPasskey)
        return JSONResponse(app.passkeys.enrolment_options(member.id, person, host))
    except (Unconfirmed, Forbidden) as exc:
        return _error(exc, 403)


@router.post("/p/{production}/passkeys")
def enrol(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """Record the new passkey (the browser's answer to the options)."""
    me = member.viewer.person
    person = PersonId(text(form, "person") or me)
    host, origin = _origin(request)
    try:
        check_role(member.roles, member.production.roles, c.EnrolPasskey)
        app.passkeys.enrol(
            member.id,
            me,
            person,
            str(form.get("credential") or ""),
            rp_id=host,
            origin=origin,
            channel=channel_of(member),
            label=text(form, "label"),
            pin=text(form, "pin") or None,
        )
    except Refused as exc:
        return _error(exc, 409)
    except (Unconfirmed, Forbidden) as exc:
        return _error(exc, 403)
    name = app.custody.state(member.id).name_of(person)
    return JSONResponse({"message": f"Passkey enrolled for {name}, on the record."})


@router.post("/p/{production}/passkeys/revoke", response_class=HTMLResponse)
def revoke(request: Request, app: AppDep, member: PostedMember, form: FormDep) -> Response:
    """Revoke a passkey: an armorer and the producer together (the confirmation screen)."""
    here = f"/p/{member.id}/passkeys"
    result = attempt_confirmed(
        request,
        app,
        member,
        c.RevokePasskey,
        lambda: {"credential": text(form, "credential"), "reason": text(form, "reason")},
        form,
        action=f"{here}/revoke",
        back=here,
        heading="revoke a passkey",
    )
    if not isinstance(result, Outcome):
        return result
    if result.reasons:
        return page(request, _context(request, app, member).refused(result.reasons), status=409)
    return done(here, "passkey-revoked")


@dataclass(frozen=True, kw_only=True)
class ConfirmOnPhonePage(ProductionPage):
    """A pending confirmation opened on the confirmer's own phone: what it confirms, and
    signing it with their passkey (the cart's screen then counts it)."""

    template: ClassVar[str] = "confirm_phone.html"
    challenge: str
    summary: str
    expires_at: datetime | None
    asked: bool
    signed: bool
    me: str
    pledge: str
    """What they tick before signing (checked by the server), or empty."""


@router.get("/p/{production}/confirm/{challenge}", response_class=HTMLResponse)
def confirm_on_phone(request: Request, challenge: str, app: AppDep, member: PageMember) -> Response:
    """Sign a pending confirmation with your own passkey, on your own device."""
    pending = app.confirmations.pending(member.id, challenge)
    me = member.viewer.person
    signed = pending is not None and me in app.passkeys.signed_for(challenge).values()
    return page(
        request,
        ConfirmOnPhonePage(
            **production_page(app, member),
            challenge=challenge,
            summary=pending.summary if pending else "",
            expires_at=pending.expires_at if pending else None,
            asked=pending is not None and me in pending.people,
            signed=signed,
            me=me,
            pledge=dict(pending.pledges).get(me, "") if pending else "",
        ),
    )


@router.post("/p/{production}/confirm/{challenge}/passkey/options")
def assertion_options(
    request: Request, challenge: str, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """``navigator.credentials.get`` options that sign this very challenge."""
    host, _ = _origin(request)
    try:
        options = app.passkeys.assertion_options(
            member.id, challenge, PersonId(text(form, "person")), host
        )
    except Unconfirmed as exc:
        return _error(exc, 403)
    return JSONResponse(options)


@router.post("/p/{production}/confirm/{challenge}/passkey")
def confirm_with_passkey(
    request: Request, challenge: str, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """The person's signature over the challenge: a single-use confirmation, or why not."""
    host, origin = _origin(request)
    person = text(form, "person")
    try:
        given = app.passkeys.confirm(
            member.id,
            challenge,
            person,
            str(form.get("credential") or ""),
            rp_id=host,
            origin=origin,
            pledged=text(form, "pledge") == "yes",
        )
    except Unconfirmed as exc:
        return _error(exc, 403)
    name = app.custody.state(member.id).name_of(PersonId(person))
    return JSONResponse(
        {"confirmation": given.id, "message": f"Confirmed by {name}'s passkey (signed)."}
    )
