"""`coldcheck verify`, `export-evidence` and `verify-bundle` on a real data folder."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

from tests.conftest import run_cli


def _db(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(data / "coldcheck.sqlite3")


def test_verify_passes_on_an_untouched_log(demo_copy: Path) -> None:
    result = run_cli("verify", data=demo_copy)
    assert result.stdout.startswith("ledger OK:")


def test_verify_names_the_entry_whose_byte_was_flipped(demo_copy: Path) -> None:
    with _db(demo_copy) as db:
        (entry,) = db.execute("select entry from ledger_entries where idx = 17").fetchone()
        changed = bytearray(entry)
        changed[40] ^= 0x01
        db.execute("update ledger_entries set entry = ? where idx = 17", (bytes(changed),))
    result = run_cli("verify", data=demo_copy, check=False)
    assert result.returncode == 1
    assert "entry 17" in result.stdout


def test_verify_detects_reordered_entries(demo_copy: Path) -> None:
    with _db(demo_copy) as db:
        a = db.execute("select entry, leaf_hash from ledger_entries where idx = 5").fetchone()
        b = db.execute("select entry, leaf_hash from ledger_entries where idx = 6").fetchone()
        db.execute("update ledger_entries set entry=?, leaf_hash=? where idx = 5", b)
        db.execute("update ledger_entries set entry=?, leaf_hash=? where idx = 6", a)
    result = run_cli("verify", data=demo_copy, check=False)
    assert result.returncode == 1
    assert "entr" in result.stdout and "NOT OK" in result.stdout


def test_deleting_the_newest_entries_and_heads_is_caught_by_a_saved_head(
    demo_copy: Path, tmp_path: Path
) -> None:
    with _db(demo_copy) as db:
        size, root, ts, sig, log_id = db.execute(
            "select tree_size, root_hash, timestamp_ms, signature, log_id from ledger_heads"
            " order by tree_size desc limit 1"
        ).fetchone()
    import base64

    head = {
        "log_id": base64.b64encode(log_id).decode(),
        "tree_size": size,
        "root_hash": base64.b64encode(root).decode(),
        "timestamp": ts,
        "signature": base64.b64encode(sig).decode(),
    }
    saved = tmp_path / "head.json"
    saved.write_text(json.dumps(head))
    with _db(demo_copy) as db:  # an attacker removes the last three entries and every trace
        cut = size - 3
        db.execute("delete from ledger_entries where idx >= ?", (cut,))
        db.execute("delete from ledger_heads where tree_size > ?", (cut,))
        db.execute("delete from ledger_nodes where (idx + 1) * (1 << level) > ?", (cut,))
        db.execute("delete from events where seq >= ?", (cut,))
        db.execute("delete from event_refs where seq >= ?", (cut,))
    result = run_cli("verify", "--head", str(saved), data=demo_copy, check=False)
    assert result.returncode == 1
    assert "trusted head" in result.stdout or "missing" in result.stdout


def test_a_changed_read_table_is_reported_and_rebuilt_from_the_log(demo_copy: Path) -> None:
    with _db(demo_copy) as db:
        db.execute("update weapon_view set label = 'cold' where tag = 'W-0001'")
    result = run_cli("verify", data=demo_copy, check=False)
    assert result.returncode == 1
    assert "weapon_view ('dry-gulch', 'W-0001')" in result.stdout
    rebuilt = run_cli("verify", "--rebuild", data=demo_copy)
    assert "rebuilt the derived tables" in rebuilt.stdout
    assert run_cli("verify", "--json", data=demo_copy).stdout.count('"ok": true') == 1


def test_evidence_bundle_verifies_offline_and_fails_when_a_byte_changes(
    demo_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "w2.zip"
    run_cli("export-evidence", "--weapon", "W-0002", "--out", str(out), data=demo_copy)
    vkey = run_cli("key", data=demo_copy).stdout.strip()
    ok = run_cli("verify-bundle", str(out), "--log-key", vkey, "--json", data=demo_copy)
    report = json.loads(ok.stdout)
    assert report["ok"] and report["trusted"] and report["entries"]
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert {"README.txt", "manifest.json", "verify_bundle.py", "checkpoint.txt"} <= set(names)
    raw = bytearray(out.read_bytes())
    for offset in (len(raw) // 3, len(raw) // 2, len(raw) - 30):
        tampered = bytearray(raw)
        tampered[offset] ^= 0x20
        bad = tmp_path / f"bad-{offset}.zip"
        bad.write_bytes(bytes(tampered))
        result = run_cli("verify-bundle", str(bad), "--log-key", vkey, data=demo_copy, check=False)
        assert result.returncode == 1, offset
        assert "NOT VERIFIED" in result.stdout


def test_export_evidence_without_a_choice_is_a_usage_error(demo_copy: Path) -> None:
    result = run_cli("export-evidence", "--out", "x.zip", data=demo_copy, check=False)
    assert result.returncode == 2
    assert "--weapon" in result.stderr
