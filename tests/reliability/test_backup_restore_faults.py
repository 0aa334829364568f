"""Backup and restore killed at every step: the next run recovers, nothing stale is left.

Issue 15, findings 3 and 4. Each test SIGKILLs ``coldcheck backup`` or
``coldcheck restore`` at one named step (``COLDCHECK_FAULT=<step>``, read by
``adapters.datafiles.fault_point``), then checks what the kill left, then
runs the command again without the fault and checks that it recovered: the
data folder holds the backup's database with its own key (``verify``
passes), the old files are kept aside, and no staging folder, journal or key
copy remains.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.datafiles import DatabaseReplaced
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from tests.reliability.support import Zygote, bearer, login, zygote

DB, KEY = "coldcheck.sqlite3", "ledger-signing-key.pem"
JOURNAL = "restore-journal.json"


@pytest.fixture(scope="module")
def z() -> Iterator[Zygote]:
    with zygote() as launcher:
        yield launcher


def _ok(z: Zygote, *args: str, data: Path, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    result = z.run(*args, "--json", data=data, env=env)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _killed(z: Zygote, *args: str, data: Path, step: str) -> None:
    result = z.run(*args, "--json", data=data, env={"COLDCHECK_FAULT": step})
    assert result.returncode == -9, (step, result.returncode, result.stdout, result.stderr)


def _tree_size(z: Zygote, data: Path) -> int:
    report = _ok(z, "verify", data=data)
    assert report["ok"], report
    return int(report["entries"])


# -- backup ---------------------------------------------------------------------------------

TAR_STEPS = ["backup:db-copied", "backup:archive-partial", "backup:archive-written"]
FOLDER_STEPS = ["backup:db-copied", "backup:folder-written"]


@pytest.mark.parametrize(
    ("name", "step"),
    [("b.tar.gz", s) for s in [*TAR_STEPS, "backup:renamed"]]
    + [("b-folder", s) for s in [*FOLDER_STEPS, "backup:renamed"]],
)
def test_a_killed_backup_leaves_no_partial_backup_and_the_next_one_cleans_up(
    z: Zygote, demo_copy: Path, tmp_path: Path, name: str, step: str
) -> None:
    out = tmp_path / "backups"
    out.mkdir()
    target = out / name
    _killed(z, "backup", "--out", str(target), data=demo_copy, step=step)
    left = sorted(p.name for p in out.iterdir())
    if step == "backup:renamed":  # killed after the rename: the backup is whole
        assert name in left
    else:
        assert name not in left, f"{step}: a partial backup under its final name"
    stale = [n for n in left if n != name]
    assert all(n.startswith(".coldcheck-backup-") for n in stale), left
    for folder in stale:  # a staging folder is its owner's alone until it is cleaned
        assert (out / folder).stat().st_mode & 0o077 == 0

    again = out / f"again-{name}"
    _ok(z, "backup", "--out", str(again), data=demo_copy)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        {again.name} | ({name} if step == "backup:renamed" else set())
    ), "a stale staging folder (holding a key copy) was left behind"
    keys = set(out.rglob(KEY))  # key copies: only inside folder backups
    assert keys == {b / KEY for b in (again, target) if b.is_dir()}, keys
    for backup in (again, target):
        if backup.exists():
            restored = tmp_path / f"restored-{backup.name}"
            made = _ok(z, "restore", str(backup), data=restored)
            assert _tree_size(z, restored) == made["tree_size"]


# -- restore --------------------------------------------------------------------------------

BEFORE_JOURNAL = ["restore:staging-coldcheck.sqlite3", "restore:staged"]
AFTER_JOURNAL = [
    "restore:journal-written",
    "restore:aside-db",
    "restore:aside-key",
    "restore:db-installed",
    "restore:key-installed",
]


@pytest.fixture(scope="module")
def backup_of_demo(
    z: Zygote, demo_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int]:
    out = tmp_path_factory.mktemp("backup") / "demo.tar.gz"
    made = _ok(z, "backup", "--out", str(out), data=demo_data)
    return out, int(made["tree_size"])


def _fresh_folder(z: Zygote, data: Path) -> bytes:
    """An initialised, empty data folder with its own key (what a restore replaces)."""
    assert z.run("init", data=data).returncode == 0
    return (data / KEY).read_bytes()


@pytest.mark.parametrize("step", [*BEFORE_JOURNAL, *AFTER_JOURNAL, "restore:journal-removed"])
def test_a_killed_restore_is_finished_by_the_next_restore(
    z: Zygote, backup_of_demo: tuple[Path, int], tmp_path: Path, step: str
) -> None:
    backup, size = backup_of_demo
    data = tmp_path / "data"
    old_key = _fresh_folder(z, data)
    _killed(z, "restore", str(backup), "--force", data=data, step=step)

    if step in AFTER_JOURNAL:
        assert (data / JOURNAL).exists()
        for command in (("init",), ("serve", "--port", "1"), ("verify",)):
            refused = z.run(*command, data=data)
            assert refused.returncode == 1, (step, command, refused.stdout)
            assert f"run `coldcheck restore {backup.resolve()}` again" in refused.stderr
    elif step in BEFORE_JOURNAL:  # the data folder is as it was
        assert not (data / JOURNAL).exists()
        assert _tree_size(z, data) == 0 and (data / KEY).read_bytes() == old_key
    else:  # killed after the journal went: restored, only the staging folder is left
        assert _tree_size(z, data) == size

    finished = _ok(z, "restore", str(backup), "--force", data=data)
    assert finished["tree_size"] == size
    if step in AFTER_JOURNAL:
        assert "finished the interrupted restore" in finished["verified"]
    assert _tree_size(z, data) == size
    names = sorted(p.name for p in data.iterdir())
    assert not [n for n in names if n.startswith((".coldcheck-restore-", JOURNAL))], names
    kept_keys = sorted(data.glob(f"{KEY}.before-restore-*"))
    assert kept_keys and kept_keys[0].read_bytes() == old_key
    assert (data / KEY).read_bytes() != old_key
    assert (data / DB).stat().st_mode & 0o077 == 0 and (data / KEY).stat().st_mode & 0o077 == 0


def test_a_restore_into_an_empty_folder_killed_before_the_key_never_lets_init_mint_one(
    z: Zygote, backup_of_demo: tuple[Path, int], tmp_path: Path
) -> None:
    backup, size = backup_of_demo
    data = tmp_path / "empty"
    _killed(z, "restore", str(backup), data=data, step="restore:db-installed")
    assert (data / DB).exists() and not (data / KEY).exists()
    refused = z.run("init", data=data)
    assert refused.returncode == 1 and "interrupted" in refused.stderr
    assert not (data / KEY).exists()
    # the same command again, without --force, finishes it
    _ok(z, "restore", str(backup), data=data)
    assert _tree_size(z, data) == size
    # and without the journal, init still refuses to mint a key for these heads
    (data / KEY).unlink()
    refused = z.run("init", data=data)
    assert refused.returncode == 1 and "restore the key from your backup" in refused.stderr


def test_restore_force_is_refused_while_a_server_holds_the_data_folder(
    z: Zygote, backup_of_demo: tuple[Path, int], demo_copy: Path
) -> None:
    backup, _ = backup_of_demo
    server = z.serve(demo_copy)
    try:
        token = login(server.url, "mara")
        refused = z.run("restore", str(backup), "--force", data=demo_copy)
        assert refused.returncode == 1
        assert "stop every `coldcheck serve`" in refused.stderr
        assert not list(demo_copy.glob("*.before-restore-*"))
        r = httpx.post(
            f"{server.url}/api/v1/productions/dry-gulch/commands/take-out-of-storage",
            json={"weapon": "W-0005"},
            headers=bearer(token),
        )
        assert r.status_code == 200, r.text  # the server goes on, on the same file
    finally:
        z.kill(server.pid)
    _ok(z, "restore", str(backup), "--force", data=demo_copy)  # once it has stopped


def test_a_server_whose_database_was_replaced_refuses_writes(
    z: Zygote, backup_of_demo: tuple[Path, int], demo_copy: Path, tmp_path: Path
) -> None:
    backup, size = backup_of_demo
    replacement = tmp_path / "replacement"
    _ok(z, "restore", str(backup), data=replacement)
    server = z.serve(demo_copy)
    command = f"{server.url}/api/v1/productions/dry-gulch/commands/take-out-of-storage"
    try:
        token = login(server.url, "mara")
        first = httpx.post(command, json={"weapon": "W-0005"}, headers=bearer(token))
        assert first.status_code == 200, first.text
        size_before = first.json()["head"]["tree_size"]
        # what `restore --force` did under a live server: the files renamed aside, others in
        for name in (f"{DB}-wal", f"{DB}-shm", DB):
            if (demo_copy / name).exists():
                (demo_copy / name).rename(demo_copy / f"{name}.aside")
        shutil.copyfile(replacement / DB, demo_copy / DB)
        second = httpx.post(
            f"{server.url}/api/v1/productions/dry-gulch/commands/return-to-storage",
            json={"weapon": "W-0005"},
            headers=bearer(token),
        )
        assert second.status_code == 503, second.text
        assert "replaced" in second.json()["detail"], second.text
    finally:
        z.kill(server.pid)
    aside = demo_copy / f"{DB}.aside"
    for name in ("-wal", "-shm"):  # SQLite looks for them by the file's own name
        if (demo_copy / f"{DB}{name}.aside").exists():
            (demo_copy / f"{DB}{name}.aside").rename(demo_copy / f"{DB}.aside{name}")
    with sqlite3.connect(aside) as db:
        (stored,) = db.execute("SELECT count(*) FROM ledger_entries").fetchone()
    assert stored == size_before, "the server wrote into the renamed-aside file"
    with sqlite3.connect(demo_copy / DB) as db:
        (now,) = db.execute("SELECT count(*) FROM ledger_entries").fetchone()
    assert now == size, "the server wrote into the new file on the old file's state"


def test_the_database_watch_says_what_happened_and_what_to_do(
    demo_copy: Path, tmp_path: Path
) -> None:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap())
    try:
        app.accounts.users()
        (demo_copy / DB).rename(tmp_path / "moved.sqlite3")
        shutil.copyfile(tmp_path / "moved.sqlite3", demo_copy / DB)
        replaced = pytest.raises(DatabaseReplaced, match="was replaced or moved while this server")
        with replaced:
            app.accounts.set_pin(app.accounts.users()[0].id, "2468")
    finally:
        app.close()
