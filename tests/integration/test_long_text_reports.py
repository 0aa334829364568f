"""Reports print long free text whole: cells wrap and split across pages (issue 15, finding 5).

A 3,725-character incident description (25 ordinary sentences) used to make
``report daily`` fail with an fpdf traceback, so the signed paper record of
the day could not be printed. The rules keep at most 4,000 characters of a
description (issue 19's bounds), so the longest one they accept is printed here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.integration.shoot_day import local_day, play

SENTENCE = (
    "Sam Kee reset the revolver after take three and it went off into the dirt by the rail "
    "while the camera crew was moving the dolly back to its first mark again. "
)


def _description(length: int) -> str:
    text = ""
    n = 0
    while len(text) < length:
        n += 1
        text += f"({n}) {SENTENCE}"
    return text[:length].rstrip() + " END-OF-DESCRIPTION"


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(pdf: Path, out: Path) -> list[Path]:
    """Every page as PNG at 60 dpi (for the eye: `pdftoppm -r 60`)."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out)], check=True)
    return sorted(out.parent.glob(f"{out.name}-*.png"))


def _played(tmp_path: Path, demo_data: Path, description: str) -> tuple[Path, dict]:  # type: ignore[type-arg]
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    return data, play(data, discharge=description)


def _report(*args: str, data: Path) -> dict:  # type: ignore[type-arg]
    result = run_cli("report", *args, "--json", data=data, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _in_order(words: list[str], page: list[str]) -> bool:
    it = iter(page)
    return all(any(w == p for p in it) for w in words)


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("length", [3_725, 3_980])
def test_a_long_incident_description_prints_whole_in_every_report(
    demo_data: Path, tmp_path: Path, length: int
) -> None:
    description = _description(length)
    data, played = _played(tmp_path, demo_data, description)
    day = local_day(played["loaded_at"])
    outputs = {
        "daily": (["daily", "--day", day], tmp_path / "daily.pdf"),
        "custody": (["custody", "W-0004"], tmp_path / "custody.pdf"),
        "incident": (["incident", played["incident"]], tmp_path / "incident.pdf"),
    }
    for name, (args, pdf) in outputs.items():
        _report(*args, "--out", str(pdf), data=data)
        text = _pdf_text(pdf)
        # Every word is on paper, in order. pdftotext may put a neighbouring cell's words
        # between two lines of a cell, so the description's words are looked for as a
        # subsequence of the page's words.
        assert _in_order(description.split(), text.split()), name
        if name == "incident":  # printed once more as a paragraph above the timeline
            body = "\n".join(
                line
                for line in text.splitlines()
                if not re.fullmatch(r"page \d+ of \d+|coldcheck incident report - .*", line)
            )
            assert _squeezed(description) in _squeezed(body)
        pages = _pages(pdf, tmp_path / name)
        assert pages and all(p.stat().st_size > 1000 for p in pages)


def test_one_word_longer_than_a_line_breaks_inside_the_cell(
    demo_data: Path, tmp_path: Path
) -> None:
    word = "x" * 3_990
    data, played = _played(tmp_path, demo_data, word)
    pdf = tmp_path / "daily.pdf"
    _report("daily", "--day", local_day(played["loaded_at"]), "--out", str(pdf), data=data)
    text = _squeezed(_pdf_text(pdf))
    assert text.count("x") >= 2 * len(word)  # in the incidents table and the custody column
    assert "x" * 40 in text
