"""One server per test module: each module tells one story on its own copy of the demo."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, start_server


@pytest.fixture(scope="module")
def module_server(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server on a private copy of the demo, shared by the tests of one module."""
    target = tmp_path_factory.mktemp("e2e") / "data"
    shutil.copytree(demo_data, target)
    server = start_server(target)
    try:
        yield server
    finally:
        server.stop()
