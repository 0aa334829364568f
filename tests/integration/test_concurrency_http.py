"""Real concurrent requests against a real server: one handoff wins, the rest are refused.

Run against SQLite (the cart) and PostgreSQL (a studio server).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.confirming import confirmations
from tests.conftest import Server, run_cli, start_server
from tests.pg import fresh_pg_schema, pg_url_or_skip, schema_url

PASSWORD = "dry-gulch-demo"
BASE = "/api/v1/productions/dry-gulch"
DA_CHAMBERS = [{"position": f"chamber {i}", "found": "empty"} for i in range(1, 7)]


def token(server: Server, login: str) -> str:
    r = httpx.post(f"{server.url}/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    r.raise_for_status()
    return str(r.json()["token"])


def command(server: Server, tok: str, name: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/productions/dry-gulch/commands/{name}",
        json=body,
        headers={"Authorization": f"Bearer {tok}"},
        timeout=60,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, demo_copy: Path, tmp_path: Path) -> Iterator[Server]:
    if request.param == "sqlite":
        s = start_server(demo_copy)
        try:
            yield s
        finally:
            s.stop()
        return
    with fresh_pg_schema(pg_url_or_skip(), prefix="http") as engine:
        env = {"COLDCHECK_DATABASE_URL": schema_url(engine)}
        data = tmp_path / "pgdata"
        run_cli("init", data=data, env=env)
        run_cli("demo", data=data, env=env)
        s = start_server(data, env=env)
        try:
            yield s
        finally:
            s.stop()


def test_concurrent_handoffs_of_one_weapon_issue_it_once(server: Server) -> None:
    mara = token(server, "mara")
    assert command(server, mara, "take-out-of-storage", {"weapon": "W-0002"}).status_code == 200
    inspected = command(
        server,
        mara,
        "inspect-weapon",
        {
            "weapon": "W-0002",
            "findings": DA_CHAMBERS,
            "bore": "clear",
            "checklist": _checklist(server, mara),
        },
    )
    assert inspected.status_code == 200, inspected.text
    handover = {"weapon": "W-0002", "to": "rosa-lind"}
    # Six devices of the armorer holding it (only she may hand it over: one holder).
    devices = [mara, *(token(server, "mara") for _ in range(5))]
    # Each device asks for its own challenge and has it confirmed before the race: a
    # confirmation is bound to one asker's command and used once.
    bodies = []
    for tok in devices:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tok}"}, timeout=60
        ) as client:
            ids = confirmations(client, BASE, "hand-over", handover, ["rosa-lind", "dana-ortiz"])
        bodies.append({**handover, "confirmations": ids})
    statuses: list[int] = []
    barrier = threading.Barrier(len(devices))

    def device(tok: str, body: dict[str, object]) -> None:
        barrier.wait()
        statuses.append(command(server, tok, "hand-over", body).status_code)

    threads = [
        threading.Thread(target=device, args=(t, b)) for t, b in zip(devices, bodies, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    # One handoff is recorded; every other is refused — by the rules (it is held now, 409)
    # or because its confirmation no longer matches the weapon it was given for (403).
    assert sorted(statuses)[0] == 200 and len(statuses) == len(devices)
    assert all(code in (403, 409) for code in sorted(statuses)[1:]), statuses
    timeline = httpx.get(
        f"{server.url}/api/v1/productions/dry-gulch/timeline?ref={quote('W-0002')}&limit=1000",
        headers={"Authorization": f"Bearer {mara}"},
    ).json()
    handovers = [e for e in timeline if e["type"] == "WeaponHandedOver"]
    assert len(handovers) == 2  # yesterday's, in the demo history, and this one
    weapon = httpx.get(
        f"{server.url}/api/v1/productions/dry-gulch/weapons/W-0002",
        headers={"Authorization": f"Bearer {mara}"},
    ).json()
    assert weapon["holder"] == "rosa-lind"


def _checklist(server: Server, tok: str) -> list[str]:
    from coldcheck.domain.mechanics import ActionType, inspection_checklist

    return list(inspection_checklist(ActionType.DOUBLE_ACTION_REVOLVER))
