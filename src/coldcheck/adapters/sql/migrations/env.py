"""Alembic environment: runs on the connection coldcheck hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from coldcheck.adapters.sql.schema import metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - coldcheck always passes its own connection
    raise RuntimeError("run migrations through coldcheck.adapters.sql.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
