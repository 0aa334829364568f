"""The anonymous report form holds what it receives, limits floods, tells nothing (issue 15,
finding 6).

Before: 300 posts of 4,000 characters in ten seconds, each a permanent ledger entry and
head, and a 404 for an unknown production id (so the form told which ids exist).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain.ids import ProductionId, ReportId
from coldcheck.entrypoints.http import create_app
from coldcheck.service.held_reports import DAILY_CAP, HOURLY_LIMIT, PER_CLIENT_LIMIT
from coldcheck.service.ports import FixedClock, SystemClock

PASSWORD = "dry-gulch-demo"
P = ProductionId("dry-gulch")
WORDS = "The blank box by the craft table is open and nobody is watching it."


@pytest.fixture
def world(demo_copy: Path) -> Iterator[tuple[App, TestClient, FixedClock]]:
    clock = FixedClock(SystemClock().now())
    app = build(
        Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}),
        clock=clock,
        hasher=Argon2Hasher.cheap(),
    )
    try:
        with TestClient(create_app(app)) as client:
            yield app, client, clock
    finally:
        app.close()


def _custody_events(app: App) -> int:
    """Events of the production (the security log's sign-in records are not counted)."""
    return app.custody.state(P).event_count


def _signed_in(app: App, login: str) -> TestClient:
    client = TestClient(create_app(app))
    r = client.post("/signin", data={"login": login, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/p/{P}/safety").text)
    assert found
    return found.group(1)


def test_a_report_is_held_outside_the_log_until_the_safety_supervisor_files_it(
    world: tuple[App, TestClient, FixedClock],
) -> None:
    app, client, _ = world
    before = _custody_events(app)
    r = client.post(f"/report/{P}", data={"text": WORDS})
    assert r.status_code == 200 and "It waits for the safety supervisor" in r.text
    assert _custody_events(app) == before  # nothing in the custody log yet
    (held,) = app.held_reports.held(P)
    assert held.status == "held" and held.text == WORDS

    jack = _signed_in(app, "jack")  # a performer may not decide
    r = jack.post(f"/p/{P}/safety/held/{held.id}/accept", data={"csrf": _csrf(jack)})
    assert r.status_code == 403
    priya = _signed_in(app, "priya")  # the safety supervisor
    page = priya.get(f"/p/{P}/safety").text
    assert WORDS in page and "File into the record" in page
    r = priya.post(
        f"/p/{P}/safety/held/{held.id}/accept", data={"csrf": _csrf(priya)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert _custody_events(app) == before + 1
    report = app.custody.state(P).reports[ReportId(f"A-{held.id}")]
    assert report.by is None and report.text == WORDS
    # accepting again files nothing twice
    r = priya.post(f"/p/{P}/safety/held/{held.id}/accept", data={"csrf": _csrf(priya)})
    assert r.status_code == 409 and "already accepted" in r.text


def test_a_refused_report_is_kept_and_never_filed(
    world: tuple[App, TestClient, FixedClock],
) -> None:
    app, client, _ = world
    client.post(f"/report/{P}", data={"text": "spam " * 50})
    (held,) = app.held_reports.held(P)
    before = _custody_events(app)
    tom = _signed_in(app, "tom")  # the producer
    r = tom.post(
        f"/p/{P}/safety/held/{held.id}/refuse", data={"csrf": _csrf(tom)}, follow_redirects=False
    )
    assert r.status_code == 303
    (kept,) = app.held_reports.held(P)
    assert kept.status == "refused" and kept.decided_by == "tom-reyes"
    assert _custody_events(app) == before
    assert "refused" in tom.get(f"/p/{P}/safety").text


def test_an_unknown_production_gets_the_same_form_and_the_same_answer(
    world: tuple[App, TestClient, FixedClock],
) -> None:
    app, client, _ = world
    known = client.get(f"/report/{P}")
    unknown = client.get("/report/no-such-show")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(str(P), "X") == unknown.text.replace("no-such-show", "X")
    a = client.post(f"/report/{P}", data={"text": WORDS})
    b = client.post("/report/no-such-show", data={"text": WORDS})
    assert a.status_code == b.status_code == 200
    assert a.text.replace(str(P), "X") == b.text.replace("no-such-show", "X")
    assert app.held_reports.held(ProductionId("no-such-show")) == []


def test_one_device_is_limited_and_told_when_to_try_again(
    world: tuple[App, TestClient, FixedClock],
) -> None:
    _, client, clock = world
    for _ in range(PER_CLIENT_LIMIT):
        assert client.post(f"/report/{P}", data={"text": WORDS}).status_code == 200
    r = client.post("/report/other-show", data={"text": WORDS})  # any production: one count
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) == 600
    assert "Try again in 10 minutes" in r.text
    clock.set(clock.now() + timedelta(minutes=10))
    assert client.post(f"/report/{P}", data={"text": WORDS}).status_code == 200


def test_everyone_together_meets_an_hourly_limit_and_a_daily_cap(
    world: tuple[App, TestClient, FixedClock],
) -> None:
    app, _, clock = world
    from coldcheck.service.held_reports import ReportsThrottled

    start = clock.now().replace(hour=0, minute=1)
    clock.set(start)
    sent = 0
    for n in range(HOURLY_LIMIT):
        app.held_reports.submit(str(P), WORDS, f"10.1.0.{n}")
        sent += 1
    with pytest.raises(ReportsThrottled, match="reports in the last hour"):
        app.held_reports.submit(str(P), WORDS, "10.2.0.1")
    while sent < DAILY_CAP:
        clock.set(clock.now() + timedelta(hours=1))
        for n in range(min(HOURLY_LIMIT, DAILY_CAP - sent)):
            app.held_reports.submit(str(P), WORDS, f"10.3.{sent}.{n}")
            sent += 1
    clock.set(clock.now() + timedelta(hours=1))
    with pytest.raises(ReportsThrottled, match="opens again at 00:00 UTC"):
        app.held_reports.submit(str(P), WORDS, "10.4.0.1")
    assert len(app.held_reports.held(P, limit=1000)) == DAILY_CAP
    clock.set(start + timedelta(days=1))
    app.held_reports.submit(str(P), WORDS, "10.4.0.1")
