"""PostgreSQL connections are pinged only after lying idle (``engine.IDLE_PING_SECONDS``):
no extra round trip per request, and a connection the server ended while it sat in the
pool is replaced before a request uses it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from coldcheck.adapters.sql import engine as engine_module
from coldcheck.adapters.sql.engine import make_engine
from tests.pg import pg_url_or_skip


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("select pg_backend_pid()")).scalar_one())


def _end_on_the_server(url: str, pid: int) -> None:
    admin = make_engine(url)
    try:
        with admin.connect() as conn:
            assert conn.execute(text("select pg_terminate_backend(:p, 5000)"), {"p": pid}).scalar()
    finally:
        admin.dispose()


def test_a_pooled_connection_the_server_ended_while_idle_is_replaced_before_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = pg_url_or_skip()
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
    engine = make_engine(url)
    try:
        first = _backend_pid(engine)
        _end_on_the_server(url, first)
        assert _backend_pid(engine) != first  # no error: pinged, found dead, replaced
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_before_each_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = pg_url_or_skip()
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 3600.0)
    engine = make_engine(url)
    try:
        first = _backend_pid(engine)
        _end_on_the_server(url, first)
        # not idle long enough to be pinged: the request finds it dead (a ping would not)
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first  # and the pool moved on to a new connection
    finally:
        engine.dispose()
