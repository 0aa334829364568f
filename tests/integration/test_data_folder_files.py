"""The data folder's files are its owner's alone, and opening refuses them otherwise.

Issue 15, finding 1 (files): ``init`` made the SQLite file 0644 in a 0755 folder,
so anyone on the machine could copy every account's password and PIN hashes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from tests.conftest import run_cli

DB = "coldcheck.sqlite3"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_makes_the_folder_0700_and_the_database_wal_and_shm_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which made the database 0644
    try:
        data = tmp_path / "data"
        run_cli("init", data=data)
        assert _mode(data) == 0o700
        assert _mode(data / DB) == 0o600
        app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
        try:
            app.accounts.users()  # SQLite makes the -wal and -shm files
            with app.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM ledger_heads").scalar()
                for name in (f"{DB}-wal", f"{DB}-shm"):
                    assert (data / name).exists(), name
                    assert _mode(data / name) == 0o600, name
        finally:
            app.close()
    finally:
        os.umask(old)


def test_opening_refuses_a_database_others_can_read_and_says_what_to_run(
    demo_copy: Path,
) -> None:
    os.chmod(demo_copy / DB, 0o644)
    for command in (("serve", "--port", "1"), ("verify",), ("user", "list")):
        result = run_cli(*command, data=demo_copy, check=False)
        assert result.returncode == 1, command
        assert f"chmod 600 {demo_copy / DB}" in result.stderr, (command, result.stderr)
        assert "mode 644" in result.stderr
    os.chmod(demo_copy / DB, 0o600)
    assert run_cli("verify", data=demo_copy).returncode == 0


def test_a_wal_file_others_can_write_is_refused_too(demo_copy: Path) -> None:
    wal = demo_copy / f"{DB}-wal"
    wal.touch()
    os.chmod(wal, 0o622)
    result = run_cli("verify", data=demo_copy, check=False)
    assert result.returncode == 1
    assert f"chmod 600 {wal}" in result.stderr
    # init refuses as well, rather than migrate a database others can read
    again = run_cli("init", data=demo_copy, check=False)
    assert again.returncode == 1 and "chmod 600" in again.stderr


def test_init_refuses_a_new_key_for_a_database_that_holds_signed_heads(
    demo_copy: Path,
) -> None:
    key = demo_copy / "ledger-signing-key.pem"
    key.unlink()
    result = run_cli("init", data=demo_copy, check=False)
    assert result.returncode == 1
    assert "signed tree heads" in result.stderr
    assert "restore the key from your backup" in result.stderr
    assert not key.exists()
