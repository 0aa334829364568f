"""Signing in and out, and the list of your productions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from coldcheck.bootstrap import App
from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import ProductionId, production_id_from
from coldcheck.domain.model import Role
from coldcheck.entrypoints.deps import (
    SESSION_COOKIE,
    AppDep,
    FormDep,
    OptionalViewerDep,
    PageViewer,
    Viewer,
    client_of,
    refuse_cross_site,
    require_csrf,
)
from coldcheck.entrypoints.pages.common import (
    CartTrust,
    Page,
    Typed,
    cart_trust,
    common_zones,
    done,
    home_of,
    page,
    text,
    texts,
)
from coldcheck.service.account_model import (
    CredentialRefused,
    PinRefused,
    SessionKind,
    TriesThrottled,
)
from coldcheck.service.accounts import SignedIn
from coldcheck.service.errors import Refused
from coldcheck.service.queries import ProductionSummary

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, kw_only=True)
class ProductionsPage(Page):
    """Every production the signed-in person has a role on, and starting a new one."""

    template: ClassVar[str] = "productions.html"
    productions: tuple[ProductionSummary, ...]
    role_names: tuple[str, ...] = tuple(r.value for r in Role)
    zones: tuple[str, ...] = ()
    values: Typed = field(default_factory=Typed)
    trust: CartTrust | None = None


@dataclass(frozen=True, kw_only=True)
class SignInPage(Page):
    """The sign-in form, with the login typed and what was wrong.

    ``ended``: this device's session ended (sign in again to go back); ``resume_name``:
    whose ended session may be resumed here with their PIN; ``next``: where to go after.
    """

    template: ClassVar[str] = "signin.html"
    error: str | None = None
    login: str = ""
    ended: bool = False
    next: str = ""
    resume_name: str | None = None


def safe_next(value: str) -> str:
    """A local path to return to after signing in ('' for anything else)."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 500:
        return ""
    if any(ord(ch) < 32 for ch in value) or value.startswith(("/signin", "/signout")):
        return ""
    return value


def _back(next_path: str) -> str:
    """The page to go to after signing in (``resumed=1`` brings back what was typed)."""
    if not next_path:
        return "/"
    return next_path + ("&" if "?" in next_path else "?") + "resumed=1"


def _signed_in(request: Request, app: App, signed: SignedIn, to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    session = signed.session
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="strict",
        secure=app.settings.secure_cookies or request.url.scheme == "https",
        # the cookie outlives the session by as long again: an ended session can be
        # resumed on this device with its person's PIN (the server checks both)
        max_age=2 * int((session.expires_at - session.created_at).total_seconds()),
        path="/",
    )
    return response


def productions_page(
    request: Request, app: App, viewer: Viewer, form: FormData | None = None
) -> ProductionsPage:
    """The production list with the new-production form (after a refusal: what was typed)."""
    return ProductionsPage(
        productions=tuple(app.reads.productions_for(viewer.person)),
        zones=common_zones(),
        values=Typed.of(form),
        trust=cart_trust(request, app),
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, app: AppDep, viewer: OptionalViewerDep) -> Response:
    """Signed in: the production list (or the only production's home); else sign in."""
    if viewer is None:
        return RedirectResponse("/signin", status_code=303)
    mine = app.reads.productions_for(viewer.person)
    if len(mine) == 1:
        return RedirectResponse(home_of(mine[0]), status_code=303)
    return page(request, productions_page(request, app, viewer))


@router.get("/productions", response_class=HTMLResponse)
def productions(request: Request, app: AppDep, viewer: PageViewer) -> Response:
    """Every production you have a role on, starting a new one, and trusting the cart."""
    return page(request, productions_page(request, app, viewer))


