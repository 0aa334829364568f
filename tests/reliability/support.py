"""Shared by the reliability and security suites: a forking launcher and small API helpers."""

from __future__ import annotations

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


def inspect_body(weapon: str, action: str = "double_action_revolver", capacity: int = 6) -> dict[str, Any]:
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
    r = httpx.post(f"{url}/api/v1/auth/token", json={"login": who, "password": PASSWORD}, timeout=60)
    r.raise_for_status()
    return str(r.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def confirm(*people: str) -> list[dict[str, str]]:
    """PIN confirmations by person id."""
    return [{"person": p, "pin": PINS[p]} for p in people]


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
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
        )
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

    def serve(self, data: Path, env: dict[str, str] | None = None, timeout: float = 30) -> Forked:
        """Fork ``coldcheck --data DATA serve --port P`` and wait until /healthz answers."""
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
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return Forked(url, pid, log)
            except httpx.TransportError:
                time.sleep(0.02)
        self.kill(pid)
        raise AssertionError(f"forked server did not answer: {log.read_text()[-2000:]}")

    def kill(self, pid: int) -> int:
        """SIGKILL a served child and reap it; its wait status."""
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return int(self.ask(op="reap", pid=pid)["status"])

    def run(self, *args: str, data: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
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
