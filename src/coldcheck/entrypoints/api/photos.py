"""Weapon photos in the API (issue 18, part 5): list, take (multipart), and fetch one.

- ``GET  /productions/{production}/weapons/{tag}/photos`` every photo the log records of
  the weapon, oldest first (the last is the current one);
- ``POST /productions/{production}/weapons/{tag}/photos`` (API token; multipart ``photo``
  and optional ``note``): 201 with the entry; 415 when the bytes are no JPEG/PNG/WebP,
  413 over 8 MiB, 409 when a rule refuses it (a performer, a retired weapon);
- ``GET  /productions/{production}/weapons/{tag}/photo/{sha256}`` the bytes, to members of
  the production only, with the media type the bytes were read as, ``nosniff`` and an
  immutable private cache (the URL names the content).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from coldcheck.domain.ids import WeaponId, normalise_tag
from coldcheck.domain.photos import MAX_PHOTO_BYTES, MEDIA_TYPES
from coldcheck.entrypoints.deps import AppDep, MemberDep
from coldcheck.entrypoints.routes import API_PREFIX
from coldcheck.service.photos import PhotoRefused

router = APIRouter(prefix=API_PREFIX)

IMMUTABLE = "private, max-age=31536000, immutable"


def _weapon(tag: str) -> WeaponId:
    return WeaponId(normalise_tag(tag, "W"))


@router.get(
    "/productions/{production}/weapons/{tag}/photos", tags=["queries"], summary="Weapon photos"
)
def photos(tag: str, member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Every photo of the weapon on the record, oldest first; the last is the current one."""
    state = app.custody.state(member.id)
    ws = state.weapons.get(_weapon(tag))
    if ws is None:
        raise HTTPException(404, f"No weapon {tag} on this production. Tags look like W-0001.")
    return [
        {
            "sha256": p.sha256,
            "byte_size": p.byte_size,
            "media_type": p.media_type,
            "width": p.width,
            "height": p.height,
            "note": p.note,
            "at": p.at.isoformat(),
            "by": p.by,
            "url": f"/api/v1/productions/{member.id}/weapons/{ws.weapon.id}/photo/{p.sha256}",
        }
        for p in ws.photos
    ]


@router.post(
    "/productions/{production}/weapons/{tag}/photos",
    tags=["commands"],
    summary="Take a weapon photo",
    status_code=201,
)
async def take_photo(tag: str, request: Request, member: MemberDep, app: AppDep) -> Response:
    """Multipart ``photo`` (the file) and ``note``: its SHA-256 into the log, the bytes kept."""
    if member.viewer.via != "bearer":
        raise HTTPException(
            403, "Send an API token (Authorization: Bearer), or use the weapon page's photo form."
        )
    form = await request.form(max_files=1, max_fields=4)
    upload, note = form.get("photo"), form.get("note", "")
    data = await upload.read(MAX_PHOTO_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        taken = await run_in_threadpool(
            app.photos.take,
            member.id,
            member.viewer.person,
            _weapon(tag),
            data,
            note if isinstance(note, str) else "",
            channel=member.viewer.channel,
        )
    except PhotoRefused as exc:
        body = {"refused": [{"rule": r.rule, "message": str(r)} for r in exc.reasons]}
        return JSONResponse(body, status_code=exc.status)
    f = taken.facts
    return JSONResponse(
        {
            "sha256": f.sha256,
            "byte_size": f.byte_size,
            "media_type": f.media_type,
            "width": f.width,
            "height": f.height,
            "seq": taken.accepted.seqs[0],
            "tree_size": taken.accepted.head.tree_size,
        },
        status_code=201,
    )


@router.get(
    "/productions/{production}/weapons/{tag}/photo/{sha256}",
    tags=["queries"],
    summary="A weapon photo's bytes",
    response_class=Response,
)
def photo(tag: str, sha256: str, member: MemberDep, app: AppDep) -> Response:
    """The photo's bytes (members only), typed as the log records them; cached for good."""
    weapon = _weapon(tag)
    blob = app.photos.photo(member.id, weapon, sha256)
    ending = MEDIA_TYPES.get(blob.media_type, "bin")
    return Response(
        blob.data,
        media_type=blob.media_type,
        headers={
            "Cache-Control": IMMUTABLE,
            "ETag": f'"{sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": f'inline; filename="{weapon}-{sha256[:12]}.{ending}"',
        },
    )
