"""Issue 15 over HTTP: sign-in throttles, cross-site sign-in, the host allowlist, /readyz."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import ConfigError, Settings
from coldcheck.entrypoints.http import create_app
from coldcheck.service.throttle import LOGIN_THROTTLE

PASSWORD = "dry-gulch-demo"


@pytest.fixture
def world(demo_copy: Path) -> Iterator[tuple[App, TestClient]]:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap())
    try:
        with TestClient(create_app(app)) as client:
            yield app, client
    finally:
        app.close()


def test_too_many_wrong_passwords_answer_429_with_when_to_try_again(
    world: tuple[App, TestClient],
) -> None:
    _, client = world
    for _ in range(LOGIN_THROTTLE.free + 1):
        r = client.post("/api/v1/auth/token", json={"login": "mara", "password": "wrong!"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"login": "mara", "password": PASSWORD})
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "30"
    assert "try again in 30 seconds" in r.json()["detail"]
    page = client.post("/signin", data={"login": "mara", "password": PASSWORD})
    assert page.status_code == 429
    assert "try again in" in page.text and "Retry-After" in page.headers


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "cross-site"},
    ],
)
def test_signing_in_from_another_site_is_refused(
    world: tuple[App, TestClient], headers: dict[str, str]
) -> None:
    _, client = world
    r = client.post(
        "/signin",
        data={"login": "mara", "password": PASSWORD},
        headers=headers,
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "own sign-in page" in r.text
    assert "set-cookie" not in r.headers
    own = client.post(
        "/signin",
        data={"login": "mara", "password": PASSWORD},
        headers={"origin": "http://testserver", "sec-fetch-site": "same-origin"},
        follow_redirects=False,
    )
    assert own.status_code == 303


def _qr(page: object) -> str:
    found = re.findall(r'src="(data:image/svg\+xml[^"]+)"', getattr(page, "text", ""))
    assert found
    return str(found[0])


def _report_link(client: TestClient, host: str) -> str:
    page = client.get("/p/dry-gulch/safety", headers={"host": host}).text
    found = re.search(r'<a href="([^"]+/report/dry-gulch)"', page)
    assert found, page[:500]
    return found.group(1)


def test_links_use_an_allowed_host_and_a_forged_host_gets_the_first_allowed_one(
    demo_copy: Path,
) -> None:
    env = {"COLDCHECK_DATA": str(demo_copy), "COLDCHECK_PUBLIC_HOSTS": "cart.local,10.0.0.2"}
    app = build(Settings.from_env(env), hasher=Argon2Hasher.cheap())
    try:
        with TestClient(create_app(app), base_url="http://cart.local") as client:
            r = client.post("/signin", data={"login": "priya", "password": PASSWORD})
            assert r.status_code == 200
            assert _report_link(client, "10.0.0.2") == "http://10.0.0.2/report/dry-gulch"
            assert _report_link(client, "evil.example") == "http://cart.local/report/dry-gulch"
            # the weapon's QR code (an image of its address) is the allowed host's
            forged = _qr(client.get("/p/dry-gulch/w/W-0001", headers={"host": "evil.example"}))
            allowed = _qr(client.get("/p/dry-gulch/w/W-0001", headers={"host": "cart.local"}))
            other = _qr(client.get("/p/dry-gulch/w/W-0001", headers={"host": "10.0.0.2"}))
            assert forged == allowed != other
    finally:
        app.close()


def test_without_a_setting_the_allowed_hosts_are_the_loopback_names_and_the_serving_host(
    world: tuple[App, TestClient],
) -> None:
    app, _ = world
    assert {"localhost", "127.0.0.1", "::1"} <= set(app.public_hosts)
    assert app.tls is not None and set(app.tls.addresses) <= set(app.public_hosts)
    with pytest.raises(ConfigError, match="COLDCHECK_PUBLIC_HOSTS"):
        Settings.from_env({"COLDCHECK_PUBLIC_HOSTS": "cart.local,<script>"})


def _mara(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"login": "mara", "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _report(client: TestClient, headers: dict[str, str], words: str) -> Response:
    return client.post(
        "/api/v1/productions/dry-gulch/commands/file-safety-report",
        json={"text": words},
        headers=headers,
    )


def test_readyz_commits_a_real_write_and_says_ready(world: tuple[App, TestClient]) -> None:
    app, client = world
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    with app.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM readiness").scalar() == 1


def test_a_read_only_database_answers_503_in_words_and_the_strip_says_so(
    world: tuple[App, TestClient],
) -> None:
    app, client = world
    mara = _mara(client)
    page_cookies = client.post("/signin", data={"login": "priya", "password": PASSWORD})
    assert page_cookies.status_code == 200

    def read_only(dbapi: Any, _record: Any) -> None:
        dbapi.execute("PRAGMA query_only = ON")  # what a read-only folder or disk does

    event.listen(app.engine, "connect", read_only)
    app.engine.dispose()
    r = client.get("/readyz")
    assert r.status_code == 503
    assert "cannot be written" in r.json()["problem"] and "chmod" in r.json()["problem"]
    r = _report(client, mara, "The cart's lock is broken.")
    assert r.status_code == 503
    assert "cannot be written" in r.json()["detail"]
    strip = client.get("/p/dry-gulch/safety").text
    assert "NOT SAVING" in strip and "cannot be written" in strip

    event.remove(app.engine, "connect", read_only)
    app.engine.dispose()
    assert client.get("/readyz").status_code == 200
    assert "NOT SAVING" not in client.get("/p/dry-gulch/safety").text


def test_a_full_disk_answers_503_in_words_not_a_bare_500(world: tuple[App, TestClient]) -> None:
    app, client = world
    mara = _mara(client)

    def full(dbapi: Any, _record: Any) -> None:
        pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
        dbapi.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"

    event.listen(app.engine, "connect", full)
    app.engine.dispose()
    r = _report(client, mara, "x" * 3900)
    assert r.status_code == 503
    assert "disk holding the database is full" in r.json()["detail"]
    assert "Free space" in r.json()["detail"]
