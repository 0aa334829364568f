"""Weapon photos (issue 18, part 5): an armorer records a photo of a weapon on the production.

The bytes never reach the domain: the service reads the facts from them
(``domain.photos.read_photo``) and the rule checks that what the command claims is a
photo the log can name — a SHA-256, a size within the bound, a media type kept, a pixel
size a camera takes — of a weapon still on the production.
"""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.model import ARMORER_ROLES
from coldcheck.domain.photos import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, MEDIA_TYPES, is_sha256
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    handles,
    need_role,
    refuse,
    weapon_or_refusal,
)
from coldcheck.domain.state import ProductionState


def the_photo_is_one_the_log_can_name(cmd: c.PhotographWeapon) -> Reasons:
    """A lowercase hex SHA-256, 1 byte to the bound, a kept media type, a camera's size."""
    if not is_sha256(cmd.sha256):
        yield because("INPUT", "the photo's sha256 must be 64 lowercase hex digits.")
    if not 1 <= cmd.byte_size <= MAX_PHOTO_BYTES:
        yield because("INPUT", f"a photo is 1 to {MAX_PHOTO_BYTES:,} bytes, not {cmd.byte_size:,}.")
    if cmd.media_type not in MEDIA_TYPES:
        kept = ", ".join(MEDIA_TYPES)
        yield because("INPUT", f"a photo is one of {kept}, not {cmd.media_type[:40]!r}.")
    for name, value in (("width", cmd.width), ("height", cmd.height)):
        if not 0 <= value <= MAX_PHOTO_PIXELS:
            yield because(
                "INPUT", f"the photo's {name} is 0 (unknown) to {MAX_PHOTO_PIXELS} pixels."
            )


@handles(c.PhotographWeapon)
def _photograph_weapon(state: ProductionState, cmd: c.PhotographWeapon) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons: list[Reason] = list(need_role(state, cmd, ARMORER_ROLES, "photograph weapons"))
    if ws.retired:
        reasons.append(
            because("INPUT", f"{ws.weapon.id} is retired (back to its owner): it is not here.")
        )
    reasons += the_photo_is_one_the_log_can_name(cmd)
    return refuse(reasons) or [
        Env(cmd)(
            ev.WeaponPhotographed,
            weapon=ws.weapon.id,
            sha256=cmd.sha256,
            byte_size=cmd.byte_size,
            media_type=cmd.media_type,
            width=cmd.width,
            height=cmd.height,
            note=cmd.note.strip(),
        )
    ]
