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
MAX_CHECKPOINT_FILE = 1 << 20


def _read_small(path: Path, as_json: bool, what: str) -> bytes:
    try:
        if path.stat().st_size > MAX_CHECKPOINT_FILE:
            fail(
                f"{path} is larger than {MAX_CHECKPOINT_FILE} bytes: not {what}",
                EXIT_USAGE,
                as_json,
            )
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {what} from {path}: {exc.strerror}", EXIT_USAGE, as_json)


def verify(
    ctx: typer.Context,
    head: Annotated[
        Path | None,
        typer.Option(
            "--head",
            help="A head saved outside the server: the checkpoint text printed on the daily"
            " report (or in its QR code, as GET /api/v1/ledger/checkpoint serves it), or the"
            " JSON of /api/v1/ledger/head; the log must extend it.",
        ),
    ] = None,
    witness: Annotated[
        str | None,
        typer.Option(
            "--witness",
            help="A witness's address (its newest checkpoint of this log is fetched) or a file"
            " holding a checkpoint a witness cosigned; the log must extend it.",
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
    """Re-hash every entry, check every signed head and the chain of commits, the security
    log, the subject index and every passkey signature, and compare derived tables to a
    replay."""
    from coldcheck.ledger.c2sp_errors import C2spFormatError, UntrustedNote
    from coldcheck.ledger.errors import LedgerError
    from coldcheck.ledger.heads import SignedTreeHead
    from coldcheck.service.witnessing import WitnessUnreachable, anchor_from_checkpoint

    trusted = None
    head_note: bytes | None = None
    if head is not None:
        raw = _read_small(head, as_json, "a signed head")
        if raw.lstrip().startswith(b"{"):
            try:
                trusted = SignedTreeHead.from_json(json.loads(raw))
            except (ValueError, LedgerError) as exc:
                fail(f"cannot read a signed head from {head}: {exc}", EXIT_USAGE, as_json)
        else:
            head_note = raw
    anchors = []
    said: list[str] = []
    with (
        open_app(ctx, as_json) as app,
        stage_progress(as_json, VERIFY_STAGES) as progress,
    ):
        verifiers = [w.verifier for w in app.witnessing.witnesses]
        names = {(w.name, w.verifier.key_id) for w in app.witnessing.witnesses}
        sources: list[tuple[bytes, str]] = []
        if head_note is not None:
            sources.append((head_note, f"the checkpoint in {head}"))
        if witness is not None:
            if witness.startswith(("http://", "https://")):
                try:
                    note = app.witnessing.fetch_checkpoint(witness)
                except WitnessUnreachable as exc:
                    fail(f"cannot get the witness's checkpoint: {exc}", EXIT_FAILURE, as_json)
                sources.append((note, f"the checkpoint the witness at {witness} holds"))
            else:
                note = _read_small(Path(witness), as_json, "a checkpoint")
                sources.append((note, f"the witness's checkpoint in {witness}"))
        for note, source in sources:
            try:
                anchor, cosigs = anchor_from_checkpoint(note, app.identity, verifiers, source)
            except UntrustedNote:
                fail(
                    f"{source} is not signed by this log's key ({app.identity.vkey}): it is of"
                    " another log, or was not made by this one",
                    EXIT_FAILURE,
                    as_json,
                )
            except (C2spFormatError, LedgerError) as exc:
                fail(f"{source} is not a checkpoint of this log: {exc}", EXIT_FAILURE, as_json)
            anchors.append(anchor)
            who = sorted({c.name for c in cosigs if (c.name, c.key_id) in names})
            said.append(
                f"{source}: tree size {anchor.tree_size}, signed by this log's key"
                + (f", cosigned by {', '.join(who)}" if who else ", no known witness cosigned it")
            )
        outcome = app.audit.verify(trusted, progress, anchors)
        # passkey signatures are checked even when the log is not intact: a rewrite re-signed
        # with the server's key leaves a sound log, and only the signatures can tell
        signed = app.passkeys.check_log()
        rebuilt = None
        if rebuild and outcome.ledger.ok:
            rebuilt = app.audit.rebuild()
        latest = outcome.ledger.latest_head
        print_fp = app.identity.fingerprint(latest) if latest is not None else None
    derived_ok = not outcome.derived_problems or rebuilt is not None
    ok = (
        outcome.ledger.ok
        and derived_ok
        and not outcome.photo_problems
        and (signed is None or signed.ok)
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": ok,
                    "entries": outcome.ledger.entries_checked,
                    "heads": outcome.ledger.heads_checked,
                    "commits": outcome.ledger.commits,
                    "problem": str(outcome.ledger.problem) if outcome.ledger.problem else None,
                    "derived_problems": list(outcome.derived_problems),
                    "photo_problems": list(outcome.photo_problems),
                    "warnings": list(outcome.ledger.warnings),
                    "anchors": said,
                    "fingerprint": print_fp,
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
        if outcome.ledger.ok and latest is not None:
            typer.echo(
                f"newest checkpoint: tree size {latest.tree_size}, fingerprint {print_fp}"
                f" ({outcome.ledger.commits} commits chained)"
            )
        for line in said:
            typer.echo(("extends " if outcome.ledger.ok else "checked against ") + line)
        for warning in outcome.ledger.warnings:
            typer.echo(f"warning: {warning}")
        if signed is not None:
            typer.echo(signed.summary)
            for seq, problem in signed.problems[:20]:
                typer.echo(f"passkey NOT OK at log position {seq}: {problem}")
        for problem in outcome.derived_problems[:20]:
            typer.echo(f"NOT OK: {problem}")
        if len(outcome.derived_problems) > 20:
            typer.echo(f"... and {len(outcome.derived_problems) - 20} more differences")
        for problem in outcome.photo_problems[:20]:
            typer.echo(f"NOT OK: {problem}")
        if len(outcome.photo_problems) > 20:
            typer.echo(f"... and {len(outcome.photo_problems) - 20} more photos")
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
    with_photos: Annotated[
        bool,
        typer.Option(
            "--with-photos",
            help="Also put in the weapon photos the entries name (their SHA-256 is always in).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write a complete evidence bundle: every entry about the subject in the period, the
    subject index proving none is missing, tlog-proofs, the cosigned checkpoint, the daily
    closing checkpoints, the keys, and the verifier."""
    from zoneinfo import ZoneInfo

    from coldcheck.domain.ids import ProductionId
    from coldcheck.service.errors import StorageUnavailable
    from coldcheck.service.evidence import EvidenceError

    refs = [r for r in (weapon, lot, person) if r]
    if len(refs) != 1:
        fail("say what the bundle is about: one of --weapon, --lot, --person", EXIT_USAGE, as_json)
    ref = refs[0] if person else refs[0].upper()
    since, until = _parse_time(start, "--from", as_json), _parse_time(end, "--to", as_json)
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
        found = [p for p in productions if p.id == production]
        if not found:
            fail(f"no production {production!r} on this server", EXIT_FAILURE, as_json)
        try:
            tz = ZoneInfo(found[0].time_zone)
        except (KeyError, ValueError):
            tz = ZoneInfo("UTC")
        try:
            bundle = app.evidence.export(
                ProductionId(production), ref, since, until, tz, photos=with_photos
            )
        except (EvidenceError, StorageUnavailable) as exc:
            fail(str(exc), EXIT_FAILURE, as_json)
    try:
        out.write_bytes(bundle.data)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", EXIT_FAILURE, as_json)
    report = bundle.report
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": True,
                    "file": str(out),
                    "entries": bundle.entries,
                    "tree_size": bundle.head.tree_size,
                    "fingerprint": report.checkpoint_fingerprint,
                    "witnesses": [w["name"] for w in report.witnesses if w["cosigned"]],
                    "witness_answers": list(bundle.witnesses),
                    "photos": None if report.photos is None else len(report.photos),
                }
            )
        )
    else:
        typer.echo(
            f"Wrote {out}: {bundle.entries} entries about {ref} in the period, proven complete"
            f" by the subject index, against the checkpoint of tree size {bundle.head.tree_size}"
            f" (fingerprint {report.checkpoint_fingerprint})."
        )
        if report.photos is not None:
            typer.echo(f"  with {len(report.photos)} weapon photos, each checked against its entry")
        for line in bundle.witnesses:
            typer.echo(f"  witness: {line}")
        typer.echo(
            f"Check it offline with: python3 verify_bundle.py {out.name} --log-key"
            f' "{app.identity.vkey}"  (the verifier is inside the bundle),'
            f" or: coldcheck verify-bundle {out} --log-key ..."
        )


def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="The evidence bundle zip.")],
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key",
            help="The log's vkey obtained independently of the bundle (from the signed daily"
            " report, a witness's operator, or /api/v1/ledger/key); without it the answer is"
            " at best 'signatures valid, key NOT TRUSTED'.",
        ),
    ] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option("--witness-key", help="A trusted witness's vkey; repeat for several."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check an evidence bundle offline (the same code as the verify_bundle.py inside it)."""
    from coldcheck.ledger.verify_bundle import MAX_BUNDLE_BYTES, verify

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
    report = verify(data, [log_key] if log_key else [], list(witness_key or []))
    if as_json:
        typer.echo(json.dumps(report.as_json()))
    else:
        typer.echo(report.summary())
    if not (report.ok and report.trusted):
        raise typer.Exit(1)


def register(cli: typer.Typer) -> None:
    """Add the ledger commands to the root CLI."""
    cli.command()(verify)
    cli.command("export-evidence")(export_evidence)
    cli.command("verify-bundle")(verify_bundle_cmd)
