"""Live alerts as server-sent events: stop-work, blank loads (R13) and incidents."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from coldcheck.domain.ids import ProductionId
from coldcheck.entrypoints.api.jsonable import jsonable
from coldcheck.entrypoints.deps import AppDep, ViewerDep, membership_of

router = APIRouter()


@router.get("/alerts/stream", tags=["alerts"], summary="Live alerts (server-sent events)")
async def alerts_stream(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    production: Annotated[str, Query(max_length=64)],
) -> StreamingResponse:
    """Stop-work, blank loads (R13) and incidents of one production, as they happen."""
    membership_of(app, viewer, production)
    sub = app.alerts.subscribe(ProductionId(production))

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b": connected\n\n"
            while not await request.is_disconnected():
                try:
                    alert = await asyncio.wait_for(sub.queue.get(), timeout=15)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                data = json.dumps(jsonable(alert))
                yield f"event: {alert.kind}\ndata: {data}\n\n".encode()
        finally:
            sub.close()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
