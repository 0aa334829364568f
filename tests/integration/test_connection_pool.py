"""The pool keeps the connections a busy server needs (``engine.POOL_SIZE``: 40 on SQLite,
20 on PostgreSQL): that many requests at once open that many connections once, and the
next ones reuse them (SQLAlchemy's default of 5 closed every connection above that on its
return, so under load each request paid a new one)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from coldcheck.adapters.sql.engine import POOL_SIZE, make_engine
from tests.pg import pg_url_or_skip


def _requests_at_once(engine: Engine, at_once: int) -> None:
    barrier = threading.Barrier(at_once)

    def request() -> None:
        with engine.connect() as conn:
            barrier.wait(30)  # every connection is checked out at the same moment
            conn.execute(text("select 1"))

    threads = [threading.Thread(target=request) for _ in range(at_once)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_connections_of_concurrent_requests_stay_open_for_the_next_ones(
    database: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'pool.sqlite3'}" if database == "sqlite" else pg_url_or_skip()
    engine = make_engine(url)
    at_once = POOL_SIZE[database]
    opened: list[object] = []
    event.listen(engine, "connect", lambda conn, _record: opened.append(conn))
    try:
        _requests_at_once(engine, at_once)
        assert len(opened) == at_once
        _requests_at_once(engine, at_once)
        assert len(opened) == at_once  # none closed on return, none opened again
    finally:
        engine.dispose()
