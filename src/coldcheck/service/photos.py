"""Weapon photos (issue 18, part 5): taking one into the log, and showing it to members.

:meth:`PhotoService.take` reads what the bytes are from the bytes themselves
(``domain.photos.read_photo``: magic numbers, never the client's claim), then records
``PhotographWeapon`` through the custody service with the bytes, so the ledger entry
(SHA-256, size, media type, pixel size, note, who) and the blob land in one transaction
or not at all. The same photo taken twice is two entries and one blob.
:meth:`PhotoService.photo` gives a photo's bytes only for a photo the production's log
records of that weapon, after checking them against the hash the log holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from coldcheck.domain import commands as c
from coldcheck.domain.errors import Refusal
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.domain.photos import (
    MAX_PHOTO_BYTES,
    PhotoFacts,
    WeaponPhoto,
    is_sha256,
    read_photo,
    sha256_hex,
)
from coldcheck.service.custody import Accepted, CustodyService
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import NotFound, Refused
from coldcheck.service.ports import PhotoBlob, UnitOfWorkFactory

__all__ = ["PhotoRefused", "PhotoService", "TakenPhoto"]


class PhotoRefused(Refused):
    """The bytes are no photo coldcheck keeps (``status``: 413 too large, 415 not an image)."""

    def __init__(self, refusal: Refusal, status: int) -> None:
        super().__init__(refusal)
        self.status = status


@dataclass(frozen=True)
class TakenPhoto:
    """An accepted photo: what its bytes are, and what the log wrote."""

    facts: PhotoFacts
    accepted: Accepted


class PhotoService:
    """Weapon photos into the log and out to members (see the module docstring)."""

    def __init__(self, custody: CustodyService, uow: UnitOfWorkFactory) -> None:
        self._custody = custody
        self._uow = uow

    def take(
        self,
        production: ProductionId,
        actor: PersonId,
        weapon: WeaponId,
        data: bytes,
        note: str = "",
        *,
        channel: Channel,
    ) -> TakenPhoto:
        """Record a photo of ``weapon`` by ``actor``; ``PhotoRefused`` for bytes that are no
        photo or too large, ``Refused`` when the rules refuse it. Nothing is written then."""
        facts = read_photo(data)
        if not isinstance(facts, PhotoFacts):
            status = 413 if len(data) > MAX_PHOTO_BYTES else 415
            raise PhotoRefused(Refusal((facts,)), status)
        command = c.PhotographWeapon(
            production=production,
            actor=actor,
            at=self._custody.clock.now(),
            weapon=weapon,
            sha256=facts.sha256,
            byte_size=facts.byte_size,
            media_type=facts.media_type,
            width=facts.width,
            height=facts.height,
            note=note,
        )
        blob = PhotoBlob(facts.sha256, facts.media_type, data)
        accepted = self._custody.execute(command, channel=channel, photos=(blob,))
        return TakenPhoto(facts, accepted)

    def recorded(self, production: ProductionId, weapon: WeaponId, sha256: str) -> WeaponPhoto:
        """The photo of ``weapon`` the log records under ``sha256``; ``NotFound`` otherwise."""
        state = self._custody.state(production)
        ws = state.weapons.get(weapon)
        if ws is None:
            raise NotFound(f"No weapon {weapon} on this production — check the tag.")
        found = next((p for p in ws.photos if p.sha256 == sha256), None)
        if found is None or not is_sha256(sha256):
            raise NotFound(
                f"{weapon} has no photo {sha256[:64]} on the record — open the weapon page and"
                " use the photo shown there."
            )
        return found

    def photo(self, production: ProductionId, weapon: WeaponId, sha256: str) -> PhotoBlob:
        """The bytes of a photo the log records of ``weapon``, checked against its hash.

        ``NotFound`` when the log records no such photo of the weapon, or its bytes are
        missing or no longer match the hash (say so: ``coldcheck verify`` reports which).
        """
        recorded = self.recorded(production, weapon, sha256)
        with self._uow(write=False) as uow:
            blob = uow.photos().get(sha256)
        if blob is None or sha256_hex(blob.data) != sha256:
            what = "missing" if blob is None else "altered (its bytes no longer match the hash)"
            raise NotFound(
                f"the photo {sha256[:12]}… of {weapon} is {what} in this server's store — the"
                " log still names it; run `coldcheck verify` and restore it from a backup."
            )
        return PhotoBlob(sha256, recorded.media_type, blob.data)
