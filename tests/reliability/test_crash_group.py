"""SIGKILL the server while many clients' requests share group commits; lose nothing, half nothing.

Each round forks ``coldcheck serve`` (see zygote.py) on the same database and
``CLIENTS`` clients send, as fast as they are answered, requests of one to three
corrections (a batch when more than one), each correction carrying a reason no other
carries. Concurrent requests queue on the one writer and are committed in groups (one
transaction, one commit record, one signed head), so when the server is SIGKILLed —
once the round has had a random number of requests acknowledged, a count and never a
time — a group is almost always being decided, written or committed. While it is down:

* every acknowledged request is in the log with all its corrections at the positions
  it was given, and the head it was answered with is stored, root and signature alike;
* every request that was sent but never answered is in the log whole or not at all
  (never some of a batch's corrections without the others);
* ``coldcheck verify``'s checks pass (heads, subtree hashes, derived tables);
* over the test, requests were answered with a shared head: groups did form.

``COLDCHECK_GROUP_KILLS`` (default 8) and ``COLDCHECK_PG_GROUP_KILLS`` (default 4) set
the number of kills.
"""

from __future__ import annotations

import base64
import os
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from coldcheck.adapters.sql.engine import make_engine
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from tests.conftest import run_cli
from tests.pg import fresh_pg_schema, pg_url_or_skip, schema_url
from tests.reliability.support import Zygote, bearer, login, zygote

KILLS = int(os.environ.get("COLDCHECK_GROUP_KILLS", "8"))
PG_KILLS = int(os.environ.get("COLDCHECK_PG_GROUP_KILLS", "4"))
CLIENTS = 12
P = "/api/v1/productions/dry-gulch"


@dataclass
class Seen:
    """What the clients saw: acknowledged requests, and requests the kill cut off."""

    acked: list[tuple[list[str], dict[str, Any]]] = field(default_factory=list)
    unanswered: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    grew: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.grew = threading.Condition(self.lock)


