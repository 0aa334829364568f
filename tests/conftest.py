"""Shared fixtures: a real server process, an in-process app, Chromium.

Browser tests skip with a one-line reason when Chromium is missing, and
fail instead under ``COLDCHECK_REQUIRE_BROWSER=1`` (CI); PostgreSQL tests
do the same with ``COLDCHECK_REQUIRE_PG=1`` (see tests/pg.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
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
    """Run the installed ``coldcheck`` command on a data folder."""
    full_env = {**os.environ, "COLDCHECK_DATA": str(data), **(env or {})}
    full_env.pop("COLDCHECK_DATABASE_URL", None)
    if env and "COLDCHECK_DATABASE_URL" in env:
        full_env["COLDCHECK_DATABASE_URL"] = env["COLDCHECK_DATABASE_URL"]
    result = subprocess.run(
        [COLDCHECK, *args], capture_output=True, text=True, env=full_env, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"coldcheck {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


@dataclass
class Server:
    """A ``coldcheck serve`` process on a temporary data folder."""

    url: str
    data: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Terminate and wait."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(data: Path, env: dict[str, str] | None = None) -> Server:
    """Start ``coldcheck serve`` on a free port and wait until /healthz answers."""
    port = free_port()
    full_env = {**os.environ, "COLDCHECK_DATA": str(data), **(env or {})}
    process = subprocess.Popen(
        [COLDCHECK, "serve", "--port", str(port)],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"server exited with {process.returncode}: {err}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, data, process)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("server did not answer /healthz within 30 s")


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
