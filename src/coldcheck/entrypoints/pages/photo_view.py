"""What the screens show of a weapon photo (issue 18, part 5): the weapon page, the handover
screen and a handover's confirmation screen, so the performer sees it is the weapon —
"photo taken 11:02 by Mara Voss, sha256 ab12…". The image itself is served by the API, to
members of the production only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coldcheck.domain.ids import WeaponId
from coldcheck.domain.photos import WeaponPhoto
from coldcheck.domain.state import ProductionState


@dataclass(frozen=True)
class PhotoView:
    """One photo of a weapon as a screen shows it."""

    url: str
    weapon: str
    weapon_name: str
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
        weapon=weapon,
        weapon_name=state.weapons[weapon].weapon.name if weapon in state.weapons else "",
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
