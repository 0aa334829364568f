"""SIGKILL the server during a burst of commands: no acknowledged event is lost.

Each round starts a real ``coldcheck serve`` on the same SQLite database,
drives take-out / return-to-storage commands from a client, kills the
server with SIGKILL once a random number (1-8) of this round's commands were
acknowledged (a count, never a time), restarts it, and checks that every
command the client saw acknowledged is in the log at the position it was
given, and that the log's entries are contiguous and hash-consistent.
"""

from __future__ import annotations

import base64
import os
import random
import signal
import threading
from pathlib import Path

import httpx

from coldcheck.ledger.hashing import leaf_hash
from tests.conftest import start_server

ROUNDS = int(os.environ.get("COLDCHECK_KILL_ROUNDS", "5"))


def _burst(
    url: str,
    token: str,
    acked: list[tuple[int, str]],
    stop: threading.Event,
    grew: threading.Condition,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        while not stop.is_set():
            try:
                w = client.get("/api/v1/productions/dry-gulch/weapons/W-0005").json()
                name = "take-out-of-storage" if w["location"] == "storage" else "return-to-storage"
                r = client.post(
                    f"/api/v1/productions/dry-gulch/commands/{name}", json={"weapon": "W-0005"}
                )
            except (httpx.TransportError, ValueError, KeyError):
                return  # the server is gone
            if r.status_code == 200:
                with grew:
                    acked.extend((item["seq"], item["type"]) for item in r.json()["accepted"])
                    grew.notify_all()


def test_sigkill_during_a_burst_loses_no_acknowledged_event(demo_copy: Path) -> None:
    rng = random.Random(20211021)
    acked: list[tuple[int, str]] = []
    kills = 0
    for _ in range(ROUNDS):
        server = start_server(demo_copy)
        token = httpx.post(
            f"{server.url}/api/v1/auth/token",
            json={"login": "mara", "password": "dry-gulch-demo"},
        ).json()["token"]
        stop = threading.Event()
        grew = threading.Condition()
        target = len(acked) + rng.randint(1, 8)
        client = threading.Thread(target=_burst, args=(server.url, token, acked, stop, grew))
        client.start()
        with grew:
            while len(acked) < target and client.is_alive():
                grew.wait(1.0)
        assert len(acked) >= target, "the client stopped before the kill"
        server.kill(signal.SIGKILL)
        kills += 1
        stop.set()
        client.join(15)

    server = start_server(demo_copy)
    try:
        headers = {
            "Authorization": "Bearer "
            + httpx.post(
                f"{server.url}/api/v1/auth/token",
                json={"login": "mara", "password": "dry-gulch-demo"},
            ).json()["token"]
        }
        size = httpx.get(f"{server.url}/api/v1/ledger/head").json()["tree_size"]
        stored: dict[int, bytes] = {}
        indices: list[int] = []
        for start in range(0, size, 1000):
            page = httpx.get(
                f"{server.url}/api/v1/ledger/entries",
                params={"start": start, "end": min(size, start + 1000) - 1},
                headers=headers,
            ).json()["entries"]
            for e in page:
                indices.append(e["index"])
                if "entry" not in e:  # a security record: served to nobody
                    continue
                entry = base64.b64decode(e["entry"])
                assert base64.b64decode(e["leaf_hash"]) == leaf_hash(entry)
                stored[e["index"]] = entry
        assert indices == list(range(size))
        for seq, kind in acked:
            assert seq in stored, f"acknowledged event {seq} ({kind}) is missing after SIGKILL"
            assert f'"type":"{kind}"'.encode() in stored[seq]
        print(f"\nkills={kills} acknowledged={len(acked)} log size={size}")
        assert kills == ROUNDS and acked
    finally:
        server.stop()
