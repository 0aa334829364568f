"""Many clients race over the same few weapons and lots; custody stays single and counts add up.

Armorers (two devices each for Mara and Eli) take out, inspect, load
dummies, hand over (with the performer's and the 1st AD's PINs, or to the
other armorer with theirs), take back, unload and return W-0001 and W-0002,
and move dummy rounds of L-0002 between two containers — each deciding
from what it last read, so they constantly act on stale state. A performer
and the 1st AD keep reaching for the same weapons (R08 must refuse them).
Until the clients have made ``COLDCHECK_RACE_REQUESTS`` requests (default 600;
300 on PostgreSQL) and every kind of custody move has won at least twice: a
count and a condition, never a time, so a loaded machine only takes longer.

Afterwards, replaying the log: no weapon ever had two holders (every handoff
came from the holder, nothing was taken out while out or taken back from
nobody); every lot's counts add up (received = store + weapons + fired +
returned + destroyed, containers add up to the store, rounds in weapons add
up to what the weapons hold); no answer was a 5xx; ``coldcheck verify`` passes.
"""

from __future__ import annotations

import base64
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import run_cli
from tests.pg import fresh_pg_schema, pg_url_or_skip, schema_url
from tests.reliability.support import (
    Forked,
    Zygote,
    bearer,
    confirmed,
    inspect_body,
    login,
    zygote,
)

REQUESTS = int(os.environ.get("COLDCHECK_RACE_REQUESTS", "600"))
HANG = 900.0
"""Seconds after which a client still running is a hang (a failure), not a slow machine."""
P = "/api/v1/productions/dry-gulch"
WEAPONS = {
    "W-0001": ("single_action_revolver", "jack-hale"),
    "W-0002": ("double_action_revolver", "rosa-lind"),
}
ARMORERS = {"mara": "mara-voss", "eli": "eli-tran"}


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.accepted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.seqs: list[int] = []
        self.bad: list[str] = []
        self.requests = 0

    def keep_going(self) -> bool:
        """Until ``requests`` were made and every kind of custody move has won twice."""
        with self.lock:
            if sum(self.statuses.values()) < self.requests or self.bad:
                return not self.bad
            kinds = ("hand-over", "take-back", "move-rounds")
            return not all(self.accepted[k] >= 2 for k in kinds)

    def record(self, name: str, r: httpx.Response) -> None:
        with self.lock:
            self.statuses[r.status_code] += 1
            if r.status_code == 200:
                self.accepted[name] += 1
                self.seqs += [a["seq"] for a in r.json()["accepted"]]
            elif r.status_code == 409:
                for reason in r.json()["refused"]:
                    self.refused[reason["rule"]] += 1
            elif r.status_code != 403:
                self.bad.append(f"{name}: {r.status_code} {r.text[:300]}")


