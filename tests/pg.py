"""Where the PostgreSQL tests find their server, and a throwaway schema to run in.

``pg_url_or_skip()`` returns a SQLAlchemy URL from ``COLDCHECK_TEST_PG_URL``,
else from the standard libpq variables when ``PGHOST`` is set (as
``pg_virtualenv`` does). With neither it skips the test, or fails it when
``COLDCHECK_REQUIRE_PG=1`` (CI). ``fresh_pg_schema(url)`` yields an engine
whose connections use a new, uniquely named schema, dropped afterwards, so
parallel and repeated runs never see each other's tables.
"""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import URL, Engine, text

from coldcheck.adapters.sql.engine import make_engine

__all__ = ["fresh_pg_schema", "pg_url_or_skip", "schema_url"]


def pg_url_or_skip() -> str:
    """The test server's URL; skips (or fails under ``COLDCHECK_REQUIRE_PG=1``) without one."""
    url = os.environ.get("COLDCHECK_TEST_PG_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    host = os.environ.get("PGHOST")
    if host:
        user = os.environ.get("PGUSER") or getpass.getuser()
        database = os.environ.get("PGDATABASE") or os.environ.get("PGUSER") or "postgres"
        port = int(os.environ.get("PGPORT") or 5432)
        socket_dir = host.startswith("/")
        return URL.create(
            "postgresql+psycopg",
            username=user,
            password=os.environ.get("PGPASSWORD") or None,
            host=None if socket_dir else host,
            port=None if socket_dir else port,
            database=database,
            query={"host": host, "port": str(port)} if socket_dir else {},
        ).render_as_string(hide_password=False)
    reason = "no PostgreSQL: set COLDCHECK_TEST_PG_URL or PGHOST (or run under pg_virtualenv)"
    if os.environ.get("COLDCHECK_REQUIRE_PG") == "1":
        pytest.fail(f"COLDCHECK_REQUIRE_PG=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def fresh_pg_schema(url: str, prefix: str = "t") -> Iterator[Engine]:
    """An engine on a new schema (``search_path`` set on every connection); dropped at exit."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-c search_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def schema_url(engine: Engine) -> str:
    """A URL (password included) whose connections use ``engine``'s schema: for subprocesses."""
    with engine.connect() as conn:
        schema = conn.execute(text("select current_schema()")).scalar()
    url = engine.url.set(query={**engine.url.query, "options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)
