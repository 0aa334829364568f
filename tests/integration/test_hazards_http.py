"""R25's wider hazard model over HTTP (no browser): the API and the register form take the
mechanism, inspections record the bolt and the blank-firing adapter, and the weapon page
says in plain words what the recorded state can do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain.mechanics import ActionType, inspection_checklist, load_positions
from coldcheck.entrypoints.http import create_app

PASSWORD = "dry-gulch-demo"
API = "/api/v1/productions/dry-gulch/commands"
STEN = {
    "name": "Sten blank-firing conversion",
    "make": "BSA",
    "model": "Mk II",
    "serial": "STEN-R25",
    "calibre": "9 mm",
    "owner": "Sierra Prop Rentals",
    "kind": "blank_adapted",
    "action": "semi_auto_rifle",
    "capacity": 3,
    "open_bolt": True,
}


@pytest.fixture
def client(demo_copy: Path) -> Iterator[TestClient]:
    app: App = build(
        Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap()
    )
    try:
        with TestClient(create_app(app)) as test_client:
            signed_in = test_client.post("/signin", data={"login": "mara", "password": PASSWORD})
            assert signed_in.status_code in (200, 303), signed_in.text
            yield test_client
    finally:
        app.close()


def _api(client: TestClient, name: str, body: dict[str, Any]) -> Any:
    r = client.post("/api/v1/auth/token", json={"login": "mara", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    return client.post(f"{API}/{name}", json=body, headers=headers)


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_an_open_bolt_gun_registered_by_the_api_shows_its_bolt_and_adapter_hazards_R25(
    client: TestClient,
) -> None:
    lever = _api(client, "register-weapon", {**STEN, "action": "lever", "serial": "L-R25"})
    assert lever.status_code == 409 and "does not fire from an open bolt" in lever.text
    r = _api(client, "register-weapon", STEN)
    assert r.status_code == 200, r.text
    tag = r.json()["accepted"][0]["payload"]["weapon"]
    page = _text(client.get(f"/p/dry-gulch/w/{tag}").text)
    assert "open bolt · blank-firing adapter not recorded" in page
    assert "The blank-firing adapter is not recorded as fitted" in page
    assert _api(client, "take-out-of-storage", {"weapon": tag}).status_code == 200
    positions = load_positions(ActionType.SEMI_AUTO_RIFLE, 3)
    inspection = {
        "weapon": tag,
        "findings": [{"position": p, "found": "empty"} for p in positions],
        "bore": "clear",
        "checklist": list(inspection_checklist(ActionType.SEMI_AUTO_RIFLE)),
        "bolt": "back",
        "adapter_fitted": False,
    }
    assert _api(client, "inspect-weapon", inspection).status_code == 200
    page = _text(client.get(f"/p/dry-gulch/w/{tag}").text)
    assert "blank-firing adapter off · bolt back" in page
    assert "The blank-firing adapter is not fitted: fit it, and record it, before loading" in page
    assert "Cannot fire without a trigger pull as recorded." in page
    # an unidentified round found in the magazine with the bolt back: it can fire by itself
    found = [
        {"position": p, "found": "unknown" if p == "magazine 1" else "empty"} for p in positions
    ]
    assert _api(client, "inspect-weapon", {**inspection, "findings": found}).status_code == 200
    page = _text(client.get(f"/p/dry-gulch/w/{tag}").text)
    assert (
        "CAN FIRE WITHOUT A TRIGGER PULL — The bolt is back on a loaded magazine: releasing or "
        "jarring the bolt fires it — no trigger pull needed." in page
    )


def test_the_register_form_records_a_slam_fire_pump_and_refuses_a_slam_fire_lever_R25(
    client: TestClient,
) -> None:
    form = {
        "csrf": _csrf(client, "/p/dry-gulch/weapons/new"),
        "name": "Winchester 1897 trench gun",
        "make": "Winchester",
        "model": "1897",
        "serial": "W97-R25",
        "calibre": "12 gauge",
        "owner": "Sierra Prop Rentals",
        "kind": "firearm",
        "action": "pump",
        "capacity": "5",
        "slam_fire": "yes",
    }
    lever = client.post("/p/dry-gulch/weapons/new", data={**form, "action": "lever"})
    assert lever.status_code == 409
    assert "slam-fire is a pump-action hazard" in _text(lever.text)
    assert 'name="slam_fire" type="checkbox" value="yes" checked' in lever.text
    done = client.post("/p/dry-gulch/weapons/new", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = _text(client.get(done.headers["location"]).text)
    assert "slam-fire" in page and "Winchester 1897 trench gun" in page
