"""SIGKILL the real server at random moments while clients drive commands; lose nothing.

Each round forks ``coldcheck serve`` (see zygote.py) on the same database,
two clients drive a cycle of custody commands (take out, inspect, hand over
with confirmations, take back, return; and moving dummy rounds between containers),
and the server is SIGKILLed once the clients have had a random number (1-6) of
commands acknowledged in that round, whatever the other client's request is
doing at that instant (a count, never a time: a loaded machine only makes the
suite slower). While it is down:

* every command a client saw acknowledged (HTTP 200) is in the log, at the
  seq it was given, with its type, and the signed head the client received
  is the stored head for that tree size (same root, same signature): what
  was acknowledged is exactly what is stored;
* nothing is half-present: ``coldcheck verify`` passes — the newest signed
  head covers exactly the stored entries, every subtree hash and head
  checks, and the event index, read tables and snapshots equal a replay.

``COLDCHECK_KILLS`` (default 50) and ``COLDCHECK_PG_KILLS`` (default 10)
set the number of kills.
"""

from __future__ import annotations

import base64
import json
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from coldcheck.adapters.sql.engine import make_engine
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from tests.conftest import run_cli
from tests.pg import fresh_pg_schema, pg_url_or_skip, schema_url
from tests.reliability.support import (
    Zygote,
    bearer,
    confirmed,
    inspect_body,
    login,
    zygote,
)

KILLS = int(os.environ.get("COLDCHECK_KILLS", "50"))
PG_KILLS = int(os.environ.get("COLDCHECK_PG_KILLS", "10"))
P = "/api/v1/productions/dry-gulch"


@dataclass
class Ledger:
    """What the clients saw: acknowledged commands and requests cut off by the kill."""

    acked: list[dict[str, Any]] = field(default_factory=list)
    cut_off: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    grew: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.grew = threading.Condition(self.lock)

    def wait_for_acks(self, count: int, alive: Callable[[], bool]) -> None:
        """Block until ``count`` commands in all were acknowledged (or no client is left)."""
        with self.grew:
            while len(self.acked) < count and alive():
                self.grew.wait(1.0)
            assert len(self.acked) >= count, "the clients stopped before the server was killed"


def _post(client: httpx.Client, name: str, body: dict[str, Any], seen: Ledger) -> bool:
    """One command; False once the server is gone."""
    try:
        r = client.post(f"{P}/commands/{name}", json=body)
    except httpx.TransportError:
        with seen.lock:
            seen.cut_off += 1
        return False
    if r.status_code == 200:
        with seen.grew:
            seen.acked.append(r.json())
            seen.grew.notify_all()
    else:
        assert r.status_code in (403, 409), f"{name}: {r.status_code} {r.text}"
    return True


def _weapon_cycle(client: httpx.Client, stop: threading.Event, seen: Ledger) -> None:
    """W-0002 round and round: out, inspect, to Rosa (confirmed), back (confirmed), storage."""
    while not stop.is_set():
        try:
            w = client.get(f"{P}/weapons/W-0002").json()
            if w["location"] == "storage":
                step = ("take-out-of-storage", {"weapon": "W-0002"})
            elif w["location"] == "performer":
                back = confirmed(client, "take-back", {"weapon": "W-0002"}, "rosa-lind")
                step = ("take-back", back or {"weapon": "W-0002"})
            elif not w["inspection_valid"]:
                step = ("inspect-weapon", inspect_body("W-0002"))
            elif random.random() < 0.5:
                body = {"weapon": "W-0002", "to": "rosa-lind"}
                step = (
                    "hand-over",
                    confirmed(client, "hand-over", body, "rosa-lind", "dana-ortiz") or body,
                )
            else:
                step = ("return-to-storage", {"weapon": "W-0002"})
        except (httpx.TransportError, ValueError):
            with seen.lock:
                seen.cut_off += 1
            return
        if not _post(client, *step, seen):
            return


def _rounds_cycle(client: httpx.Client, stop: threading.Event, seen: Ledger) -> None:
    """Dummy rounds of L-0002 back and forth between C-0002 and C-0004."""
    while not stop.is_set():
        try:
            lot = client.get(f"{P}/lots/L-0002").json()
        except (httpx.TransportError, ValueError):
            return
        where = dict(lot["containers"])
        src, dst = ("C-0002", "C-0004") if where.get("C-0002", 0) > 5 else ("C-0004", "C-0002")
        count = random.randint(1, 5)
        body = {"lot": "L-0002", "from_container": src, "to_container": dst, "count": count}
        if not _post(client, "move-rounds", body, seen):
            return


def _any_alive(threads: list[threading.Thread]) -> bool:
    return any(t.is_alive() for t in threads)


