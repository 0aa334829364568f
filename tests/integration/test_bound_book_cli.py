"""``export bound-book`` imports into a fresh production and exports again unchanged, and a
rental house's book imports as weapons acquired from the house (issue 18), from the command
line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli


def _json(*args: str, data: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli(*args, "--json", data=data).stdout)  # type: ignore[no-any-return]


def _fresh(data: Path) -> None:
    _json(
        "production", "create", "--name", "Sierra Books", "--timezone", "UTC",
        "--as", "mara-voss", "--role", "armorer", data=data,
    )  # fmt: skip


def test_the_bound_book_exports_imports_into_a_fresh_production_and_exports_the_same(
    demo_copy: Path,
) -> None:
    book = demo_copy.parent / "book.csv"
    wrote = _json("export", "bound-book", "--out", str(book), data=demo_copy)
    assert wrote["rows"] >= 1
    header = book.read_text().splitlines()[0]
    assert header.startswith("Tag,Manufacturer,Importer,Country of Manufacture,Model,Serial Number")
    _fresh(demo_copy)
    imported = _json(
        "import", "bound-book", str(book), "--as", "mara-voss", "--production", "sierra-books",
        data=demo_copy,
    )  # fmt: skip
    assert imported["kind"] == "bound-book" and len(imported["created"]) == wrote["rows"]
    again = run_cli("export", "bound-book", "--production", "sierra-books", data=demo_copy)
    assert again.stdout == book.read_bytes().decode("utf-8")


def test_a_rental_house_book_imports_with_the_house_as_the_sender(demo_copy: Path) -> None:
    sheet = demo_copy.parent / "house.csv"
    sheet.write_text(
        "Manufacturer,Model,Serial Number,Type,Caliber or Gauge,Disposition Date,"
        "Disposition Reference,Kind,Action,Capacity\n"
        "Colt,Single Action Army,HGR-0001,Revolver,.45 Colt,2026-03-01,INV-9,firearm,"
        "single_action_revolver,6\n"
    )
    _fresh(demo_copy)
    _json(
        "import", "bound-book", str(sheet), "--as", "mara-voss", "--production", "sierra-books",
        "--house", "Hollywood Gun Rentals", "--house-licence", "9-95-037-01-2A-12345",
        data=demo_copy,
    )  # fmt: skip
    out = _json("export", "bound-book", "--production", "sierra-books", data=demo_copy)
    (row,) = out["rows"]
    assert row["Acquired From Name"] == "Hollywood Gun Rentals"
    assert row["Acquired From License"] == "9-95-037-01-2A-12345"
    assert (row["Acquisition Date"], row["Acquisition Reference"]) == ("2026-03-01", "INV-9")


def test_a_house_book_that_lacks_coldchecks_columns_is_refused_and_nothing_imported(
    demo_copy: Path,
) -> None:
    sheet = demo_copy.parent / "house.csv"
    sheet.write_text("Manufacturer,Model,Serial Number,Caliber or Gauge\nColt,SAA,X-1,.45\n")
    _fresh(demo_copy)
    result = run_cli(
        "import", "bound-book", str(sheet), "--as", "mara-voss", "--production", "sierra-books",
        "--house", "HGR", data=demo_copy, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "missing column(s) Kind, Action, Capacity" in result.stdout + result.stderr
    out = _json("export", "bound-book", "--production", "sierra-books", data=demo_copy)
    assert out["rows"] == []


def test_the_bound_book_prints_as_pdf_with_each_disposition_and_the_newest_checkpoint(
    demo_copy: Path,
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    own = demo_copy.parent / "own.csv"
    own.write_text(
        "Manufacturer,Model,Serial Number,Caliber or Gauge,Acquisition Date,Acquired From Name,"
        "Disposition Date,Disposition,Disposed To Name,Disposition Reference,Kind,Action,"
        "Capacity\n"
        "Winchester,1892,WN-1892-77,.44-40,2026-11-20,Hollywood Gun Rentals,2026-11-29,"
        "returned,Hollywood Gun Rentals,return slip 7,firearm,lever,10\n"
    )
    run_cli("import", "bound-book", str(own), "--as", "mara-voss", data=demo_copy)
    pdf = demo_copy.parent / "book.pdf"
    out = _json(
        "export", "bound-book", "--out", str(demo_copy.parent / "b.csv"), "--pdf", str(pdf),
        data=demo_copy,
    )  # fmt: skip
    assert out["pdf"] == str(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "FIREARMS ACQUISITION AND DISPOSITION RECORD" in text.upper()
    assert "Disposed of" in text and "WN-1892-77" in text and "return slip 7" in text
    assert "Closing checkpoint" in text and "Fingerprint" in text
