"""Tamper with every table that holds events, ledger data or heads; ``coldcheck verify`` notices.

For each table — the ledger (``ledger_entries``, ``ledger_nodes``,
``ledger_heads``), the event and subject indexes (``events``, ``event_refs``,
``subject_index``), the read tables (``productions``, ``memberships``,
``weapon_view``, ``lot_view``), ``snapshots``, and the security log and the
accounts it explains (``auth_events``, ``users``) — four mutations, each on a
fresh copy of the same database:
change one byte of one row, delete a row, swap the contents of two rows,
truncate the tail. Every one must make ``coldcheck verify`` exit 1 and name
what it found (an entry, a head or a subtree hash for the ledger; the table
for derived rows). Cutting the tail of the whole log *consistently* (every
table, every trace) is only detectable against a head saved outside the
server: that case runs with ``verify --head``.

The database holds the demo plus a second production, and a snapshot of
each (normally written every 1000 events) so that ``snapshots`` has rows.
"""

from __future__ import annotations

import base64
import json
import pickle
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coldcheck.bootstrap import build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId, ReportId
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import NotSigned
from coldcheck.service.ports import FixedClock
from tests.attacks import rewrite_without_key
from tests.reliability.support import Zygote, zygote

DB = "coldcheck.sqlite3"
KEYS: dict[str, tuple[str, ...]] = {
    "ledger_entries": ("idx",),
    "ledger_nodes": ("level", "idx"),
    "ledger_heads": ("tree_size",),
    "events": ("seq",),
    "event_refs": ("production", "ref", "seq"),
    "productions": ("id",),
    "memberships": ("production", "person"),
    "weapon_view": ("production", "tag"),
    "lot_view": ("production", "tag"),
    "snapshots": ("production",),
    "subject_index": ("seq",),
    "auth_events": ("id",),
    "users": ("id",),
}
LEDGER = {"ledger_entries": "entr", "ledger_nodes": "subtree hash", "ledger_heads": "head"}
NAMED = {"users": "account", "snapshots": "snapshot"}
#: Columns swapped between two rows where the others are unique (two accounts' credentials).
SWAPPED = {"users": ["password_hash", "pin_hash"], "auth_events": ["at", "kind", "detail"]}
MUTATIONS = ("change one byte", "delete a row", "swap two rows", "truncate the tail")
tally = {"tried": 0, "detected": 0}


@pytest.fixture(scope="module")
def z() -> Iterator[Zygote]:
    with zygote() as launcher:
        yield launcher


