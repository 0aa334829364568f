"""Dependency aliases in one place: the App, who is asking, and their production."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from coldcheck.bootstrap import App
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import Role
from coldcheck.service.accounts import Session, SessionKind, User
from coldcheck.service.queries import ProductionSummary

SESSION_COOKIE = "coldcheck_session"


def get_app(request: Request) -> App:
    """The wired application stored on the FastAPI app at start-up."""
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


def _token(request: Request) -> tuple[str | None, str]:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "bearer"
    return request.cookies.get(SESSION_COOKIE), "cookie"


def optional_viewer(request: Request, app: AppDep) -> Viewer | None:
    """The signed-in person, or None; cached on the request."""
    if hasattr(request.state, "viewer"):
        cached: Viewer | None = request.state.viewer
        return cached
    raw, via = _token(request)
    viewer = None
    if raw:
        kind = SessionKind.API if via == "bearer" else SessionKind.WEB
        now = app.clock.now()
        found = app.sessions.get(raw, now)
        if found is None or found[0].kind != kind:
            with app.account_store() as store:
                found = app.accounts.session_for_token(store, raw, now, kind)
            if found is not None:
                app.sessions.put(raw, found[0], found[1], now)
        if found is not None:
            viewer = Viewer(user=found[1], session=found[0], via=via)
    request.state.viewer = viewer
    return viewer


def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    """The signed-in person; 401 when nobody is."""
    if viewer is None:
        raise HTTPException(
            401,
            "Not signed in. Sign in with your login and password, or send an API token"
            " as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return viewer


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
    """The viewer's membership, or 404 — a production you have no role on does not exist."""
    for summary in app.reads.productions_for(viewer.person):
        if summary.id == production:
            return Membership(viewer, summary)
    raise HTTPException(
        404, f"No production '{production}' that you have a role on. Ask its producer to add you."
    )


def require_membership(production: str, app: AppDep, viewer: ViewerDep) -> Membership:
    """Path dependency: the viewer must have a role on ``{production}``."""
    return membership_of(app, viewer, production)


MemberDep = Annotated[Membership, Depends(require_membership)]
