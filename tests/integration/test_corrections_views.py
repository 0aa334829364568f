"""The three views of a corrected record (R27, ATF Ruling 2016-1), built from a scripted day.

Dry Gulch, shoot day 14: W-0001 is taken out, inspected, loaded with blanks for scene 41 and
handed to Jack. Later that day the armorer corrects two entries: W-0001's registration
(its serial was misread from the frame) and the handoff's take context (it was setup 41B).
Every report then shows the entries as recorded, as corrected, or both, and marks them.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from coldcheck.adapters.compliance_pdf import compliance_pdf
from coldcheck.adapters.pdf import daily_pdf
from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.service.compliance import compliance_report, compliance_rows
from coldcheck.service.corrections import View, fixes_in, state_as_viewed
from coldcheck.service.daily import daily_report, daily_rows
from coldcheck.service.exchange import export_rows
from coldcheck.service.queries import TimelineItem
from coldcheck.service.reports import TIMELINE_COLUMNS, custody_report
from tests.factories import DAY, MARA, W1, Shoot, armed, correction_of, dry_gulch

RECORDED = "SAA-1873"
CORRECTED = "SAA-1873-B"


def _seq(s: Shoot, kind: type[ev.BaseEvent]) -> int:
    return next(i for i, e in enumerate(s.log) if isinstance(e, kind) and e.weapon == W1)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def day() -> Shoot:
    s = dry_gulch()
    armed(s)
    s.tick(minutes=30)
    registered = _seq(s, ev.WeaponRegistered)
    s.do(
        c.Correct,
        MARA,
        reason="misread from the frame",
        **correction_of(s, registered, serial=CORRECTED),
    )
    handed = _seq(s, ev.WeaponHandedOver)
    s.do(
        c.Correct,
        MARA,
        reason="it was the second setup",
        **correction_of(s, handed, **{"context.setup": "41B"}),
    )
    return s


def _items(s: Shoot) -> list[TimelineItem]:
    return [TimelineItem(i, e) for i, e in enumerate(s.log)]


def _daily(s: Shoot, view: View):  # type: ignore[no-untyped-def]
    return daily_report(s.state, _items(s), DAY, s.now + timedelta(days=1), None, view)


def _handoff_row(s: Shoot, view: View):  # type: ignore[no-untyped-def]
    report = _daily(s, view)
    return next(r for r in report.events if r.event == "WeaponHandedOver")


def test_the_original_view_shows_the_entry_as_recorded_and_marks_it(day: Shoot) -> None:
    row = _handoff_row(day, View.ORIGINAL)
    assert "41B" not in row.what
    assert row.correction.startswith("corrected by #")
    assert "by Mara Voss: setup was not recorded, now 41B — it was the second setup" in (
        row.correction
    )
    weapon = next(w for w in _daily(day, View.ORIGINAL).weapons if w.tag == W1)
    assert weapon.serial == RECORDED and f"serial was {RECORDED}, now {CORRECTED}" in (
        weapon.correction
    )


def test_the_corrected_view_shows_the_corrected_values_and_marks_them(day: Shoot) -> None:
    row = _handoff_row(day, View.CORRECTED)
    assert "setup 41B" in row.what and "as recorded" not in row.what
    assert row.correction
    weapon = next(w for w in _daily(day, View.CORRECTED).weapons if w.tag == W1)
    assert weapon.serial == CORRECTED and weapon.correction


def test_both_shows_the_corrected_words_then_the_recorded_ones(day: Shoot) -> None:
    row = _handoff_row(day, View.BOTH)
    corrected, _, recorded = row.what.partition(" (as recorded: ")
    assert "setup 41B" in corrected and recorded and "41B" not in recorded


def test_the_daily_csv_carries_the_marks_in_a_correction_column(day: Shoot) -> None:
    rows = daily_rows(_daily(day, View.BOTH))
    assert TIMELINE_COLUMNS[-1] == "correction"
    marked = [r for r in rows if r[-1]]
    assert [r[2] for r in marked] == ["WeaponHandedOver"]
    correction_rows = [r for r in rows if r[2] == "CorrectionRecorded"]
    assert any("setup was not recorded, now 41B" in r[3] for r in correction_rows)


def test_the_custody_report_describes_the_weapon_as_the_view_shows_it(day: Shoot) -> None:
    items = _items(day)
    now = day.now + timedelta(days=1)
    original = custody_report(day.state, items, W1, None, None, now, None, view=View.ORIGINAL)
    corrected = custody_report(day.state, items, W1, None, None, now, None, view=View.CORRECTED)
    assert f"serial {RECORDED}," in original.description
    assert f"serial {CORRECTED}," in corrected.description
    assert "corrected by #" in original.description
    assert any(r.correction for r in corrected.rows)


def test_the_compliance_report_marks_the_lines_citing_a_corrected_entry(day: Shoot) -> None:
    now = day.now + timedelta(days=1)
    report = compliance_report(day.state, _items(day), DAY, now, None, View.ORIGINAL)
    firearm = next(line for line in report.lines if line.subject.startswith(W1))
    assert f"serial {RECORDED}" in firearm.subject and "(corrected)" in firearm.subject
    assert "setup was not recorded, now 41B" in firearm.correction
    assert compliance_rows(report)[report.lines.index(firearm)][-1] == firearm.correction
    shown = compliance_report(day.state, _items(day), DAY, now, None, View.CORRECTED)
    assert any(f"serial {CORRECTED}" in line.subject for line in shown.lines)


def test_the_exports_print_the_records_as_first_recorded_or_as_corrected(day: Shoot) -> None:
    columns, rows = export_rows("weapons", day.state)
    serial = columns.index("serial")
    assert next(r for r in rows if r[0] == W1)[serial] == CORRECTED
    fixes = fixes_in(_items(day))
    _, rows = export_rows("weapons", state_as_viewed(day.state, fixes, View.ORIGINAL))
    assert next(r for r in rows if r[0] == W1)[serial] == RECORDED


def test_the_wrap_count_compares_the_corrected_serial(day: Shoot) -> None:
    assert day.state.weapons[W1].weapon.serial == CORRECTED


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")
def test_the_daily_pdf_and_the_compliance_pdf_print_the_marks(day: Shoot, tmp_path: Path) -> None:
    pdf = tmp_path / "daily.pdf"
    daily_pdf(_daily(day, View.BOTH), pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "CORRECTED: corrected by #" in text and "41B" in text
    assert "Shown: entries as corrected, then as recorded" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True)
    assert sorted(tmp_path.glob("page-*.png"))
    comp = tmp_path / "compliance.pdf"
    now = day.now + timedelta(days=1)
    compliance_pdf(compliance_report(day.state, _items(day), DAY, now, None), comp)
    text = subprocess.run(
        ["pdftotext", "-layout", str(comp), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "CORRECTED:" in text


def test_a_csv_of_the_daily_log_reads_back_with_its_correction_column(day: Shoot) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TIMELINE_COLUMNS)
    writer.writerows(daily_rows(_daily(day, View.ORIGINAL)))
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert any(r["correction"] and r["event"] == "WeaponHandedOver" for r in read)


def test_a_corrected_reason_of_a_correction_shows_in_the_corrected_view_only() -> None:
    s = dry_gulch()
    armed(s)
    handed = _seq(s, ev.WeaponHandedOver)
    s.do(c.Correct, MARA, reason="setup 41", **correction_of(s, handed, **{"context.setup": "41B"}))
    first = len(s.log) - 1
    s.do(c.Correct, MARA, reason="typo", **correction_of(s, first, reason="the second setup"))
    original = next(r for r in _daily(s, View.ORIGINAL).events if r.seq == first)
    corrected = next(r for r in _daily(s, View.CORRECTED).events if r.seq == first)
    assert original.what.endswith("— setup 41") and original.correction
    assert corrected.what.endswith("— the second setup")
    assert "reason was setup 41, now the second setup — typo" in corrected.correction
