"""Shared pieces: the Figure record, interleaved rounds, CPU and load, raw baselines, servers."""

from __future__ import annotations

import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLDCHECK = str(BIN / "coldcheck")

# `coldcheck serve`, exactly (the installed console script's entry point),
# except that argon2id runs with the cheap test parameters (t=1, 8 KiB): the
# issue figures leave argon2 out, and a PIN checked against a cheap hash
# costs microseconds. Accounts for such a server are created with
# Argon2Hasher.cheap(), so the server never re-hashes them (needs_rehash is False).
CHEAP_SERVE = (
    "import sys;"
    "from importlib.metadata import entry_points;"
    "from coldcheck.adapters import argon2 as a;"
    "a.Argon2Hasher.__init__.__defaults__ = (1, 8, 1);"
    "a.PIN_ARGON2_TIME_COST, a.PIN_ARGON2_MEMORY_COST_KIB = 1, 8;"
    "main = entry_points(group='console_scripts')['coldcheck'].load();"
    "sys.argv[0] = 'coldcheck'; main()"
)

# Issue 16 sets two targets against "today": the figures measured before the
# one-writer rewrite, on main as of commit 6bc8458 (the pure canonical-JSON
# encoder), with these same functions under `pg_virtualenv -t -v 15` on this
# 2-core machine at a load average of about 2.2 (three runs: PostgreSQL
# 130.7, 122.9, 122.6 issues/s; burst 4.07, 3.90, 3.74 s; the medians).
TODAY_PG_CONCURRENT = 122.9
"""issues/s: 20 concurrent issues through the service on PostgreSQL 15."""
TODAY_BURST_REAL_ARGON2 = 3.90
"""s: 200 performers issued by 4 armorers through HTTP, argon2id as shipped."""


def load_avg() -> tuple[float, float, float]:
    """The machine's 1, 5 and 15 minute load averages (zeros where unknown)."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def load_text() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*load_avg())


@dataclass
class Figure:
    """One line of the table and one object of latest.json.

    ``met`` is None for informational lines and skipped figures; ``skipped``
    says why a figure was not measured. ``cpu_ms`` is CPU time per operation
    (what an operation is, the note says) beside the wall-time value;
    ``pairs`` is how many interleaved figure/baseline rounds the ratio is the
    median of; ``load`` is the 1-minute load average when it was taken;
    ``goal`` names the issue 16 target the figure answers, ``short`` how the
    targets table calls it.
    """

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    cpu_ms: float | None = None
    pairs: int = 0
    goal: str = ""
    short: str = ""
    skipped: str = ""
    load: float = field(default_factory=lambda: load_avg()[0])

    @property
    def verdict(self) -> str:
        if self.skipped:
            return f"skipped: {self.skipped}"
        if self.met is None:
            return "—" if not self.target else "not measured"
        return "met" if self.met else "NOT MET"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "verdict": self.verdict,
            "cpu_ms": self.cpu_ms,
            "pairs": self.pairs,
            "load": round(self.load, 2),
        }
        if self.goal:
            out["goal"] = self.goal
        if self.note:
            out["note"] = self.note
        return out


def skipped(name: str, unit: str, target: str, why: str, goal: str = "", short: str = "") -> Figure:
    return Figure(name, None, unit, target=target, skipped=why, goal=goal, short=short)


def pct(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    s = sorted(samples)
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return s[k]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def pair_ratios(values: list[float], bases: list[float]) -> list[float]:
    """value / baseline for each interleaved round."""
    return [v / b for v, b in zip(values, bases, strict=True)]


A = TypeVar("A")
B = TypeVar("B")


def interleave(
    rounds: int, figure: Callable[[], A], baseline: Callable[[], B]
) -> tuple[list[A], list[B]]:
    """Run ``baseline`` and ``figure`` alternately, ``rounds`` times each: B A B A ..."""
    got_a: list[A] = []
    got_b: list[B] = []
    for _ in range(rounds):
        got_b.append(baseline())
        got_a.append(figure())
    return got_a, got_b


def process_cpu(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RawSqlite:
    """Single-row INSERT + COMMIT transactions, WAL and synchronous=FULL (as coldcheck)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)")
        self.payload = os.urandom(300)
        self.rate(20)  # warm up

    def rate(self, n: int) -> float:
        """Commits per second over ``n`` transactions."""
        start = time.perf_counter()
        for _ in range(n):
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO t(v) VALUES (?)", (self.payload,))
            self.db.execute("COMMIT")
        return n / (time.perf_counter() - start)

    def close(self) -> None:
        self.db.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process on a free port of 127.0.0.1, ready when GET /healthz answers 200."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, **(env or {})}
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [*argv, "--port", str(self.port)],
            env=full_env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.ready_after = self._wait()

    @classmethod
    def coldcheck(
        cls, data: Path, *, cheap_argon2: bool, env: dict[str, str] | None = None
    ) -> Server:
        """`coldcheck serve` on ``data``."""
        argv = [sys.executable, "-c", CHEAP_SERVE] if cheap_argon2 else [COLDCHECK]
        return cls([*argv, "serve"], {"COLDCHECK_DATA": str(data), **(env or {})})

    @classmethod
    def floor(cls, db: Path) -> Server:
        """The floor app of bench/floor.py on a fresh SQLite file."""
        return cls([sys.executable, "-m", "bench.floor", str(db)])

    def cpu(self) -> float:
        """CPU seconds the server has used so far."""
        return process_cpu(self.process.pid)

    def _wait(self, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        with httpx.Client(timeout=1) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    err = self.process.stderr.read().decode() if self.process.stderr else ""
                    raise RuntimeError(
                        f"server exited with {self.process.returncode}: {err[-600:]}"
                    )
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return time.perf_counter() - self.started
                except httpx.TransportError:
                    time.sleep(0.01)
        self.stop()
        raise RuntimeError("server did not answer /healthz in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def token(client: httpx.Client, url: str, login: str, password: str) -> str:
    r = client.post(f"{url}/api/v1/auth/token", json={"login": login, "password": password})
    r.raise_for_status()
    return str(r.json()["token"])