def _client(url: str, token: str, name: str, seen: Seen, seed: int) -> None:
    """Send requests of 1-3 uniquely marked corrections until the server is gone."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, headers=bearer(token), timeout=60) as client:
        for n in range(10_000):
            marks = [f"{name}-n{n}-p{k}" for k in range(rng.randint(1, 3))]
            bodies = [{"corrects": 3, "reason": mark} for mark in marks]
            try:
                if len(bodies) == 1:
                    r = client.post(f"{P}/commands/correct", json=bodies[0])
                else:
                    items = [{"command": "correct", "body": b} for b in bodies]
                    r = client.post(f"{P}/batch", json={"commands": items})
            except httpx.TransportError:
                with seen.lock:
                    seen.unanswered.append(marks)
                return
            assert r.status_code == 200, f"{r.status_code} {r.text}"
            with seen.grew:
                seen.acked.append((marks, r.json()))
                seen.grew.notify_all()


def _stored(engine: Engine) -> tuple[dict[int, bytes], dict[int, tuple[bytes, bytes]]]:
    with engine.connect() as conn:
        entries = {
            int(i): bytes(e) for i, e in conn.execute(text("select idx, entry from ledger_entries"))
        }
        heads = {
            int(s): (bytes(r), bytes(sig))
            for s, r, sig in conn.execute(
                text("select tree_size, root_hash, signature from ledger_heads")
            )
        }
    return entries, heads


def _check(engine: Engine, seen: Seen) -> None:
    """Acknowledged: whole, where it was said to be; unanswered: whole or absent."""
    entries, heads = _stored(engine)
    assert sorted(entries) == list(range(len(entries))), "the log has a gap"
    found: Counter[str] = Counter()
    for entry in entries.values():
        if b'"reason":"' in entry:
            start = entry.index(b'"reason":"') + len(b'"reason":"')
            found[entry[start : entry.index(b'"', start)].decode()] += 1
    for marks, answer in seen.acked:
        items = answer["accepted"]
        assert len(items) == len(marks)
        for mark, item in zip(marks, items, strict=True):
            stored = entries.get(item["seq"])
            assert stored is not None, f"acknowledged entry {item['seq']} is missing"
            assert f'"reason":"{mark}"'.encode() in stored
        head = answer["head"]
        assert heads.get(head["tree_size"]) == (
            base64.b64decode(head["root_hash"]),
            base64.b64decode(head["signature"]),
        ), f"acknowledged head {head['tree_size']} is not the stored one"
    for marks in seen.unanswered:
        present = [found[m] for m in marks]
        assert present in ([0] * len(marks), [1] * len(marks)), (
            f"an unanswered request is half in the log: {dict(zip(marks, present, strict=True))}"
        )
    sent = [m for marks, _ in seen.acked for m in marks] + [m for ms in seen.unanswered for m in ms]
    assert all(found[m] <= 1 for m in sent), "a correction was written twice"


def _kill_rounds(z: Zygote, data: Path, env: dict[str, str], engine: Engine, kills: int) -> Seen:
    rng = random.Random(kills)
    seen = Seen()
    settings = Settings.from_env({"COLDCHECK_DATA": str(data), **env})
    app = build(settings)
    try:
        for round_ in range(kills):
            server = z.serve(data, env)
            token = login(server.url, "mara")
            threads = [
                threading.Thread(
                    target=_client,
                    args=(server.url, token, f"r{round_}-c{i}", seen, rng.random()),
                )
                for i in range(CLIENTS)
            ]
            target = len(seen.acked) + rng.randint(CLIENTS, 4 * CLIENTS)
            for t in threads:
                t.start()
            with seen.grew:
                while len(seen.acked) < target and any(t.is_alive() for t in threads):
                    seen.grew.wait(1.0)
            assert len(seen.acked) >= target, "the clients stopped before the server was killed"
            assert z.kill(server.pid) == -9, "the server ended before the kill"
            for t in threads:
                t.join(60)
            _check(engine, seen)
            outcome = app.audit.verify(None)
            assert outcome.ok, (outcome.ledger.summary, outcome.derived_problems[:5])
    finally:
        app.close()
    shared = Counter(answer["head"]["tree_size"] for _, answer in seen.acked)
    assert max(shared.values()) > 1, "no two requests ever shared a group commit"
    return seen


def test_sigkill_mid_group_sqlite_keeps_every_acknowledged_request_and_no_half(
    demo_copy: Path,
) -> None:
    engine = make_engine(f"sqlite:///{demo_copy / 'coldcheck.sqlite3'}")
    try:
        with zygote() as z:
            seen = _kill_rounds(z, demo_copy, {}, engine, KILLS)
    finally:
        engine.dispose()
    result = run_cli("verify", data=demo_copy)
    assert result.stdout.startswith("ledger OK")
    groups = len({a["head"]["tree_size"] for _, a in seen.acked})
    print(
        f"\n[group crash sqlite] kills={KILLS} acknowledged requests={len(seen.acked)}"
        f" in {groups} groups, unanswered={len(seen.unanswered)}"
    )


def test_sigkill_mid_group_postgresql_keeps_every_acknowledged_request_and_no_half(
    tmp_path: Path,
) -> None:
    url = pg_url_or_skip()
    with fresh_pg_schema(url, prefix="groupcrash") as engine:
        env = {"COLDCHECK_DATABASE_URL": schema_url(engine)}
        data = tmp_path / "pgdata"
        run_cli("init", data=data, env=env)
        run_cli("demo", data=data, env=env)
        with zygote() as z:
            seen = _kill_rounds(z, data, env, engine, PG_KILLS)
        result = run_cli("verify", data=data, env=env)
        assert result.stdout.startswith("ledger OK")
    groups = len({a["head"]["tree_size"] for _, a in seen.acked})
    print(
        f"\n[group crash postgresql] kills={PG_KILLS} acknowledged requests={len(seen.acked)}"
        f" in {groups} groups, unanswered={len(seen.unanswered)}"
    )
