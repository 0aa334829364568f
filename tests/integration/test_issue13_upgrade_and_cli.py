"""An older database upgrades (migration 0002, then init); the origin, keys, witnesses and
security log from the command line; every entry records its channel."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from coldcheck.adapters import keyfile
from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.sql import migrate
from coldcheck.adapters.sql.engine import make_engine
from coldcheck.adapters.sql.ledger_store import SqlLedger
from coldcheck.bootstrap import build, init_data
from coldcheck.config import Settings
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.chain import from_ms
from coldcheck.ledger.records import is_event_entry
from coldcheck.service.envelope import entry_channel
from tests.conftest import run_cli
from tests.reliability.test_tamper import DB

LEGACY_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _legacy_folder(tmp_path: Path) -> Path:
    """A data folder as coldcheck before issue 13 left it: schema 0001, heads without commit
    records, an account and audit rows outside the ledger."""
    data = tmp_path / "old"
    data.mkdir(mode=0o700)
    db = data / DB
    db.touch(mode=0o600)
    keyfile.create_key(data / "ledger-signing-key.pem")
    key = keyfile.load_key(data / "ledger-signing-key.pem")
    engine = make_engine(f"sqlite:///{db}")
    try:
        migrate.upgrade(engine, "0001")
        at = LEGACY_AT.isoformat()
        envelope = canonical_json(
            {
                "at": at,
                "by": "tom-reyes",
                "payload": {
                    "company": "Mesa",
                    "creator_name": "Tom",
                    "location": "NM",
                    "roles": ["producer"],
                    "settings": {},
                    "time_zone": "UTC",
                    "title": "Old",
                },
                "production": "old-show",
                "seq": 0,
                "type": "ProductionCreated",
                "version": 1,
                "witnesses": [],
            }
        )
        with engine.begin() as conn:
            ledger = SqlLedger(conn)
            ledger.append([envelope])
            ledger.sign_and_store_head(key, int(LEGACY_AT.timestamp() * 1000))
            conn.execute(
                text(
                    "insert into users (id, person_id, login, display_name, password_hash,"
                    " pin_hash, pin_failures, created_at) values ('u1', 'tom-reyes', 'tom',"
                    " 'Tom', :h, NULL, 0, :at)"
                ),
                {"h": Argon2Hasher.cheap().hash("an old password here"), "at": at},
            )
            conn.execute(
                text(
                    "insert into auth_events (at, user_id, login, kind, detail)"
                    " values (:at, 'u1', 'tom', 'login_ok', '')"
                ),
                {"at": at},
            )
    finally:
        engine.dispose()
    return data


def test_an_older_database_upgrades_and_then_chains_every_commit(tmp_path: Path) -> None:
    data = _legacy_folder(tmp_path)
    refused = run_cli("serve", data=data, check=False)
    assert refused.returncode == 1 and "coldcheck init" in refused.stderr
    report = init_data(
        Settings.from_env({"COLDCHECK_DATA": str(data)}), origin="old.example/coldcheck"
    )
    assert report.migrated_from == "0001" and report.migrated_to == migrate.HEAD_REVISION
    assert report.baseline is not None and report.origin == "old.example/coldcheck"
    rebuilt = run_cli("verify", "--rebuild", data=data)  # the new derived tables from the log
    assert "rebuilt" in rebuilt.stdout
    ok = json.loads(run_cli("verify", "--json", data=data).stdout)
    assert ok["ok"] and ok["commits"] == 1, ok  # the baseline's commit starts the chain
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        app.accounts.sign_in("tom", "an old password here", "web")  # type: ignore[arg-type]
    finally:
        app.close()
    again = json.loads(run_cli("verify", "--json", data=data).stdout)
    assert again["ok"] and again["commits"] == 2
    with sqlite3.connect(data / DB) as db:
        db.execute("delete from auth_events where seq is null")  # the row from before
    caught = json.loads(run_cli("verify", "--json", data=data, check=False).stdout)
    assert not caught["ok"]
    assert any("written before the security log" in p for p in caught["derived_problems"])


def test_the_origin_is_fixed_once_set(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli("init", "--origin", "set.example/coldcheck/dry-gulch", data=data)
    vkey = run_cli("key", data=data).stdout.strip()
    assert vkey.startswith("set.example/coldcheck/dry-gulch+")
    again = run_cli("init", data=data)
    assert "origin set.example/coldcheck/dry-gulch" in again.stdout
    changed = run_cli("init", "--origin", "other.example/log", data=data, check=False)
    assert changed.returncode == 2 and "is fixed" in changed.stderr
    bad = run_cli("init", "--origin", "https://x.example", data=tmp_path / "x", check=False)
    assert bad.returncode == 2 and "schema-less" in bad.stderr


def test_witnesses_are_added_listed_and_removed_in_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli("init", data=data)
    witness = tmp_path / "w"
    vkey = run_cli("witness", "init", "--name", "w.example/1", data=witness).stdout.split()[-1]
    bad = run_cli("witnesses", "add", "not-a-vkey", "https://w.example", data=data, check=False)
    assert bad.returncode == 2 and "vkey" in bad.stderr
    log_key = run_cli("key", data=data).stdout.strip()
    not_a_witness = run_cli(
        "witnesses", "add", log_key, "https://w.example", data=data, check=False
    )
    assert not_a_witness.returncode == 2 and "0x04" in not_a_witness.stderr
    run_cli("witnesses", "add", vkey, "https://w.example/", data=data)
    listed = json.loads(run_cli("witnesses", "list", "--json", data=data).stdout)
    assert [(w["witness"], w["url"], w["from"]) for w in listed["witnesses"]] == [
        ("w.example/1", "https://w.example", "data folder")
    ]
    assert (data / "witnesses.json").stat().st_mode & 0o777 == 0o600
    run_cli("witnesses", "remove", "w.example/1", data=data)
    assert json.loads(run_cli("witnesses", "list", "--json", data=data).stdout)["witnesses"] == []
    gone = run_cli("witnesses", "remove", "w.example/1", data=data, check=False)
    assert gone.returncode == 1


def test_every_entry_records_how_it_came_in(demo_copy: Path, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("person,name,roles\nnora-bell,Nora Bell,crew\n")
    run_cli("import", "people", str(people), "--as", "tom-reyes", data=demo_copy)
    with sqlite3.connect(demo_copy / DB) as db:
        entries = [bytes(e) for (e,) in db.execute("select entry from ledger_entries order by idx")]
    channels = [entry_channel(e) for e in entries if is_event_entry(e)]
    assert {str(c) for c in channels[:-2]} == {"demo"}
    imported = channels[-2:]
    assert all(c is not None and c.kind == "cli" and c.detail for c in imported), imported
    assert "command line (OS user" in imported[0].words()  # type: ignore[union-attr]


@pytest.mark.parametrize("table", ["users", "auth_events"])
def test_restore_refuses_a_backup_whose_accounts_the_log_does_not_explain(
    demo_copy: Path, tmp_path: Path, table: str
) -> None:
    backup = tmp_path / "b.tar"
    run_cli("backup", "--out", str(backup), data=demo_copy)
    unpacked = tmp_path / "unpacked"
    shutil.unpack_archive(backup, unpacked)
    with sqlite3.connect(unpacked / DB) as db:
        if table == "users":
            db.execute("update users set password_hash = pin_hash where login = 'jack'")
        else:
            db.execute("delete from auth_events where id = (select max(id) from auth_events)")
    # the manifest's hashes would refuse the edited file first: re-seal it as a folder backup
    manifest = json.loads((unpacked / "manifest.json").read_text())
    import hashlib

    manifest["files"][DB] = hashlib.sha256((unpacked / DB).read_bytes()).hexdigest()
    body = {k: v for k, v in manifest.items() if k != "signature"}
    import base64

    key = keyfile.load_key(unpacked / "ledger-signing-key.pem")
    manifest["signature"] = base64.b64encode(key.sign(canonical_json(body))).decode()
    (unpacked / "manifest.json").write_text(json.dumps(manifest))
    target = tmp_path / "restored"
    refused = run_cli("restore", str(unpacked), data=target, check=False)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "differs from its own log" in refused.stderr
    assert not (target / DB).exists()
    assert from_ms(0).year == 1970


def test_a_wrong_pin_is_a_security_record_in_the_log_and_verify_explains_it(
    demo_copy: Path,
) -> None:
    from coldcheck.ledger.records import parse_record
    from coldcheck.service.account_model import PinRefused

    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap())
    try:
        before = app.reads.ledger_size()
        with pytest.raises(PinRefused):
            app.accounts.verify_pins([("rosa-lind", "0000")])
        size = app.reads.ledger_size()
        records = [parse_record(e) for e in app.reads.ledger_entries_at(range(before, size))]
    finally:
        app.close()
    kinds = [(r or {}).get("record") for r in records]
    assert kinds == ["security", "commit"]
    assert records[0] is not None and records[0]["kind"] == "pin_failed"
    assert records[0]["account"]["pin_failures"] == 1 and records[0]["login"] == "rosa"
    assert json.loads(run_cli("verify", "--json", data=demo_copy).stdout)["ok"]
