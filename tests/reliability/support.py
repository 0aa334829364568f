"""Shared by the reliability and security suites: a forking launcher and small API helpers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "dry-gulch-demo"
P = "/api/v1/productions/dry-gulch"
PINS = {
    "mara-voss": "2468",
    "eli-tran": "1357",
    "dana-ortiz": "3690",
    "jack-hale": "1212",
    "rosa-lind": "3434",
    "sam-kee": "5656",
    "priya-nair": "7878",
    "tom-reyes": "9090",
}
LOGINS = {
    "mara": "mara-voss",
    "eli": "eli-tran",
    "dana": "dana-ortiz",
    "jack": "jack-hale",
    "rosa": "rosa-lind",
    "sam": "sam-kee",
    "priya": "priya-nair",
    "tom": "tom-reyes",
}
DA_REVOLVER = {
    "bore": "clear",
    "checklist": [],  # filled in by inspect_body()
    "findings": [{"position": f"chamber {i}", "found": "empty"} for i in range(1, 7)],
}


def inspect_body(
    weapon: str, action: str = "double_action_revolver", capacity: int = 6
) -> dict[str, Any]:
    """An all-empty, bore-clear inspection of ``weapon`` (its action's checklist and positions)."""
    from coldcheck.domain.mechanics import ActionType, inspection_checklist, load_positions

    kind = ActionType(action)
    return {
        "weapon": weapon,
        "bore": "clear",
        "checklist": list(inspection_checklist(kind)),
        "findings": [{"position": p, "found": "empty"} for p in load_positions(kind, capacity)],
    }


def login(url: str, who: str) -> str:
    """A bearer token for a demo login."""
    r = httpx.post(
        f"{url}/api/v1/auth/token", json={"login": who, "password": PASSWORD}, timeout=60
    )
    r.raise_for_status()
    return str(r.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def confirmed(
    client: httpx.Client, name: str, body: dict[str, Any], *people: str
) -> dict[str, Any] | None:
    """``body`` with the ids of confirmations by ``people`` (their demo PINs), asked for
    this very command; None when the server refused to ask or a PIN (the command is then
    sent without, and the rules refuse it). ``httpx.TransportError`` when the server is gone.
    """
    from tests.confirming import NotConfirmed, confirmations

    try:
        ids = confirmations(client, P, name, body, people, pins=PINS)
    except NotConfirmed:
        return None
    return {**body, "confirmations": ids}


@dataclass
class Forked:
    """A ``coldcheck serve`` child of the zygote."""

    url: str
    pid: int
    log: Path


class Zygote:
    """One pre-imported coldcheck process that forks real servers and CLI runs (see zygote.py)."""

    def __init__(self) -> None:
        env = {**os.environ}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        ready = self._read()
        assert ready.get("ready"), ready

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the zygote exited with {self.proc.wait(10)}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise AssertionError(f"zygote: {answer['error']}")
        return answer

    def ask(self, **req: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def spawn(self, data: Path, env: dict[str, str] | None = None) -> Forked:
        """Fork ``coldcheck --data DATA serve --port P``; returns at once (see ``ready``)."""
        port = free_port()
        log = data.parent / f"{data.name}-server.log"
        pid = int(
            self.ask(
                op="serve",
                args=["--data", str(data), "serve", "--port", str(port)],
                env=env or {},
                log=str(log),
            )["pid"]
        )
        return Forked(f"http://127.0.0.1:{port}", pid, log)

    def ready(self, server: Forked, timeout: float = 30) -> Forked:
        """Wait until the spawned server answers /healthz."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.02)
        self.kill(server.pid)
        raise AssertionError(f"forked server did not answer: {server.log.read_text()[-2000:]}")

    def serve(self, data: Path, env: dict[str, str] | None = None, timeout: float = 30) -> Forked:
        """Fork a server and wait until it answers."""
        return self.ready(self.spawn(data, env), timeout)

    def kill(self, pid: int) -> int:
        """SIGKILL a served child and reap it; its wait status."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return int(self.ask(op="reap", pid=pid)["status"])

    def run(
        self, *args: str, data: Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``coldcheck --data DATA <args>`` in a forked child; its exit code and output."""
        answer = self.ask(op="run", args=["--data", str(data), *args], env=env or {})
        return subprocess.CompletedProcess(
            ["coldcheck", *args], answer["rc"], answer["stdout"], answer["stderr"]
        )

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@contextmanager
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    try:
        yield z
    finally:
        z.close()


def page_routes() -> list[tuple[str, str]]:
    """(method, path) of every server-rendered page (they are left out of the OpenAPI)."""
    from coldcheck.entrypoints import pages

    return sorted(
        {
            (m, r.path)
            for r in pages.routes
            for m in getattr(r, "methods", None) or ()
            if m != "HEAD"
        }
    )


PATH_VALUES = {
    "production": "dry-gulch",
    "tag": "W-0001",
    "lot": "L-0001",
    "container": "C-0001",
    "incident": "I-0001",
    "report": "S-0001",
    "what": "add",
}


def fill(path: str, **values: str) -> str:
    """A concrete URL for a route path ({production} → dry-gulch, {tag} → W-0001, ...)."""
    import re

    merged = {**PATH_VALUES, **values}
    return re.sub(r"\{(\w+)\}", lambda m: merged.get(m.group(1), "x"), path)


def add_user(
    data: Path,
    login_name: str,
    person: str,
    password: str,
    pin: str | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Create an account directly (the demo has none without a role on dry-gulch)."""
    from coldcheck.bootstrap import build
    from coldcheck.config import Settings

    app = build(Settings.from_env({"COLDCHECK_DATA": str(data), **(env or {})}))
    try:
        app.accounts.create_user(
            login=login_name,
            display_name=person.replace("-", " ").title(),
            person_id=person,
            password=password,
            pin=pin,
        )
    finally:
        app.close()


def custody_events(server: Forked) -> int:
    """How many custody events the server's SQLite log holds.

    What "nothing was recorded" is compared by where a refusal may still add to the
    security log (a wrong password or PIN is a security record, issue 13)."""
    import sqlite3

    with sqlite3.connect(server.log.parent / "data" / "coldcheck.sqlite3") as conn:
        (count,) = conn.execute("select count(*) from events").fetchone()
    return int(count)


def ledger_head(url: str) -> dict[str, Any]:
    """The newest signed head (what "no state changed" is compared by)."""
    r = httpx.get(f"{url}/api/v1/ledger/head", timeout=30)
    r.raise_for_status()
    head: dict[str, Any] = r.json()
    return head
