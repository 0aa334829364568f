"""One pre-importing launcher for the security suite (see tests/reliability/zygote.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.support import Zygote, zygote


@pytest.fixture(scope="session")
def z() -> Iterator[Zygote]:
    with zygote() as launcher:
        yield launcher
