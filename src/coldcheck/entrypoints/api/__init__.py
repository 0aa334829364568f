"""The JSON API under ``/api/v1``: thin — parse, build a command, call the service, render.

- ``accounts``     tokens, sign-out, who am I
- ``productions``  productions and their weapons, lots, people, scenes, incidents, days
- ``photos``       weapon photos: list, take (multipart), fetch one (members only)
- ``commands``     one POST route per domain command, and the batch
- ``ledger``       head, key, entries, inclusion and consistency proofs
- ``alerts``       the live alert stream (server-sent events)
"""

from __future__ import annotations

from fastapi import APIRouter

from coldcheck.entrypoints.api import accounts, alerts, commands, ledger, photos, productions

router = APIRouter(prefix="/api/v1")
for _module in (accounts, productions, photos, commands, ledger, alerts):
    router.include_router(_module.router)

__all__ = ["router"]
