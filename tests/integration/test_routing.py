"""How the app finds a request's route: one flat list on the app's own router.

FastAPI keeps an included router as a nested matcher that matches a request against
every route again at each level; coldcheck's routes are handed to the app's router
instead (``entrypoints/routes.py``). These tests pin that, and that nothing a client
sees changed with it: the paths, the OpenAPI, which dependency runs where.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from coldcheck.entrypoints import api, deps, pages
from coldcheck.entrypoints.http import create_app
from coldcheck.entrypoints.routes import API_PREFIX, flat


@pytest.fixture(scope="module")
def web(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data = tmp_path_factory.mktemp("routing") / "data"
    shutil.copytree(demo_data, data)
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        yield create_app(app)
    finally:
        app.close()


def test_every_api_route_carries_its_whole_path_and_every_page_is_outside_the_api() -> None:
    assert api.routes and pages.routes
    for route in api.routes:
        assert isinstance(route, APIRoute) and route.path.startswith(API_PREFIX + "/")
    for route in pages.routes:
        assert isinstance(route, APIRoute) and not route.path.startswith("/api/")
        assert route.include_in_schema is False


def test_the_app_matches_every_route_itself_with_no_included_router(web: FastAPI) -> None:
    nested = [r for r in web.router.routes if hasattr(r, "original_router")]
    assert nested == []
    own = {id(r) for r in web.router.routes}
    assert all(id(r) in own for r in [*api.routes, *pages.routes])


def test_flat_refuses_a_router_that_includes_another() -> None:
    outer, inner = APIRouter(), APIRouter()

    @inner.get("/x")
    def x() -> dict[str, str]:
        return {}

    outer.include_router(inner)
    with pytest.raises(TypeError, match="only plain API routes"):
        flat(outer)
    assert flat(inner) == inner.routes


def test_the_openapi_lists_every_api_route_and_no_page(web: FastAPI) -> None:
    paths = web.openapi()["paths"]
    listed = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    for route in api.routes:
        assert isinstance(route, APIRoute)
        if route.include_in_schema:
            assert {(m, route.path) for m in route.methods} <= listed
    assert not any(
        p for p in paths if not p.startswith(API_PREFIX) and p not in ("/healthz", "/readyz")
    )


def test_a_command_without_a_token_is_401_and_an_unknown_route_404(web: FastAPI) -> None:
    with TestClient(web) as client:
        r = client.post(f"{API_PREFIX}/productions/dry-gulch/commands/take-back", json={})
        assert r.status_code == 401 and "Not signed in" in r.text
        assert (
            client.post(f"{API_PREFIX}/productions/dry-gulch/commands/no-such").status_code == 404
        )


def test_the_dependencies_that_do_no_io_run_on_the_event_loop_not_in_a_worker_thread() -> None:
    """FastAPI runs a plain ``def`` dependency in a worker thread: a thread trip per
    dependency per request. Those that only read the request are ``async``."""
    for dependency in (deps.get_app, deps.require_viewer, deps.page_viewer):
        assert inspect.iscoroutinefunction(dependency), dependency.__name__
    # the reads of the database stay off the loop
    for dependency in (deps.optional_viewer, deps.require_membership, deps.page_member):
        assert not inspect.iscoroutinefunction(dependency), dependency.__name__


def test_the_batch_and_the_confirmations_are_matched_first_then_the_commands() -> None:
    """Routes are tried in order; at the cart nearly every request is one of these."""
    paths = [r.path for r in api.routes if isinstance(r, APIRoute)]
    base = f"{API_PREFIX}/productions/{{production}}"
    assert paths[:3] == [
        f"{base}/batch",
        f"{base}/confirmations",
        f"{base}/confirmations/{{challenge}}",
    ]
    commands = [i for i, p in enumerate(paths) if p.startswith(f"{base}/commands/")]
    assert commands == list(range(3, 3 + len(commands)))
