"""Issue 19 on the screens (item 14 and the confirmation step), over HTTP without a browser:
the live-round question before saving, the R27 correction with who and why, the handoff's
confirmation screen, and what was typed kept after a refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from coldcheck.domain.mechanics import ActionType, inspection_checklist
from tests.conftest import Server

PASSWORD = "dry-gulch-demo"
W = "/p/dry-gulch/w"


@pytest.fixture
def mara(demo_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo_server.url, timeout=60) as client:
        r = client.post("/signin", data={"login": "mara", "password": PASSWORD})
        assert r.status_code == 303, r.text
        yield client


def _csrf(client: httpx.Client, path: str = "/p/dry-gulch/board") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _head(client: httpx.Client) -> int:
    return int(client.get("/api/v1/ledger/head").json()["tree_size"])


def _handovers(client: httpx.Client, tag: str) -> int:
    timeline = client.get(
        "/api/v1/productions/dry-gulch/timeline", params={"ref": tag, "limit": 1000}
    ).json()
    return sum(1 for e in timeline if e["type"] == "WeaponHandedOver")


def _inspection(tag: str, live_at: int | None, csrf: str) -> dict[str, str | list[str]]:
    steps = inspection_checklist(ActionType.DOUBLE_ACTION_REVOLVER)
    data: dict[str, str | list[str]] = {"csrf": csrf, "step": list(steps), "bore": "clear"}
    data.update({f"pos-{i}": "live" if i == live_at else "empty" for i in range(6)})
    return data


def test_a_live_round_is_asked_about_before_it_stops_the_set(mara: httpx.Client) -> None:
    csrf = _csrf(mara)
    assert mara.post(f"{W}/W-0002/take-out", data={"csrf": csrf}).status_code == 303
    before = _head(mara)
    asked = mara.post(f"{W}/W-0002/inspect", data=_inspection("W-0002", 2, csrf))
    assert asked.status_code == 200
    assert "You found a live round in chamber 3?" in asked.text
    assert 'id="pos-2-live" name="pos-2" value="live" required checked' in asked.text
    assert _head(mara) == before  # nothing recorded, nothing stopped
    # the armorer tapped the wrong choice: she corrects it and saves, no question, no stop
    fine = mara.post(f"{W}/W-0002/inspect", data=_inspection("W-0002", None, csrf))
    assert fine.status_code == 303 and "ok=inspected" in fine.headers["location"]


def test_an_inspection_recorded_in_error_is_corrected_with_who_and_why(
    mara: httpx.Client,
) -> None:
    csrf = _csrf(mara)
    mara.post(f"{W}/W-0002/take-out", data={"csrf": csrf})
    data = {**_inspection("W-0002", 2, csrf), "confirm_live": "yes"}
    recorded = mara.post(f"{W}/W-0002/inspect", data=data)
    assert recorded.status_code == 303
    page = mara.get(f"{W}/W-0002").text
    assert "QUARANTINED" in page and "Recorded in error? Record a correction" in page
    seq = re.search(r'name="corrects" value="(\d+)"', page)
    assert seq
    reason = "Tapped live for chamber 3 by mistake; it was empty (checked again with Priya)"
    r = mara.post(
        f"{W}/W-0002/correct", data={"csrf": csrf, "corrects": seq.group(1), "reason": reason}
    )
    assert r.status_code == 303 and "ok=corrected" in r.headers["location"]
    page = mara.get(f"{W}/W-0002").text
    assert re.search(r"corrected by #\d+ on \d{4}-\d\d-\d\d \d\d:\d\d by Mara Voss", page)
    assert reason in page
    assert "the entry stays on the record" in page


def test_a_handoff_asks_for_the_confirmations_on_a_second_screen(mara: httpx.Client) -> None:
    csrf = _csrf(mara)
    mara.post(f"{W}/W-0004/take-out", data={"csrf": csrf})
    steps = inspection_checklist(ActionType.SEMI_AUTO_PISTOL)
    inspect: dict[str, str | list[str]] = {"csrf": csrf, "step": list(steps), "bore": "clear"}
    inspect.update({f"pos-{i}": "empty" for i in range(16)})
    assert mara.post(f"{W}/W-0004/inspect", data=inspect).status_code == 303
    before, handed = _head(mara), _handovers(mara, "W-0004")
    r = mara.post("/p/dry-gulch/handover", data={"csrf": csrf, "weapon": "W-0004", "to": "sam-kee"})
    assert r.status_code == 200
    assert "Sam Kee receives W-0004:" in r.text and "bore clear, inspected" in r.text
    assert 'name="challenge"' in r.text and 'name="confirm_pin_0"' in r.text
    assert "I was shown every chamber and the bore" in r.text
    assert _head(mara) == before
    challenge = re.search(r'name="challenge" value="([^"]+)"', r.text)
    assert challenge
    # a wrong PIN: the screen again, with the reason, the challenge and the choices kept
    again = mara.post(
        "/p/dry-gulch/handover",
        data={
            "csrf": csrf,
            "weapon": "W-0004",
            "to": "sam-kee",
            "challenge": challenge.group(1),
            "confirm_person_0": "sam-kee",
            "confirm_pledge_0": "yes",
            "confirm_pin_0": "0000",
            "confirm_person_1": "dana-ortiz",
            "confirm_pin_1": "3690",
        },
    )
    assert again.status_code == 409
    assert "The PIN for sam-kee was not accepted" in again.text
    assert "Confirmed by Dana Ortiz" in again.text  # Dana's confirmation is kept
    given = re.findall(r'name="given" value="([^"]+)"', again.text)
    assert len(given) == 1
    done = mara.post(
        "/p/dry-gulch/handover",
        data={
            "csrf": csrf,
            "weapon": "W-0004",
            "to": "sam-kee",
            "challenge": challenge.group(1),
            "given": given[0],
            "confirm_person_0": "sam-kee",
            "confirm_pledge_0": "yes",
            "confirm_pin_0": "5656",
        },
    )
    assert done.status_code == 303 and "ok=handed" in done.headers["location"]
    # one handoff recorded (the log also holds the PIN checks' security records)
    assert _handovers(mara, "W-0004") == handed + 1


def test_a_refused_plan_keeps_what_was_typed(mara: httpx.Client) -> None:
    csrf = _csrf(mara, "/p/dry-gulch/day")
    r = mara.post(
        "/p/dry-gulch/day/scenes",
        data={
            "csrf": csrf,
            "scene": "60",
            "title": "Close duel",
            "setup": "60A",
            "weapons": "W-0001",
            "performers": "jack-hale",
            "fires_blanks": "yes",
            "distance": "8",
            "protection": " ",
        },
    )
    assert r.status_code == 409 and "R18" in r.text
    assert 'value="Close duel"' in r.text and 'value="60A"' in r.text
