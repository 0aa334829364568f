"""Weapon photos on the pages (issue 18, part 5): taking one, and what the screens show.

``POST /p/{production}/w/{tag}/photo`` takes the weapon page's photo form (multipart: the
file from ``<input type=file accept=... capture=environment>``, a note): it works without
JavaScript and without the internet. The bytes go to ``PhotoService.take``; an accepted
photo redirects to the weapon page, a refused one shows the page again with the reason
(413 too large, 415 not a photo, 409 a rule). :class:`PhotoView` is what the weapon page
and the handover screen show: the image (served by the API to members only), and
"photo taken 11:02 by Mara Voss, sha256 ab12…".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import WeaponId, normalise_tag
from coldcheck.domain.photos import MAX_PHOTO_BYTES, WeaponPhoto
from coldcheck.domain.state import ProductionState
from coldcheck.entrypoints.deps import AppDep, FormDep, PostedMember
from coldcheck.entrypoints.pages.common import done, page, text
from coldcheck.service.errors import Refused

router = APIRouter(include_in_schema=False)

ACCEPT = "image/jpeg,image/png,image/webp"
"""What the photo input offers (the server still reads the type from the bytes)."""


@dataclass(frozen=True)
class PhotoView:
    """One photo of a weapon as a screen shows it."""

    url: str
    sha256: str
    short: str
    """The first 4 hex digits, for people to compare: ``ab12…``."""
    at: datetime
    by_name: str
    media_type: str
    width: int
    height: int
    byte_size: int
    note: str


def photo_url(production: str, weapon: str, sha256: str) -> str:
    """Where a member's browser fetches the photo (the API; members only)."""
    return f"/api/v1/productions/{production}/weapons/{weapon}/photo/{sha256}"


def photo_view(state: ProductionState, weapon: WeaponId, photo: WeaponPhoto) -> PhotoView:
    """A photo of ``weapon`` as the screens show it."""
    return PhotoView(
        url=photo_url(state.production, weapon, photo.sha256),
        sha256=photo.sha256,
        short=photo.sha256[:4] + "…",
        at=photo.at,
        by_name=state.name_of(photo.by),
        media_type=photo.media_type,
        width=photo.width,
        height=photo.height,
        byte_size=photo.byte_size,
        note=photo.note,
    )


def current_photo(state: ProductionState, weapon: WeaponId | None) -> PhotoView | None:
    """The weapon's current (newest) photo, or None."""
    ws = state.weapons.get(weapon) if weapon is not None else None
    if ws is None or ws.photo is None:
        return None
    return photo_view(state, ws.weapon.id, ws.photo)


def earlier_photos(state: ProductionState, weapon: WeaponId) -> tuple[PhotoView, ...]:
    """The weapon's older photos, newest first (the current one left out)."""
    ws = state.weapons.get(weapon)
    if ws is None:
        return ()
    return tuple(photo_view(state, weapon, p) for p in reversed(ws.photos[:-1]))


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
