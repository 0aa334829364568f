"""Who may do what: every API operation and every page, for every role and for outsiders.

Viewers: each demo role (armorer, assistant armorer, 1st AD, performer,
safety supervisor, producer), a crew member added for the test, a member of
*another* production (who created it through ``POST /api/v1/productions``
and has no role on dry-gulch), no session, and an expired session. The
expected outcome comes from the route's kind and, for commands, from
``coldcheck.service.permissions.COMMAND_ROLES``:

* public (health, the log's head, key, proofs, entries): anyone;
* account routes (``/me``, ``/productions``): anyone signed in;
* ``/productions/dry-gulch/...``: members only (404 for the other production's
  member, 401 without a live session); a command answers 403 exactly when the
  member's roles may never ask for it, else the rules decide (200 or 409);
* log entries' bytes only for members of the entry's production;
* pages: members see them, the other member gets 404, no session → sign in.

Runs in process (FastAPI's TestClient on the real app and a real SQLite
database): 700 requests in seconds rather than minutes.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.sql.account_store import SqlAccountTransactions
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import Role
from coldcheck.entrypoints.http import create_app
from coldcheck.service.account_model import SessionKind
from coldcheck.service.envelope import Channel
from coldcheck.service.permissions import COMMAND_ROLES, may_ask
from coldcheck.service.permissions import command_name as route_name
from tests.reliability.support import PASSWORD, add_user, fill, page_routes

ROLES = {
    "mara": {Role.ARMORER},
    "eli": {Role.ASSISTANT_ARMORER},
    "dana": {Role.FIRST_AD},
    "jack": {Role.PERFORMER},
    "priya": {Role.SAFETY_SUPERVISOR},
    "tom": {Role.PRODUCER},
    "cora": {Role.CREW},
}
OUTSIDERS = ("otto", "nobody", "expired")
COMMANDS = {
    f"/api/v1/productions/{{production}}/commands/{route_name(cls)}": cls for cls in COMMAND_ROLES
}
PUBLIC = {
    "/healthz",
    "/readyz",
    "/api/v1/ledger/head",
    "/api/v1/ledger/key",
    "/api/v1/ledger/checkpoint",
    "/api/v1/ledger/entries",
    "/api/v1/ledger/proof/inclusion",
    "/api/v1/ledger/proof/consistency",
}
SKIP = {"/api/v1/auth/token", "/api/v1/auth/logout"}  # tested in test_auth_hardening
QUERY = {
    "/api/v1/ledger/entries": {"start": 0, "end": 9},
    "/api/v1/ledger/proof/inclusion": {"index": 0},
    "/api/v1/ledger/proof/consistency": {"first": 1, "second": 2},
    "/api/v1/productions/{production}/timeline": {"ref": "W-0001"},
    "/api/v1/alerts/stream": {"production": "dry-gulch"},
}


@pytest.fixture(scope="module")
def world(
    demo_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[App, TestClient]]:
    data = tmp_path_factory.mktemp("acl") / "data"
    shutil.copytree(demo_data, data)
    add_user(data, "cora", "cora-pike", PASSWORD, "4321")
    add_user(data, "otto", "otto-berg", PASSWORD, "8765")
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    now = datetime.now(UTC)
    for cmd in (
        c.AddPerson(
            production=ProductionId("dry-gulch"),
            actor=PersonId("tom-reyes"),
            at=now,
            person=PersonId("cora-pike"),
            name="Cora Pike",
        ),
        c.AssignRole(
            production=ProductionId("dry-gulch"),
            actor=PersonId("tom-reyes"),
            at=now,
            person=PersonId("cora-pike"),
            role=Role.CREW,
        ),
    ):
        app.custody.execute(cmd, channel=Channel.web())
    try:
        with TestClient(create_app(app)) as client:
            yield app, client
    finally:
        app.close()


@pytest.fixture(scope="module")
def tokens(world: tuple[App, TestClient]) -> dict[str, str | None]:
    app, client = world
    out: dict[str, str | None] = {"nobody": None}
    for who in [*ROLES, "otto"]:
        r = client.post("/api/v1/auth/token", json={"login": who, "password": PASSWORD})
        out[who] = r.json()["token"]
    created = client.post(
        "/api/v1/productions",
        json={
            "id": "red-mesa",
            "title": "Red Mesa",
            "company": "",
            "location": "",
            "time_zone": "UTC",
        },
        headers={"Authorization": f"Bearer {out['otto']}"},
    )
    assert created.status_code == 201, created.text
    with SqlAccountTransactions(app.engine)() as store:
        user = store.user_by_login("mara")
        assert user is not None
        raw, _ = app.accounts.steps.open_session(
            store, user, SessionKind.API, datetime.now(UTC), ttl=timedelta(seconds=-1)
        )
    out["expired"] = raw
    return out


def _example(schema: dict[str, Any], spec: dict[str, Any], name: str = "") -> Any:
    """A small value that satisfies ``schema`` (the fields' own names pick plausible tags)."""
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        return _example(spec["components"]["schemas"][ref], spec, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], spec, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {
            k: _example(v, spec, k) for k, v in props.items() if k in schema.get("required", [])
        }
    if kind == "array":
        n = schema.get("minItems", 0)
        return [_example(schema.get("items", {}), spec, name) for _ in range(n)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return date.today().isoformat()
    if schema.get("format") == "date-time":
        return datetime.now(UTC).isoformat()
    guesses = {
        "weapon": "W-0001",
        "lot": "L-0001",
        "container": "C-0001",
        "person": "jack-hale",
        "to": "jack-hale",
        "scene": "41",
        "position": "chamber 1",
    }
    value = guesses.get(name, "x")
    if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
        value = "1234" if re.fullmatch(schema["pattern"], "1234") else value
    return value


BATCH = "/api/v1/productions/{production}/batch"
CHALLENGE = "/api/v1/productions/{production}/confirmations"
CONFIRM = "/api/v1/productions/{production}/confirmations/{challenge}"


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any] | None]]:
    spec = client.get("/openapi.json").json()
    report = _example(spec["components"]["schemas"]["FileSafetyReportBody"], spec)
    ops = []
    for path, item in sorted(spec["paths"].items()):
        for method, op in sorted(item.items()):
            if path in SKIP:
                continue
            body = None
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                body = _example(content["schema"], spec)
            if path == CHALLENGE:  # a challenge for a command only the armory may ask
                body = {
                    "command": "destroy-rounds",
                    "body": {"lot": "L-0001", "container": "C-0001", "count": 1},
                }
            if path == BATCH:  # a command anyone may ask, then one only the armory may
                body = {
                    "commands": [
                        {"command": "file-safety-report", "body": report},
                        {"command": "take-out-of-storage", "body": {"weapon": "W-0004"}},
                    ]
                }
            ops.append((method.upper(), path, body))
    return ops


