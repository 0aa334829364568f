"""A correction (R27) travels with what it corrects: timelines and evidence bundles.

A correction names the entry it corrects by its log position. Unless it also names what
that entry is about, a bundle about W-0002 would leave out the correction of W-0002's
inspection — a reader would see the original entry and never learn it was corrected.
The server copies the corrected entry's subjects into the correction from the log
(whatever the caller sent), so the subject index lists it and the bundle's own
verifier accepts it as an entry about W-0002.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.ledger.verify_bundle import verify
from coldcheck.service.envelope import Channel

DEMO = ProductionId("dry-gulch")
TZ = ZoneInfo("America/Denver")
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


def _correct(app: App, seq: int, **claimed: tuple[str, ...]) -> tuple[ev.CorrectionRecorded, int]:
    accepted = app.custody.execute(
        c.Correct(
            production=DEMO,
            actor=MARA,
            at=datetime.now(UTC),
            corrects=seq,
            reason="returned at 09:25, not 09:23",
            **claimed,  # type: ignore[arg-type]
        ),
        channel=Channel.web(),
    )
    (event,) = accepted.events
    assert isinstance(event, ev.CorrectionRecorded)
    return event, accepted.seqs[0]


def _subject_entries(bundle: bytes) -> set[int]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        manifest = json.loads(z.read("manifest.json"))
    return {e["index"] for e in manifest["entries"] if e["role"] == "subject"}


def test_a_bundle_about_a_weapon_carries_the_corrections_of_its_entries(app: App) -> None:
    about = app.reads.timeline(DEMO, "W-0002", 50)
    wrong = about[0].seq  # the newest entry about W-0002
    fix = app.custody.execute(
        c.Correct(
            production=DEMO,
            actor=MARA,
            at=datetime.now(UTC),
            corrects=wrong,
            reason="returned at 09:25, not 09:23",
        ),
        channel=Channel.web(),
    ).seqs[0]
    bundle = app.evidence.export(DEMO, "W-0002", None, None, TZ)
    assert {wrong, fix} <= _subject_entries(bundle.data)
    report = verify(bundle.data, [app.identity.vkey], [])
    assert report.ok, report.problems
    assert fix in {i.seq for i in app.reads.timeline(DEMO, "W-0002", 50)}


def test_a_correction_names_what_the_corrected_entry_is_about_whatever_is_sent(
    app: App,
) -> None:
    wrong = app.reads.timeline(DEMO, "W-0002", 50)[0].seq
    event, fix = _correct(app, wrong, weapons=(WeaponId("W-0001"),))
    assert event.weapons == (WeaponId("W-0002"),)
    assert MARA in event.people
    other = app.evidence.export(DEMO, "W-0001", None, None, TZ)
    assert fix not in _subject_entries(other.data)
