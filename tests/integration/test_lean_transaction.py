"""One command's write transaction reads what it needs once (issue 16, the lean path).

Between ``prepare_commit`` and ``seal`` the commit's ledger keeps the log's size and the
hashes it read or wrote, and the production's newest event is read once: a command reads
the log's size once, one lookup of stored hashes (the compact range), and its
production's newest event once — and still writes entry, head and read tables.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.service.envelope import Channel

DEMO = ProductionId("dry-gulch")
MARA = PersonId("mara-voss")


@pytest.fixture
def app(demo_data: Path, tmp_path: Path) -> Iterator[App]:
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        yield app
    finally:
        app.close()


def _statements_of_one_command(app: App) -> list[str]:
    newest = app.reads.timeline(DEMO, "W-0002", 1)[0].seq
    app.custody.execute(  # warm the state cache and the subject index of today
        c.Correct(
            production=DEMO, actor=MARA, at=datetime.now(UTC), corrects=newest, reason="first"
        ),
        channel=Channel.web(),
    )
    seen: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        app.custody.execute(
            c.Correct(
                production=DEMO, actor=MARA, at=datetime.now(UTC), corrects=newest, reason="again"
            ),
            channel=Channel.web(),
        )
    finally:
        event.remove(app.engine, "before_cursor_execute", count)
    return seen


def test_a_command_reads_the_log_size_the_compact_range_and_its_newest_event_once(
    app: App,
) -> None:
    seen = _statements_of_one_command(app)
    sizes = [s for s in seen if s.startswith("SELECT max(ledger_entries.idx)")]
    lookups = [
        s
        for s in seen
        if s.startswith("SELECT") and ("FROM ledger_nodes" in s or "ledger_entries.leaf_hash" in s)
    ]
    newest_event = [s for s in seen if s.startswith("SELECT max(events.seq)")]
    assert (len(sizes), len(lookups), len(newest_event)) == (1, 1, 1), seen


def test_a_command_still_writes_its_entry_its_commit_record_and_a_new_head(app: App) -> None:
    before = app.reads.ledger_size()
    seen = _statements_of_one_command(app)
    assert app.reads.ledger_size() == before + 4  # two corrections, each with its commit record
    assert sum(s.startswith("INSERT INTO ledger_entries") for s in seen) == 2
    assert sum(s.startswith("INSERT INTO ledger_heads") for s in seen) == 1
    assert any(s.startswith("INSERT INTO events") for s in seen)
