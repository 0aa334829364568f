"""The witness over HTTP (ASGI, Starlette); the submission and monitoring prefix is the root.

- ``POST /add-checkpoint`` — c2sp.org/tlog-witness add-checkpoint (any other method: 405);
- ``GET /<sha256 hex of the origin>/checkpoint`` — the newest checkpoint cosigned for that log,
  with the log signatures verified and this witness's cosignature (404 if none), as the
  specification's monitoring section describes;
- ``GET /`` — plain text: the witness's vkey and the origins it witnesses.

Bodies over :data:`~coldcheck.ledger.witness_protocol.MAX_REQUEST_BYTES` get 413 unread.
"""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coldcheck.ledger.witness_protocol import MAX_REQUEST_BYTES
from coldcheck.witness.core import TEXT, Witness

__all__ = ["create_app"]

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _text(status: int, message: str) -> Response:
    return Response(f"{message}\n".encode(), status_code=status, headers={"content-type": TEXT})


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(witness: Witness) -> Starlette:
    """The ASGI app serving ``witness``."""

    async def add_checkpoint(request: Request) -> Response:
        body = await _read_limited(request, MAX_REQUEST_BYTES)
        if body is None:
            return _text(413, f"the request body must be at most {MAX_REQUEST_BYTES} bytes")
        answer = await run_in_threadpool(witness.add_checkpoint, body)
        # The content type is set whole: text/x.tlog.size must not gain a charset parameter.
        return Response(
            answer.body, status_code=answer.status, headers={"content-type": answer.content_type}
        )

    async def checkpoint(request: Request) -> Response:
        origin_hash = request.path_params["origin_hash"]
        if not _HEX64.fullmatch(origin_hash):
            return _text(404, "the path is /<lowercase hex SHA-256 of the origin>/checkpoint")
        note = await run_in_threadpool(witness.latest, origin_hash)
        if note is None:
            return _text(404, "this witness has cosigned no checkpoint of that log")
        return Response(note, headers={"content-type": TEXT})

    async def index(_: Request) -> Response:
        lines = [f"c2sp.org/tlog-witness witness {witness.signer.name}", f"vkey {witness.vkey}"]
        lines += [f"log {origin}" for origin in witness.origins]
        return _text(200, "\n".join(lines))

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/{origin_hash}/checkpoint", checkpoint, methods=["GET"]),
            Route("/", index, methods=["GET"]),
        ]
    )
