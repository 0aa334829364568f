"""Dependency aliases in one place: the App, who is asking, their production, a posted form.

- ``AppDep``            the wired App.
- ``ViewerDep``         the signed-in person (401 without one); ``OptionalViewerDep``.
- ``MemberDep``         API: the viewer's membership of ``{production}`` (404 without a role).
- ``MemberToCheck``     the same, checked by the endpoint itself in its own worker thread
                        (the command, batch and confirmation routes: one trip, not two).
- ``PageMember``        a page: the same, but a visitor who is not signed in is sent to
                        sign in first.
- ``PostedMember``      a form post: ``PageMember`` after the form's CSRF token is checked
                        (403 otherwise); the form itself is ``FormDep`` (parsed once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import Role
from coldcheck.service.account_model import Session, SessionKind, User, check_csrf
from coldcheck.service.envelope import Channel
from coldcheck.service.permissions import membership
from coldcheck.service.queries import ProductionSummary

SESSION_COOKIE = "coldcheck_session"


async def get_app(request: Request) -> App:
    """The wired application stored on the FastAPI app at start-up.

    The dependencies that do no IO are ``async``: FastAPI runs a plain ``def`` one in a
    worker thread, a trip there and back per dependency per request."""
    app: App = request.app.state.coldcheck
    return app


AppDep = Annotated[App, Depends(get_app)]


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: their account, their session, and how they came in."""

    user: User
    session: Session
    via: str  # "cookie" or "bearer"

    @property
    def person(self) -> PersonId:
        """The person this account belongs to."""
        return PersonId(self.user.person_id)

    @property
    def channel(self) -> Channel:
        """The door a command of theirs came through: a bearer token is the API, a session
        cookie the web pages."""
        return Channel.api() if self.via == "bearer" else Channel.web()


def request_token(request: Request) -> tuple[str | None, str]:
    """The raw session token of a request and how it came: ``bearer`` or ``cookie``."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "bearer"
    return request.cookies.get(SESSION_COOKIE), "cookie"


def optional_viewer(request: Request, app: AppDep) -> Viewer | None:
    """The signed-in person, or None; cached on the request."""
    if hasattr(request.state, "viewer"):
        cached: Viewer | None = request.state.viewer
        return cached
    raw, via = request_token(request)
    viewer = None
    if raw:
        kind = SessionKind.API if via == "bearer" else SessionKind.WEB
        found = app.accounts.session_for_token(raw, kind)
        if found is not None:
            viewer = Viewer(user=found[1], session=found[0], via=via)
    request.state.viewer = viewer
    return viewer


def signed_in(viewer: Viewer | None) -> Viewer:
    """The signed-in person; 401 when nobody is."""
    if viewer is None:
        raise HTTPException(
            401,
            "Not signed in. Sign in with your login and password, or send an API token"
            " as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return viewer


async def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    """The signed-in person; 401 when nobody is."""
    return signed_in(viewer)


ViewerDep = Annotated[Viewer, Depends(require_viewer)]
OptionalViewerDep = Annotated[Viewer | None, Depends(optional_viewer)]


@dataclass(frozen=True)
class Membership:
    """The viewer's place on one production."""

    viewer: Viewer
    production: ProductionSummary

    @property
    def roles(self) -> frozenset[Role]:
        """The viewer's roles on this production."""
        return frozenset(Role(r) for r in self.production.roles)

    @property
    def id(self) -> ProductionId:
        """The production's id."""
        return self.production.id


def membership_of(app: App, viewer: Viewer, production: str) -> Membership:
    """The viewer's membership, or ``NotFound`` — a production without your role does not exist."""
    return Membership(viewer, membership(app.reads, viewer.person, production))


def require_membership(production: str, request: Request, app: AppDep) -> Membership:
    """Path dependency: the viewer must be signed in (401) and have a role on
    ``{production}`` (404). One dependency, so one trip to a worker thread, for both reads."""
    return membership_of(app, signed_in(optional_viewer(request, app)), production)


MemberDep = Annotated[Membership, Depends(require_membership)]

MEMBERSHIP_TO_CHECK = "coldcheck.membership_to_check"
"""The request scope's key for the :class:`MembershipToCheck` of a route that checks it."""