@pytest.fixture(scope="module")
def base(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, a second production, and a snapshot of each production."""
    data = tmp_path_factory.mktemp("tamper") / "data"
    shutil.copytree(demo_data, data)
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}))
    try:
        app.custody.execute(
            c.CreateProduction(
                production=ProductionId("red-mesa"),
                actor=PersonId("tom-reyes"),
                at=datetime.now(UTC),
                title="Red Mesa",
                company="Mesa Lantern Pictures",
                location="Utah",
                time_zone="America/Denver",
                actor_name="Tom Reyes",
            ),
            channel=Channel.web(),
        )
        with app.uow() as uow:
            for pid in ("dry-gulch", "red-mesa"):
                state = app.custody.state(ProductionId(pid))
                uow._save_snapshot(state, uow._last_seq(ProductionId(pid)))
            uow.commit()
    finally:
        app.close()
    with sqlite3.connect(data / DB) as db:
        db.execute("pragma wal_checkpoint(truncate)")
    return data


def _verify(z: Zygote, data: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = z.run("verify", "--json", *extra, data=data)
    return result.returncode, json.loads(result.stdout or "{}")


def test_the_untouched_copy_verifies(z: Zygote, base: Path) -> None:
    rc, report = _verify(z, base)
    assert rc == 0 and report["ok"], report
    with sqlite3.connect(base / DB) as db:
        assert db.execute("select count(*) from snapshots").fetchone() == (2,)


def _rows(db: sqlite3.Connection, table: str) -> list[sqlite3.Row]:
    order = ", ".join(KEYS[table])
    return list(db.execute(f"select rowid as _r, * from {table} order by {order}"))


def _rows_no_rowid(db: sqlite3.Connection, table: str) -> list[sqlite3.Row]:
    order = ", ".join(KEYS[table])
    return list(db.execute(f"select * from {table} order by {order}"))


def _where(table: str, row: sqlite3.Row) -> tuple[str, list[Any]]:
    keys = KEYS[table]
    return " and ".join(f"{k} = ?" for k in keys), [row[k] for k in keys]


def _changed(value: Any) -> Any:
    if isinstance(value, bytes):
        b = bytearray(value)
        b[len(b) // 2] ^= 0x01
        return bytes(b)
    if isinstance(value, str):
        i = len(value) // 2
        return value[:i] + chr(ord(value[i]) ^ 0x01) + value[i + 1 :] if value else "x"
    if isinstance(value, int):
        return value + 1
    return "x" if value is None else value


def _mutate(db: sqlite3.Connection, table: str, how: str) -> str:
    """Apply one mutation; a description of what was done."""
    rows = _rows_no_rowid(db, table)
    assert len(rows) >= 2, f"{table} needs two rows to tamper with"
    keys = KEYS[table]
    names = list(rows[0].keys())  # a sqlite3.Row iterates over its values, not its names
    cols = [k for k in names if k not in keys] or [keys[1] if len(keys) > 1 else keys[0]]
    if how == "change one byte":
        row = rows[len(rows) // 2]
        col = next((k for k in cols if row[k] not in (None, "", b"")), cols[0])
        where, args = _where(table, row)
        db.execute(f"update {table} set {col} = ? where {where}", [_changed(row[col]), *args])
        return f"{col} of {tuple(row[k] for k in keys)}"
    if how == "delete a row":
        row = rows[len(rows) // 2]
        where, args = _where(table, row)
        db.execute(f"delete from {table} where {where}", args)
        return f"row {tuple(row[k] for k in keys)}"
    if how == "swap two rows":
        a = rows[len(rows) // 2]
        cols = SWAPPED.get(table, cols)
        b = next(
            r
            for r in rows[len(rows) // 2 + 1 :] + rows
            if tuple(r) != tuple(a) and any(r[k] != a[k] for k in cols)
        )
        if set(cols) <= set(keys):  # every column is key (event_refs): swap the seqs
            have = {(r["ref"], r["seq"]) for r in rows}
            b = next(
                r
                for r in rows
                if r["seq"] != a["seq"]
                and (a["ref"], r["seq"]) not in have
                and (r["ref"], a["seq"]) not in have
            )
            cols = ["seq"]
        wa, aa = _where(table, a)
        wb, ab = _where(table, b)
        sets = ", ".join(f"{k} = ?" for k in cols)
        db.execute(f"update {table} set {sets} where {wa}", [*(b[k] for k in cols), *aa])
        db.execute(f"update {table} set {sets} where {wb}", [*(a[k] for k in cols), *ab])
        return f"{tuple(a[k] for k in keys)} <-> {tuple(b[k] for k in keys)}"
    if how == "truncate the tail":
        cut = rows[-max(1, min(3, len(rows) // 4)) :]
        for row in cut:
            where, args = _where(table, row)
            db.execute(f"delete from {table} where {where}", args)
        return f"last {len(cut)} rows"
    raise AssertionError(how)


# Snapshots are a cache: losing one costs a replay, never a record. Deleting one must be
# harmless (verify still passes, the state is the same); changing one must be noticed.
HARMLESS = {("snapshots", "delete a row"), ("snapshots", "truncate the tail")}
MISSED: dict[tuple[str, str], str] = {}
"""Mutations known to go unnoticed (none since every commit ends with a commit record)."""
CASES = [
    pytest.param(
        t,
        how,
        id=f"{t}-{how.replace(' ', '-')}",
        marks=[pytest.mark.xfail(strict=True, reason=MISSED[(t, how)])]
        if (t, how) in MISSED
        else [],
    )
    for t in KEYS
    for how in MUTATIONS
    if (t, how) not in HARMLESS
]


@pytest.mark.parametrize(("table", "how"), CASES)
def test_verify_detects(z: Zygote, base: Path, tmp_path: Path, table: str, how: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    with sqlite3.connect(data / DB) as db:
        db.row_factory = sqlite3.Row
        what = _mutate(db, table, how)
    tally["tried"] += 1
    rc, report = _verify(z, data)
    found = [report.get("problem") or "", *report.get("derived_problems", [])]
    named = LEDGER.get(table) or NAMED.get(table, table)
    assert rc == 1 and not report.get("ok"), f"{how} in {table} ({what}) went unnoticed: {report}"
    assert any(named in f for f in found), f"{table}: verify did not name it: {found}"
    tally["detected"] += 1


@pytest.mark.parametrize("how", sorted(h for _, h in HARMLESS))
def test_losing_a_snapshot_is_harmless(z: Zygote, base: Path, tmp_path: Path, how: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    before = _state_of(data)
    with sqlite3.connect(data / DB) as db:
        db.row_factory = sqlite3.Row
        _mutate(db, "snapshots", how)
    rc, report = _verify(z, data)
    assert rc == 0 and report["ok"], report
    assert _state_of(data) == before


def _state_of(data: Path) -> Any:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}))
    try:
        return app.custody.state(ProductionId("dry-gulch"))
    finally:
        app.close()


def test_cutting_the_whole_tail_is_caught_by_a_saved_head(
    z: Zygote, base: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    with sqlite3.connect(data / DB) as db:
        size, root, ts, sig, log_id = db.execute(
            "select tree_size, root_hash, timestamp_ms, signature, log_id from ledger_heads"
            " order by tree_size desc limit 1"
        ).fetchone()
        cut = size - 5
        db.execute("delete from ledger_entries where idx >= ?", (cut,))
        db.execute("delete from ledger_heads where tree_size > ?", (cut,))
        db.execute("delete from ledger_nodes where (idx + 1) * (1 << level) > ?", (cut,))
        db.execute("delete from events where seq >= ?", (cut,))
        db.execute("delete from event_refs where seq >= ?", (cut,))
    saved = tmp_path / "head.json"
    saved.write_text(
        json.dumps(
            {
                "log_id": base64.b64encode(log_id).decode(),
                "tree_size": size,
                "root_hash": base64.b64encode(root).decode(),
                "timestamp": ts,
                "signature": base64.b64encode(sig).decode(),
            }
        )
    )
    tally["tried"] += 1
    rc, report = _verify(z, data, "--head", str(saved))
    assert rc == 1 and "trusted head" in (report.get("problem") or ""), report
    tally["detected"] += 1


class _Planted:
    """A pickle that, when loaded, creates a file: proof that loading ran our code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return (Path.mkdir, (self.marker,))


def test_a_crafted_snapshot_runs_no_code(z: Zygote, base: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    marker = tmp_path / "pwned"
    with sqlite3.connect(data / DB) as db:
        db.execute(
            "update snapshots set state = ? where production = 'dry-gulch'",
            (pickle.dumps(_Planted(marker)),),
        )
    rc, report = _verify(z, data)
    assert not marker.exists(), "coldcheck verify executed code from a snapshot row"
    assert rc == 1 and any("snapshot" in p for p in report["derived_problems"])
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}))
    try:
        app.custody.state(ProductionId("dry-gulch"))  # what the server does on a cold start
    finally:
        app.close()
    assert not marker.exists(), "the server executed code from a snapshot row"


