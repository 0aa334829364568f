"""Opening the database: SQLite (WAL, synchronous=FULL, foreign keys) or PostgreSQL.

SQLite gets one writer at a time: a write transaction starts with
``BEGIN IMMEDIATE`` so two devices never both read a state and then both
write on it; readers keep going thanks to WAL.

PostgreSQL connections are checked before use only after lying idle in the pool for
``IDLE_PING_SECONDS`` (a server restart or an idle timeout ends idle connections): a
connection in steady use costs no extra round trip per request, where SQLAlchemy's
``pool_pre_ping`` pings on every checkout. A dead one is replaced before the request
uses it; one that dies between two uses less than that apart fails that request once
(the pool then drops every connection of that server).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError

IDLE_PING_SECONDS = 10.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out."""

WRITE = {"coldcheck_write": True}
"""Execution options for a write transaction: ``engine.execution_options(**WRITE)``."""

_WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def writer_lock(engine: Engine) -> threading.RLock:
    """One lock per engine that this process's writers queue on.

    SQLite lets one writer in at a time and makes the others retry with
    sleeps that grow (its busy handler), which starves unlucky requests for
    seconds under load; queueing on a lock in the process first hands the
    database to the next writer as soon as the last one is done.
    """
    engine = getattr(engine, "engine", engine)  # an OptionEngine shares its parent's lock
    with _LOCKS_LOCK:
        lock = _WRITER_LOCKS.get(engine)
        if lock is None:
            lock = _WRITER_LOCKS[engine] = threading.RLock()
        return lock


POOL_SIZE = {"sqlite": 40, "postgresql": 20}
"""Connections kept open per engine. The server answers up to 40 requests at once (the
thread pool FastAPI's sync handlers run in); SQLAlchemy's default keeps 5 and closes every
connection above that when it is handed back, so under load each request paid a new
connection (on SQLite its four pragmas too, on PostgreSQL a connect and authentication)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` with coldcheck's durability settings."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    sqlite = url.startswith("sqlite")
    in_memory = sqlite and (not url.startswith("sqlite:///") or ":memory:" in url)
    if "poolclass" not in kwargs and not in_memory:  # in memory: one connection per thread
        kwargs.setdefault("pool_size", POOL_SIZE["sqlite" if sqlite else "postgresql"])
        kwargs.setdefault("max_overflow", 10)
    if not url.startswith("sqlite"):
        return _ping_when_idle(create_engine(url, **kwargs))
    engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # autocommit at the driver level: SQLAlchemy's "begin" event below
        # emits BEGIN itself, so IMMEDIATE can be chosen per transaction.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("coldcheck_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _ping_when_idle(engine: Engine) -> Engine:
    """Ping a pooled connection on checkout only when it was idle ``IDLE_PING_SECONDS``."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["coldcheck_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("coldcheck_idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool replaces it and checks out another
            raise DisconnectionError(f"a pooled connection was dead: {exc}") from exc

    return engine


def sqlite_pragmas(engine: Engine) -> dict[str, Any]:
    """Read back the pragmas that matter, for health checks and tests."""
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
