"""Weapon photos on the pages (issue 18, part 5): taking one, from the weapon page.

``POST /p/{production}/w/{tag}/photo`` takes the weapon page's photo form (multipart: the
file from ``<input type=file accept=... capture=environment>``, a note): it works without
JavaScript and without the internet. The bytes go to ``PhotoService.take``; an accepted
photo redirects to the weapon page, a refused one shows the page again with the reason
(413 too large, 415 not a photo, 409 a rule). What the screens show of a photo is in
``photo_view``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import WeaponId, normalise_tag
from coldcheck.domain.photos import MAX_PHOTO_BYTES
from coldcheck.entrypoints.deps import AppDep, FormDep, PostedMember
from coldcheck.entrypoints.pages.common import done, page, text
from coldcheck.service.errors import Refused

router = APIRouter(include_in_schema=False)


@router.post("/p/{production}/w/{tag}/photo", response_class=HTMLResponse)
def take_photo(
    tag: str, request: Request, app: AppDep, member: PostedMember, form: FormDep
) -> Response:
    """PhotographWeapon: the photo's bytes into the store, its hash into the log."""
    from coldcheck.entrypoints.pages.weapon import weapon_screen

    weapon = WeaponId(normalise_tag(tag, "W"))
    upload = form.get("photo")
    data = b""
    if isinstance(upload, UploadFile):
        data = upload.file.read(MAX_PHOTO_BYTES + 1)
    status = 409
    try:
        app.photos.take(
            member.id,
            member.viewer.person,
            weapon,
            data,
            text(form, "note"),
            channel=member.viewer.channel,
        )
    except Refused as exc:
        reasons: tuple[Reason, ...] = exc.reasons
        status = getattr(exc, "status", 409)
    else:
        return done(f"/p/{member.id}/w/{weapon}", "photo")
    again = weapon_screen(request, app, member, weapon)
    return page(request, again.refused(reasons), status=status)
