"""Issue 19 over HTTP: confirmations bound to their command, PINs only where asked,
and loose input refused with 422 (items 11, 12c, 13)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from coldcheck.domain.mechanics import ActionType, inspection_checklist
from tests.confirming import DEMO_PINS, challenge, confirmations
from tests.conftest import Server

PASSWORD = "dry-gulch-demo"
BASE = "/api/v1/productions/dry-gulch"


def _client(server: Server, login: str) -> httpx.Client:
    r = httpx.post(f"{server.url}/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {r.json()['token']}"},
        timeout=30,
    )


@pytest.fixture
def mara(demo_server: Server) -> Iterator[httpx.Client]:
    with _client(demo_server, "mara") as client:
        yield client


def _inspect(tag: str, action: ActionType, capacity: int = 6) -> dict[str, object]:
    from coldcheck.domain.mechanics import load_positions

    return {
        "weapon": tag,
        "bore": "clear",
        "checklist": list(inspection_checklist(action)),
        "findings": [{"position": p, "found": "empty"} for p in load_positions(action, capacity)],
    }


def _ready(mara: httpx.Client, tag: str, action: ActionType, capacity: int = 6) -> None:
    for name, body in (
        ("take-out-of-storage", {"weapon": tag}),
        ("inspect-weapon", _inspect(tag, action, capacity)),
    ):
        r = mara.post(f"{BASE}/commands/{name}", json=body)
        assert r.status_code == 200, r.text


def test_confirmations_replayed_for_another_weapon_are_refused(mara: httpx.Client) -> None:
    _ready(mara, "W-0002", ActionType.DOUBLE_ACTION_REVOLVER)
    _ready(mara, "W-0001", ActionType.SINGLE_ACTION_REVOLVER)
    body = {"weapon": "W-0002", "to": "rosa-lind"}
    ids = confirmations(mara, BASE, "hand-over", body, ["rosa-lind", "dana-ortiz"])
    head = mara.get("/api/v1/ledger/head").json()
    replayed = [
        mara.post(
            f"{BASE}/commands/hand-over",
            json={"weapon": "W-0001", "to": "jack-hale", "confirmations": ids},
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in replayed] == [403, 403, 403]
    assert "another command" in replayed[0].json()["detail"]
    assert mara.get("/api/v1/ledger/head").json() == head
    done = mara.post(f"{BASE}/commands/hand-over", json={**body, "confirmations": ids})
    assert done.status_code == 200, done.text
    again = mara.post(f"{BASE}/commands/hand-over", json={**body, "confirmations": ids})
    assert again.status_code in (403, 409)
    # give it back, confirmed by Rosa
    ids = confirmations(mara, BASE, "take-back", {"weapon": "W-0002"}, ["rosa-lind"])
    back = mara.post(f"{BASE}/commands/take-back", json={"weapon": "W-0002", "confirmations": ids})
    assert back.status_code == 200, back.text


def test_a_take_back_without_the_performer_is_refused_R12(mara: httpx.Client) -> None:
    _ready(mara, "W-0003", ActionType.LEVER, 10)
    body = {"weapon": "W-0003", "to": "rosa-lind"}
    ids = confirmations(mara, BASE, "hand-over", body, ["rosa-lind", "dana-ortiz"])
    assert mara.post(f"{BASE}/commands/hand-over", json={**body, "confirmations": ids}).is_success
    r = mara.post(f"{BASE}/commands/take-back", json={"weapon": "W-0003"})
    assert r.status_code == 409 and "R12" in {x["rule"] for x in r.json()["refused"]}
    ids = confirmations(mara, BASE, "take-back", {"weapon": "W-0003"}, ["dana-ortiz"])
    r = mara.post(f"{BASE}/commands/take-back", json={"weapon": "W-0003", "confirmations": ids})
    assert r.status_code == 200, r.text


def test_a_person_the_command_does_not_ask_cannot_spend_a_pin_try(
    demo_server: Server, mara: httpx.Client
) -> None:
    asked = challenge(
        mara, BASE, "destroy-rounds", {"lot": "L-0001", "container": "C-0001", "count": 1}
    )
    assert asked.status_code == 201, asked.text
    ch = asked.json()["challenge"]
    for _ in range(6):  # Jack is a performer: a destruction never asks him
        r = mara.post(f"{BASE}/confirmations/{ch}", json={"person": "jack-hale", "pin": "0000"})
        assert r.status_code == 403 and "not asked" in r.json()["detail"]
    # his PIN was never even tried: it is not locked
    _ready(mara, "W-0005", ActionType.REPLICA)
    ids = confirmations(
        mara, BASE, "hand-over", {"weapon": "W-0005", "to": "jack-hale"}, ["jack-hale"]
    )
    assert ids


def test_a_role_that_may_not_ask_gets_no_challenge(demo_server: Server) -> None:
    with _client(demo_server, "jack") as jack:
        r = challenge(jack, BASE, "release-lot", {"lot": "L-0002", "note": "fine"})
    assert r.status_code == 403


def test_a_command_that_asks_for_no_confirmation_gets_no_challenge(mara: httpx.Client) -> None:
    r = challenge(mara, BASE, "take-out-of-storage", {"weapon": "W-0004"})
    assert r.status_code == 409 and "asks for no confirmation" in r.text


def test_a_command_the_rules_refuse_anyway_gets_no_challenge(demo_server: Server) -> None:
    with _client(demo_server, "dana") as dana:
        r = challenge(dana, BASE, "hand-over", {"weapon": "W-0001", "to": "jack-hale"})
    assert r.status_code == 409 and "R08" in {x["rule"] for x in r.json()["refused"]}


def test_a_wrong_pin_message_is_the_same_with_or_without_an_account(mara: httpx.Client) -> None:
    asked = challenge(
        mara, BASE, "destroy-rounds", {"lot": "L-0001", "container": "C-0001", "count": 1}
    )
    ch = asked.json()["challenge"]
    r = mara.post(f"{BASE}/confirmations/{ch}", json={"person": "tom-reyes", "pin": "0001"})
    assert r.status_code == 403
    assert r.json()["detail"].startswith("The PIN for tom-reyes was not accepted.")
    assert DEMO_PINS["tom-reyes"] not in r.text


def test_a_time_without_an_offset_is_422(mara: httpx.Client) -> None:
    r = mara.post(
        f"{BASE}/commands/load-weapon",
        json={
            "weapon": "W-0001",
            "container": "C-0001",
            "loads": [{"position": "chamber 1", "lot": "L-0001"}],
            "scene": "41",
            "take_at": "2026-03-14T14:05:00",
            "hammer_over": "chamber 6",
        },
    )
    assert r.status_code == 422
    assert "take_at" in {d["field"] for d in r.json()["detail"]}


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("lock-up", {"kind": "banana"}, "kind"),
        (
            "register-weapon",
            {
                "name": "x",
                "make": "x",
                "model": "x",
                "serial": "BIG-1",
                "calibre": "9 mm",
                "owner": "x",
                "kind": "firearm",
                "action": "belt_fed",
                "capacity": 2**53 - 1,
            },
            "capacity",
        ),
        ("stop-work", {"reason": "x" * 4001}, "reason"),
    ],
)
def test_loose_input_is_422_before_the_rules(
    mara: httpx.Client, name: str, body: dict[str, object], field: str
) -> None:
    head = mara.get("/api/v1/ledger/head").json()
    r = mara.post(f"{BASE}/commands/{name}", json=body)
    assert r.status_code == 422, r.text
    assert field in {d["field"] for d in r.json()["detail"]}
    assert mara.get("/api/v1/ledger/head").json() == head


def test_a_unicode_digit_tag_is_refused(mara: httpx.Client) -> None:
    r = mara.post(
        f"{BASE}/commands/register-weapon",
        json={
            "weapon": "W-٠٠٠١",
            "name": "x",
            "make": "x",
            "model": "x",
            "serial": "UNI-1",
            "calibre": "9 mm",
            "owner": "x",
            "kind": "firearm",
            "action": "semi_auto_pistol",
            "capacity": 15,
        },
    )
    assert r.status_code == 409 and r.json()["refused"][0]["rule"] == "INPUT"


def test_a_weapon_s_checklist_is_published(mara: httpx.Client) -> None:
    r = mara.get(f"{BASE}/weapons/W-0001/checklist")
    assert r.status_code == 200
    assert r.json()["checklist"] == list(inspection_checklist(ActionType.SINGLE_ACTION_REVOLVER))
    assert len(r.json()["positions"]) == 6
    spec = mara.get("/openapi.json").json()
    words = spec["paths"][f"{BASE.replace('dry-gulch', '{production}')}/commands/inspect-weapon"]
    assert "rotate through every chamber" in words["post"]["description"]
    assert (
        mara.get("/api/v1/checklists").json()["lever"][0] == "cycle lever until the tube is empty"
    )