def test_a_head_deleted_from_the_middle_is_named(z: Zygote, base: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    with sqlite3.connect(data / DB) as db:
        sizes = [s for (s,) in db.execute("select tree_size from ledger_heads order by tree_size")]
        middle = sizes[len(sizes) // 2]
        db.execute("delete from ledger_heads where tree_size = ?", (middle,))
    rc, report = _verify(z, data)
    assert rc == 1
    assert f"the signed head at tree size {middle}" in report["problem"], report
    assert "missing" in report["problem"]


def test_a_rewrite_without_the_key_is_refused_by_the_server_and_named_by_verify(
    z: Zygote, base: Path, tmp_path: Path
) -> None:
    """Entry 37's author changed with plain SQL and hashlib, its hashes recomputed, the heads
    after it deleted; then one anonymous safety report: the server must not sign it."""
    data = tmp_path / "data"
    shutil.copytree(base, data)
    with sqlite3.connect(data / DB) as db:
        index = next(
            i
            for (i,) in db.execute(
                "select idx from ledger_entries where instr(entry, ?) > 0 and idx >= 37"
                " order by idx limit 1",
                (b'"by":"mara-voss"',),
            )
        )
    kept = rewrite_without_key(data, index, b'"by":"mara-voss"', b'"by":"eli-tran"')
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}))
    try:
        size = app.reads.ledger_size()
        with pytest.raises(NotSigned, match="have no signed head"):
            app.custody.execute(
                c.FileSafetyReport(
                    production=ProductionId("dry-gulch"),
                    actor=None,
                    at=datetime.now(UTC),
                    report=ReportId(""),
                    text="who moved the revolver?",
                    anonymous=True,
                ),
                channel=Channel.web(),
            )
        assert app.reads.ledger_size() == size  # nothing was written
    finally:
        app.close()
    tally["tried"] += 1
    rc, report = _verify(z, data)
    assert rc == 1 and "head" in report["problem"], report
    assert kept < index + 1
    tally["detected"] += 1


