"""The app's routes as one flat list, not as included routers.

FastAPI 0.16x keeps an included router as a nested matcher: a request is matched against
every route of every included router, once to find its router and again at each level
to find its route. Over coldcheck's ~170 routes that was about 0.4 ms a request (in
process, a request refused for want of a token: 1.1 ms before, 0.74 ms after). The API
and page modules each keep their own ``APIRouter`` (the API ones with ``API_PREFIX``, so
their routes carry their whole path); ``flat`` hands their routes to the app's router,
which matches a request in one pass.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

API_PREFIX = "/api/v1"


def flat(*routers: APIRouter) -> list[BaseRoute]:
    """Every route of ``routers``, in order; a router that includes another is refused,
    since its routes would be matched the nested way again."""
    routes: list[BaseRoute] = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                raise TypeError(f"{route!r}: only plain API routes are flattened")
            routes.append(route)
    return routes
