"""The §9153 compliance report from the command line and on the Reports screen, on the
demo production: yesterday W-0002 went to Rosa Lind and back; today scene 41 had its
safety meeting (issue 18)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import run_cli, start_server

PASSWORD = "dry-gulch-demo"


@pytest.fixture(scope="module")
def shot(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> tuple[Path, str]:
    """A copy of the demo, and the demo's yesterday (the day of W-0002's handoff)."""
    folder = tmp_path_factory.mktemp("compliance")
    data = folder / "data"
    shutil.copytree(demo_data, data)
    out = folder / "today.pdf"
    today = json.loads(
        run_cli("report", "compliance", "--out", str(out), "--json", data=data).stdout
    )["day"]
    return data, (date.fromisoformat(today) - timedelta(days=1)).isoformat()


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_report_compliance_writes_a_pdf_and_csv_that_cite_the_log(
    shot: tuple[Path, str], tmp_path: Path
) -> None:
    data, day = shot
    pdf, table = tmp_path / "c.pdf", tmp_path / "c.csv"
    result = run_cli(
        "report",
        "compliance",
        "--day",
        day,
        "--out",
        str(pdf),
        "--csv",
        str(table),
        "--json",
        data=data,
    )
    out = json.loads(result.stdout)
    assert out["contact"] == "Tom Reyes, producer, +1 505 555 0190"
    assert out["counts"]["met"] >= 6
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert list(rows[0]) == [
        "section",
        "subject",
        "requirement",
        "rule",
        "status",
        "events",
        "detail",
        "correction",
    ]
    custody = next(r for r in rows if r["subject"].startswith("W-0002"))
    assert custody["status"] == "met" and custody["events"].startswith("#")
    duty = next(r for r in rows if r["subject"] == "Mara Voss (armorer)" and r["rule"] == "R07")
    assert duty["status"] == "met" and "held W-0002" in duty["detail"]
    rosa = next(r for r in rows if r["subject"].startswith("Rosa Lind (handled"))
    assert rosa["status"] == "met" and "Labor Code §9156" in rosa["detail"]
    assert out["not_met"] == []
    text = _text(pdf)
    for expected in (
        "CALIFORNIA LABOR CODE §9153 DAILY COMPLIANCE REPORT",
        "Compliance contact: Tom Reyes",
        "Per firearm: custody",
        "Per person: duties, permits, training",
        "Mara Voss (armorer)",
        "Closing checkpoint (signed tree head)",
        out["closing_head"]["root_hash"],
        out["closing_head"]["fingerprint"],
    ):
        assert expected in text, expected
    png = tmp_path / "page1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)],
        check=True,
    )
    assert png.with_suffix(".png").stat().st_size > 10_000


def test_report_compliance_refuses_a_day_that_is_not_a_date(shot: tuple[Path, str]) -> None:
    data, _ = shot
    result = run_cli("report", "compliance", "--day", "yesterday", data=data, check=False)
    assert result.returncode != 0
    assert "YYYY-MM-DD" in result.stdout + result.stderr


def test_the_reports_screen_shows_the_lines_and_serves_pdf_and_csv_to_the_producer_only(
    shot: tuple[Path, str], tmp_path: Path
) -> None:
    data, day = shot
    server = start_server(data)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as tom:
            assert (
                tom.post("/signin", data={"login": "tom", "password": PASSWORD}).status_code == 303
            )
            board = tom.get("/p/dry-gulch/mine").text
            assert 'href="/p/dry-gulch/reports"' in board
            screen = tom.get(f"/p/dry-gulch/reports?day={day}")
            assert screen.status_code == 200
            assert "Firearm safety compliance" in screen.text
            assert "Tom Reyes, producer" in screen.text and "W-0002" in screen.text
            today = tom.get("/p/dry-gulch/reports").text
            assert "scene 41" in today and "attended by Dana Ortiz" in today
            pdf = tom.get(f"/p/dry-gulch/reports/compliance.pdf?day={day}")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            assert pdf.headers["content-type"] == "application/pdf"
            (tmp_path / "s.pdf").write_bytes(pdf.content)
            assert "Mara Voss (armorer)" in _text(tmp_path / "s.pdf")
            table = tom.get(f"/p/dry-gulch/reports/compliance.csv?day={day}")
            assert table.text.startswith("section,subject,requirement,rule,status,events,detail")
            bad = tom.get("/p/dry-gulch/reports?day=14-03-2026")
            assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
        with httpx.Client(base_url=server.url, timeout=60) as jack:
            assert (
                jack.post("/signin", data={"login": "jack", "password": PASSWORD}).status_code
                == 303
            )
            assert 'href="/p/dry-gulch/reports"' not in jack.get("/p/dry-gulch/mine").text
            for path in ("/p/dry-gulch/reports", "/p/dry-gulch/reports/compliance.csv"):
                sent = jack.get(f"{path}?day={day}", follow_redirects=False)
                assert sent.status_code == 303, path
                assert sent.headers["location"] == "/p/dry-gulch/mine"
    finally:
        server.stop()
