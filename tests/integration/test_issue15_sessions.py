"""An open alert stream ends with its member's session or role; a cookie sign-out ends the
session (issue 15, finding 7)."""

from __future__ import annotations

import threading

import httpx

from tests.conftest import Server

PASSWORD = "dry-gulch-demo"
STREAM = "/api/v1/alerts/stream?production=dry-gulch"


def _token(server: Server, login: str) -> str:
    r = httpx.post(f"{server.url}/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def _auth(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def _listen(server: Server, headers: dict[str, str]) -> tuple[threading.Event, list[str]]:
    """Open a stream in a thread; the events it gets (kinds) until the first data line."""
    connected = threading.Event()
    kinds: list[str] = []

    def listen() -> None:
        with httpx.stream("GET", server.url + STREAM, headers=headers, timeout=20) as stream:
            for line in stream.iter_lines():
                if line.startswith(": connected"):
                    connected.set()
                elif line.startswith("event: "):
                    kinds.append(line[7:])
                    if line[7:] != "ping":
                        return

    threading.Thread(target=listen, daemon=True).start()
    return connected, kinds


def _stop_work(server: Server, tok: str) -> None:
    r = httpx.post(
        f"{server.url}/api/v1/productions/dry-gulch/commands/stop-work",
        json={"reason": "a stranger near the cart"},
        headers=_auth(tok),
        timeout=30,
    )
    assert r.status_code == 200, r.text


def _wait_for(kinds: list[str], seconds: float = 15) -> list[str]:
    done = threading.Event()
    for _ in range(int(seconds * 10)):
        if any(k != "ping" for k in kinds):
            break
        done.wait(0.1)
    return [k for k in kinds if k != "ping"]


def test_a_stream_whose_member_lost_their_role_gets_no_more_alerts(
    demo_server: Server,
) -> None:
    jack, tom, mara = (_token(demo_server, n) for n in ("jack", "tom", "mara"))
    connected, kinds = _listen(demo_server, _auth(jack))
    assert connected.wait(10)
    r = httpx.post(
        f"{demo_server.url}/api/v1/productions/dry-gulch/commands/end-role",
        json={"person": "jack-hale", "role": "performer"},
        headers=_auth(tom),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    _stop_work(demo_server, mara)
    assert _wait_for(kinds) == ["session_ended"]


def test_a_stream_whose_member_signed_out_gets_no_more_alerts(demo_server: Server) -> None:
    dana, mara = _token(demo_server, "dana"), _token(demo_server, "mara")
    connected, kinds = _listen(demo_server, _auth(dana))
    assert connected.wait(10)
    r = httpx.post(f"{demo_server.url}/api/v1/auth/logout", headers=_auth(dana))
    assert r.json() == {"revoked": True}
    _stop_work(demo_server, mara)
    assert _wait_for(kinds) == ["session_ended"]


def test_signing_out_through_the_api_with_a_cookie_session_ends_it(demo_server: Server) -> None:
    with httpx.Client(base_url=demo_server.url) as client:
        r = client.post("/signin", data={"login": "priya", "password": PASSWORD})
        assert r.status_code == 303
        assert client.get("/api/v1/me").status_code == 200
        r = client.post("/api/v1/auth/logout")
        assert r.status_code == 200 and r.json() == {"revoked": True}
        assert client.get("/api/v1/me").status_code == 401
