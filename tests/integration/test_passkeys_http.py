"""The passkey pages over HTTP, in process (issue 17): options carry the served host as the
relying party id, an enrolment and a signed confirmation go through the real app, and a
performer cannot start an enrolment for someone else."""

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
from tests.webauthn_device import Device

BASE = "/p/dry-gulch"
ORIGIN = "http://testserver"


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


def _sign_in(client: TestClient, login: str) -> str:
    client.cookies.clear()
    r = client.post("/signin", data={"login": login, "password": "dry-gulch-demo"})
    assert r.status_code == 200, r.text[:300]
    page = client.get(f"{BASE}/passkeys")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_a_performer_enrols_her_own_passkey_on_the_served_host(client: TestClient) -> None:
    csrf = _sign_in(client, "rosa")
    options = client.post(f"{BASE}/passkeys/options", data={"csrf": csrf}).json()
    assert options["rp"]["id"] == "testserver"
    device = Device(rp_id="testserver", origin=ORIGIN)
    r = client.post(
        f"{BASE}/passkeys",
        data={"csrf": csrf, "credential": device.register(options), "label": "my phone"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Passkey enrolled for Rosa Lind, on the record."
    assert "my phone" in client.get(f"{BASE}/passkeys").text


def test_a_performer_cannot_start_an_enrolment_for_someone_else(client: TestClient) -> None:
    csrf = _sign_in(client, "rosa")
    r = client.post(f"{BASE}/passkeys/options", data={"csrf": csrf, "person": "dana-ortiz"})
    assert r.status_code == 403
    assert "only an armorer" in r.json()["error"]


def test_the_passkey_routes_need_the_forms_csrf_token(client: TestClient) -> None:
    _sign_in(client, "rosa")
    r = client.post(f"{BASE}/passkeys/options", data={"csrf": "nope"})
    assert r.status_code == 403


def test_a_confirmation_for_a_challenge_that_does_not_exist_is_refused(
    client: TestClient,
) -> None:
    csrf = _sign_in(client, "rosa")
    r = client.post(
        f"{BASE}/confirm/no-such-challenge/passkey/options",
        data={"csrf": csrf, "person": "rosa-lind"},
    )
    assert r.status_code == 403
    assert "expired or does not exist" in r.json()["error"]


def test_the_phone_page_asks_the_performer_to_tick_and_the_server_refuses_a_signature_without(
    demo_data: Path, tmp_path: Path
) -> None:
    from coldcheck.domain import commands as c
    from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
    from coldcheck.domain.mechanics import RoundState, inspection_checklist, load_positions
    from coldcheck.domain.model import BoreFinding, Finding
    from coldcheck.service.envelope import Channel

    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    demo, w2, mara = ProductionId("dry-gulch"), WeaponId("W-0002"), PersonId("mara-voss")
    try:
        with TestClient(create_app(app)) as client:
            csrf = _sign_in(client, "rosa")
            device = Device(rp_id="testserver", origin=ORIGIN)
            options = client.post(f"{BASE}/passkeys/options", data={"csrf": csrf}).json()
            enrolled = client.post(
                f"{BASE}/passkeys", data={"csrf": csrf, "credential": device.register(options)}
            )
            assert enrolled.status_code == 200, enrolled.text
            ws = app.custody.state(demo).weapons[w2]
            at = app.clock.now
            app.custody.execute(
                c.TakeOutOfStorage(production=demo, actor=mara, at=at(), weapon=w2),
                channel=Channel.web(),
            )
            app.custody.execute(
                c.InspectWeapon(
                    production=demo,
                    actor=mara,
                    at=at(),
                    weapon=w2,
                    findings=tuple(
                        Finding(p, RoundState.EMPTY)
                        for p in load_positions(ws.weapon.action, ws.weapon.capacity)
                    ),
                    bore=BoreFinding.CLEAR,
                    checklist=inspection_checklist(ws.weapon.action),
                ),
                channel=Channel.web(),
            )
            handover = c.HandOver(
                production=demo, actor=mara, at=at(), weapon=w2, to=PersonId("rosa-lind")
            )
            ch = app.confirmations.challenge(app.custody.state(demo), handover).challenge.id

            phone = client.get(f"{BASE}/confirm/{ch}")
            assert 'id="confirm-pledge-0"' in phone.text
            assert "I was shown every chamber and the bore" in phone.text
            asked = client.post(
                f"{BASE}/confirm/{ch}/passkey/options", data={"csrf": csrf, "person": "rosa-lind"}
            ).json()
            signed = device.sign(asked["challenge"])
            sent = {"csrf": csrf, "person": "rosa-lind", "credential": signed}
            refused = client.post(f"{BASE}/confirm/{ch}/passkey", data=sent)
            assert refused.status_code == 403
            assert (
                "ticks “I was shown every chamber and the bore” before signing"
                in (refused.json()["error"])
            )
            accepted = client.post(f"{BASE}/confirm/{ch}/passkey", data={**sent, "pledge": "yes"})
            assert accepted.status_code == 200, accepted.text
            assert "Confirmed by Rosa Lind's passkey" in accepted.json()["message"]
    finally:
        app.close()