PHOTO = "/api/v1/productions/{production}/weapons/{tag}/photo/{sha256}"
PHOTO_UPLOAD = "/api/v1/productions/{production}/weapons/{tag}/photos"


def _expected(who: str, path: str) -> set[int]:
    if path in PUBLIC:
        return {200}
    if who in ("nobody", "expired"):
        return {401}
    if "{production}" not in path and path != "/api/v1/alerts/stream":
        return {200, 201}
    if who == "otto":
        return {404}
    if path == CONFIRM:  # no such challenge: refused, and no PIN tried
        return {403}
    if path == CHALLENGE:
        return {201, 409} if may_ask(frozenset(ROLES[who]), c.DestroyRounds) else {403}
    if path == PHOTO:  # no photo "x" of W-0001 on the record: a member is told so
        return {404}
    if path == PHOTO_UPLOAD:  # the list (GET 200); a member's empty upload: no photo (415)
        return {200, 415}
    cls = c.TakeOutOfStorage if path == BATCH else COMMANDS.get(path)
    if cls is None:
        return {200}
    return {200, 409} if may_ask(frozenset(ROLES[who]), cls) else {403}


def test_every_api_operation_for_every_viewer(
    world: tuple[App, TestClient], tokens: dict[str, str | None]
) -> None:
    _, client = world
    ops = _operations(client)
    assert len(ops) >= len(COMMAND_ROLES) + 15
    wrong: list[str] = []
    outcome: Counter[str] = Counter()
    checked = 0
    for who in [*ROLES, *OUTSIDERS]:
        headers = {"Authorization": f"Bearer {tokens[who]}"} if tokens[who] else {}
        for method, path, body in ops:
            if path == "/api/v1/alerts/stream" and who in ROLES:
                continue  # an endless stream for members; covered by tests/integration
            url = fill(
                path, day=date.today().isoformat(), tag="L-0001" if "/lots/" in path else "W-0001"
            )
            if path == "/api/v1/productions" and method == "POST":
                body = {
                    "id": f"p-{who}",
                    "title": "T",
                    "company": "",
                    "location": "",
                    "time_zone": "UTC",
                }
            r = client.request(method, url, json=body, params=QUERY.get(path), headers=headers)
            checked += 1
            outcome[str(r.status_code)] += 1
            if r.status_code not in _expected(who, path):
                wrong.append(f"{who} {method} {url}: {r.status_code} {r.text[:160]}")
    assert not wrong, "\n".join(wrong[:30])
    print(
        f"\n[access api] operations={len(ops)} viewers={len(ROLES) + len(OUTSIDERS)}"
        f" requests={checked} outcomes={dict(sorted(outcome.items()))}"
    )


