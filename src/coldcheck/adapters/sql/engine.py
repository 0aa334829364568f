"""Opening the database: SQLite (WAL, synchronous=FULL, foreign keys) or PostgreSQL.

SQLite gets one writer at a time: a write transaction starts with
``BEGIN IMMEDIATE`` so two devices never both read a state and then both
write on it; readers keep going thanks to WAL.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` with coldcheck's durability settings."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **kwargs)
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


def sqlite_pragmas(engine: Engine) -> dict[str, Any]:
    """Read back the pragmas that matter, for health checks and tests."""
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
