"""Weapon photos over HTTP, in process (issue 18, part 5): the weapon page's form (multipart,
no JavaScript), the API, what is refused and why, and who may see a photo."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import events as ev
from coldcheck.domain.ids import ProductionId, WeaponId
from coldcheck.domain.photos import MAX_PHOTO_BYTES
from coldcheck.entrypoints.http import create_app
from tests.photos import jpeg_header, png
from tests.reliability.support import PASSWORD, add_user

PAGE = "/p/dry-gulch/w/W-0001"
API = "/api/v1/productions/dry-gulch/weapons/W-0001"
DEMO = ProductionId("dry-gulch")


@pytest.fixture
def world(demo_data: Path, tmp_path: Path) -> Iterator[tuple[App, TestClient]]:
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    add_user(data, "otto", "otto-berg", PASSWORD, "8765")
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        with TestClient(create_app(app)) as client:
            yield app, client
    finally:
        app.close()


def sign_in(client: TestClient, login: str) -> str:
    """Sign in with a browser session; the weapon page's CSRF token."""
    client.cookies.clear()
    r = client.post("/signin", data={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text[:300]
    page = client.get(PAGE)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


def token(client: TestClient, login: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def photographed(app: App) -> list[ev.WeaponPhotographed]:
    return [
        i.event
        for i in app.reads.timeline(DEMO, "W-0001", 500)
        if isinstance(i.event, ev.WeaponPhotographed)
    ]


def upload(client: TestClient, csrf: str, data: bytes, name: str = "w1.png", claimed: str = ""):
    return client.post(
        f"{PAGE}/photo",
        data={"csrf": csrf, "note": "left side, serial visible"},
        files={"photo": (name, data, claimed or "image/png")},
        follow_redirects=False,
    )


def test_the_weapon_page_offers_the_tablet_camera_in_a_form_that_needs_no_javascript(world):
    _, client = world
    sign_in(client, "mara")
    page = client.get(PAGE).text
    form = re.search(r'<form[^>]*id="photo-form"[^>]*>', page)
    assert form and 'enctype="multipart/form-data"' in form.group(0)
    assert 'accept="image/jpeg,image/png,image/webp" capture="environment"' in page


def test_an_armorer_takes_a_photo_and_the_weapon_page_and_handover_show_it(world):
    app, client = world
    csrf = sign_in(client, "mara")
    data = png(80, 50)
    sha = hashlib.sha256(data).hexdigest()
    r = upload(client, csrf, data)
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=photo")
    (event,) = photographed(app)
    assert (event.sha256, event.byte_size, event.media_type) == (sha, len(data), "image/png")
    assert (event.width, event.height, event.by) == (80, 50, "mara-voss")
    page = client.get(PAGE).text
    assert f"/photo/{sha}" in page and "by Mara Voss, sha256" in page and sha[:4] + "…" in page
    handover = client.get("/p/dry-gulch/handover/weapon?weapon=W-0001").text
    assert f"/photo/{sha}" in handover and "Photo of W-0001 taken" in handover


def test_a_member_gets_the_photo_with_its_type_an_immutable_cache_and_nosniff(world):
    _, client = world
    csrf = sign_in(client, "mara")
    data = png()
    upload(client, csrf, data, claimed="application/octet-stream")
    sha = hashlib.sha256(data).hexdigest()
    sign_in(client, "jack")  # a performer of the production sees it too
    r = client.get(f"{API}/photo/{sha}")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "image/png"
    assert "immutable" in r.headers["cache-control"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_someone_who_is_not_on_the_production_cannot_see_its_photo(world):
    _, client = world
    csrf = sign_in(client, "mara")
    data = png()
    upload(client, csrf, data)
    sha = hashlib.sha256(data).hexdigest()
    client.cookies.clear()
    assert client.get(f"{API}/photo/{sha}").status_code == 401
    r = client.get(f"{API}/photo/{sha}", headers=token(client, "otto"))
    assert r.status_code == 404
    assert data not in r.content


def test_a_photo_of_another_weapon_is_not_served_under_this_one(world):
    _, client = world
    csrf = sign_in(client, "mara")
    data = png()
    upload(client, csrf, data)
    sha = hashlib.sha256(data).hexdigest()
    r = client.get(f"/api/v1/productions/dry-gulch/weapons/W-0002/photo/{sha}")
    assert r.status_code == 404 and "no photo" in r.json()["detail"]


def test_a_file_that_is_no_photo_is_refused_in_words_whatever_it_claims(world):
    app, client = world
    csrf = sign_in(client, "mara")
    r = upload(client, csrf, b"%PDF-1.7\n%fake", name="w1.jpg", claimed="image/jpeg")
    assert r.status_code == 415
    assert "not a JPEG, PNG or WebP photo" in r.text and "take the photo again" in r.text
    assert photographed(app) == []


def test_a_photo_over_8_mib_is_refused_in_words_and_nothing_is_recorded(world):
    app, client = world
    csrf = sign_in(client, "mara")
    big = jpeg_header(4000, 3000) + b"\x00" * MAX_PHOTO_BYTES
    r = upload(client, csrf, big, name="big.jpg", claimed="image/jpeg")
    assert r.status_code == 413
    assert "at most 8.0 MiB are kept" in r.text
    assert photographed(app) == []


def test_a_body_far_over_the_limit_is_cut_off_with_words_before_it_is_read(world):
    _, client = world
    csrf = sign_in(client, "mara")
    r = upload(client, csrf, b"\xff\xd8\xff" + b"\x00" * (MAX_PHOTO_BYTES + (2 << 20)))
    assert r.status_code == 413 and "larger than 8 MiB" in r.json()["detail"]


def test_a_performer_cannot_record_a_photo(world):
    app, client = world
    csrf = sign_in(client, "jack")
    r = upload(client, csrf, png())
    assert r.status_code == 409 and "can photograph weapons" in r.text
    assert photographed(app) == []


def test_the_same_photo_twice_is_two_entries_and_one_blob(world):
    app, client = world
    csrf = sign_in(client, "mara")
    data = png()
    upload(client, csrf, data)
    upload(client, csrf, data)
    assert len(photographed(app)) == 2
    from sqlalchemy import func, select

    from coldcheck.adapters.sql.photo_store import photo_blobs

    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(photo_blobs)).scalar() == 1


def test_the_api_takes_a_photo_with_a_token_and_lists_it(world):
    _, client = world
    headers = token(client, "mara")
    data = jpeg_header(4032, 3024)
    r = client.post(
        f"{API}/photos",
        files={"photo": ("w1.jpg", data, "image/jpeg")},
        data={"note": "right side"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["media_type"] == "image/jpeg" and r.json()["width"] == 4032
    listed = client.get(f"{API}/photos", headers=headers).json()
    assert [p["sha256"] for p in listed] == [hashlib.sha256(data).hexdigest()]
    assert listed[0]["note"] == "right side"
    gif = client.post(
        f"{API}/photos", files={"photo": ("x.gif", b"GIF89a", "image/gif")}, headers=headers
    )
    assert gif.status_code == 415 and gif.json()["refused"][0]["rule"] == "INPUT"


def test_the_api_upload_is_not_taken_on_a_browser_cookie(world):
    _, client = world
    sign_in(client, "mara")
    r = client.post(f"{API}/photos", files={"photo": ("w1.png", png(), "image/png")})
    assert r.status_code == 403


def test_a_photo_is_not_recorded_as_a_bare_command_naming_a_hash(world):
    app, client = world
    headers = token(client, "mara")
    r = client.post(
        "/api/v1/productions/dry-gulch/commands/photograph-weapon",
        json={"weapon": "W-0001", "sha256": "0" * 64, "byte_size": 10, "media_type": "image/png"},
        headers=headers,
    )
    assert r.status_code in (404, 405)
    assert photographed(app) == []
    assert WeaponId("W-0001") in app.custody.state(DEMO).weapons


def test_the_performer_sees_the_weapon_photo_on_the_handover_confirmation_screen(world):
    from coldcheck.domain.mechanics import ActionType, inspection_checklist, load_positions

    _, client = world
    headers = token(client, "mara")
    for name, body in (
        ("take-out-of-storage", {"weapon": "W-0001"}),
        (
            "inspect-weapon",
            {
                "weapon": "W-0001",
                "bore": "clear",
                "checklist": list(inspection_checklist(ActionType.SINGLE_ACTION_REVOLVER)),
                "findings": [
                    {"position": p, "found": "empty"}
                    for p in load_positions(ActionType.SINGLE_ACTION_REVOLVER, 6)
                ],
            },
        ),
    ):
        r = client.post(
            f"/api/v1/productions/dry-gulch/commands/{name}", json=body, headers=headers
        )
        assert r.status_code == 200, r.text
    csrf = sign_in(client, "mara")
    data = png(60, 36)
    upload(client, csrf, data)
    confirm = client.post(
        "/p/dry-gulch/handover", data={"csrf": csrf, "weapon": "W-0001", "to": "jack-hale"}
    )
    assert confirm.status_code == 200, confirm.text[:500]
    assert 'id="confirm-summary"' in confirm.text
    assert f"/photo/{hashlib.sha256(data).hexdigest()}" in confirm.text
    assert "Photo of W-0001 taken" in confirm.text and "by Mara Voss" in confirm.text
