"""Ledger commands: ``verify``, ``export-evidence``, ``verify-bundle``.

Exit codes as in cli.py: 0 ok, 1 failure (a verification that fails is a
failure), 2 usage.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from coldcheck.entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    JsonOpt,
    fail,
    open_app,
    stage_progress,
)


def _parse_time(value: str | None, option: str, as_json: bool) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"{option} {value!r} is not a date or time; use e.g. 2026-11-25 or"
            " 2026-11-25T19:00-07:00",
            EXIT_USAGE,
            as_json,
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


VERIFY_STAGES = {"ledger": "re-hashing the log", "replay": "replaying the log"}


def verify(
    ctx: typer.Context,
    head: Annotated[
        Path | None,
        typer.Option(
            "--head",
            help="A signed tree head saved outside the server (JSON from /api/v1/ledger/head"
            " or the daily report); the log must extend it.",
        ),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild", help="After a clean check of the log, rebuild the derived tables."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Re-hash every entry, check every signed head and every passkey signature, and compare
    derived tables to a replay."""
    from coldcheck.ledger.errors import LedgerError
    from coldcheck.ledger.heads import SignedTreeHead

    trusted = None
    if head is not None:
        try:
            trusted = SignedTreeHead.from_json(json.loads(head.read_text()))
        except (OSError, ValueError, LedgerError) as exc:
            fail(f"cannot read a signed head from {head}: {exc}", EXIT_USAGE, as_json)
    with (
        open_app(ctx, as_json) as app,
        stage_progress(as_json, VERIFY_STAGES) as progress,
    ):
        outcome = app.audit.verify(trusted, progress)
        # passkey signatures are checked even when the log is not intact: a rewrite re-signed
        # with the server's key leaves a sound log, and only the signatures can tell
        signed = app.passkeys.check_log()
        rebuilt = None
        if rebuild and outcome.ledger.ok:
            rebuilt = app.audit.rebuild()
    derived_ok = not outcome.derived_problems or rebuilt is not None
    ok = outcome.ledger.ok and derived_ok and (signed is None or signed.ok)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": ok,
                    "entries": outcome.ledger.entries_checked,
                    "heads": outcome.ledger.heads_checked,
                    "problem": str(outcome.ledger.problem) if outcome.ledger.problem else None,
                    "derived_problems": list(outcome.derived_problems),
                    "rebuilt_events": rebuilt,
                    "passkeys": None
                    if signed is None
                    else {
                        "verified": signed.ok,
                        "signed": signed.signed,
                        "pin_only": signed.pin_only,
                        "enrolments": signed.enrolments,
                        "problems": [{"seq": s, "problem": p} for s, p in signed.problems],
                    },
                }
            )
        )
    else:
        typer.echo(outcome.ledger.summary)
        if signed is not None:
            typer.echo(signed.summary)
            for seq, problem in signed.problems[:20]:
                typer.echo(f"passkey NOT OK at log position {seq}: {problem}")
        for problem in outcome.derived_problems[:20]:
            typer.echo(f"derived table NOT OK: {problem}")
        if len(outcome.derived_problems) > 20:
            typer.echo(f"... and {len(outcome.derived_problems) - 20} more differences")
        if rebuilt is not None:
            typer.echo(f"rebuilt the derived tables from {rebuilt} log entries")
        elif outcome.derived_problems:
            typer.echo("the log is intact; `coldcheck verify --rebuild` rebuilds from it")
    if not ok:
        raise typer.Exit(1)


def export_evidence(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The zip file to write.")],
    weapon: Annotated[str | None, typer.Option("--weapon", help="A weapon tag, W-…")] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="A lot tag, L-…")] = None,
    person: Annotated[str | None, typer.Option("--person", help="A person id")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="From this date/time (ISO 8601).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="To this date/time (ISO 8601).")] = None,
    production: Annotated[
        str | None,
        typer.Option("--production", help="Production id (default: the only one)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write an evidence bundle: entries, inclusion proofs, a signed head and the key."""
    from coldcheck.domain.ids import ProductionId
    from coldcheck.service.evidence import EvidenceError, evidence_bundle

    refs = [r for r in (weapon, lot, person) if r]
    if len(refs) > 1:
        fail("choose one of --weapon, --lot, --person", EXIT_USAGE, as_json)
    since, until = _parse_time(start, "--from", as_json), _parse_time(end, "--to", as_json)
    if not refs and since is None and until is None:
        fail(
            "say what to export: --weapon, --lot, --person and/or --from/--to",
            EXIT_USAGE,
            as_json,
        )
    if until is not None and end is not None and len(end) == 10:
        until = until.replace(hour=23, minute=59, second=59)
    with open_app(ctx, as_json) as app:
        productions = app.reads.all_productions()
        if production is None:
            if len(productions) != 1:
                names = ", ".join(p.id for p in productions) or "none"
                fail(
                    f"choose a production with --production (there are: {names})",
                    EXIT_USAGE,
                    as_json,
                )
            production = productions[0].id
        elif production not in {p.id for p in productions}:
            fail(f"no production {production!r} on this server", EXIT_FAILURE, as_json)
        try:
            bundle = evidence_bundle(
                app.reads,
                app.public_key,
                ProductionId(production),
                refs[0] if refs else None,
                since,
                until,
            )
        except EvidenceError as exc:
            fail(str(exc), EXIT_FAILURE, as_json)
    count = bundle.entries
    out.write_bytes(bundle.data)
    if as_json:
        typer.echo(json.dumps({"ok": True, "file": str(out), "entries": count}))
    else:
        typer.echo(f"Wrote {out}: {count} entries with inclusion proofs against one signed head.")
        typer.echo(f"Check it offline with: coldcheck verify-bundle {out}")


def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="The evidence bundle zip.")],
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="The log's public key (base64) obtained independently, e.g. from the"
            " signed daily report; without it the bundle's own key is used.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check an evidence bundle offline and say what it proves."""
    import base64
    import binascii

    from coldcheck.ledger.bundle import MAX_BUNDLE_BYTES, verify_bundle

    try:
        size = bundle.stat().st_size
        if size > MAX_BUNDLE_BYTES:
            fail(
                f"{bundle} is {size} bytes; a bundle is at most {MAX_BUNDLE_BYTES} bytes — this"
                " is not a coldcheck evidence bundle",
                EXIT_FAILURE,
                as_json,
            )
        data = bundle.read_bytes()
    except OSError as exc:
        fail(f"cannot read {bundle}: {exc.strerror}", EXIT_USAGE, as_json)
    trusted = None
    if key is not None:
        try:
            trusted = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            fail("--key must be the base64 of the 32-byte public key", EXIT_USAGE, as_json)
    report = verify_bundle(data, trusted)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "problems": list(report.problems),
                    "entries": [e.index for e in report.entries],
                    "tree_size": report.head.tree_size if report.head else None,
                    "summary": report.summary,
                }
            )
        )
    else:
        typer.echo(report.summary)
    if not report.ok:
        raise typer.Exit(1)


def register(cli: typer.Typer) -> None:
    """Add the ledger commands to the root CLI."""
    cli.command()(verify)
    cli.command("export-evidence")(export_evidence)
    cli.command("verify-bundle")(verify_bundle_cmd)