def test_a_clock_set_back_six_hours_records_nothing(base: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    back = FixedClock(datetime.now(UTC) - timedelta(hours=6))
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), clock=back)
    try:
        size = app.reads.ledger_size()
        with pytest.raises(NotSigned, match="set back"):
            app.custody.execute(
                c.StopWork(
                    production=ProductionId("dry-gulch"),
                    actor=PersonId("mara-voss"),
                    at=back.now(),
                    reason="checking the clock",
                ),
                channel=Channel.web(),
            )
        assert app.reads.ledger_size() == size
    finally:
        app.close()


def test_a_planted_account_and_a_replaced_pin_hash_are_named(
    z: Zygote, base: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    with sqlite3.connect(data / DB) as db:
        hashed = db.execute("select pin_hash from users where login = 'jack'").fetchone()[0]
        db.execute(
            "insert into users (id, person_id, login, display_name, password_hash, pin_hash,"
            " pin_failures, created_at) values ('00000000-0000-0000-0000-00000000beef',"
            " 'ghost', 'ghost', 'Ghost', ?, ?, 0, '2026-01-01 00:00:00.000000')",
            (hashed, hashed),
        )
        db.execute("update users set pin_hash = ? where login = 'tom'", (hashed,))
    tally["tried"] += 2
    rc, report = _verify(z, data)
    problems = report["derived_problems"]
    assert rc == 1
    assert any("account ghost" in p and "planted" in p for p in problems), problems
    assert any("account tom" in p and "PIN hash" in p for p in problems), problems
    tally["detected"] += 2


def test_zz_print_tamper_figures() -> None:
    missed = tally["tried"] - tally["detected"]
    print(
        f"\n[tamper] mutations tried={tally['tried']} detected={tally['detected']}"
        f" known misses={missed} harmless cache deletions checked={len(HARMLESS)}"
    )
    assert tally["tried"] >= 4 * len(KEYS) - len(HARMLESS)
    assert missed <= len(MISSED)
