"""Ledger benchmark: append, proofs and verify, each against a raw baseline in the same run.

Run:  .venv/bin/python -m bench.ledger [--quick] [--dir DIR]   (``make bench`` runs it too)

SQLite is opened as coldcheck opens it: WAL, synchronous=FULL,
foreign_keys=ON, through an SQLAlchemy connect event. Figure and baseline
alternate in rounds; the ratio is the median of the per-round ratios.

- single append: one durable transaction per entry (SqlLedger.append) vs a
  raw sqlite3 single-row INSERT + COMMIT of the same bytes; target >= 0.8x
  (issue 16).
- batch append: 100 entries per transaction vs a raw 100-row transaction;
  target >= 0.4x (issue 9).
- proofs: inclusion / consistency proof p50 and p99 through SqlLedger at two
  log sizes (100k and 1M; --quick: 10k and 100k), built fast by bulk-inserting
  precomputed nodes; target p50 <= 0.3 ms and p50 growth <= 1.5x (issue 9).
- verify: verify_store entries/s vs a raw sqlite3 loop doing the same reads
  (entries, stored nodes, heads) and two SHA-256 per entry (the leaf hash
  and one interior node); target >= 0.6x (issue 16). The same rounds' CPU
  times (process_time) are reported beside it.
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
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, event

from bench.common import Figure, interleave, median, pair_ratios
from coldcheck.adapters.sql.ledger_store import LEDGER_TABLES, SqlLedger
from coldcheck.adapters.sql.ledger_verify import verify_store
from coldcheck.adapters.sql.tables import metadata
from coldcheck.ledger import CompactRange, leaf_hash, public_key_raw, sign_head

RESULTS = Path(__file__).with_name("results") / "ledger.json"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


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


def append_rates(
    workdir: Path, batch: int, txns: int, rounds: int = 10
) -> tuple[list[float], list[float], float]:
    """Entries/s of SqlLedger appends and of raw inserts, per interleaved round; CPU ms/entry."""
    eng = fresh_ledger(workdir / f"append{batch}.db", prefill=1000)
    raw = raw_connection(workdir / f"raw{batch}.db")
    n = 1000
    per_round = max(1, txns // rounds)
    cpu = 0.0

    def ours() -> float:
        nonlocal n, cpu
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(per_round):
            with eng.begin() as conn:
                SqlLedger(conn).append([entry(n + j) for j in range(batch)])
            n += batch
        cpu += time.process_time() - c0
        return per_round * batch / (time.perf_counter() - t0)

    def base() -> float:
        t0 = time.perf_counter()
        for k in range(per_round):
            raw.executemany(
                "INSERT INTO raw (idx, entry) VALUES (?, ?)",
                [(n + k * batch + j, entry(n + k * batch + j)) for j in range(batch)],
            )
            raw.commit()
        return per_round * batch / (time.perf_counter() - t0)

    got, bases = interleave(rounds, ours, base)
    eng.dispose()
    raw.close()
    return got, bases, cpu / (per_round * rounds * batch) * 1000


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


def verify_rates(
    path: Path, rounds: int = 3, cpu: dict[str, list[float]] | None = None
) -> tuple[list[float], list[float], list[float], int]:
    """Per round, entries/s of verify_store, of the raw loop and of a bare row fetch; n.

    ``cpu``, when given, gets each round's CPU seconds of verify_store ("ours") and of the
    raw loop ("raw").
    """
    eng = make_engine(path)
    n = 0
    cpu = {} if cpu is None else cpu
    cpu.setdefault("ours", [])
    cpu.setdefault("raw", [])

    def ours() -> float:
        nonlocal n
        with eng.connect() as conn:
            t0, c0 = time.perf_counter(), time.process_time()
            report = verify_store(conn, public_key_raw(KEY))
            elapsed = time.perf_counter() - t0
            cpu["ours"].append(time.process_time() - c0)
        if not report.ok:
            raise SystemExit(f"benchmark log does not verify: {report.summary}")
        n = report.entries_checked
        return n / elapsed

    def raw_loop() -> float:
        # the same rows verify_store reads, and two SHA-256 per entry
        sha256 = hashlib.sha256
        raw = sqlite3.connect(path)
        t0, c0 = time.perf_counter(), time.process_time()
        count = 0
        node = bytes(32)
        cur = raw.execute("SELECT idx, entry, leaf_hash FROM ledger_entries ORDER BY idx")
        while rows := cur.fetchmany(2048):
            for _, e, leaf in rows:
                h = sha256(b"\x00" + e).digest()
                if h != leaf:
                    raise SystemExit("raw loop: leaf hash mismatch")
                node = sha256(b"\x01" + node + h).digest()
            count += len(rows)
        raw.execute("SELECT level, idx, hash FROM ledger_nodes ORDER BY level, idx").fetchall()
        raw.execute("SELECT * FROM ledger_heads ORDER BY tree_size").fetchall()
        elapsed = time.perf_counter() - t0
        cpu["raw"].append(time.process_time() - c0)
        raw.close()
        return count / elapsed

    def fetch_only() -> float:
        raw = sqlite3.connect(path)
        t0 = time.perf_counter()
        cur = raw.execute("SELECT idx, entry, leaf_hash FROM ledger_entries ORDER BY idx")
        count = 0
        while rows := cur.fetchmany(2048):
            count += len(rows)
        elapsed = time.perf_counter() - t0
        raw.close()
        return count / elapsed

    got, bases = interleave(rounds, ours, raw_loop)
    fetches = [fetch_only() for _ in range(rounds)]
    eng.dispose()
    return got, bases, fetches, n


def _sizes(quick: bool) -> tuple[int, int]:
    return (10_000, 100_000) if quick else (100_000, 1_000_000)


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def run(quick: bool, workdir: Path) -> Iterator[Figure]:
    txns = 100 if quick else 400
    got, bases, cpu = append_rates(workdir, batch=1, txns=txns)
    ratios = pair_ratios(got, bases)
    yield Figure(
        "durable single append",
        median(got),
        "entries/s",
        median(bases),
        median(ratios),
        "≥ 0.8× raw commit [#16]",
        median(ratios) >= 0.8,
        "one SqlLedger.append per durable transaction (no head) vs a raw single-row commit",
        cpu_ms=cpu,
        pairs=len(ratios),
        goal="append",
    )
    got, bases, cpu = append_rates(workdir, batch=100, txns=txns // 4)
    ratios = pair_ratios(got, bases)
    yield Figure(
        "batched append of 100",
        median(got),
        "entries/s",
        median(bases),
        median(ratios),
        "≥ 0.4× [#9]",
        median(ratios) >= 0.4,
        cpu_ms=cpu,
        pairs=len(ratios),
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
                f"{kind} proof p50 @{_label(size)}",
                p50,
                "ms",
                target="≤ 0.3 ms [#9]",
                met=p50 <= 0.3,
            )
            yield Figure(f"{kind} proof p99 @{_label(size)}", p99, "ms")
    for kind, (a, b) in p50s.items():
        yield Figure(
            f"{kind} p50 growth {_label(small)}->{_label(large)}",
            b / a,
            "x",
            a,
            b / a,
            "≤ 1.5× [#9]",
            b / a <= 1.5,
        )
    cpu: dict[str, list[float]] = {}
    got, bases, fetches, n = verify_rates(workdir / f"log{large}.db", cpu=cpu)
    ratios = pair_ratios(got, bases)
    cpu_ratios = [raw / ours for ours, raw in zip(cpu["ours"], cpu["raw"], strict=True)]
    yield Figure(
        f"full verify ({_label(n)} entries)",
        median(got),
        "entries/s",
        median(bases),
        median(ratios),
        "≥ 0.6× raw loop [#16]",
        median(ratios) >= 0.6,
        "baseline: raw sqlite3 reads of the same entries, nodes and heads + two SHA-256 per entry",
        cpu_ms=median(cpu["ours"]) / n * 1000,
        pairs=len(ratios),
        goal="verify",
    )
    # Context, not the target: the same rounds in CPU time, which a busy machine moves less.
    yield Figure(
        "  (full verify in CPU time: raw loop's CPU / ours)",
        median(cpu_ratios),
        "x",
        median(cpu["raw"]) / n * 1000,
        median(cpu_ratios),
        note="value and ratio: the raw loop's CPU time over verify_store's, per round;"
        " baseline: the raw loop's CPU ms per entry",
    )
    # Context, not a target: reading the entry rows with bare sqlite3 and nothing else.
    yield Figure(
        "  (raw sqlite3 fetch of the entry rows)",
        median(fetches),
        "entries/s",
        median(bases),
        median(fetches) / median(bases),
        note="baseline: the raw verify loop",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller logs, fewer iterations")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    args = parser.parse_args()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="coldcheck-bench-") as tmp:
        for fig in run(args.quick, Path(tmp)):
            figures.append(fig)
            ratio = "" if fig.ratio is None else f"  ratio {fig.ratio:.3g}x"
            print(f"{fig.name}: {fig.value:,.4g} {fig.unit}{ratio}  {fig.verdict}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps([f.as_json() for f in figures], indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
