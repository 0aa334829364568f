"""``backup`` and ``restore`` of the data folder (SQLite database and signing key)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from coldcheck.entrypoints.cli.common import (
    EXIT_FAILURE,
    JsonOpt,
    fail,
    say,
    stage_progress,
)

BACKUP_STAGES = {"copy": "copying pages"}


def backup(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="A new folder, or a file ending .tar / .tar.gz "
            "(default coldcheck-backup-<UTC time>.tar.gz).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Consistent online copy of the SQLite database and the signing key, verified."""
    from datetime import UTC

    from coldcheck.bootstrap import documents
    from coldcheck.service.exchange import FileError

    target = out or Path(f"coldcheck-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz")
    try:
        with stage_progress(as_json, BACKUP_STAGES, "verifying the ledger") as progress:
            report = documents(ctx.obj).backup(target, progress)
    except FileError as exc:
        fail(str(exc), EXIT_FAILURE, as_json)
    say(
        as_json,
        {
            "backup": str(report.path),
            "tree_size": report.tree_size,
            "root_hash": report.root_hash,
            "files": report.files,
        },
        [
            f"Backup written to {report.path} (holds the signing key: keep it safe).",
            f"  ledger verified: {report.tree_size} entries, root {report.root_hash}",
        ],
    )


def restore(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="A backup folder or .tar / .tar.gz file.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace an existing database and key (kept beside them)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore a backup into the data folder, after its whole ledger verifies."""
    from coldcheck.bootstrap import documents
    from coldcheck.service.exchange import FileError

    try:
        with stage_progress(as_json, BACKUP_STAGES, "verifying the ledger") as progress:
            report = documents(ctx.obj).restore(source, force=force, progress=progress)
    except FileError as exc:
        fail(str(exc), EXIT_FAILURE, as_json)
    say(
        as_json,
        {
            "data": str(report.data_dir),
            "tree_size": report.tree_size,
            "root_hash": report.root_hash,
            "kept": [str(p) for p in report.kept],
            "verified": report.summary,
        },
        [
            f"Restored into {report.data_dir}: {report.summary}",
            *[f"  kept the old file as {p}" for p in report.kept],
            "Run `coldcheck init` to bring an older backup's schema up to date.",
        ],
    )


def register(cli: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the root CLI."""
    cli.command("backup")(backup)
    cli.command("restore")(restore)
