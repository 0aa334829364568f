"""The measurements of issue 9, one function per group of figures."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bench import history, world
from bench.common import (
    COLDCHECK,
    Figure,
    Server,
    median,
    pct,
    raw_sqlite_commit_rate,
    token,
)
from coldcheck.adapters import argon2 as acc
from coldcheck.adapters.argon2 import Argon2Hasher

API = "/api/v1/productions/{p}/commands/{name}"


# -- 1. issue through the service, durable, vs a raw synchronous=FULL commit -----------


def service_issue(tmp: Path, quick: bool) -> list[Figure]:
    n = 5 if quick else 120
    spec = world.Spec(weapons=40, performers=40, armorers=2)
    settings = world.make_data(tmp / "svc")
    app = world.open_app(settings, fast=True)
    world.populate(app, spec)
    app.close()
    app = world.open_app(settings)  # synchronous=FULL, as served
    p, arm = spec.production, world.armorer(0)
    app.custody.state(p)
    issue_times: list[float] = []
    command_times: list[float] = []
    for k in range(2 * n + 10):
        i = k % spec.weapons
        batched = k % 2 == 0
        t0 = time.perf_counter()
        if batched:  # the cart's way: one transaction, as POST /batch does
            app.custody.execute_batch(world.issue_commands(p, i, arm, world.performer(i)))
        else:
            for command in world.issue_commands(p, i, arm, world.performer(i)):
                t = time.perf_counter()
                app.custody.execute(command)
                command_times.append(time.perf_counter() - t)
        if k >= 10 and batched:
            issue_times.append(time.perf_counter() - t0)
        for command in world.return_commands(p, i, arm):
            app.custody.execute(command)
    app.close()
    rate = len(issue_times) / sum(issue_times)
    base = raw_sqlite_commit_rate(tmp / "raw.sqlite3", 300 if quick else 2000)
    return [
        Figure(
            "issue, service path (SQLite, durable)",
            rate,
            "issues/s",
            base,
            rate / base,
            ">= 0.3x",
            rate / base >= 0.3,
            "take out + inspect + hand over in one transaction (POST /batch); baseline: "
            "raw sqlite3 WAL+synchronous=FULL single-row commits/s",
        ),
        Figure(
            "  one command, service path p50",
            median(command_times) * 1000,
            "ms",
            1000 / base,
            median(command_times) * 1000 / (1000 / base),
            "",
            None,
            "baseline: one raw commit (ms)",
        ),
    ]


def argon2_cost(quick: bool) -> list[Figure]:
    """The cost of one password hash/verify and of one PIN verify, as shipped."""

    def timed(hasher: Argon2Hasher) -> tuple[float, float]:
        samples, vsamples = [], []
        for _ in range(3 if quick else 7):
            t = time.perf_counter()
            h = hasher.hash("2468")
            samples.append(time.perf_counter() - t)
            t = time.perf_counter()
            hasher.verify(h, "2468")
            vsamples.append(time.perf_counter() - t)
        return median(samples) * 1000, median(vsamples) * 1000

    pw_hash, pw_verify = timed(Argon2Hasher())
    _, pin_verify = timed(Argon2Hasher.for_pins())
    params = (
        f"t={acc.ARGON2_TIME_COST}, m={acc.ARGON2_MEMORY_COST_KIB // 1024} MiB,"
        f" p={acc.ARGON2_PARALLELISM}"
    )
    pin_params = (
        f"t={acc.PIN_ARGON2_TIME_COST}, m={acc.PIN_ARGON2_MEMORY_COST_KIB // 1024} MiB, p=1"
    )
    return [
        Figure(f"argon2id password hash ({params})", pw_hash, "ms", note="sign-in"),
        Figure(f"argon2id password verify ({params})", pw_verify, "ms"),
        Figure(
            f"argon2id PIN verify ({pin_params})",
            pin_verify,
            "ms",
            note="a handoff verifies 2 PINs (performer, 1st AD); the lockout after five"
            " wrong PINs is what protects a 4-8 digit PIN",
        ),
    ]


# -- helpers for the HTTP figures ------------------------------------------------


def http_world(tmp: Path, name: str, spec: world.Spec, *, real_argon2: bool = False) -> Path:
    settings = world.make_data(tmp / name)
    if real_argon2:  # as shipped: strong parameters for passwords, the PIN ones for PINs
        app = world.open_app(
            settings,
            world.CachedHasher(Argon2Hasher()),
            pin_hasher=world.CachedHasher(Argon2Hasher.for_pins()),
            fast=True,
        )
    else:
        app = world.open_app(settings, Argon2Hasher.cheap(), fast=True)
    world.populate(app, spec)
    app.close()
    return settings.data_dir


def post(client: httpx.Client, url: str, p: str, name: str, body: dict[str, Any]) -> float:
    t = time.perf_counter()
    r = client.post(url + API.format(p=p, name=name), json=body)
    dt = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"{name}: {r.status_code} {r.text[:300]}")
    return dt


def http_issue(client: httpx.Client, url: str, p: str, i: int, to: str) -> list[float]:
    """One issue: take out, inspect and hand over in one POST /batch (as the cart does)."""
    pins = [{"person": to, "pin": world.PIN}, {"person": world.AD, "pin": world.PIN}]
    body = {
        "commands": [
            {"command": "take-out-of-storage", "body": {"weapon": world.weapon(i)}},
            {"command": "inspect-weapon", "body": world.inspect_json(i)},
            {
                "command": "hand-over",
                "body": {"weapon": world.weapon(i), "to": to, "confirmations": pins},
            },
        ]
    }
    t = time.perf_counter()
    r = client.post(url + f"/api/v1/productions/{p}/batch", json=body)
    dt = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"batch issue: {r.status_code} {r.text[:300]}")
    return [dt]


def http_return(client: httpx.Client, url: str, p: str, i: int) -> None:
    post(client, url, p, "take-back", {"weapon": world.weapon(i)})
    post(client, url, p, "inspect-weapon", world.inspect_json(i))
    post(client, url, p, "return-to-storage", {"weapon": world.weapon(i)})


def run_threads(n: int, work: Callable[[int], None]) -> float:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n + 1)

    def target(k: int) -> None:
        barrier.wait()
        try:
            work(k)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first: {errors[0]}")
    return elapsed


def tokens_for(url: str, logins: list[str]) -> dict[str, str]:
    with httpx.Client(timeout=30) as client:
        return {login: token(client, url, login, world.PASSWORD) for login in set(logins)}


# -- 2. the same through HTTP, 20 concurrent clients --


def http_concurrent(tmp: Path, quick: bool) -> list[Figure]:
    clients, rounds = 20, (1 if quick else 10)
    spec = world.Spec(weapons=clients, performers=clients, armorers=4)
    data = http_world(tmp, "http20", spec)
    issue_lat: list[float] = []
    req_lat: list[float] = []
    lock = threading.Lock()
    with Server(data, cheap_argon2=True) as server:
        logins = [f"armorer{k % spec.armorers:02d}" for k in range(clients)]
        toks = tokens_for(server.url, logins)

        def work(k: int) -> None:
            headers = {"Authorization": f"Bearer {toks[logins[k]]}"}
            with httpx.Client(headers=headers, timeout=60) as client:
                for _ in range(rounds):
                    t = time.perf_counter()
                    steps = http_issue(client, server.url, spec.production, k, world.performer(k))
                    dt = time.perf_counter() - t
                    with lock:
                        issue_lat.append(dt)
                        req_lat.extend(steps)
                    http_return(client, server.url, spec.production, k)

        run_threads(clients, work)
    p50, p99 = pct(issue_lat, 50) * 1000, pct(issue_lat, 99) * 1000
    note = (
        f"{len(issue_lat)} issues (one POST /batch each), closed loop, no think time; "
        "argon2 cheap (PINs still checked)"
    )
    return [
        Figure(
            "issue via HTTP, 20 clients, p50",
            p50,
            "ms",
            target="<= 10 ms",
            met=p50 <= 10,
            note=note,
        ),
        Figure("issue via HTTP, 20 clients, p99", p99, "ms", target="<= 50 ms", met=p99 <= 50),
        Figure("  one request, 20 clients, p50", pct(req_lat, 50) * 1000, "ms"),
    ]


# -- 3. call-time burst ------------------------------------------------


def burst(tmp: Path, quick: bool, *, real_argon2: bool) -> list[Figure]:
    n, armorers = (20, 4) if quick else (200, 4)
    spec = world.Spec(weapons=n, performers=n, armorers=armorers)
    data = http_world(tmp, f"burst-{real_argon2}", spec, real_argon2=real_argon2)
    with Server(data, cheap_argon2=not real_argon2) as server:
        logins = [f"armorer{k:02d}" for k in range(armorers)]
        toks = tokens_for(server.url, logins)

        def work(k: int) -> None:
            headers = {"Authorization": f"Bearer {toks[logins[k]]}"}
            with httpx.Client(headers=headers, timeout=120) as client:
                for i in range(k, n, armorers):
                    http_issue(client, server.url, spec.production, i, world.performer(i))

        elapsed = run_threads(armorers, work)
    label = "argon2id as shipped" if real_argon2 else "argon2 left out"
    return [
        Figure(
            f"burst: {n} performers, {armorers} armorers ({label})",
            elapsed,
            "s",
            target="< 20 s" if not quick else "< 20 s (at 200)",
            met=elapsed < 20 * (n / 200),
            note=f"{n} issues through HTTP, 2 PIN checks each"
            + ("" if real_argon2 else " (cheap hashes)"),
        )
    ]


# -- 4. board page with 500 weapons ------------------------------------------------


def board_samples(url: str, p: str, tok: str, n: int, expect: str) -> list[float]:
    out = []
    with httpx.Client(headers={"Authorization": f"Bearer {tok}"}, timeout=60) as client:
        for k in range(n + 3):
            t = time.perf_counter()
            r = client.get(f"{url}/p/{p}/board")
            dt = time.perf_counter() - t
            if r.status_code != 200 or expect not in r.text:
                raise RuntimeError(f"board: {r.status_code} {r.text[:200]}")
            if k >= 3:
                out.append(dt)
    return out


def board_500(tmp: Path, quick: bool) -> list[Figure]:
    spec = world.Spec(weapons=500, performers=10, armorers=2)
    data = http_world(tmp, "board", spec)
    with Server(data, cheap_argon2=True) as server:
        tok = tokens_for(server.url, ["producer"])["producer"]
        samples = board_samples(server.url, spec.production, tok, 10 if quick else 60, "W-0500")
    p50 = median(samples) * 1000
    return [
        Figure(
            "board page, 500 weapons, p50",
            p50,
            "ms",
            target="<= 50 ms",
            met=p50 <= 50,
            note="sequential GETs on localhost (server time + ~1 ms HTTP)",
        )
    ]


# -- 5. history growth ------------------------------------------------


def history_db(
    tmp: Path, name: str, spec: history.HistorySpec
) -> tuple[Path, dict[str, Any], float]:
    settings = world.make_data(tmp / name)
    app = world.open_app(settings)
    t = time.perf_counter()
    info = history.build_sqlite(
        settings.data_dir / "coldcheck.sqlite3", app.engine, spec, app.signing_key
    )
    built = time.perf_counter() - t
    # accounts for the template production's people (cheap hashes, see common.CHEAP_SERVE)
    world.create_accounts(
        app, world.Spec(weapons=spec.weapons, performers=spec.performers, armorers=2)
    )
    app.close()
    return settings.data_dir, info, built


def growth_samples(
    data: Path, spec: history.HistorySpec, n: int
) -> tuple[list[float], list[float], float]:
    p = history.TEMPLATE
    with Server(data, cheap_argon2=True) as server:
        toks = tokens_for(server.url, ["armorer00", "producer"])
        headers = {"Authorization": f"Bearer {toks['armorer00']}"}
        with httpx.Client(headers=headers, timeout=120) as client:
            t = time.perf_counter()
            post(client, server.url, p, "unlock-armory", {})
            first = time.perf_counter() - t  # includes loading the state after start
            issues = []
            for k in range(n + 2):
                i = k % spec.weapons
                t = time.perf_counter()
                http_issue(client, server.url, p, i, world.performer(i % spec.performers))
                if k >= 2:
                    issues.append(time.perf_counter() - t)
                http_return(client, server.url, p, i)
        boards = board_samples(server.url, p, toks["producer"], n, "W-0001")
    return issues, boards, first


def growth(tmp: Path, quick: bool) -> tuple[list[Figure], Path]:
    small_spec = history.HistorySpec(productions=1, days=12)
    big_spec = (
        history.HistorySpec(productions=3, days=12)
        if quick
        else history.HistorySpec(productions=100, days=128)
    )
    n = 3 if quick else 30
    small, small_info, _ = history_db(tmp, "hist-small", small_spec)
    big, big_info, built = history_db(tmp, "hist-big", big_spec)
    s_issue, s_board, _ = growth_samples(small, small_spec, n)
    b_issue, b_board, first = growth_samples(big, big_spec, n)
    si, bi = median(s_issue) * 1000, median(b_issue) * 1000
    sb, bb = median(s_board) * 1000, median(b_board) * 1000
    ev = big_info["events"]
    size_mb = (big / "coldcheck.sqlite3").stat().st_size / 1e6
    note = (
        f"{ev:,} events in {big_info['productions']} productions "
        f"({big_info['per_production']:,} each, {size_mb:.0f} MB) vs {small_info['events']:,}; "
        f"built in {built:.0f} s"
    )
    return [
        Figure(f"issue p50 @{ev:,} events", bi, "ms", si, bi / si, "<= 1.5x", bi / si <= 1.5, note),
        Figure(f"board p50 @{ev:,} events", bb, "ms", sb, bb / sb, "<= 1.5x", bb / sb <= 1.5),
        Figure(
            "  first command after start @big",
            first * 1000,
            "ms",
            note="loads the production from its snapshot",
        ),
    ], big


# -- 6. cold start ------------------------------------------------


def cold_start(tmp: Path, data: Path, quick: bool) -> list[Figure]:
    import subprocess
    import sys

    runs = 1 if quick else 7

    def wall(argv: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t

    base = median([wall([sys.executable, "-c", "pass"]) for _ in range(runs)])
    helps = median([wall([COLDCHECK, "--help"]) for _ in range(runs)])
    ready = []
    for _ in range(1 if quick else 5):
        with Server(data, cheap_argon2=False) as server:
            ready.append(server.ready_after)
    r = median(ready)
    return [
        Figure(
            "cold start: coldcheck --help",
            helps,
            "s",
            base,
            helps / base,
            "<= 0.3 s",
            helps <= 0.3,
            "baseline: python -c pass",
        ),
        Figure("cold start: serve until /healthz", r, "s", base, r / base, "<= 2 s", r <= 2.0),
    ]


# -- 7. PostgreSQL ------------------------------------------------


def pg_url() -> str | None:
    import getpass

    from sqlalchemy import URL

    url = os.environ.get("COLDCHECK_TEST_PG_URL")
    if url:
        return url
    host = os.environ.get("PGHOST")
    if not host:
        return None
    user = os.environ.get("PGUSER") or getpass.getuser()
    database = os.environ.get("PGDATABASE") or os.environ.get("PGUSER") or "postgres"
    port = int(os.environ.get("PGPORT") or 5432)
    sock = host.startswith("/")
    return URL.create(
        "postgresql+psycopg",
        username=user,
        password=os.environ.get("PGPASSWORD") or None,
        host=None if sock else host,
        port=None if sock else port,
        database=database,
        query={"host": host, "port": str(port)} if sock else {},
    ).render_as_string(hide_password=False)


def postgres(tmp: Path, quick: bool) -> list[Figure]:
    import psycopg
    from sqlalchemy import create_engine, make_url, text

    url = pg_url()
    if url is None:
        return [
            Figure(
                "issue, service path (PostgreSQL)",
                None,
                "issues/s",
                target=">= 0.3x",
                note="skipped: no PostgreSQL (run under `pg_virtualenv -v 15 make bench`)",
            )
        ]
    db = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    bench_url = make_url(url).set(database=db).render_as_string(hide_password=False)
    try:
        n = 10 if quick else 100
        spec = world.Spec(weapons=40, performers=40, armorers=2)
        settings = world.make_data(tmp / "pg", bench_url)
        app = world.open_app(settings)
        world.populate(app, spec)
        p, arm = spec.production, world.armorer(0)
        app.custody.state(p)
        times = []
        for k in range(n + 5):
            i = k % spec.weapons
            t0 = time.perf_counter()
            app.custody.execute_batch(world.issue_commands(p, i, arm, world.performer(i)))
            if k >= 5:
                times.append(time.perf_counter() - t0)
            for command in world.return_commands(p, i, arm):
                app.custody.execute(command)
        app.close()
        rate = len(times) / sum(times)
        u = make_url(bench_url)
        conninfo = {k: v for k, v in u.query.items() if isinstance(v, str)}
        with psycopg.connect(
            dbname=db,
            user=u.username,
            password=u.password,
            host=conninfo.get("host", u.host),
            port=conninfo.get("port", u.port),
        ) as raw:
            raw.execute("CREATE TABLE t (id bigserial PRIMARY KEY, v bytea NOT NULL)")
            raw.commit()
            payload = os.urandom(300)
            m = 300 if quick else 2000
            t = time.perf_counter()
            for _ in range(m):
                raw.execute("INSERT INTO t(v) VALUES (%s)", (payload,))
                raw.commit()
            base = m / (time.perf_counter() - t)
    finally:
        admin.dispose()
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    return [
        Figure(
            "issue, service path (PostgreSQL)",
            rate,
            "issues/s",
            base,
            rate / base,
            ">= 0.3x",
            rate / base >= 0.3,
            "baseline: that server's single-row INSERT+COMMIT/s (psycopg)",
        )
    ]


# -- 8. replay / rebuild ------------------------------------------------


def replay(data: Path, quick: bool) -> list[Figure]:
    """Rebuild every production's read tables from the log (in a rolled-back transaction)."""
    import json

    from coldcheck.adapters.sql import store as sql_store
    from coldcheck.adapters.sql.ledger_store import ledger_entries
    from coldcheck.adapters.sql.tables import lot_view, memberships, productions, weapon_view
    from coldcheck.config import Settings
    from coldcheck.domain.state import apply, empty_state
    from coldcheck.service.envelope import decode_entry

    app = world.open_app(Settings(data_dir=data))
    limit = 1_000_000_000 if quick else 100_000
    q = (
        select(ledger_entries.c.idx, ledger_entries.c.entry)
        .where(ledger_entries.c.idx < limit)
        .order_by(ledger_entries.c.idx)
        .execution_options(yield_per=5000)
    )
    with app.engine.connect() as conn:
        t = time.perf_counter()
        count = 0
        for _, entry in conn.execute(q):
            json.loads(bytes(entry))
            count += 1
        base = count / (time.perf_counter() - t)

    with app.engine.connect() as conn, conn.begin() as tx:
        t = time.perf_counter()
        states: dict[str, Any] = {}
        last: dict[str, int] = {}
        n = 0
        for _, entry in conn.execute(q):
            seq, event = decode_entry(bytes(entry))
            pid = event.production
            st = states.get(pid)
            if st is None:
                st = empty_state(pid)
            states[pid] = apply(st, event)
            last[pid] = seq
            n += 1
        for table in (productions, memberships, weapon_view, lot_view):
            conn.execute(table.delete())
        for pid, st in states.items():
            sql_store.write_views(conn, empty_state(pid), st, last[pid])
        elapsed = time.perf_counter() - t
        tx.rollback()
    app.close()
    rate = n / elapsed
    return [
        Figure(
            "replay: rebuild read tables from the log",
            rate,
            "events/s",
            base,
            rate / base,
            ">= 50,000/s",
            rate >= 50_000,
            f"{n:,} events, {len(states)} productions; baseline: read + json.loads only",
        )
    ]
