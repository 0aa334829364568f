"""Issue 15 over HTTP: sign-in throttles, cross-site sign-in, the host allowlist, /readyz."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
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
