"""Live alerts as server-sent events: stop-work, blank loads (R13) and incidents.

Every alert carries an ``id``; a stream that reconnects (the browser's ``EventSource``
sends ``Last-Event-ID``, a page that starts a new one sends ``?last_event_id=``) first
gets every alert it missed from the hub's replay buffer, or a ``resync`` event when it
cannot know (another server process, or more missed than the buffer holds), so the page
reloads what it shows. The stream opens with the comment ``: connected``; a ``ping``
every few seconds tells the page it is still connected;
``session_ended`` tells it the signed-in session is over, or that the member no
longer has a role on the production: both are checked again before every alert and
every ping, and the stream then closes (issue 15: an open stream kept receiving a
production's alerts after its member signed out or lost their role).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from coldcheck.domain.ids import ProductionId
from coldcheck.entrypoints.api.jsonable import jsonable
from coldcheck.entrypoints.deps import (
    SESSION_ENDED,
    AppDep,
    ViewerDep,
    membership_of,
    request_token,
)
from coldcheck.entrypoints.routes import API_PREFIX
from coldcheck.service.account_model import SessionKind
from coldcheck.service.alerts import Numbered
from coldcheck.service.errors import NotFound

router = APIRouter(prefix=API_PREFIX)
PING_SECONDS = 5.0


def _event(kind: str, data: object, event_id: str | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


def _alert(item: Numbered) -> bytes:
    return _event(item.alert.kind, {**jsonable(item.alert), "id": item.id}, item.id)


@router.get("/alerts/stream", tags=["alerts"], summary="Live alerts (server-sent events)")
async def alerts_stream(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    production: Annotated[str, Query(max_length=64)],
    last_event_id: Annotated[str | None, Query(max_length=64)] = None,
    last_event_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=64, include_in_schema=False)
    ] = None,
) -> StreamingResponse:
    """Stop-work, blank loads (R13) and incidents of one production, as they happen.

    Reconnect with ``Last-Event-ID`` (or ``?last_event_id=``) to get what was missed.
    """
    membership_of(app, viewer, production)
    pid = ProductionId(production)
    sub = app.alerts.subscribe(pid)  # before the replay: nothing falls between the two
    last = last_event_header or last_event_id
    replay = app.alerts.since(pid, last)
    start = app.alerts.last_id()
    raw, via = request_token(request)
    kind = SessionKind.API if via == "bearer" else SessionKind.WEB

    def still_member() -> bool:
        """The session is live and its person still has a role on the production."""
        found = app.accounts.session_for_token(raw, kind)
        if found is None:
            return False
        try:
            membership_of(app, viewer, production)
        except NotFound:
            return False
        return True

    async def stream() -> AsyncIterator[bytes]:
        sent = max((item.n for item in replay.alerts), default=0)
        try:
            # the stream's place in the alerts: an id with no data sets the browser's
            # Last-Event-ID without dispatching anything
            hello_id = last if last and replay.complete else start
            yield f": connected\nretry: 3000\nid: {hello_id}\n\n".encode()
            for item in replay.alerts:
                yield _alert(item)
            if not replay.complete:
                yield _event(
                    "resync",
                    {
                        "message": "Reconnected: alerts sent while this screen was away may be"
                        " missing, so it reloads what it shows."
                    },
                    start,
                )
            while not await request.is_disconnected():
                got: Numbered | None
                try:
                    got = await asyncio.wait_for(sub.queue.get(), timeout=PING_SECONDS)
                except TimeoutError:
                    got = None
                if not still_member():
                    yield _event("session_ended", {"message": SESSION_ENDED})
                    return
                if got is None:
                    yield _event("ping", {"at": app.clock.now().isoformat()})
                elif got.n > sent:
                    yield _alert(got)
        finally:
            sub.close()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
