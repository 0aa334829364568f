"""Fixtures for the ledger tests: databases holding just the ledger tables, and a fixed key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, event

from coldcheck.adapters.sql.ledger_store import LEDGER_TABLES
from coldcheck.adapters.sql.tables import metadata
from tests.pg import fresh_pg_schema, pg_url_or_skip


def _sqlite_engine(path: Path) -> Engine:
    eng = create_engine(f"sqlite:///{path}")

    @event.listens_for(eng, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return eng


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with just the ledger tables: a temp-file SQLite, and PostgreSQL if available."""
    if request.param == "sqlite":
        eng = _sqlite_engine(tmp_path / "ledger.db")
        metadata.create_all(eng, tables=list(LEDGER_TABLES))
        yield eng
        eng.dispose()
        return
    with fresh_pg_schema(pg_url_or_skip(), prefix="ledger") as eng:
        metadata.create_all(eng, tables=list(LEDGER_TABLES))
        yield eng


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
