"""Server-rendered pages (Jinja2 + htmx), one module per screen, each with its typed contexts.

- ``signin``   sign in and out, your productions
- ``mine``     each role's own screen ("For you")
- ``board``    every weapon as a card; registering a weapon
- ``weapon``   one weapon and every custody step done to it
- ``takeback`` finding the weapon a performer hands back (scan or type)
- ``handover`` handing a weapon to a performer, confirmed with PINs (R12)
- ``ammo``     lots, containers, receiving, dummy checks, return and destruction
- ``day``      the armory, scene plans, safety meetings, the wrap count and close
- ``safety``   stop-work, incidents, safety reports, the anonymous form
- ``people``   roles, duties, training, permits
- ``passkeys`` your passkeys, enrolment and revocation, confirming with a passkey
- ``photos``   weapon photos: taking one from the weapon page, what the screens show
- ``reports``  the §9153 daily compliance report, on screen, PDF and CSV
- ``status``   the status strip of every production screen
- ``common``   templates, the page contexts' base classes, forms, running a command
- ``drawing``  the SVG drawing of a weapon's load positions

Forms carry the session's CSRF token; a POST without the right one is refused with 403.
"""

from __future__ import annotations

from coldcheck.entrypoints.pages import (
    ammo,
    board,
    day,
    handover,
    mine,
    passkeys,
    people,
    photos,
    reports,
    safety,
    signin,
    status,
    takeback,
    weapon,
)
from coldcheck.entrypoints.pages.common import error_page, render_refusal
from coldcheck.entrypoints.routes import flat

routes = flat(
    signin.router,
    status.router,
    mine.router,
    board.router,
    weapon.router,
    handover.router,
    takeback.router,
    ammo.router,
    day.router,
    safety.router,
    people.router,
    passkeys.router,
    reports.router,
    photos.router,
)
"""Every page route (none in the OpenAPI); the app's router takes them as its own."""

__all__ = ["error_page", "render_refusal", "routes"]
