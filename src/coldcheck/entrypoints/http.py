"""The FastAPI application: middleware, the one error map, health, and the three routers.

``create_app(app)`` mounts the JSON API (``api/``), the pages (``pages/``) and
their static files. Every error a request can meet is answered here, once:
service refusals (``Refused`` 409, ``Forbidden`` and ``Unconfirmed`` 403,
``NotFound`` 404), unstorable input 422, HTTP errors, validation errors — as
JSON for the API and as a page for a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coldcheck import __version__
from coldcheck.bootstrap import App
from coldcheck.domain.photos import MAX_PHOTO_BYTES
from coldcheck.entrypoints.deps import (
    MEMBERSHIP_TO_CHECK,
    SESSION_ENDED,
    MembershipToCheck,
    SessionEnded,
)
from coldcheck.ledger.errors import CanonicalJsonError
from coldcheck.service.alerts import OverdueWatch
from coldcheck.service.errors import (
    Forbidden,
    NotFound,
    Refused,
    ServiceError,
    StorageUnavailable,
    Unconfirmed,
)

LOG = logging.getLogger("coldcheck.web")
STATIC = Path(__file__).with_name("pages") / "static"
MAX_BODY = 1_000_000
MAX_PHOTO_BODY = MAX_PHOTO_BYTES + (1 << 20)
"""A photo upload's body: the photo (at most 8 MiB, refused in words past that) and its form."""
_PHOTO_POSTS = re.compile(r"/(p/[^/]+/w/[^/]+/photo|api/v1/productions/[^/]+/weapons/[^/]+/photos)")
MAX_SAFE_INTEGER = 2**53 - 1  # what RFC 8785 canonical JSON (the ledger) can hold exactly

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "auto_configure": False,  # FASTAPI_OTEL_AUTO_CONFIGURE=true sets up no exporters either
}
"""FastAPI's native OpenTelemetry, all off: a request's route, timing and errors go nowhere."""

_SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)


class SecurityHeaders:
    """CSP without inline scripts, frame denial, no sniffing, no referrer, size limit.

    A plain ASGI middleware (Starlette's ``BaseHTTPMiddleware`` runs every request through
    an extra task and memory streams): the body of a POST, PUT, PATCH or DELETE is read
    here, counted against the limit as it arrives (a chunked body has no Content-Length),
    checked for JSON the ledger could not store, and handed on to the route whole.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        limit = MAX_PHOTO_BODY if method == "POST" and _PHOTO_POSTS.fullmatch(path) else MAX_BODY
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _too_large(limit)(scope, receive, send)
            return
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            body = bytearray()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return  # the client went away: nobody to answer, nothing to do
                body += message.get("body", b"")
                if len(body) > limit:
                    await _too_large(limit)(scope, receive, send)
                    return
                if not message.get("more_body", False):
                    break
            whole = bytes(body)
            if whole and headers.get("content-type", "").startswith("application/json"):
                problem = _unstorable_json(whole)
                if problem:
                    await _unstorable(problem)(scope, receive, send)
                    return
            receive = _replay(whole, receive)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS:
                    out.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_secured)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the route the body already read, then waits as before."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _unstorable(problem: str) -> Response:
    return JSONResponse(
        {
            "detail": [
                {
                    "field": "",
                    "message": problem,
                    "loc": ["body"],
                    "msg": problem,
                    "type": "value_error",
                }
            ]
        },
        status_code=422,
    )


def _too_large(limit: int = MAX_BODY) -> Response:
    if limit == MAX_PHOTO_BODY:
        detail = (
            "The photo is larger than 8 MiB; take it again at a lower resolution (or save it"
            " smaller) and send that."
        )
    else:
        detail = f"The request body is larger than {limit} bytes; send less."
    return JSONResponse({"detail": detail}, status_code=413)


_MAY_BE_UNSTORABLE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]|[0-9]{16}")
"""What a UTF-8 body must hold to need the full check: a ``\\uD800``-``\\uDFFF`` escape or
a surrogate's own three bytes (``json.loads`` decodes bytes with ``surrogatepass``), the
only ways a lone surrogate gets in, or 16 digits in a row (an integer past 2^53)."""


def _unstorable_json(body: bytes) -> str | None:
    """Why a JSON body could never be written to the ledger, or None (bad JSON: the route says).

    A UTF-8 body with neither of ``_MAY_BE_UNSTORABLE``'s marks is storable without
    parsing it (the route parses it once); UTF-16 and UTF-32 bodies (zero bytes) are
    always parsed."""
    if b"\x00" not in body and _MAY_BE_UNSTORABLE.search(body) is None:
        return None
    return _unstorable_parsed(body)


def _unstorable_parsed(body: bytes) -> str | None:
    """:func:`_unstorable_json` by parsing the body and looking at every value."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested too deep: the route says 400
        return None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return (
                    "Text must be valid Unicode: a lone surrogate (\\ud800-\\udfff)"
                    " is not a character."
                )
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_SAFE_INTEGER:
            return f"Numbers must be between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}."
    return None


def refusal_body(exc: Refused) -> dict[str, Any]:
    """``{"refused": [{"rule": "R08", "message": "..."}]}``."""
    return {"refused": [{"rule": r.rule, "message": str(r)} for r in exc.reasons]}


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in (
        request.headers.get("accept", "")
    )


