"""`python -m bench [--quick]`: the system and ledger benchmarks, against issue 16's targets.

Prints two tables: issue 16's targets with a verdict each (met, NOT MET, or
skipped and why), then every figure (value, unit, baseline, ratio, target,
verdict, CPU per operation, 1-minute load average when it was taken). Writes
bench/results/latest.json, a JSON array with one object per figure (name,
value, unit, baseline, ratio, target, met, verdict, cpu_ms, pairs, load; an
optional goal and note), and bench/results/latest.md (machine, load, tables).
``met`` is null for informational lines and skipped figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Figure, load_text, skipped

RESULTS = Path(__file__).with_name("results")


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
    return (
        f"{os.cpu_count()} cores {cpu}, {mem / 1024:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def fmt(v: float | None) -> str:
    if v is None:
        return "—"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) >= 0.01 else f"{v:.2g}"


def markdown(rows: list[tuple[str, ...]]) -> str:
    out = ["| " + " | ".join(r) + " |" for r in rows]
    out.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
    return "\n".join(out)


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "unit", "baseline", "ratio", "target", "verdict", "CPU/op", "load")]
    for f in figures:
        rows.append(
            (
                f.name,
                fmt(f.value),
                f.unit,
                fmt(f.baseline),
                "—" if f.ratio is None else f"{f.ratio:.3g}×",
                f.target or "—",
                f.verdict,
                "—" if f.cpu_ms is None else f"{fmt(f.cpu_ms)} ms",
                f"{f.load:.1f}",
            )
        )
    return markdown(rows)


def goals_table(figures: list[Figure]) -> str:
    """Issue 16's targets table, each row with what was measured and a verdict."""
    from bench.figures import GOALS

    rows = [("issue 16 target", "target", "measured", "verdict")]
    for key, (what, target) in GOALS.items():
        mine = [f for f in figures if f.goal == key]
        measured = " / ".join(
            f"{f.short or f.name.strip()} "
            + (f"{f.ratio:.3g}×" if "×" in f.target else f"{fmt(f.value)} {f.unit}")
            for f in mine
            if f.value is not None
        )
        skips = [f.skipped for f in mine if f.skipped]
        if not mine:
            verdict = "skipped: not measured in this run (a step failed or was left out)"
        elif any(f.met is False for f in mine):
            verdict = "NOT MET"
        elif skips:
            verdict = f"skipped: {skips[0]}"
        elif all(f.met for f in mine):
            verdict = "met"
        else:
            verdict = "skipped: failed to measure (see notes)"
        rows.append((what, target, measured or "—", verdict))
    return markdown(rows)


def ledger_figure(f: Figure) -> Figure:
    f.name = "ledger: " + f.name
    return f


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test, < 60 s)")
    parser.add_argument("--dir", type=Path, default=None, help="scratch folder (default: temp)")
    parser.add_argument("--skip-ledger", action="store_true", help="leave out bench/ledger.py")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()

    from bench import figures as fg
    from bench import ledger

    started = time.perf_counter()
    load_start = load_text()
    print(f"coldcheck bench: {machine()}; {load_start}", file=sys.stderr, flush=True)
    out: list[Figure] = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="coldcheck-bench-") as tmp_name:
        tmp = Path(tmp_name)
        big: Path | None = None

        def step(name: str, fn: Callable[[], list[Figure]]) -> None:
            t = time.perf_counter()
            print(f"… {name} ({load_text()})", file=sys.stderr, flush=True)
            try:
                got = fn()
            except Exception as exc:  # a broken figure must not hide the others
                traceback.print_exc()
                why = f"failed: {type(exc).__name__}: {exc}"[:300]
                got = [Figure(name, None, "", skipped=why)]
            out.extend(got)
            print(f"  {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)

        def growth() -> list[Figure]:
            nonlocal big
            got, big = fg.growth(tmp, args.quick)
            return got

        def in_quick(
            name: str, unit: str, target: str, goal: str = ""
        ) -> Callable[[], list[Figure]]:
            why = "not run in --quick"
            return lambda: [skipped(name, unit, target, why, goal)]

        q = args.quick
        step("argon2", lambda: fg.argon2_cost(q))
        step("canonical JSON", lambda: fg.canonical_encoding(q))
        step("service issue", lambda: fg.service_issue(tmp, q))
        step("http 20 clients vs floor", lambda: fg.http_concurrent(tmp, q))
        if q:
            step("burst", in_quick("burst: 200 performers", "s", "≤ 0.5× today's [#16]", "burst"))
            step("board 500", in_quick("board page, 500 weapons, p50", "ms", "≤ 50 ms [#9]"))
        else:
            step("burst (argon2 as shipped)", lambda: fg.burst(tmp, q, real_argon2=True))
            step("burst (argon2 left out)", lambda: fg.burst(tmp, q, real_argon2=False))
            step("board 500", lambda: fg.board_500(tmp, q))
        step("history growth", growth)
        step("cold start", lambda: fg.cold_start(tmp, tmp / "svc", q))
        step("postgresql", lambda: fg.postgres(tmp, q))
        if big is not None:
            step("replay", lambda: fg.replay(big, q))  # type: ignore[arg-type]
        if args.skip_ledger:
            for name, target, goal in (
                ("durable single append", "≥ 0.8× raw commit [#16]", "append"),
                ("full verify", "≥ 0.6× raw loop [#16]", "verify"),
            ):
                out.append(skipped(name, "entries/s", target, "--skip-ledger", goal))
        else:
            step("ledger", lambda: [ledger_figure(f) for f in ledger.run(q, tmp)])

    elapsed = time.perf_counter() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps([f.as_json() for f in out], indent=2) + "\n")
    head = (
        f"coldcheck bench{' --quick' if args.quick else ''}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {elapsed:.0f} s\n"
        f"Machine: {machine()}\n"
        f"Load: at start {load_start}; at end {load_text()}\n"
    )
    notes = "\n".join(f"- {f.name.strip()}: {f.note}" for f in out if f.note)
    text = f"{head}\n{goals_table(out)}\n\n{table(out)}\n\nNotes:\n{notes}\n"
    if args.output == RESULTS / "latest.json":
        (RESULTS / "latest.md").write_text(text)
    print(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
