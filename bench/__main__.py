"""`python -m bench [--quick]`: issue 9's system benchmarks, plus bench/ledger.py if present.

Prints one table (figure, value, unit, baseline, ratio, target, met) and
writes bench/results/latest.json: a JSON array with one object per figure
(name, value, unit, baseline, ratio, target, met; an optional "note").
``met`` is null for informational lines and skipped figures. The machine
and the table are also written to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, Figure

RESULTS = Path(__file__).with_name("results")
LEDGER = Path(__file__).with_name("ledger.py")


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = 0
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return (
        f"{os.cpu_count()} cores {cpu}, {mem / 1024:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}{load}"
    )


def fmt(v: float | None) -> str:
    if v is None:
        return "—"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) >= 0.01 else f"{v:.2g}"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "unit", "baseline", "ratio", "target", "met")]
    for f in figures:
        met = "—" if f.met is None else ("yes" if f.met else "NO")
        rows.append(
            (
                f.name,
                fmt(f.value),
                f.unit,
                fmt(f.baseline),
                "—" if f.ratio is None else f"{f.ratio:.3g}x",
                f.target or "—",
                met,
            )
        )
    out = ["| " + " | ".join(r) + " |" for r in rows]
    out.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
    return "\n".join(out)


def ledger_figures(quick: bool) -> list[Figure]:
    if not LEDGER.exists():
        return []
    argv = [sys.executable, str(LEDGER)] + (["--quick"] if quick else [])
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    path = RESULTS / "ledger.json"
    if proc.returncode != 0 or not path.exists():
        return [Figure("ledger: bench/ledger.py", None, "", note=f"failed: {proc.stderr[-300:]}")]
    data = json.loads(path.read_text())
    items = data if isinstance(data, list) else data.get("figures", [])
    return [
        Figure(
            "ledger: " + str(d.get("name")),
            d.get("value"),
            str(d.get("unit", "")),
            d.get("baseline"),
            d.get("ratio"),
            str(d.get("target", "")),
            d.get("met"),
        )
        for d in items
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test, < 30 s)")
    parser.add_argument("--dir", type=Path, default=None, help="scratch folder (default: temp)")
    parser.add_argument("--skip-ledger", action="store_true", help="do not run bench/ledger.py")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()

    from bench import figures as fg

    started = time.perf_counter()
    out: list[Figure] = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="coldcheck-bench-") as tmp_name:
        tmp = Path(tmp_name)
        big: Path | None = None

        def step(name: str, fn: Callable[[], list[Figure]]) -> None:
            t = time.perf_counter()
            print(f"… {name}", file=sys.stderr, flush=True)
            try:
                got = fn()
            except Exception as exc:  # a broken figure must not hide the others
                traceback.print_exc()
                got = [Figure(name, None, "", note=f"failed: {type(exc).__name__}: {exc}"[:300])]
            out.extend(got)
            print(f"  {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)

        def growth() -> list[Figure]:
            nonlocal big
            got, big = fg.growth(tmp, args.quick)
            return got

        def skipped(name: str, unit: str, target: str) -> Callable[[], list[Figure]]:
            note = "skipped in --quick (run without it)"
            return lambda: [Figure(name, None, unit, target=target, note=note)]

        q = args.quick
        step("argon2", lambda: fg.argon2_cost(q))
        step("service issue", lambda: fg.service_issue(tmp, q))
        step("http 20 clients", lambda: fg.http_concurrent(tmp, q))
        if q:
            step("burst", skipped("burst: 200 performers, 4 armorers", "s", "< 20 s"))
            step("board 500", skipped("board page, 500 weapons, p50", "ms", "<= 50 ms"))
        else:
            step("burst (argon2 as shipped)", lambda: fg.burst(tmp, q, real_argon2=True))
            step("burst (argon2 left out)", lambda: fg.burst(tmp, q, real_argon2=False))
            step("board 500", lambda: fg.board_500(tmp, q))
        step("history growth", growth)
        step("cold start", lambda: fg.cold_start(tmp, tmp / "svc", q))
        step("postgresql", lambda: fg.postgres(tmp, q))
        if big is not None:
            step("replay", lambda: fg.replay(big, q))  # type: ignore[arg-type]
    if not args.skip_ledger:
        out.extend(ledger_figures(args.quick))

    elapsed = time.perf_counter() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps([f.as_json() for f in out], indent=2) + "\n")
    text = table(out)
    head = (
        f"coldcheck bench{' --quick' if args.quick else ''}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {elapsed:.0f} s\n"
        f"Machine: {machine()}\n"
    )
    notes = "\n".join(f"- {f.name.strip()}: {f.note}" for f in out if f.note)
    if args.output == RESULTS / "latest.json":
        (RESULTS / "latest.md").write_text(f"{head}\n{text}\n\nNotes:\n{notes}\n")
    print(head)
    print(text)
    print("\nNotes:\n" + notes)
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