@router.post("/productions", response_class=HTMLResponse)
def new_production(request: Request, app: AppDep, viewer: PageViewer, form: FormDep) -> Response:
    """Start a production: you become its first member, with the roles you tick."""
    require_csrf(viewer, form.get("csrf"))
    title = text(form, "title")
    try:
        roles = [Role(r) for r in texts(form, "roles")] or [Role.PRODUCER]
        accepted = app.custody.create_production(
            production=ProductionId(text(form, "id").lower() or production_id_from(title)),
            actor=viewer.person,
            actor_name=viewer.user.display_name,
            title=title,
            company=text(form, "company"),
            location=text(form, "location"),
            time_zone=text(form, "time_zone"),
            roles=roles,
            channel=viewer.channel,
        )
    except ValueError as exc:
        reasons: tuple[Reason, ...] = (Reason("INPUT", str(exc)),)
    except Refused as exc:
        reasons = exc.reasons
    else:
        return done(f"/p/{accepted.state.production}/board", "created")
    refused = productions_page(request, app, viewer, form).refused(reasons)
    return page(request, refused, status=409)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(
    request: Request, app: AppDep, viewer: OptionalViewerDep, ended: str = "", next: str = ""
) -> Response:
    """The sign-in form; for an ended session of this device, also resuming it by PIN."""
    resume = None
    if viewer is None:
        user = app.accounts.resumable(request.cookies.get(SESSION_COOKIE))
        resume = user.display_name if user else None
    return page(
        request,
        SignInPage(ended=bool(ended), next=safe_next(next), resume_name=resume),
    )


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    app: AppDep,
    login: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check login and password, open a page session, go back to where it ended (or home).

    A post from another site is refused (login CSRF: it would sign this browser in as
    someone else), the same check as the anonymous report form's."""
    refuse_cross_site(request, "Sign in from this server's own sign-in page.")
    try:
        signed = app.accounts.sign_in(login, password, SessionKind.WEB, client_of(request))
    except TriesThrottled as exc:
        waiting = SignInPage(error=str(exc), login=login, next=safe_next(next))
        response = page(request, waiting, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except CredentialRefused:  # recorded and committed by the service
        wrong = SignInPage(
            error="Login or password is wrong. Check both and try again.",
            login=login,
            next=safe_next(next),
        )
        return page(request, wrong, status=401)
    return _signed_in(request, app, signed, _back(safe_next(next)))


@router.post("/signin/resume", response_class=HTMLResponse)
def resume(
    request: Request,
    app: AppDep,
    pin: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Resume this device's ended session with its person's PIN (wrong PINs count, R12's lock)."""
    refuse_cross_site(request, "Resume from this server's own sign-in page.")
    raw = request.cookies.get(SESSION_COOKIE)
    user = app.accounts.resumable(raw)
    if user is None:
        return page(
            request,
            SignInPage(
                error="This device has no session to resume: sign in with your password.",
                next=safe_next(next),
            ),
            status=403,
        )
    try:
        signed = app.accounts.resume_session(raw, pin, client_of(request))
    except (CredentialRefused, TriesThrottled) as exc:  # counted and committed by the service
        why = exc.cause if isinstance(exc, PinRefused) else exc
        return page(
            request,
            SignInPage(
                error=f"PIN refused: {why}",
                ended=True,
                next=safe_next(next),
                resume_name=user.display_name,
            ),
            status=401,
        )
    return _signed_in(request, app, signed, _back(safe_next(next)))


@router.get("/tls/ca.crt")
def cart_authority(app: AppDep) -> Response:
    """The cart's certificate authority, to install on a tablet (public, like any CA)."""
    if app.tls is None:
        return PlainTextResponse(
            "This cart has no HTTPS certificate; run `coldcheck init`.", status_code=404
        )
    return Response(
        app.tls.ca_pem,
        media_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="coldcheck-cart-ca.crt"'},
    )


@router.post("/signout")
def signout(request: Request, app: AppDep, viewer: OptionalViewerDep, form: FormDep) -> Response:
    """End this page session."""
    if viewer is not None:
        require_csrf(viewer, form.get("csrf"))
        app.accounts.revoke_session(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