ERROR_HEADINGS = {
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    503: "Cannot save now",
}
#: The status of each service error (``Refused`` has its own handler: 409 with every reason).
SERVICE_STATUS: dict[type[ServiceError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Unconfirmed: 403,
    StorageUnavailable: 503,
}


def create_app(app: App) -> FastAPI:
    """Wire the HTTP side of ``app``."""
    from coldcheck.entrypoints import api, pages

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_watch_overdue(app))
        stop = threading.Event()
        submitter = threading.Thread(
            target=_submit_to_witnesses, args=(app, stop), name="witnesses", daemon=True
        )
        submitter.start()
        try:
            yield
        finally:
            stop.set()
            app.witnessing.poke()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    web = FastAPI(
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry looks up the global providers (and the environment)
        # on every request; coldcheck configures none and sends custody traffic nowhere.
        telemetry=NO_TELEMETRY,
        title="coldcheck",
        version=__version__,
        description=(
            "Custody of prop firearms and ammunition on set. Every accepted command is a"
            " ledger entry; refusals name their safety rule (R01-R29)."
        ),
    )
    web.state.coldcheck = app
    web.add_middleware(SecurityHeaders)

    def error(
        request: Request, status: int, detail: Any, headers: Mapping[str, str] | None = None
    ) -> Response:
        if status in (401, 403, 404, 405, 413, 503) and _wants_page(request):
            heading = ERROR_HEADINGS.get(status, "Cannot do that")
            return pages.error_page(request, heading, str(detail), status)
        return JSONResponse(
            {"detail": detail}, status_code=status, headers=dict(headers) if headers else None
        )

    @web.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(refusal_body(exc), status_code=409)
        return pages.render_refusal(request, exc)

    @web.exception_handler(SessionEnded)
    async def _session_ended(request: Request, exc: SessionEnded) -> Response:
        return PlainTextResponse(
            SESSION_ENDED,
            status_code=401,
            headers={"X-Coldcheck-Session": "ended", "Cache-Control": "no-store"},
        )

    @web.exception_handler(CanonicalJsonError)
    async def _unstorable(request: Request, exc: CanonicalJsonError) -> Response:
        # e.g. a page form's number beyond 2**53: nothing was written (the transaction rolled back)
        return error(request, 422, str(exc))

    @web.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        status = next((s for cls, s in SERVICE_STATUS.items() if isinstance(exc, cls)), 500)
        return error(request, status, str(exc))

    @web.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error(request, exc.status_code, exc.detail, exc.headers)

    @web.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                {"detail": "The request body is not valid JSON. Send a JSON object."},
                status_code=400,
            )
        pending = request.scope.get(MEMBERSHIP_TO_CHECK)
        if isinstance(pending, MembershipToCheck):  # 401 and 404 come before 422, as ever
            try:
                await run_in_threadpool(pending.check)
            except StarletteHTTPException as refused:
                return await _http_error(request, refused)
            except ServiceError as refused:
                return await _service_error(request, refused)
        return JSONResponse(
            {
                "detail": [
                    {
                        "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                        "message": e.get("msg", "invalid"),
                        # FastAPI's documented ValidationError fields, as /openapi.json says
                        "loc": list(e.get("loc", ())),
                        "msg": e.get("msg", "invalid"),
                        "type": e.get("type", "value_error"),
                    }
                    for e in errors
                ]
            },
            status_code=422,
        )

    @web.get("/healthz", tags=["health"], summary="Liveness and version")
    def healthz() -> dict[str, str]:
        """200 with the version and the kind of database."""
        return {"status": "ok", "version": __version__, "database": app.settings.database_kind}

    @web.get(
        "/readyz",
        tags=["health"],
        summary="Ready: a real write reaches the database",
        responses={503: {"description": "The storage cannot take a write; says what to do"}},
    )
    def readyz() -> Response:
        """200 when a write in the ``readiness`` table commits; 503 with what is wrong and
        what to do (a full disk, a read-only data folder, a replaced database) otherwise."""
        problem = app.try_write()
        if problem is not None:
            return JSONResponse(
                {"status": "unavailable", "problem": problem},
                status_code=503,
                headers={"Retry-After": "30", "Cache-Control": "no-store"},
            )
        return JSONResponse(
            {"status": "ready", "version": __version__, "database": app.settings.database_kind},
            headers={"Cache-Control": "no-store"},
        )

    web.router.routes.extend([*api.routes, *pages.routes])  # flat: see entrypoints/routes.py
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    return web


def _submit_to_witnesses(app: App, stop: threading.Event, every: float = 5.0) -> None:
    """In the background: send each new checkpoint to the witnesses (never on a command's path).

    Poked after every commit; otherwise every ``every`` seconds, so heads written by a
    CLI command and retries after a back-off go out too.
    """
    while not stop.is_set():
        try:
            for line in app.witnessing.submit_due():
                if line.startswith("FORK"):
                    LOG.error("witness: %s", line)
                else:
                    LOG.info("witness: %s", line)
        except Exception:  # the submitter must outlive a passing database or network error
            LOG.exception("submitting to the witnesses failed; trying again in %s s", every)
        app.witnessing.wait(every)


async def _watch_overdue(app: App, every: float = 60.0) -> None:
    """Once a minute: escalate overdue safety reports (R22) to every open screen."""
    watch = OverdueWatch()
    while True:
        try:
            # Only productions this process is serving: a screen that could show the
            # alert has loaded its production. Loading every production of a studio
            # server each minute would cost a replay of each.
            app.alerts.publish(watch.tick(app.custody.active_states(), app.clock.now()))
        except Exception:  # the watch must outlive a passing database error
            LOG.exception("the overdue-report watch failed; trying again in %s s", every)
        await asyncio.sleep(every)
