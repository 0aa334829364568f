"""Server-rendered pages (Jinja2 + htmx): sign in and the production list here; every
other screen in a ``pages_*.py`` module whose router is included below.

Each page renders one context. Forms carry the session's CSRF token; a
POST without the right one is refused with 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coldcheck.entrypoints.deps import SESSION_COOKIE, AppDep, OptionalViewerDep
from coldcheck.entrypoints.pages_common import page, render_refusal, require_csrf
from coldcheck.service.accounts import CredentialRefused, SessionKind

router = APIRouter(include_in_schema=False)

__all__ = ["page", "render_refusal", "require_csrf", "router"]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, app: AppDep, viewer: OptionalViewerDep) -> Response:
    """Signed in: the production list (or the only production's board); else sign in."""
    if viewer is None:
        return RedirectResponse("/signin", status_code=303)
    mine = app.reads.productions_for(viewer.person)
    if len(mine) == 1:
        return RedirectResponse(f"/p/{mine[0].id}/board", status_code=303)
    return page(request, "productions.html", {"productions": mine})


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, viewer: OptionalViewerDep) -> Response:
    """The sign-in form."""
    return page(request, "signin.html", {"error": None, "login": ""})


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    app: AppDep,
    login: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Check login and password, open a page session, go to the productions."""
    refused = False
    with app.account_store() as store:
        try:
            user = app.accounts.authenticate(store, login, password, app.clock.now())
        except CredentialRefused:
            refused = True
        else:
            raw, session = app.accounts.open_session(store, user, SessionKind.WEB, app.clock.now())
    if refused:
        return page(
            request,
            "signin.html",
            {"error": "Login or password is wrong. Check both and try again.", "login": login},
            status=401,
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="strict",
        secure=app.settings.secure_cookies or request.url.scheme == "https",
        max_age=int((session.expires_at - session.created_at).total_seconds()),
        path="/",
    )
    return response


@router.post("/signout")
def signout(
    request: Request,
    app: AppDep,
    viewer: OptionalViewerDep,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """End this page session."""
    if viewer is not None:
        require_csrf(viewer, csrf)
        raw = request.cookies.get(SESSION_COOKIE)
        app.sessions.drop(raw)
        with app.account_store() as store:
            app.accounts.revoke_session(store, raw, app.clock.now())
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# The other screens: each module imports pages_common, never this one.
from coldcheck.entrypoints.pages_ammo import router as ammo_router  # noqa: E402
from coldcheck.entrypoints.pages_board import router as board_router  # noqa: E402
from coldcheck.entrypoints.pages_day import router as day_router  # noqa: E402
from coldcheck.entrypoints.pages_people import router as people_router  # noqa: E402
from coldcheck.entrypoints.pages_safety import router as safety_router  # noqa: E402
from coldcheck.entrypoints.pages_weapon import router as weapon_router  # noqa: E402

for _sub in (board_router, weapon_router, ammo_router, day_router, safety_router, people_router):
    router.include_router(_sub)
