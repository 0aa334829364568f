"""The same Alembic migrations run up and down on a real PostgreSQL server."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from coldcheck.adapters.sql import migrate
from coldcheck.adapters.sql.schema import metadata
from tests.pg import fresh_pg_schema, pg_url_or_skip


def test_migrations_run_up_and_down_on_postgresql() -> None:
    url = pg_url_or_skip()
    with fresh_pg_schema(url, prefix="mig") as engine:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"ledger_entries", "ledger_nodes", "ledger_heads", "events", "users"} <= tables
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        migrate.downgrade(engine, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        assert migrate.current_revision(engine) is None
