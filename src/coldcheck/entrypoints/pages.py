"""Server-rendered pages (Jinja2 + htmx): sign in, pick a production, the board.

Each page renders one context. Forms carry the session's CSRF token; a
POST without the right one is refused with 403.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from coldcheck.domain.state import stop_work_active, weapon_status
from coldcheck.entrypoints.deps import (
    SESSION_COOKIE,
    AppDep,
    OptionalViewerDep,
    Viewer,
    membership_of,
)
from coldcheck.service.accounts import CredentialRefused, SessionKind, check_csrf
from coldcheck.service.errors import Refused

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
router = APIRouter(include_in_schema=False)

LABEL_WORDS = {
    "cold": "Cold — every position empty, bore clear",
    "dummy-loaded": "Dummy-loaded — verified dummies only",
    "blank-loaded": "BLANK-LOADED",
    "unverified": "Unverified — inspect before use",
    "quarantined": "QUARANTINED — do not use",
}


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render ``name`` with the shared context (viewer, CSRF token)."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    base = {
        "viewer": viewer,
        "csrf": viewer.session.csrf_token if viewer else "",
        "label_words": LABEL_WORDS,
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
        with app.account_store() as store:
            app.accounts.revoke_session(store, request.cookies.get(SESSION_COOKIE), app.clock.now())
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _viewer_or_redirect(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise HTTPException(303, headers={"Location": "/signin"})
    return viewer


@router.get("/p/{production}/board", response_class=HTMLResponse)
def board(production: str, request: Request, app: AppDep, viewer: OptionalViewerDep) -> Response:
    """Every weapon as a card: tag, name, holder, state in words and colour."""
    member = membership_of(app, _viewer_or_redirect(viewer), production)
    state = app.custody.state(member.id)
    cards = [weapon_status(state, w) for w in sorted(state.weapons)]
    return page(
        request,
        "board.html",
        {
            "production": member.production,
            "roles": member.roles,
            "cards": cards,
            "stop_work": state.stop_work if stop_work_active(state) else None,
        },
    )
