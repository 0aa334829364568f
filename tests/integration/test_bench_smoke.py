"""`python -m bench --quick` runs, measures against the floor, and writes the documented JSON.

It checks the bench's shape, not its targets: every figure has the
documented fields, the HTTP figures have the floor app's baseline from the
same run, and the printed tables carry issue 16's targets with a verdict each.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench.figures import GOALS

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"name", "value", "unit", "baseline", "ratio", "target", "met", "verdict", "cpu_ms"}
FIELDS |= {"pairs", "load"}


@pytest.mark.timeout(180)
def test_quick_bench_writes_every_documented_field_and_prints_issue_16s_targets(
    tmp_path: Path,
) -> None:
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--skip-ledger", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert isinstance(figures, list) and len(figures) >= 15
    for figure in figures:
        assert figure.keys() >= FIELDS, figure
        assert isinstance(figure["name"], str) and figure["name"]
        assert figure["met"] in (True, False, None)
        assert "failed:" not in figure["verdict"], figure
        assert isinstance(figure["load"], float | int)
    by_name = {f["name"]: f for f in figures}
    for name in ("HTTP issue, 20 clients, p50", "HTTP throughput, 20 clients"):
        http = by_name[name]
        assert http["baseline"] and http["ratio"] and http["pairs"] >= 1, http  # the floor app
    assert by_name["HTTP throughput, 20 clients"]["cpu_ms"] > 0
    assert by_name["issue, service path, SQLite, sequential"]["cpu_ms"] > 0
    assert by_name["canonical JSON per envelope, orjson path"]["ratio"] < 1
    names = " ".join(by_name)
    for expected in ("service path", "HTTP issue", "board", "cold start", "replay"):
        assert expected in names
    head = "| figure | value | unit | baseline | ratio | target | verdict | CPU/op | load |"
    assert head in proc.stdout
    assert "| issue 16 target | target | measured | verdict |" in proc.stdout
    assert "load average" in proc.stdout
    for what, target in GOALS.values():
        row = next(line for line in proc.stdout.splitlines() if line.startswith(f"| {what} |"))
        assert target in row
        assert row.rstrip(" |").rsplit("| ", 1)[1].startswith(("met", "NOT MET", "skipped: "))
