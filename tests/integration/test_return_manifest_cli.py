"""``export return-manifest`` imports into a fresh production with the same counts, and
``export people`` imports back onto its own production (issue 18), from the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.conftest import run_cli


def _json(*args: str, data: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli(*args, "--json", data=data).stdout)  # type: ignore[no-any-return]


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {r["tag"]: r for r in csv.DictReader(io.StringIO(text))}


def test_a_return_manifest_imports_into_a_fresh_production_and_the_counts_agree(
    demo_copy: Path,
) -> None:
    sheet = demo_copy.parent / "return.csv"
    wrote = _json("export", "return-manifest", "--out", str(sheet), data=demo_copy)
    assert wrote["rows"] == 8
    sent = _rows(sheet.read_text())
    assert sent["L-0001"]["on_hand"] == sent["L-0001"]["count"]
    _json(
        "production", "create", "--name", "Sierra Returns", "--timezone", "UTC",
        "--as", "mara-voss", "--role", "armorer", data=demo_copy,
    )  # fmt: skip
    imported = _json(
        "import", "manifest", str(sheet), "--as", "mara-voss", "--production", "sierra-returns",
        data=demo_copy,
    )  # fmt: skip
    assert imported["skipped"] == []
    back = run_cli("export", "return-manifest", "--production", "sierra-returns", data=demo_copy)
    received = _rows(back.stdout)
    assert set(received) == set(sent)
    for tag, row in sent.items():
        assert received[tag]["count"] == row["count"], tag
        if row["item"] == "lot":
            assert received[tag]["received"] == row["on_hand"], tag
        else:
            assert received[tag]["serial"] == row["serial"], tag


def test_the_people_export_imports_back_onto_its_own_production_and_says_who_it_skipped(
    demo_copy: Path,
) -> None:
    people = demo_copy.parent / "people.csv"
    run_cli("export", "people", "--out", str(people), data=demo_copy)
    result = _json("import", "people", str(people), "--as", "tom-reyes", data=demo_copy)
    assert result["events"] == 0 and result["created"] == []
    lines = people.read_text().strip().splitlines()
    assert len(result["skipped"]) == len(lines) - 1
    assert "mara-voss: already on the production with these roles" in {
        s["why"] for s in result["skipped"]
    }
