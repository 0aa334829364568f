"""Corrections the ATF way through the real service, pages, command line and bundles (R27).

On the demo production: the service fills in what the corrected entry is (its type, the id
its values describe, each value before) from the log; the weapon page offers the entry's
correctable fields and shows the three views; the report commands take ``--view``; an
evidence bundle's verifier marks the corrected entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.domain.model import FieldChange
from coldcheck.ledger.verify_bundle import verify
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import Refused
from tests.conftest import Server, run_cli

DEMO = ProductionId("dry-gulch")
TZ = ZoneInfo("America/Denver")
MARA = PersonId("mara-voss")
PASSWORD = "dry-gulch-demo"


def _app(data: Path) -> App:
    return build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())


@pytest.fixture
def app(demo_copy: Path) -> Iterator[App]:
    app = _app(demo_copy)
    try:
        yield app
    finally:
        app.close()


def _registration(app: App, tag: str) -> tuple[int, ev.WeaponRegistered]:
    for item in app.reads.timeline(DEMO, tag, 500):
        if isinstance(item.event, ev.WeaponRegistered):
            return item.seq, item.event
    raise AssertionError(f"{tag} has no registration")


def _correct(app: App, seq: int, reason: str, **values: str) -> ev.CorrectionRecorded:
    accepted = app.custody.execute(
        c.Correct(
            production=DEMO,
            actor=MARA,
            at=datetime.now(UTC),
            corrects=seq,
            reason=reason,
            changes=tuple(
                FieldChange(f, v, was="whatever the caller says") for f, v in values.items()
            ),
            of_type="LotReceived",  # replaced from the log
        ),
        channel=Channel.web(),
    )
    (event,) = accepted.events
    assert isinstance(event, ev.CorrectionRecorded)
    return event


def test_the_service_fills_in_the_entry_its_subject_and_each_value_before(app: App) -> None:
    seq, registered = _registration(app, "W-0002")
    first = _correct(app, seq, "misread from the frame", serial="SW-38-A")
    assert (first.of_type, first.subject) == ("WeaponRegistered", "W-0002")
    assert first.changes == (FieldChange("serial", "SW-38-A", registered.serial),)
    second = _correct(app, seq, "still misread", serial="SW-38-B")
    assert second.changes[0].was == "SW-38-A"  # the latest correction is the value before
    assert app.custody.state(DEMO).weapons[WeaponId("W-0002")].weapon.serial == "SW-38-B"


def test_a_refused_correction_of_a_count_records_nothing(app: App) -> None:
    lot = next(
        i.seq for i in app.reads.timeline(DEMO, None, 500) if isinstance(i.event, ev.LotReceived)
    )
    before = len(app.reads.timeline(DEMO, None, 5000))
    with pytest.raises(Refused) as refused:
        _correct(app, lot, "miscounted", count="1")
    assert [r.rule for r in refused.value.refusal.reasons] == ["R27"]
    assert len(app.reads.timeline(DEMO, None, 5000)) == before


def test_a_bundle_marks_the_corrected_entry_under_it(app: App) -> None:
    seq, registered = _registration(app, "W-0002")
    fix = _correct(app, seq, "misread from the frame", serial="SW-38-A")
    assert fix.subject == "W-0002"
    bundle = app.evidence.export(DEMO, "W-0002", None, None, TZ)
    report = verify(bundle.data, [app.identity.vkey], [])
    assert report.ok, report.problems
    text = report.summary()
    was = re.escape(registered.serial)
    assert re.search(rf"corrected by #\d+ at \S+ by mara-voss: serial was {was}, now SW-38-A", text)
    marked = next(e for e in report.as_json()["entries"] if e["index"] == seq)
    assert marked["corrected"] and "misread from the frame" in marked["corrected"][0]


def test_the_report_and_export_commands_take_a_view(demo_copy: Path, tmp_path: Path) -> None:
    app = _app(demo_copy)
    try:
        seq, registered = _registration(app, "W-0001")
        _correct(app, seq, "misread from the frame", serial="SAA-1873-B")
    finally:
        app.close()
    original = json.loads(
        run_cli("export", "weapons", "--view", "original", "--json", data=demo_copy).stdout
    )
    row = next(r for r in original["rows"] if r["tag"] == "W-0001")
    assert row["serial"] == registered.serial
    words = f"serial was {registered.serial}, now SAA-1873-B"
    assert any(words in m for m in original["corrections"])
    corrected = json.loads(run_cli("export", "weapons", "--json", data=demo_copy).stdout)
    assert next(r for r in corrected["rows"] if r["tag"] == "W-0001")["serial"] == "SAA-1873-B"
    pdf, csv = tmp_path / "custody.pdf", tmp_path / "custody.csv"
    run_cli(
        "report",
        "custody",
        "W-0001",
        "--view",
        "original",
        "-o",
        str(pdf),
        "--csv",
        str(csv),
        data=demo_copy,
    )
    assert "correction" in csv.read_text().splitlines()[0]
    assert words in csv.read_text()
    bad = run_cli("report", "daily", "--view", "sideways", data=demo_copy, check=False)
    assert bad.returncode == 2
    assert "original, corrected or both" in bad.stdout + bad.stderr


@pytest.fixture
def mara(demo_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo_server.url, timeout=60) as client:
        r = client.post("/signin", data={"login": "mara", "password": PASSWORD})
        assert r.status_code == 303, r.text
        yield client


def test_the_weapon_page_corrects_a_serial_and_shows_the_three_views(mara: httpx.Client) -> None:
    page = mara.get("/p/dry-gulch/w/W-0005").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    form = re.search(
        r'name="corrects" value="(\d+)">(?:(?!</form>).)*?name="was\.serial" value="([^"]*)"',
        page,
        re.S,
    )
    assert csrf and form, "the registration's correction form lists its serial"
    seq, serial = form.group(1), form.group(2)
    assert 'name="value.capacity"' not in page  # a count is not offered
    r = mara.post(
        "/p/dry-gulch/w/W-0005/correct",
        data={
            "csrf": csrf.group(1),
            "corrects": seq,
            "was.serial": serial,
            "value.serial": f"{serial}-X",
            "was.make": "unchanged",
            "value.make": "unchanged",
            "reason": "misread from the frame",
        },
    )
    assert r.status_code == 303 and "ok=corrected" in r.headers["location"], r.text
    both = mara.get("/p/dry-gulch/w/W-0005").text
    assert f"serial {serial}-X" in both and "As corrected (R27)" in both
    entries = mara.get("/api/v1/productions/dry-gulch/timeline?ref=W-0005").json()
    fix = next(e["seq"] for e in entries if e["type"] == "CorrectionRecorded")
    assert f"As corrected (R27): corrected by #{fix} on " in both  # its position in the log
    assert f"serial was {serial}, now {serial}-X — misread from the frame" in both
    assert "(as recorded: W-0005 registered: " in both
    original = mara.get("/p/dry-gulch/w/W-0005?view=original").text
    assert "(as recorded:" not in original and f"serial was {serial}" in original
    corrected = mara.get("/p/dry-gulch/w/W-0005?view=corrected").text
    assert "(as recorded:" not in corrected
    assert mara.get("/p/dry-gulch/w/W-0005?view=sideways").status_code == 400


def test_a_refused_field_on_the_form_says_what_to_do_instead(mara: httpx.Client) -> None:
    page = mara.get("/p/dry-gulch/w/W-0005").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    seq = re.search(
        r'name="corrects" value="(\d+)">(?:(?!</form>).)*?name="was\.serial"', page, re.S
    )
    assert csrf and seq
    r = mara.post(
        "/p/dry-gulch/w/W-0005/correct",
        data={
            "csrf": csrf.group(1),
            "corrects": seq.group(1),
            "value.capacity": "7",
            "was.capacity": "6",
            "reason": "it holds seven",
        },
    )
    assert r.status_code == 409
    assert "R27" in r.text and "record the real count at wrap" in r.text


def test_the_reports_screen_shows_the_daily_log_and_compliance_in_each_view(
    demo_server: Server, tmp_path: Path
) -> None:
    with httpx.Client(base_url=demo_server.url, timeout=60) as mara:
        assert mara.post("/signin", data={"login": "mara", "password": PASSWORD}).status_code == 303
        entries = mara.get("/api/v1/productions/dry-gulch/timeline?ref=W-0002").json()
        handed = next(e for e in entries if e["type"] == "WeaponHandedOver")
        day = datetime.fromisoformat(handed["at"]).astimezone(TZ).date().isoformat()
        page = mara.get("/p/dry-gulch/w/W-0002").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf and f'name="corrects" value="{handed["seq"]}"' in page
        assert 'name="value.context.setup"' in page
        r = mara.post(
            "/p/dry-gulch/w/W-0002/correct",
            data={
                "csrf": csrf.group(1),
                "corrects": str(handed["seq"]),
                "was.context.setup": "",
                "value.context.setup": "41B",
                "reason": "it was the second setup",
            },
        )
        assert r.status_code == 303, r.text
    with httpx.Client(base_url=demo_server.url, timeout=60) as tom:
        assert tom.post("/signin", data={"login": "tom", "password": PASSWORD}).status_code == 303
        both = tom.get(f"/p/dry-gulch/reports?day={day}").text
        assert "Daily armory log" in both and "setup was not recorded, now 41B" in both
        assert "(as recorded:" in both
        original = tom.get(f"/p/dry-gulch/reports?day={day}&view=original").text
        assert "(as recorded:" not in original and "now 41B — it was the second setup" in original
        assert "selected>original" in original.replace('"original" selected', "selected")
        table = tom.get(f"/p/dry-gulch/reports/daily.csv?day={day}&view=corrected").text
        assert table.startswith("seq,time,event,what,by,confirmed_by,about,correction")
        assert "setup 41B" in table
        comp = tom.get(f"/p/dry-gulch/reports/compliance.csv?day={day}&view=original").text
        assert "now 41B" in comp
        pdf = tom.get(f"/p/dry-gulch/reports/daily.pdf?day={day}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        bad = tom.get(f"/p/dry-gulch/reports?day={day}&view=sideways")
        assert bad.status_code == 400 and "original, corrected or both" in bad.text


def test_the_api_takes_the_corrected_values_and_refuses_a_count_with_r27(
    demo_server: Server,
) -> None:
    token = httpx.post(
        f"{demo_server.url}/api/v1/auth/token",
        json={"login": "mara", "password": PASSWORD},
        timeout=60,
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=demo_server.url, timeout=60, headers=auth) as api:
        entries = api.get("/api/v1/productions/dry-gulch/timeline?ref=W-0003").json()
        registered = next(e for e in entries if e["type"] == "WeaponRegistered")
        url = "/api/v1/productions/dry-gulch/commands/correct"
        ok = api.post(
            url,
            json={
                "corrects": registered["seq"],
                "reason": "the make is Uberti",
                "changes": [{"field": "make", "value": "Uberti"}],
            },
        )
        assert ok.status_code == 200, ok.text
        (event,) = ok.json()["accepted"]
        assert event["payload"]["changes"] == [
            {"field": "make", "value": "Uberti", "was": registered["payload"]["make"]}
        ]
        assert event["payload"]["of_type"] == "WeaponRegistered"
        refused = api.post(
            url,
            json={
                "corrects": registered["seq"],
                "reason": "it holds seven",
                "changes": [{"field": "capacity", "value": "7"}],
            },
        )
        assert refused.status_code == 409
        assert refused.json()["refused"][0]["rule"] == "R27"
