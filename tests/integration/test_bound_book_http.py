"""The bound book on the register form, the weapon page and the API (issue 18), in process:
a weapon registered with its acquisition shows it on its page, and retiring it records the
disposition typed."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from coldcheck.entrypoints.http import create_app

BASE = "/p/dry-gulch"
API = "/api/v1/productions/dry-gulch/commands"


@pytest.fixture
def client(demo_data: Path, tmp_path: Path) -> Iterator[TestClient]:
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        with TestClient(create_app(app)) as c:
            yield c
    finally:
        app.close()


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_a_weapon_registered_on_the_form_shows_its_acquisition_and_retires_with_a_transfer(
    client: TestClient,
) -> None:
    r = client.post("/signin", data={"login": "mara", "password": "dry-gulch-demo"})
    assert r.status_code == 200
    form = client.get(f"{BASE}/weapons/new").text
    assert 'name="acquired_licence"' in form and 'name="country"' in form
    r = client.post(
        f"{BASE}/weapons/new",
        data={
            "csrf": _csrf(client, f"{BASE}/weapons/new"),
            "name": "Glock 17",
            "make": "Glock",
            "model": "17",
            "serial": "GL-HTTP-1",
            "calibre": "9mm",
            "owner": "Hollywood Gun Rentals",
            "kind": "blank_adapted",
            "action": "semi_auto_pistol",
            "capacity": "17",
            "importer": "Glock Inc.",
            "country": "Austria",
            "firearm_type": "Pistol",
            "acquired_name": "Hollywood Gun Rentals",
            "acquired_licence": "9-95-037-01-2A-12345",
            "acquired_on": "2026-11-20",
        },
    )
    assert r.status_code == 200, r.text[:400]
    tag = re.search(r"/w/(W-\d+)", str(r.url))
    assert tag, r.url
    page = client.get(f"{BASE}/w/{tag.group(1)}").text
    assert 'id="bound-book"' in page
    assert "9-95-037-01-2A-12345" in page and "Austria" in page and "2026-11-20" in page
    # a transfer without the transferee's address or licence is refused, and nothing recorded
    csrf = _csrf(client, f"{BASE}/w/{tag.group(1)}")
    refused = client.post(
        f"{BASE}/w/{tag.group(1)}/retire",
        data={"csrf": csrf, "sure": "yes", "how": "transferred", "to_name": "Second Unit"},
    )
    assert refused.status_code == 409
    assert "address, or their licence" in refused.text
    r = client.post(
        f"{BASE}/w/{tag.group(1)}/retire",
        data={
            "csrf": csrf,
            "sure": "yes",
            "how": "transferred",
            "to_name": "Second Unit Films",
            "to_licence": "9-85-000-07-2B-00001",
            "reference": "transfer 12",
        },
    )
    assert r.status_code == 200, r.text[:400]
    page = client.get(f"{BASE}/w/{tag.group(1)}").text
    assert "transferred" in page and "Second Unit Films" in page and "transfer 12" in page


def test_the_api_takes_the_acquisition_and_the_disposition(client: TestClient) -> None:
    tok = client.post(
        "/api/v1/auth/token", json={"login": "mara", "password": "dry-gulch-demo"}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {tok}"}
    r = client.post(
        f"{API}/register-weapon",
        headers=auth,
        json={
            "name": "Colt SAA",
            "make": "Colt",
            "model": "SAA",
            "serial": "API-SAA-1",
            "calibre": ".45 Colt",
            "owner": "House",
            "kind": "firearm",
            "action": "single_action_revolver",
            "capacity": 6,
            "country": "USA",
            "acquisition": {"name": "House", "reference": "RA-1", "received": "2026-11-01"},
        },
    )
    assert r.status_code == 200, r.text
    (entry,) = r.json()["accepted"]
    assert entry["payload"]["acquisition"]["reference"] == "RA-1"
    tag = entry["payload"]["weapon"]
    r = client.post(
        f"{API}/retire-weapon",
        headers=auth,
        json={"weapon": tag, "how": "destroyed", "reference": "cert 4", "on": "2026-11-02"},
    )
    assert r.status_code == 200, r.text
    disposition = r.json()["accepted"][0]["payload"]["disposition"]
    assert disposition == {
        "how": "destroyed",
        "on": "2026-11-02",
        "name": "",
        "address": "",
        "licence": "",
        "reference": "cert 4",
    }
    r = client.post(
        f"{API}/register-weapon",
        headers=auth,
        json={
            "name": "X",
            "serial": "API-X",
            "make": "",
            "model": "",
            "calibre": "9mm",
            "owner": "House",
            "kind": "firearm",
            "action": "bolt",
            "capacity": 5,
            "acquisition": {"name": "H" * 201},
        },
    )
    assert r.status_code == 409 and "name is 201 characters long" in r.text
