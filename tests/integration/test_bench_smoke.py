"""`python -m bench --quick` runs and writes the documented JSON (not the targets)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"name", "value", "unit", "baseline", "ratio", "target", "met"}


@pytest.mark.timeout(120)
def test_quick_bench_writes_every_documented_field(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--skip-ledger", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert isinstance(figures, list) and len(figures) >= 10
    for figure in figures:
        assert figure.keys() >= FIELDS, figure
        assert isinstance(figure["name"], str) and figure["name"]
        assert figure["met"] in (True, False, None)
    names = " ".join(f["name"] for f in figures)
    for expected in ("issue, service path", "via HTTP", "board", "cold start", "replay"):
        assert expected in names
    assert "| figure | value | unit | baseline | ratio | target | met |" in proc.stdout
