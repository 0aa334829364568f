"""The JSON API over a real socket: statuses, messages, live alerts, the README walk-through."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from pathlib import Path

import httpx

from tests.confirming import challenge, confirmations
from tests.conftest import Server

PASSWORD = "dry-gulch-demo"
BASE = "/api/v1/productions/dry-gulch"
ROOT = Path(__file__).resolve().parents[2]


def token(server: Server, login: str) -> str:
    r = httpx.post(f"{server.url}/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def post(server: Server, tok: str, name: str, body: object) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/productions/dry-gulch/commands/{name}",
        json=body,
        headers=auth(tok),
        timeout=30,
    )


def test_stop_work_reaches_another_screen_within_a_second(demo_server: Server) -> None:
    mara, dana = token(demo_server, "mara"), token(demo_server, "dana")
    received: list[tuple[float, str, dict[str, object]]] = []
    connected = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET",
            f"{demo_server.url}/api/v1/alerts/stream?production=dry-gulch",
            headers=auth(dana),
            timeout=10,
        ) as stream:
            kind = ""
            for line in stream.iter_lines():
                if line.startswith(": connected"):
                    connected.set()
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    received.append((time.monotonic(), kind, json.loads(line[6:])))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(5)
    r = post(demo_server, mara, "stop-work", {"reason": "live round found in a dummy box"})
    assert r.status_code == 200, r.text
    # Timed from the acknowledgement (stop-work has started by then), so the time the
    # server takes to record the command on a loaded machine is not raced against.
    acknowledged = time.monotonic()
    listener.join(10)
    assert received, "no alert arrived"
    at, kind, alert = received[0]
    assert kind == "stop_work"
    assert "live round found in a dummy box" in str(alert["message"])
    assert at - acknowledged < 1.0


def test_a_role_that_may_never_ask_gets_403_before_the_rules(demo_server: Server) -> None:
    jack = token(demo_server, "jack")
    r = post(demo_server, jack, "take-out-of-storage", {"weapon": "W-0001"})
    assert r.status_code == 403
    assert "armorer" in r.json()["detail"]


def test_a_production_you_have_no_role_on_does_not_exist_for_you(demo_server: Server) -> None:
    mara = token(demo_server, "mara")
    r = httpx.get(f"{demo_server.url}/api/v1/productions/other-show/weapons", headers=auth(mara))
    assert r.status_code == 404
    assert "role" in r.json()["detail"]


def test_no_token_gets_401_with_what_to_do(demo_server: Server) -> None:
    r = httpx.get(f"{demo_server.url}/api/v1/productions")
    assert r.status_code == 401
    assert "Bearer" in r.json()["detail"]


def test_malformed_fields_get_422_naming_each_field(demo_server: Server) -> None:
    mara = token(demo_server, "mara")
    r = post(demo_server, mara, "receive-lot", {"round_class": "blank", "count": "200"})
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["detail"]}
    assert {"count", "calibre", "supplier", "container"} <= fields


def test_an_unparseable_body_gets_400(demo_server: Server) -> None:
    mara = token(demo_server, "mara")
    r = httpx.post(
        f"{demo_server.url}/api/v1/productions/dry-gulch/commands/stop-work",
        content=b'{"reason": ',
        headers={**auth(mara), "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["detail"]


def test_a_refusal_lists_every_rule_and_changes_nothing(demo_server: Server) -> None:
    dana = token(demo_server, "dana")
    before = httpx.get(f"{demo_server.url}/api/v1/ledger/head").json()
    r = post(demo_server, dana, "hand-over", {"weapon": "W-0001", "to": "jack-hale"})
    assert r.status_code == 409
    rules = [x["rule"] for x in r.json()["refused"]]
    assert "R08" in rules and "R12" in rules
    assert httpx.get(f"{demo_server.url}/api/v1/ledger/head").json() == before


def _out_and_inspected(weapon: str) -> list[dict[str, object]]:
    """The batch that takes a double-action revolver of the demo out and inspects it empty."""
    from coldcheck.domain.mechanics import ActionType, inspection_checklist

    chambers = [{"position": f"chamber {i}", "found": "empty"} for i in range(1, 7)]
    inspect = {
        "weapon": weapon,
        "findings": chambers,
        "bore": "clear",
        "checklist": list(inspection_checklist(ActionType.DOUBLE_ACTION_REVOLVER)),
    }
    return [
        {"command": "take-out-of-storage", "body": {"weapon": weapon}},
        {"command": "inspect-weapon", "body": inspect},
    ]


def test_a_wrong_pin_is_refused_without_saying_more(demo_server: Server) -> None:
    mara = token(demo_server, "mara")
    with httpx.Client(base_url=demo_server.url, headers=auth(mara)) as client:
        asked = challenge(
            client,
            BASE,
            "hand-over",
            {"weapon": "W-0002", "to": "rosa-lind"},
            before=_out_and_inspected("W-0002"),
        )
        assert asked.status_code == 201, asked.text
        ch = asked.json()["challenge"]
        assert asked.json()["summary"].startswith("Rosa Lind receives W-0002")
        wrong = client.post(
            f"{BASE}/confirmations/{ch}", json={"person": "rosa-lind", "pin": "0000"}
        )
    assert wrong.status_code == 403
    assert "not accepted" in wrong.json()["detail"] and "tries left" not in wrong.json()["detail"]


def test_pins_sent_inline_with_a_command_are_refused(demo_server: Server) -> None:
    mara = token(demo_server, "mara")
    r = post(
        demo_server,
        mara,
        "hand-over",
        {
            "weapon": "W-0002",
            "to": "rosa-lind",
            "confirmations": [{"person": "rosa-lind", "pin": "3434"}],
        },
    )
    assert r.status_code == 422


def test_the_readme_handoff_walk_through_works(demo_server: Server) -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"### A handoff with curl\n\n```sh\n(.*?)```", readme, re.S)
    assert block, "README lost its curl walk-through"
    script = block.group(1).replace("http://127.0.0.1:8000", demo_server.url)
    result = subprocess.run(
        ["bash", "-e", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert "accepted" in lines[0]  # taken out
    assert "accepted" in lines[1], lines[1]  # inspected
    assert lines[2]["refused"][0]["rule"] == "R08"  # the 1st AD is refused
    assert lines[3]["accepted"][0]["type"] == "WeaponHandedOver"
    assert lines[4]["accepted"][0]["type"] == "WeaponTakenBack"
    assert lines[5]["tree_size"] > 0


def test_a_batch_takes_out_inspects_and_hands_over_in_one_transaction(
    demo_server: Server,
) -> None:
    from coldcheck.domain.mechanics import ActionType, inspection_checklist

    mara = token(demo_server, "mara")
    chambers = [{"position": f"chamber {i}", "found": "empty"} for i in range(1, 7)]
    inspect = {
        "weapon": "W-0002",
        "findings": chambers,
        "bore": "clear",
        "checklist": list(inspection_checklist(ActionType.DOUBLE_ACTION_REVOLVER)),
    }
    take_out = {"command": "take-out-of-storage", "body": {"weapon": "W-0002"}}
    with httpx.Client(base_url=demo_server.url, headers=auth(mara)) as client:
        ids = confirmations(
            client,
            BASE,
            "hand-over",
            {"weapon": "W-0002", "to": "rosa-lind"},
            ["rosa-lind", "dana-ortiz"],
            before=[take_out, {"command": "inspect-weapon", "body": inspect}],
        )
    handover = {"weapon": "W-0002", "to": "rosa-lind", "confirmations": ids}
    url = f"{demo_server.url}/api/v1/productions/dry-gulch/batch"
    before = httpx.get(f"{demo_server.url}/api/v1/ledger/head").json()["tree_size"]
    refused = httpx.post(
        url,
        json={
            "commands": [
                {"command": "take-out-of-storage", "body": {"weapon": "W-0002"}},
                {"command": "hand-over", "body": handover},
            ]
        },
        headers=auth(mara),
    )
    assert refused.status_code == 409
    assert refused.json()["refused"][0]["message"].startswith("R10: command 2 of 2")
    assert httpx.get(f"{demo_server.url}/api/v1/ledger/head").json()["tree_size"] == before
    ok = httpx.post(
        url,
        json={
            "commands": [
                {"command": "take-out-of-storage", "body": {"weapon": "W-0002"}},
                {"command": "inspect-weapon", "body": inspect},
                {"command": "hand-over", "body": handover},
            ]
        },
        headers=auth(mara),
    )
    assert ok.status_code == 200, ok.text
    assert [a["type"] for a in ok.json()["accepted"]] == [
        "WeaponTakenOut",
        "InspectionRecorded",
        "WeaponHandedOver",
    ]
    seqs = [a["seq"] for a in ok.json()["accepted"]]
    assert seqs == list(range(seqs[0], seqs[0] + 3))  # one transaction, contiguous
    # the head covers them and the commit record right after them (PIN checks come first:
    # they are security records of their own)
    assert ok.json()["head"]["tree_size"] == seqs[-1] + 2 > before
