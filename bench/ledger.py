"""Ledger benchmark: append, proofs and verify, each against a raw baseline in the same run.

Run:  .venv/bin/python bench/ledger.py [--quick] [--dir DIR]

Figures (value, baseline, ratio, target, met) are printed as a table and
written to bench/results/ledger.json. SQLite is opened as coldcheck opens it:
WAL, synchronous=FULL, foreign_keys=ON, through an SQLAlchemy connect event.

- single append: one durable transaction per entry (SqlLedger.append) vs a
  raw sqlite3 single-row INSERT + COMMIT of the same bytes; target >= 0.5x.
- batch append: 100 entries per transaction vs a raw 100-row transaction;
  target >= 0.4x.
- proofs: inclusion / consistency proof p50 and p99 through SqlLedger at two
  log sizes (100k and 1M; --quick: 10k and 100k), built fast by bulk-inserting
  precomputed nodes; target p50 <= 0.3 ms and p50 growth <= 1.5x.
- verify: verify_store entries/s vs hashlib SHA-256 of the same entry bytes in
  a plain loop; target >= 0.25x.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, event

from coldcheck.adapters.sql.ledger_store import LEDGER_TABLES, SqlLedger
from coldcheck.adapters.sql.ledger_verify import verify_store
from coldcheck.adapters.sql.tables import metadata
from coldcheck.ledger import CompactRange, leaf_hash, public_key_raw, sign_head

RESULTS = Path(__file__).with_name("results") / "ledger.json"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: str
    met: bool


def entry(i: int) -> bytes:
    """A realistic ~200-byte canonical event envelope."""
    return (
        b'{"at":"2026-11-25T13:%02d:%02d.000Z","by":"0b6c1f2e-7d4a-4c1b-9a55-3f2d8e1c%04x",'
        b'"payload":{"holder":"P-%04d","weapon":"W-%04d"},"production":"rust-2",'
        b'"seq":%d,"type":"WeaponIssued","witnesses":[]}'
        % (i // 60 % 60, i % 60, i % 65536, i % 9999, i % 9999, i)
    )


def make_engine(path: Path) -> Engine:
    eng = create_engine(f"sqlite:///{path}")

    @event.listens_for(eng, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return eng


def raw_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("CREATE TABLE IF NOT EXISTS raw (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL)")
    conn.commit()
    return conn


def fresh_ledger(path: Path, prefill: int) -> Engine:
    eng = make_engine(path)
    metadata.create_all(eng, tables=list(LEDGER_TABLES))
    if prefill:
        with eng.begin() as conn:
            SqlLedger(conn).append([entry(i) for i in range(prefill)])
    return eng


def append_rates(workdir: Path, batch: int, txns: int, rounds: int = 10) -> tuple[float, float]:
    """Entries/s for SqlLedger appends and for raw inserts, interleaved in rounds."""
    eng = fresh_ledger(workdir / f"append{batch}.db", prefill=1000)
    raw = raw_connection(workdir / f"raw{batch}.db")
    ours_t = raw_t = 0.0
    n = 1000
    per_round = max(1, txns // rounds)
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per_round):
            with eng.begin() as conn:
                SqlLedger(conn).append([entry(n + j) for j in range(batch)])
            n += batch
        ours_t += time.perf_counter() - t0
        t0 = time.perf_counter()
        for k in range(per_round):
            raw.executemany(
                "INSERT INTO raw (idx, entry) VALUES (?, ?)",
                [(n + k * batch + j, entry(n + k * batch + j)) for j in range(batch)],
            )
            raw.commit()
        raw_t += time.perf_counter() - t0
    total = per_round * rounds * batch
    eng.dispose()
    raw.close()
    return total / ours_t, total / raw_t


def build_log(path: Path, size: int, head_every: int) -> None:
    """Bulk-build a ledger of ``size`` entries with precomputed nodes and heads."""
    eng = make_engine(path)
    metadata.create_all(eng, tables=list(LEDGER_TABLES))
    eng.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    cr = CompactRange()
    nodes: list[tuple[int, int, bytes]] = []
    entries: list[tuple[int, bytes, bytes]] = []
    heads: list[tuple[int, bytes, int, bytes, bytes]] = []
    for i in range(size):
        e = entry(i)
        h = leaf_hash(e)
        entries.append((i, e, h))
        for (level, idx), nh in cr.extend_collect([h]):
            if level:  # leaf hashes live in ledger_entries only
                nodes.append((level, idx, nh))
        if cr.size % head_every == 0 or cr.size == size:
            head = sign_head(KEY, cr.size, cr.root(), 1_764_000_000_000 + cr.size)
            heads.append(
                (head.tree_size, head.root_hash, head.timestamp, head.signature, head.log_id)
            )
        if len(entries) >= 50_000 or i == size - 1:
            conn.executemany("INSERT INTO ledger_entries VALUES (?, ?, ?)", entries)
            conn.executemany("INSERT INTO ledger_nodes VALUES (?, ?, ?)", nodes)
            conn.executemany("INSERT INTO ledger_heads VALUES (?, ?, ?, ?, ?)", heads)
            conn.commit()
            entries.clear()
            nodes.clear()
            heads.clear()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return qs[49], qs[98]


def proof_latencies(path: Path, size: int, count: int) -> dict[str, tuple[float, float]]:
    """p50/p99 in ms of inclusion and consistency proofs at tree size ``size``."""
    eng = make_engine(path)
    rng = random.Random(size)
    out: dict[str, tuple[float, float]] = {}
    with eng.connect() as conn:
        ledger = SqlLedger(conn)
        calls: dict[str, Callable[[], object]] = {
            "inclusion": lambda: ledger.inclusion_proof(rng.randrange(size), size),
            "consistency": lambda: ledger.consistency_proof(rng.randrange(1, size), size),
        }
        for name, call in calls.items():
            for _ in range(200):  # warm caches and SQLAlchemy's statement cache
                call()
            samples = []
            for _ in range(count):
                t0 = time.perf_counter()
                call()
                samples.append((time.perf_counter() - t0) * 1000)
            out[name] = percentiles(samples)
    eng.dispose()
    return out


def verify_rates(path: Path, repeat: int = 3) -> tuple[float, float, float, int]:
    """(verify_store, hashlib loop, raw sqlite3 row fetch) in entries/s, and the entry count.

    Each is the best of ``repeat`` runs, interleaved, so a noisy neighbour
    on the machine does not decide the ratio.
    """
    eng = make_engine(path)
    ours = base = fetch = float("inf")
    entries: list[bytes] = []
    n = 0
    sha256 = hashlib.sha256
    for _ in range(repeat):
        with eng.connect() as conn:
            t0 = time.perf_counter()
            report = verify_store(conn, public_key_raw(KEY))
            ours = min(ours, time.perf_counter() - t0)
        if not report.ok:
            raise SystemExit(f"benchmark log does not verify: {report.summary}")
        if not entries:
            n = report.entries_checked
            entries = [entry(i) for i in range(n)]
        t0 = time.perf_counter()
        for e in entries:
            sha256(e).digest()
        base = min(base, time.perf_counter() - t0)
        raw = sqlite3.connect(path)
        t0 = time.perf_counter()
        cur = raw.execute("SELECT idx, entry, leaf_hash FROM ledger_entries ORDER BY idx")
        while cur.fetchmany(2048):
            pass
        fetch = min(fetch, time.perf_counter() - t0)
        raw.close()
    eng.dispose()
    return n / ours, n / base, n / fetch, n


def _sizes(quick: bool) -> tuple[int, int]:
    return (10_000, 100_000) if quick else (100_000, 1_000_000)


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def run(quick: bool, workdir: Path) -> Iterator[Figure]:
    txns = 100 if quick else 400
    ours, raw = append_rates(workdir, batch=1, txns=txns)
    yield Figure(
        "durable single append", ours, "entries/s", raw, ours / raw, ">= 0.5x", ours / raw >= 0.5
    )
    ours, raw = append_rates(workdir, batch=100, txns=txns // 4)
    yield Figure(
        "batched append of 100", ours, "entries/s", raw, ours / raw, ">= 0.4x", ours / raw >= 0.4
    )
    small, large = _sizes(quick)
    count = 2000 if quick else 5000
    p50s: dict[str, list[float]] = {"inclusion": [], "consistency": []}
    for size in (small, large):
        path = workdir / f"log{size}.db"
        t0 = time.perf_counter()
        build_log(path, size, head_every=1000)
        print(f"  (built a {size}-entry log in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
        for kind, (p50, p99) in proof_latencies(path, size, count).items():
            p50s[kind].append(p50)
            yield Figure(
                f"{kind} proof p50 @{_label(size)}", p50, "ms", None, None, "<= 0.3 ms", p50 <= 0.3
            )
            yield Figure(f"{kind} proof p99 @{_label(size)}", p99, "ms", None, None, "-", True)
    for kind, (a, b) in p50s.items():
        yield Figure(
            f"{kind} p50 growth {_label(small)}->{_label(large)}",
            b / a,
            "x",
            a,
            b / a,
            "<= 1.5x",
            b / a <= 1.5,
        )
    ours, base, fetch, n = verify_rates(workdir / f"log{large}.db")
    yield Figure(
        f"full verify ({_label(n)} entries)",
        ours,
        "entries/s",
        base,
        ours / base,
        ">= 0.25x",
        ours / base >= 0.25,
    )
    # Context, not a target: reading the same rows with bare sqlite3 and
    # doing nothing with them, against the same hashlib loop.
    yield Figure(
        "  (raw sqlite3 fetch of those rows)", fetch, "entries/s", base, fetch / base, "-", True
    )


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller logs, fewer iterations")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    args = parser.parse_args()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="coldcheck-bench-") as tmp:
        header = f"{'figure':40} {'value':>12} {'unit':10} {'baseline':>12} {'ratio':>7} "
        print(header + f"{'target':10} met")
        for fig in run(args.quick, Path(tmp)):
            figures.append(fig)
            print(
                f"{fig.name:40} {_fmt(fig.value):>12} {fig.unit:10} {_fmt(fig.baseline):>12} "
                f"{_fmt(fig.ratio):>7} {fig.target:10} {'yes' if fig.met else 'NO'}",
                flush=True,
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps([asdict(f) for f in figures], indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