def test_log_entries_show_bytes_only_to_members_of_their_production(
    world: tuple[App, TestClient], tokens: dict[str, str | None]
) -> None:
    _, client = world
    size = client.get("/api/v1/ledger/head").json()["tree_size"]
    params = {"start": 0, "end": size - 1}

    def entries(who: str) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {tokens[who]}"} if tokens[who] else {}
        return client.get("/api/v1/ledger/entries", params=params, headers=headers).json()[
            "entries"
        ]

    import base64
    import json

    def productions_shown(who: str) -> set[str]:
        """The productions of the events whose bytes ``who`` is shown (records name none:
        commit records and subject indexes are the log's own, shown to all)."""
        shown = (json.loads(base64.b64decode(e["entry"])) for e in entries(who) if "entry" in e)
        return {f["production"] for f in shown if "record" not in f}

    mine = productions_shown("mara")
    assert "dry-gulch" in mine and "red-mesa" not in mine
    otto = productions_shown("otto")
    assert "red-mesa" in otto and "dry-gulch" not in otto
    for who in ("nobody", "expired"):
        assert productions_shown(who) == set()


def test_every_page_for_every_viewer(
    world: tuple[App, TestClient], tokens: dict[str, str | None]
) -> None:
    _, client = world
    gets = [path for method, path in page_routes() if method == "GET"]
    cookies: dict[str, str | None] = {}
    for who in [*ROLES, "otto"]:
        with TestClient(client.app) as c2:
            r = c2.post(
                "/signin", data={"login": who, "password": PASSWORD}, follow_redirects=False
            )
            cookies[who] = c2.cookies.get("coldcheck_session")
    cookies["nobody"] = None
    cookies["expired"] = tokens["expired"]  # an API token is no page session either
    wrong: list[str] = []
    checked = 0
    for who, cookie in cookies.items():
        for path in gets:
            url = fill(path)
            client.cookies.clear()
            if cookie:
                client.cookies.set("coldcheck_session", cookie)
            r = client.get(url, follow_redirects=False)
            checked += 1
            # the cart's certificate authority is public, like any CA (a tablet needs it first)
            anonymous = path.startswith("/report/") or path in ("/signin", "/tls/ca.crt")
            if anonymous:
                ok = r.status_code == 200
            elif who in ("nobody", "expired"):
                ok = r.status_code == 303 and r.headers["location"].startswith("/signin")
            elif who == "otto" and "{production}" in path:
                ok = r.status_code == 404
            else:
                ok = r.status_code in (200, 303) and r.status_code < 400
            if not ok:
                wrong.append(f"{who} GET {url}: {r.status_code}")
    client.cookies.clear()
    assert not wrong, "\n".join(wrong[:30])
    print(f"\n[access pages] pages={len(gets)} viewers={len(cookies)} requests={checked}")