def _armorer(url: str, token: str, me: str, other: str, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, headers=bearer(token), timeout=60) as client:
        while tally.keep_going():
            if rng.random() < 0.2:
                lot = client.get(f"{P}/lots/L-0002").json()
                where = dict(lot["containers"])
                src, dst = ("C-0002", "C-0004") if rng.random() < 0.5 else ("C-0004", "C-0002")
                n = rng.randint(1, max(1, min(8, where.get(src, 0) + 2)))  # sometimes too many
                body: dict[str, Any] = {
                    "lot": "L-0002",
                    "from_container": src,
                    "to_container": dst,
                    "count": n,
                }
                tally.record("move-rounds", client.post(f"{P}/commands/move-rounds", json=body))
                continue
            tag = rng.choice(sorted(WEAPONS))
            action, performer = WEAPONS[tag]
            w = client.get(f"{P}/weapons/{tag}").json()
            loaded = [p for p, c in w["positions"] if c["state"] != "empty"]
            if w["location"] == "storage":
                name, body = "take-out-of-storage", {"weapon": tag}
            elif w["location"] == "performer":
                name, body = "take-back", {"weapon": tag}
                body = confirmed(client, name, body, w["holder"]) or body
            elif not w["inspection_valid"]:
                name, body = "inspect-weapon", inspect_body(tag, action, 6)
            else:
                choice = rng.random()
                if choice < 0.3:
                    name = "hand-over"
                    body = {"weapon": tag, "to": performer}
                    body = confirmed(client, name, body, performer, "dana-ortiz") or body
                elif choice < 0.45:
                    name = "hand-over"
                    body = {"weapon": tag, "to": other}
                    body = confirmed(client, name, body, other) or body
                elif choice < 0.65 and tag == "W-0001" and not loaded:
                    name = "load-weapon"
                    body = {
                        "weapon": tag,
                        "container": "C-0002",
                        "loads": [
                            {"position": f"chamber {i}", "lot": "L-0002"}
                            for i in range(1, rng.randint(2, 5))
                        ],
                        "hammer_over": "chamber 6",
                    }
                elif loaded:
                    name = "unload-weapon"
                    body = {
                        "weapon": tag,
                        "positions": loaded,
                        "disposition": "store",
                        "container": "C-0002",
                    }
                else:
                    name, body = "return-to-storage", {"weapon": tag}
            tally.record(name, client.post(f"{P}/commands/{name}", json=body))