@dataclass(frozen=True)
class MembershipToCheck:
    """``require_membership`` for ``{production}``, not yet done: the endpoint does it first.

    FastAPI runs a plain ``def`` dependency and a plain ``def`` endpoint each in a worker
    thread; a request to a command, the batch or a confirmation route makes one trip
    instead of two when the endpoint, already in its thread, reads the session and the role
    itself (~7% of the server's CPU per issue over HTTP, measured interleaved). The answers
    stay those of ``MemberDep`` in the same order: 401, then 404, then the route's own; and a
    body or path that does not validate is answered 422 only after the membership holds
    (``http.create_app``'s handler checks it first, with :data:`MEMBERSHIP_TO_CHECK`).
    """

    production: str
    request: Request
    app: App

    def check(self) -> Membership:
        """The viewer's membership (401 without a session, 404 without a role)."""
        return require_membership(self.production, self.request, self.app)


async def membership_to_check(production: str, request: Request, app: AppDep) -> MembershipToCheck:
    """Path dependency: the membership of ``{production}`` for the endpoint to check (no IO
    here; the same parameters as ``require_membership``, so the same OpenAPI)."""
    pending = MembershipToCheck(production, request, app)
    request.scope[MEMBERSHIP_TO_CHECK] = pending
    return pending


MemberToCheck = Annotated[MembershipToCheck, Depends(membership_to_check)]


# -- pages ---------------------------------------------------------------------------


SESSION_ENDED = "Your session ended — sign in again."


class SessionEnded(Exception):
    """A script's request (htmx refresh, a lookup, a fetch) came without a live session.

    Answered 401 with :data:`SESSION_ENDED` and ``X-Coldcheck-Session: ended``: the page
    says so and keeps what was typed; it never swaps a sign-in page into itself.
    """


def from_script(request: Request) -> bool:
    """True for htmx and the pages' own fetches (not a navigation of the browser)."""
    return bool(request.headers.get("hx-request") or request.headers.get("x-coldcheck-fetch"))


async def page_viewer(request: Request, viewer: OptionalViewerDep) -> Viewer:
    """The signed-in person; else a script gets 401 and a browser the sign-in page.

    A browser going to a page (GET) is sent to sign in and back to that page afterwards;
    ``ended=1`` tells the sign-in page that this device had a session that ended.
    """
    if viewer is None:
        if from_script(request):
            raise SessionEnded()
        query = "?ended=1" if request.cookies.get(SESSION_COOKIE) else "?"
        if request.method == "GET":
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query += ("&" if len(query) > 1 else "") + "next=" + quote(here, safe="")
        raise HTTPException(303, headers={"Location": "/signin" + query.rstrip("?")})
    return viewer


PageViewer = Annotated[Viewer, Depends(page_viewer)]


def page_member(
    production: str, app: AppDep, viewer: Annotated[Viewer, Depends(page_viewer)]
) -> Membership:
    """GET pages: the viewer's membership of ``{production}``."""
    return membership_of(app, viewer, production)


async def form_data(request: Request) -> FormData:
    """The posted form (urlencoded or multipart), parsed once per request."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def require_csrf(viewer: Viewer, token: object) -> None:
    """403 unless ``token`` is this session's CSRF token."""
    if not isinstance(token, str) or not check_csrf(viewer.session, token):
        raise HTTPException(403, "This form has expired. Reload the page and try again.")


def posted_member(
    production: str, app: AppDep, viewer: Annotated[Viewer, Depends(page_viewer)], form: FormDep
) -> Membership:
    """POST pages: the form's CSRF token is this session's, then the membership."""
    require_csrf(viewer, form.get("csrf"))
    return membership_of(app, viewer, production)


PageMember = Annotated[Membership, Depends(page_member)]
PostedMember = Annotated[Membership, Depends(posted_member)]


def client_of(request: Request) -> str:
    """The caller's address (what sign-in and PIN throttles count per), or "" if unknown."""
    return request.client.host if request.client is not None else ""


def refuse_cross_site(request: Request, message: str) -> None:
    """403 for a form post from another site: ``Sec-Fetch-Site: cross-site``, or an
    ``Origin`` other than this server's (for forms that have no session's CSRF token yet:
    the anonymous report form and sign-in)."""
    origin = request.headers.get("origin", "null")
    own = str(request.base_url).rstrip("/")
    if request.headers.get("sec-fetch-site") == "cross-site" or origin not in ("null", own):
        raise HTTPException(403, message)


def public_base(request: Request, app: App) -> str:
    """``scheme://host[:port]`` for links and QR codes: the request's Host when it names one
    of ``app.public_hosts``, else the first of them (a forged Host never reaches a label)."""
    allowed = app.public_hosts
    host = (request.url.hostname or "").lower()
    if host not in allowed:
        host = allowed[0]
    shown = f"[{host}]" if ":" in host else host
    port = request.url.port
    return f"{request.url.scheme}://{shown}{f':{port}' if port else ''}"