def _check_store(engine: Engine, seen: Ledger) -> int:
    """Every acknowledged event is stored as acknowledged; returns the log size."""
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
    assert sorted(entries) == list(range(len(entries))), "the log has a gap"
    for ack in seen.acked:
        for item in ack["accepted"]:
            stored = entries.get(item["seq"])
            assert stored is not None, f"acknowledged entry {item['seq']} is missing"
            assert json.loads(stored)["type"] == item["type"]
        head = ack["head"]
        got = heads.get(head["tree_size"])
        assert got is not None, f"acknowledged head {head['tree_size']} is missing"
        assert got == (base64.b64decode(head["root_hash"]), base64.b64decode(head["signature"]))
    return len(entries)


def _kill_rounds(
    z: Zygote,
    data: Path,
    env: dict[str, str],
    engine: Engine,
    kills: int,
    seed: int,
) -> tuple[Ledger, int, float]:
    rng = random.Random(seed)
    seen = Ledger()
    server = z.serve(data, env)
    token = login(server.url, "mara")
    setup = httpx.post(
        f"{server.url}{P}/commands/create-container",
        json={"container": "C-0004", "label": "spare dummies"},
        headers=bearer(token),
    )
    assert setup.status_code == 200, setup.text
    z.kill(server.pid)
    started = time.monotonic()
    size = 0
    spawned = z.spawn(data, env)
    settings = Settings.from_env({"COLDCHECK_DATA": str(data), **env})
    app = build(settings)
    try:
        for round_ in range(1, kills + 1):
            server = z.ready(spawned)
            stop = threading.Event()
            clients = [
                httpx.Client(base_url=server.url, headers=bearer(token), timeout=30)
                for _ in range(2)
            ]
            workers: list[Callable[[httpx.Client, threading.Event, Ledger], None]] = [
                _weapon_cycle,
                _rounds_cycle,
            ]
            threads = [
                threading.Thread(target=work, args=(client, stop, seen))
                for work, client in zip(workers, clients, strict=True)
            ]
            # Kill once this round has had its 1-6 acknowledged commands: a count, not a
            # time, so a loaded machine only makes the round slower. The other client's
            # request is then anywhere in flight.
            target = len(seen.acked) + rng.randint(1, 6)
            for t in threads:
                t.start()
            seen.wait_for_acks(target, partial(_any_alive, threads))
            status = z.kill(server.pid)
            assert status == -9, f"the server ended with {status} before the kill"
            stop.set()
            for t in threads:
                t.join(30)
            for client in clients:
                client.close()
            # Checked while the next server starts up (it writes nothing until asked).
            spawned = z.spawn(data, env) if round_ < kills else None
            size = _check_store(engine, seen)
            outcome = app.audit.verify(None)
            assert outcome.ok, (outcome.ledger.summary, outcome.derived_problems[:5])
            if round_ % 10 == 0:  # the command line itself, every tenth round
                verified = z.run("verify", "--json", data=data, env=env)
                report = json.loads(verified.stdout or "{}")
                assert verified.returncode == 0 and report.get("ok"), (
                    f"coldcheck verify after kill: {verified.stdout}\n{verified.stderr}"
                )
    finally:
        app.close()
    return seen, size, time.monotonic() - started


def _final_checks(data: Path, env: dict[str, str], size: int) -> None:
    """The unforked console script agrees, and a fresh server serves the same head."""
    result = run_cli("verify", data=data, env=env)
    assert result.stdout.startswith(f"ledger OK: {size} entries")


def test_sigkill_sqlite_loses_nothing_acknowledged(demo_copy: Path) -> None:
    engine = make_engine(f"sqlite:///{demo_copy / 'coldcheck.sqlite3'}")
    try:
        with zygote() as z:
            seen, size, took = _kill_rounds(z, demo_copy, {}, engine, KILLS, 20211021)
    finally:
        engine.dispose()
    _final_checks(demo_copy, {}, size)
    events = sum(len(a["accepted"]) for a in seen.acked)
    print(
        f"\n[crash sqlite] kills={KILLS} acknowledged commands={len(seen.acked)}"
        f" events={events} cut off by the kill={seen.cut_off} log size={size}"
        f" time={took:.0f}s"
    )
    assert len(seen.acked) >= KILLS, "the clients hardly got anything done"


def test_sigkill_postgresql_loses_nothing_acknowledged(tmp_path: Path) -> None:
    url = pg_url_or_skip()
    with fresh_pg_schema(url, prefix="crash") as engine:
        env = {"COLDCHECK_DATABASE_URL": schema_url(engine)}
        data = tmp_path / "pgdata"
        run_cli("init", data=data, env=env)
        run_cli("demo", data=data, env=env)
        with zygote() as z:
            seen, size, took = _kill_rounds(z, data, env, engine, PG_KILLS, 1993)
        _final_checks(data, env, size)
    events = sum(len(a["accepted"]) for a in seen.acked)
    print(
        f"\n[crash postgresql] kills={PG_KILLS} acknowledged commands={len(seen.acked)}"
        f" events={events} cut off by the kill={seen.cut_off} log size={size}"
        f" time={took:.0f}s"
    )
    assert len(seen.acked) >= PG_KILLS