def _interloper(url: str, token: str, me: str, tally: Tally, seed: int) -> None:
    """A performer or the 1st AD reaching for the weapons: R08 must refuse every time."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, headers=bearer(token), timeout=60) as client:
        while tally.keep_going():
            tag = rng.choice(sorted(WEAPONS))
            if rng.random() < 0.5:
                name, body = "take-back", {"weapon": tag}
            else:
                name, body = "hand-over", {"weapon": tag, "to": "sam-kee"}
                body = confirmed(client, name, body, "sam-kee", "dana-ortiz") or body
            r = client.post(f"{P}/commands/{name}", json=body)
            tally.record(f"{me}:{name}", r)
            if r.status_code == 200:
                with tally.lock:
                    tally.bad.append(f"{me} was allowed to {name} {tag}")
            time.sleep(0.05)


def _entries(url: str, token: str) -> list[dict[str, Any]]:
    size = httpx.get(f"{url}/api/v1/ledger/head").json()["tree_size"]
    out: list[dict[str, Any]] = []
    indexes: list[int] = []
    for start in range(0, size, 1000):
        page = httpx.get(
            f"{url}/api/v1/ledger/entries",
            params={"start": start, "end": min(size, start + 1000) - 1},
            headers=bearer(token),
        ).json()["entries"]
        indexes += [e["index"] for e in page]
        # the custody events (commit, index and security records are not events; the
        # security records' bytes are shown to nobody over the API)
        shown = [json.loads(base64.b64decode(e["entry"])) for e in page if "entry" in e]
        out += [f for f in shown if "type" in f and "record" not in f]
    assert indexes == list(range(size))
    assert [e["seq"] for e in out] == sorted(e["seq"] for e in out)
    return out


def _replay_holders(entries: list[dict[str, Any]], armorers: set[str]) -> dict[str, int]:
    """Walk every custody event; fail on any moment with two holders. Events per weapon."""
    holder: dict[str, str | None] = {}
    moves: Counter[str] = Counter()
    for e in entries:
        p, by, kind = e["payload"], e["by"], e["type"]
        w = p.get("weapon")
        if w not in WEAPONS:
            continue
        before = holder.get(w)
        where = f"entry {e['seq']} ({kind} of {w} by {by}, holder was {before})"
        if kind == "WeaponTakenOut":
            assert before is None, f"taken out while out: {where}"
            holder[w] = by
        elif kind == "WeaponHandedOver":
            assert before == by, f"handed over by someone not holding it: {where}"
            holder[w] = p["to"]
        elif kind == "WeaponTakenBack":
            assert before is not None and before not in armorers, f"taken back from nobody: {where}"
            assert p["from_person"] == before, where
            holder[w] = by
        elif kind == "WeaponReturnedToStorage":
            assert before in armorers, f"returned while a performer held it: {where}"
            holder[w] = None
        else:
            continue
        moves[w] += 1
    return dict(moves)


def _check_counts(url: str, token: str) -> None:
    lots = httpx.get(f"{url}{P}/lots", headers=bearer(token)).json()
    weapons = httpx.get(f"{url}{P}/weapons", headers=bearer(token)).json()
    in_weapons: Counter[str] = Counter(
        c["lot"] for w in weapons for _, c in w["positions"] if c["state"] != "empty"
    )
    for lot in lots:
        total = sum(lot[k] for k in ("in_store", "in_weapons", "fired", "returned", "destroyed"))
        assert lot["conserved"] and total == lot["received"], lot
        assert sum(n for _, n in lot["containers"]) == lot["in_store"], lot
        assert all(n >= 0 for _, n in lot["containers"]), lot
        assert lot["in_weapons"] == in_weapons[lot["lot"]], (lot, in_weapons)


def _race(z: Zygote, data: Path, env: dict[str, str], requests: int, label: str) -> None:
    server: Forked = z.serve(data, env)
    try:
        tokens = {who: login(server.url, who) for who in ("mara", "eli", "jack", "dana")}
        setup = httpx.post(
            f"{server.url}{P}/commands/create-container",
            json={"container": "C-0004", "label": "spare dummies"},
            headers=bearer(tokens["mara"]),
        )
        assert setup.status_code == 200, setup.text
        tally = Tally()
        tally.requests = requests
        threads = [
            threading.Thread(
                target=_armorer,
                args=(server.url, tokens[who], ARMORERS[who], ARMORERS[other], tally, i),
            )
            for i, (who, other) in enumerate([("mara", "eli"), ("eli", "mara")] * 2)
        ] + [
            threading.Thread(
                target=_interloper, args=(server.url, tokens[who], who, tally, 100 + i)
            )
            for i, who in enumerate(("jack", "dana"))
        ]
        for t in threads:
            t.start()
        started = time.monotonic()
        for t in threads:
            t.join(HANG)
        took = time.monotonic() - started
        assert not any(t.is_alive() for t in threads), f"a client hung for {HANG:.0f} s"
        assert not tally.bad, tally.bad[:5]
        assert len(tally.seqs) == len(set(tally.seqs)), "two commits were given the same seq"
        entries = _entries(server.url, tokens["mara"])
        moves = _replay_holders(entries, set(ARMORERS.values()))
        _check_counts(server.url, tokens["mara"])
    finally:
        z.kill(server.pid)
    verified = z.run("verify", "--json", data=data, env=env)
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"], verified.stdout
    requests = sum(tally.statuses.values())
    print(
        f"\n[races {label}] {len(threads)} clients for {took:.0f}s: requests={requests}"
        f" statuses={dict(sorted(tally.statuses.items()))}"
        f" accepted={dict(sorted(tally.accepted.items()))}"
        f" refused by rule={dict(sorted(tally.refused.items()))}"
        f" custody moves replayed={moves}"
    )
    assert (
        tally.accepted["hand-over"]
        and tally.accepted["take-back"]
        and tally.accepted["move-rounds"]
    )


@pytest.fixture(scope="module")
def z() -> Iterator[Zygote]:
    with zygote() as launcher:
        yield launcher


def test_races_sqlite(z: Zygote, demo_copy: Path) -> None:
    _race(z, demo_copy, {}, REQUESTS, "sqlite")


def test_races_postgresql(z: Zygote, tmp_path: Path) -> None:
    with fresh_pg_schema(pg_url_or_skip(), prefix="race") as engine:
        env = {"COLDCHECK_DATABASE_URL": schema_url(engine)}
        data = tmp_path / "pgdata"
        run_cli("init", data=data, env=env)
        run_cli("demo", data=data, env=env)
        _race(z, data, env, REQUESTS // 2, "postgresql")
