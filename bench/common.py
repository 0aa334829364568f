"""Shared pieces: the Figure record, timing helpers, raw baselines, server processes."""

from __future__ import annotations

import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLDCHECK = str(BIN / "coldcheck")

# `coldcheck serve`, exactly, except that argon2id runs with the cheap test
# parameters (t=1, 8 KiB): issue 9 asks for argon2 to be left out of the
# issue figures, and a PIN checked against a cheap hash costs microseconds.
# Accounts for such a server are created with Argon2Hasher.cheap(), so the
# server never re-hashes them (needs_rehash is False).
CHEAP_SERVE = (
    "import sys;"
    "from coldcheck.adapters import argon2 as a;"
    "a.Argon2Hasher.__init__.__defaults__ = (1, 8, 1);"
    "a.PIN_ARGON2_TIME_COST, a.PIN_ARGON2_MEMORY_COST_KIB = 1, 8;"
    "from coldcheck.entrypoints.cli import main;"
    "sys.argv[0] = 'coldcheck'; main()"
)


@dataclass
class Figure:
    """One line of the table and one object of latest.json."""

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
        }
        if self.note:
            out["note"] = self.note
        return out


def pct(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    s = sorted(samples)
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return s[k]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def raw_sqlite_commit_rate(path: Path, n: int) -> float:
    """Single-row INSERT + COMMIT per transaction, WAL and synchronous=FULL (as coldcheck)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)")
    payload = os.urandom(300)
    for _ in range(20):  # warm up
        db.execute("BEGIN")
        db.execute("INSERT INTO t(v) VALUES (?)", (payload,))
        db.execute("COMMIT")
    start = time.perf_counter()
    for _ in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t(v) VALUES (?)", (payload,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `coldcheck serve` process on a free port."""

    def __init__(self, data: Path, *, cheap_argon2: bool, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = ([sys.executable, "-c", CHEAP_SERVE] if cheap_argon2 else [COLDCHECK]) + [
            "serve",
            "--port",
            str(self.port),
        ]
        full_env = {**os.environ, "COLDCHECK_DATA": str(data), **(env or {})}
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.ready_after = self._wait()

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
