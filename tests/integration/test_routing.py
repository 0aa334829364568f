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
    for dependency in (
        deps.get_app,
        deps.require_viewer,
        deps.page_viewer,
        deps.membership_to_check,
    ):
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


# -- the routes of an issue check the membership in the endpoint's own thread ------------

BASE = f"{API_PREFIX}/productions/{{production}}"
ISSUE_ROUTES = [
    (f"{BASE}/batch", {"commands": "not a list"}),
    (f"{BASE}/confirmations", {"command": 7}),
    (f"{BASE}/confirmations/" + "x" * 65, {"person": "mara-voss", "pin": "1234"}),  # too long
    (f"{BASE}/confirmations/some-challenge", {"person": ["not", "text"]}),
    (f"{BASE}/commands/take-back", {"weapon": 12}),
    (f"{BASE}/commands/inspect-weapon", {}),
]


def _dependency_calls(route: APIRoute) -> set[object]:
    return {d.call for d in route.dependant.dependencies}


def test_the_routes_of_an_issue_make_one_trip_to_a_worker_thread() -> None:
    """Their endpoints check the membership themselves (one worker thread for both); every
    other production route keeps the dependency."""
    hot = {"batch", "challenge", "confirm"}
    for route in api.routes:
        assert isinstance(route, APIRoute)
        calls = _dependency_calls(route)
        if route.name in hot or route.name.startswith("command_"):
            assert deps.membership_to_check in calls, route.name
            assert deps.require_membership not in calls, route.name
        else:
            assert deps.membership_to_check not in calls, route.name


@pytest.fixture(scope="module")
def mara_token(web: FastAPI) -> str:
    with TestClient(web) as client:
        r = client.post(
            f"{API_PREFIX}/auth/token", json={"login": "mara", "password": "dry-gulch-demo"}
        )
        assert r.status_code == 200, r.text
        return str(r.json()["token"])


@pytest.mark.parametrize(("path", "body"), ISSUE_ROUTES)
def test_an_issue_route_answers_401_before_it_says_what_is_wrong_with_the_body(
    web: FastAPI, path: str, body: object
) -> None:
    with TestClient(web) as client:
        r = client.post(path.format(production="dry-gulch"), json=body)
        assert r.status_code == 401 and "Not signed in" in r.text
        assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("path", "body"), ISSUE_ROUTES)
def test_an_issue_route_answers_404_for_a_production_without_your_role_before_422(
    web: FastAPI, mara_token: str, path: str, body: object
) -> None:
    headers = {"Authorization": f"Bearer {mara_token}"}
    with TestClient(web) as client:
        r = client.post(path.format(production="red-mesa"), json=body, headers=headers)
        assert r.status_code == 404, r.text
        r = client.post(path.format(production="dry-gulch"), json=body, headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["detail"] and all("field" in d for d in r.json()["detail"])


@pytest.mark.parametrize(("path", "body"), ISSUE_ROUTES)
def test_an_issue_route_answers_400_for_a_body_that_is_not_json_signed_in_or_not(
    web: FastAPI, mara_token: str, path: str, body: object
) -> None:
    """As before the membership moved into the endpoint: FastAPI reads the body first."""
    with TestClient(web) as client:
        for headers in ({}, {"Authorization": f"Bearer {mara_token}"}):
            r = client.post(
                path.format(production="dry-gulch"),
                content=b"{not json",
                headers={**headers, "Content-Type": "application/json"},
            )
            assert r.status_code == 400 and "not valid JSON" in r.text


def test_an_answer_is_the_json_fastapi_would_write_and_a_huge_number_still_goes_out() -> None:
    import json

    from coldcheck.entrypoints.api.commands import answer

    content = {"accepted": [{"seq": 3, "at": "t", "payload": {"n": 'Mara \u2028 "Voss"'}}]}
    r = answer(content, 201)
    assert r.status_code == 201 and r.media_type == "application/json"
    assert json.loads(r.body) == content
    assert r.body == json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    huge = {"seq": 2**70}
    assert json.loads(answer(huge).body) == huge


def test_fastapi_telemetry_stays_off_even_when_a_tracer_provider_is_configured(
    web: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry import trace

    class Configured:  # any provider that is not OpenTelemetry's deferred proxy
        pass

    monkeypatch.setattr(trace, "get_tracer_provider", Configured)
    assert FastAPI()._native_telemetry.enabled()  # FastAPI's default would trace requests
    assert not web._native_telemetry.enabled()
    assert web._telemetry["auto_configure"] is False  # whatever FASTAPI_OTEL_AUTO_CONFIGURE says
