"""The walking skeleton: every real part answers (CLI, SQLite, Alembic, HTTP socket)."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from coldcheck import __version__
from coldcheck.adapters.sql import migrate
from coldcheck.adapters.sql.engine import make_engine, sqlite_pragmas
from coldcheck.adapters.sql.schema import metadata
from tests.conftest import Server, run_cli


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    result = run_cli("--version", data=tmp_path / "d")
    assert result.stdout.strip() == f"coldcheck {__version__}"


def test_init_creates_database_at_alembic_head_and_private_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_cli("init", data=data)
    assert "Created data folder" in result.stdout
    engine = make_engine(f"sqlite:///{data / 'coldcheck.sqlite3'}")
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert sqlite_pragmas(engine) == {
            "journal_mode": "wal",
            "synchronous": 2,  # FULL
            "foreign_keys": 1,
        }
    finally:
        engine.dispose()
    key = data / "ledger-signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_init_twice_is_safe_and_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli("init", data=data)
    key_before = (data / "ledger-signing-key.pem").read_bytes()
    again = run_cli("init", data=data)
    assert "Already initialised" in again.stdout
    assert (data / "ledger-signing-key.pem").read_bytes() == key_before


def test_migrations_create_exactly_the_tables_the_code_uses(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_demo_prints_every_login_and_pin(demo_data: Path) -> None:
    result = run_cli("demo", "--if-empty", data=demo_data)
    assert "already holds Dry Gulch" in result.stdout


def test_demo_refuses_a_database_that_holds_productions(demo_data: Path) -> None:
    result = run_cli("demo", data=demo_data, check=False)
    assert result.returncode == 1
    assert "only into an empty database" in result.stderr


def test_serve_without_init_says_to_run_init(tmp_path: Path) -> None:
    result = run_cli("serve", data=tmp_path / "nothing", check=False)
    assert result.returncode == 1
    assert "coldcheck init" in result.stderr


def test_healthz_answers_over_a_real_socket(demo_server: Server) -> None:
    response = httpx.get(f"{demo_server.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__, "database": "sqlite"}


def test_openapi_is_served(demo_server: Server) -> None:
    spec = httpx.get(f"{demo_server.url}/openapi.json").json()
    assert "/api/v1/ledger/head" in spec["paths"]
    assert "/api/v1/productions/{production}/commands/hand-over" in spec["paths"]


def test_the_schema_check_knows_the_newest_migration() -> None:
    assert migrate.head_revision() == migrate.HEAD_REVISION
