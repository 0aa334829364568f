"""The data commands on the demo production: import, export, reports, labels, backup, users."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from coldcheck.ledger.paper import fingerprint
from tests.conftest import run_cli
from tests.integration.shoot_day import local_day, play

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _json(*args: str, data: Path, check: bool = True) -> dict:  # type: ignore[type-arg]
    result = run_cli(*args, "--json", data=data, check=check)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _png(pdf: Path, out: Path) -> Path:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out)],
        check=True,
    )
    return out.with_suffix(".png")


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages"))
    )


# -- import / export -----------------------------------------------------------------------


def test_every_example_file_imports_into_the_demo_and_exports_back(demo_copy: Path) -> None:
    weapons = _json(
        "import", "weapons", str(EXAMPLES / "weapons.csv"), "--as", "mara-voss", data=demo_copy
    )
    assert weapons["created"] == ["W-0006", "W-0007", "W-0008"]
    lots = _json("import", "lots", str(EXAMPLES / "lots.csv"), "--as", "mara-voss", data=demo_copy)
    assert lots["created"] == ["C-0004", "L-0004", "C-0005", "L-0005", "L-0006"]
    people = _json(
        "import", "people", str(EXAMPLES / "people.csv"), "--as", "tom-reyes", data=demo_copy
    )
    assert people["created"] == ["nora-bell", "gus-ward", "ivy-chen"]
    manifest = _json(
        "import",
        "manifest",
        str(EXAMPLES / "rental-manifest.csv"),
        "--as",
        "mara-voss",
        "--house",
        "Sierra Prop Rentals",
        data=demo_copy,
    )
    assert manifest["created"] == ["W-0009", "W-0010", "C-0006", "L-0007", "C-0007", "L-0008"]

    out = demo_copy.parent / "weapons.csv"
    run_cli("export", "weapons", "--production", "dry-gulch", "--out", str(out), data=demo_copy)
    text = out.read_text()
    assert text.splitlines()[0] == (
        "tag,name,make,model,serial,calibre,owner,kind,action,capacity,transfer_bar,select_fire,"
        "open_bolt,slam_fire,drop_safety,decocker"
    )
    assert "W-0010,Henry 1860 rifle,Henry,1860,HR-60044,.44 Henry,Sierra Prop Rentals" in text
    people_csv = run_cli("export", "people", data=demo_copy).stdout
    assert "ivy-chen,Ivy Chen,crew;first_ad" in people_csv


def test_a_malformed_file_imports_nothing_and_lists_every_bad_row(demo_copy: Path) -> None:
    before = run_cli("export", "weapons", data=demo_copy).stdout
    size_before = _json("verify", data=demo_copy)
    bad = demo_copy.parent / "bad.csv"
    bad.write_text(
        "tag,name,make,model,serial,calibre,owner,kind,action,capacity,transfer_bar,select_fire\n"
        ",Fine,Colt,SAA,NEW-1,.45 Colt,X,firearm,single_action_revolver,6,no,no\n"
        ",Same serial as W-0001,Colt,SAA,SA-48213,.45 Colt,X,firearm,single_action_revolver,6,,\n"
        ",Bad cells,Colt,SAA,NEW-2,.45 Colt,X,laser,single_action_revolver,six,maybe,no\n"
        ',"A name on\ntwo lines",Colt,SAA,NEW-1,.45 Colt,X,firearm,single_action_revolver,6,no,no\n'
        ",Too many,Colt,SAA,NEW-3,.45 Colt,X,firearm,lever,6,no,no,surprise\n"
    )
    result = run_cli(
        "import", "weapons", str(bad), "--as", "mara-voss", "--json", data=demo_copy, check=False
    )
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["imported"] == 0
    assert [p["line"] for p in report["problems"]] == [3, 4, 5, 7]
    by_line = {p["line"]: [r["message"] for r in p["reasons"]] for p in report["problems"]}
    assert by_line[3] == [
        "serial SA-48213 is already registered as W-0001 (serials are compared without case,"
        " spaces or invisible characters)."
    ]
    assert len(by_line[4]) == 3  # kind, capacity, transfer_bar
    assert any("must be one line of text" in m for m in by_line[5])
    assert "13 cells but the header has 12 columns" in by_line[7][0]
    text = run_cli("import", "weapons", str(bad), "--as", "mara-voss", data=demo_copy, check=False)
    assert "line 4: INPUT: column 'kind': 'laser'" in text.stderr
    assert run_cli("export", "weapons", data=demo_copy).stdout == before
    assert _json("verify", data=demo_copy)["entries"] == size_before["entries"]


def test_imports_say_who_may_not_and_need_someone_named(demo_copy: Path) -> None:
    result = run_cli(
        "import",
        "weapons",
        str(EXAMPLES / "weapons.csv"),
        "--as",
        "jack-hale",
        data=demo_copy,
        check=False,
    )
    assert result.returncode == 3
    assert "AUTH: only the armorer or an assistant armorer can register weapons" in result.stderr
    missing = run_cli(
        "import", "weapons", str(EXAMPLES / "weapons.csv"), data=demo_copy, check=False
    )
    assert missing.returncode == 2
    nobody = run_cli(
        "import",
        "weapons",
        str(EXAMPLES / "weapons.csv"),
        "--as",
        "nobody",
        data=demo_copy,
        check=False,
    )
    assert nobody.returncode == 2


def test_export_neutralises_formulas_and_the_file_imports_back(demo_copy: Path) -> None:
    evil = demo_copy.parent / "evil.csv"
    evil.write_text(
        "name,serial,calibre,kind,action,capacity,owner\n"
        '"=HYPERLINK(""http://x"",""y"")",EV-1,.45 Colt,firearm,single_action_revolver,6,@home\n'
    )
    run_cli("import", "weapons", str(evil), "--as", "mara-voss", data=demo_copy)
    out = demo_copy.parent / "out.csv"
    run_cli("export", "weapons", "--out", str(out), data=demo_copy)
    text = out.read_text()
    assert "'=HYPERLINK" in text and ",'@home," in text
    dry = _json(
        "import", "weapons", str(out), "--as", "mara-voss", "--dry-run", data=demo_copy, check=False
    )
    assert dry["ok"] is False  # every weapon is registered already: the round trip is exact
    assert all("already registered" in p["reasons"][0]["message"] for p in dry["problems"])


# -- reports --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shot_day(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    import shutil

    data = tmp_path_factory.mktemp("shot") / "data"
    shutil.copytree(demo_data, data)
    return data, play(data)


def test_daily_report_has_custody_loads_firing_reconciliation_and_the_head_qr(
    shot_day: tuple[Path, dict],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    data, played = shot_day
    day = local_day(played["loaded_at"])
    pdf, csv = tmp_path / "daily.pdf", tmp_path / "daily.csv"
    out = _json("report", "daily", "--day", day, "--out", str(pdf), "--csv", str(csv), data=data)
    assert out["blanks_fired"] == 2 and out["incidents"] == 1
    text = _pdf_text(pdf)
    for expected in (
        "DAILY ARMORY LOG",
        "Dry Gulch",
        "W-0001",
        "handed to Jack Hale",
        "confirmed: Dana Ortiz (PIN),",  # the line wraps before Jack Hale (PIN)
        "loaded with 4 blank(s) from L-0001 for scene 41",
        "misfire",
        "unplanned discharge",
        "Reconciliation",
        "I-0001",
        "STOP WORK",
        "Armorer",
        "Production representative",
        "Signature",
        "Closing checkpoint (signed tree head)",
        out["closing_head"]["root_hash"],
        out["closing_head"]["fingerprint"],
    ):
        assert expected in text, expected
    assert csv.read_text().startswith("seq,time,event,what,by,confirmed_by,about")
    png = _png(pdf, tmp_path / "daily-page1")
    assert png.stat().st_size > 10_000


def test_the_printed_checkpoint_is_what_verify_head_accepts(
    shot_day: tuple[Path, dict],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    data, played = shot_day
    out = _json(
        "report",
        "daily",
        "--day",
        local_day(played["loaded_at"]),
        "--out",
        str(tmp_path / "d.pdf"),
        data=data,
    )
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(out["closing_head"]["checkpoint"])  # what the QR code holds
    verified = run_cli("verify", "--head", str(saved), data=data)
    assert verified.returncode == 0
    assert "extends the checkpoint in" in verified.stdout
    text = out["closing_head"]["checkpoint"].split("\n\n")[0] + "\n"
    assert out["closing_head"]["fingerprint"] == fingerprint(text)


def test_custody_report_of_a_weapon_and_of_a_lot(
    shot_day: tuple[Path, dict],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    data, _ = shot_day
    pdf = tmp_path / "w1.pdf"
    out = _json(
        "report",
        "custody",
        "W-0001",
        "--out",
        str(pdf),
        "--csv",
        str(tmp_path / "w1.csv"),
        data=data,
    )
    text = _pdf_text(pdf)
    assert "CHAIN OF CUSTODY OF A WEAPON" in text and "SA-48213" in text
    assert "taken back from Jack Hale" in text and out["events"] >= 14
    lot = _json("report", "custody", "L-0001", "--out", str(tmp_path / "l1.pdf"), data=data)
    assert lot["status_after"].startswith("received 200: in store 197")
    lot_text = _pdf_text(tmp_path / "l1.pdf")
    assert "fired 2 blank(s)" in lot_text and "destroy" in lot_text
    missing = run_cli("report", "custody", "W-0099", data=data, check=False)
    assert missing.returncode == 1 and "no weapon or lot W-0099" in missing.stderr


def test_incident_report_shows_the_timeline_around_it(
    shot_day: tuple[Path, dict],
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    data, played = shot_day
    pdf = tmp_path / "inc.pdf"
    _json("report", "incident", played["incident"], "--out", str(pdf), "--window", "60", data=data)
    text = _pdf_text(pdf)
    assert "INCIDENT REPORT" in text and "unplanned discharge" in text
    assert "Status: OPEN" in text and "W-0001 fired 2 blank(s)" in text
    assert _png(pdf, tmp_path / "inc").exists()


def test_label_sheets_on_a4_and_us_letter(demo_data: Path, tmp_path: Path) -> None:
    a4 = _json("labels", "--out", str(tmp_path / "a4.pdf"), data=demo_data)
    assert a4["labels"] == 11 and _pages(tmp_path / "a4.pdf") == 1
    letter = _json("labels", "--paper", "letter", "--out", str(tmp_path / "l.pdf"), data=demo_data)
    assert letter["pages"] == 2
    size = subprocess.run(
        ["pdfinfo", str(tmp_path / "l.pdf")], capture_output=True, text=True
    ).stdout
    assert "612 x 792 pts" in size
    only = _json(
        "labels",
        "--kind",
        "weapons",
        "--tag",
        "W-0001",
        "--out",
        str(tmp_path / "one.pdf"),
        data=demo_data,
    )
    assert only["labels"] == 1
    assert "W-0001" in _pdf_text(tmp_path / "one.pdf")


# -- backup / restore -------------------------------------------------------------------------


def test_backup_and_restore_round_trip_and_a_tampered_backup_is_refused(
    demo_copy: Path, tmp_path: Path
) -> None:
    tar = tmp_path / "b.tar.gz"
    made = _json("backup", "--out", str(tar), data=demo_copy)
    assert made["tree_size"] > 40
    restored = tmp_path / "restored"
    back = _json("restore", str(tar), data=restored)
    assert back["tree_size"] == made["tree_size"]
    assert (
        run_cli("export", "weapons", data=restored).stdout
        == run_cli("export", "weapons", data=demo_copy).stdout
    )
    assert (restored / "ledger-signing-key.pem").stat().st_mode & 0o077 == 0

    again = run_cli("restore", str(tar), data=restored, check=False)
    assert again.returncode == 1 and "--force" in again.stderr

    folder = tmp_path / "folder"
    _json("backup", "--out", str(folder), data=demo_copy)
    with sqlite3.connect(folder / "coldcheck.sqlite3") as db:
        (entry,) = db.execute("SELECT entry FROM ledger_entries WHERE idx = 5").fetchone()
        changed = bytes(entry).replace(b'"dry-gulch"', b'"dry-gulcH"')
        assert changed != bytes(entry)
        db.execute("UPDATE ledger_entries SET entry = ? WHERE idx = 5", (changed,))
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").unlink()  # an attacker would drop the hashes too
    assert manifest["files"]
    target = tmp_path / "never"
    refused = run_cli("restore", str(folder), "--json", data=target, check=False)
    assert refused.returncode == 1
    assert "lacks manifest.json" in json.loads(refused.stdout)["error"]
    assert not (target / "coldcheck.sqlite3").exists()
    manifest["files"]["coldcheck.sqlite3"] = hashlib.sha256(
        (folder / "coldcheck.sqlite3").read_bytes()
    ).hexdigest()  # ... or write new hashes, but it cannot sign them without the key
    (folder / "manifest.json").write_text(json.dumps(manifest))
    refused = run_cli("restore", str(folder), "--json", data=target, check=False)
    assert refused.returncode == 1
    assert "not signed by the backup's log key" in json.loads(refused.stdout)["error"]
    assert not (target / "coldcheck.sqlite3").exists()


# -- users ---------------------------------------------------------------------------------------


def test_user_create_set_pin_and_grant_a_role_through_the_rules(demo_copy: Path) -> None:
    created = subprocess.run(
        [
            str(Path(run_cli.__globals__["COLDCHECK"])),
            "user",
            "create",
            "nora",
            "--name",
            "Nora Bell",
            "--person",
            "nora-bell",
            "--password-stdin",
            "--with-pin",
            "--json",
        ],
        input="a long enough password\n4321\n",
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "COLDCHECK_DATA": str(demo_copy)},
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["pin"] is True
    refused = run_cli(
        "user",
        "grant",
        "nora",
        "--role",
        "performer",
        "--as",
        "jack-hale",
        data=demo_copy,
        check=False,
    )
    assert refused.returncode == 3 and "AUTH" in refused.stderr
    granted = _json(
        "user", "grant", "nora", "--role", "performer", "--as", "tom-reyes", data=demo_copy
    )
    assert granted["added_person"] is True and granted["roles"] == ["performer"]
    assert "nora-bell,Nora Bell,performer" in run_cli("export", "people", data=demo_copy).stdout
    listed = _json("user", "list", data=demo_copy)
    assert {"login": "nora", "name": "Nora Bell", "person": "nora-bell"} in listed["users"]
    bad_pin = subprocess.run(
        [str(Path(run_cli.__globals__["COLDCHECK"])), "user", "set-pin", "nora", "--pin-stdin"],
        input="12\n",
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "COLDCHECK_DATA": str(demo_copy)},
    )
    assert bad_pin.returncode == 1 and "4 to 8 digits" in bad_pin.stderr
