"""Signing in and out, and the list of your productions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coldcheck.entrypoints.deps import (
    SESSION_COOKIE,
    AppDep,
    FormDep,
    OptionalViewerDep,
    require_csrf,
)
from coldcheck.entrypoints.pages.common import Page, page
from coldcheck.service.account_model import CredentialRefused, SessionKind
from coldcheck.service.queries import ProductionSummary

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class ProductionsPage(Page):
    """Every production the signed-in person has a role on."""

    template: ClassVar[str] = "productions.html"
    productions: tuple[ProductionSummary, ...]


@dataclass(frozen=True, kw_only=True)
class SignInPage(Page):
    """The sign-in form, with the login typed and what was wrong."""

    template: ClassVar[str] = "signin.html"
    error: str | None = None
    login: str = ""


@router.get("/", response_class=HTMLResponse)
def home(request: Request, app: AppDep, viewer: OptionalViewerDep) -> Response:
    """Signed in: the production list (or the only production's board); else sign in."""
    if viewer is None:
        return RedirectResponse("/signin", status_code=303)
    mine = app.reads.productions_for(viewer.person)
    if len(mine) == 1:
        return RedirectResponse(f"/p/{mine[0].id}/board", status_code=303)
    return page(request, ProductionsPage(productions=tuple(mine)))


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, viewer: OptionalViewerDep) -> Response:
    """The sign-in form."""
    return page(request, SignInPage())


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    app: AppDep,
    login: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Check login and password, open a page session, go to the productions."""
    try:
        signed = app.accounts.sign_in(login, password, SessionKind.WEB)
    except CredentialRefused:  # recorded and committed by the service
        wrong = SignInPage(
            error="Login or password is wrong. Check both and try again.", login=login
        )
        return page(request, wrong, status=401)
    response = RedirectResponse("/", status_code=303)
    session = signed.session
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="strict",
        secure=app.settings.secure_cookies or request.url.scheme == "https",
        max_age=int((session.expires_at - session.created_at).total_seconds()),
        path="/",
    )
    return response


@router.post("/signout")
def signout(request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep) -> Response:
    """End this page session."""
    if viewer is not None:
        require_csrf(viewer, form.get("csrf"))
        app.accounts.revoke_session(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
