"""Shared fixtures: a real server process, an in-process app, Chromium.

Browser tests skip with a one-line reason when Chromium is missing, and
fail instead under ``COLDCHECK_REQUIRE_BROWSER=1`` (CI); PostgreSQL tests
do the same with ``COLDCHECK_REQUIRE_PG=1`` (see tests/pg.py).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COLDCHECK = str(Path(sys.executable).with_name("coldcheck"))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, data: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the ``coldcheck`` command line on a data folder (forked from the session's
    pre-imported process: the same ``cli`` the console script calls, in a fresh process)."""
    answer = _zygote().ask(
        op="run",
        args=list(args),
        env={"COLDCHECK_DATA": str(data), **(env or {})},
        unset=[] if env and "COLDCHECK_DATABASE_URL" in env else ["COLDCHECK_DATABASE_URL"],
    )
    result = subprocess.CompletedProcess(
        ["coldcheck", *args], answer["rc"], answer["stdout"], answer["stderr"]
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"coldcheck {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


@dataclass
class Server:
    """A ``coldcheck serve`` process on a temporary data folder.

    Forked from one pre-imported process per test session (the reliability
    suite's zygote): the real command line in a fresh process, without paying
    seconds of imports for every server a test starts.
    """

    url: str
    data: Path
    pid: int

    def kill(self, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` and reap the process; its wait status."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)
        return int(_zygote().ask(op="reap", pid=self.pid)["status"])

    def stop(self) -> None:
        """Terminate (SIGTERM, as a service manager would), SIGKILL after 10 s, and reap."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _exited(self.pid):
            time.sleep(0.05)
        self.kill(signal.SIGKILL)


def _exited(pid: int) -> bool:
    """True once a child has exited (a zombie waiting to be reaped) or is gone."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[1].split()[0] in ("Z", "X")


_ZYGOTE: list[Any] = []


def _zygote() -> Any:
    """The session's pre-imported forking process (started on first use, closed at exit)."""
    if not _ZYGOTE:
        from tests.reliability.support import Zygote

        _ZYGOTE.append(Zygote())
        atexit.register(_ZYGOTE[0].close)
    return _ZYGOTE[0]


def start_server(data: Path, env: dict[str, str] | None = None) -> Server:
    """Start ``coldcheck serve`` on a free port and wait until /healthz answers."""
    z = _zygote()
    served = z.ready(z.spawn(data, env), timeout=60)
    return Server(served.url, data, served.pid)


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder initialised and holding the demo production (made once)."""
    data = tmp_path_factory.mktemp("demo") / "data"
    run_cli("init", data=data)
    run_cli("demo", data=data)
    return data


@pytest.fixture
def demo_copy(demo_data: Path, tmp_path: Path) -> Path:
    """A private copy of the demo data folder, for tests that change it."""
    target = tmp_path / "data"
    shutil.copytree(demo_data, target)
    return target


@pytest.fixture
def demo_server(demo_copy: Path) -> Iterator[Server]:
    """A real server process on a private copy of the demo."""
    server = start_server(demo_copy)
    try:
        yield server
    finally:
        server.stop()


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"no Chromium at {CHROMIUM} (Debian package 'chromium')"
    if os.environ.get("COLDCHECK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"COLDCHECK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
