"""The JSON API under ``/api/v1``: thin — parse, build a command, call the service, render.

- ``accounts``     tokens, sign-out, who am I
- ``productions``  productions and their weapons, lots, people, scenes, incidents, days
- ``photos``       weapon photos: list, take (multipart), fetch one (members only)
- ``commands``     one POST route per domain command, and the batch
- ``ledger``       head, key, entries, inclusion and consistency proofs
- ``alerts``       the live alert stream (server-sent events)
"""

from __future__ import annotations

from coldcheck.entrypoints.api import accounts, alerts, commands, ledger, photos, productions
from coldcheck.entrypoints.routes import flat

# the commands first: a request is matched against the routes in order, and at the cart
# nearly every request is a command, a challenge or a confirmation
routes = flat(*(m.router for m in (commands, accounts, productions, photos, ledger, alerts)))
"""Every API route, each with its whole path; the app's router takes them as its own."""

__all__ = ["routes"]
