"""``coldcheck witness``: make and run a c2sp.org/tlog-witness witness (Typer sub-app).

Wired into the root CLI with ``cli.add_typer(witness_cli, name="witness")``; also runs alone as
``python -m coldcheck.witness``. The data folder comes from this sub-app's own ``--data``, else
from the root CLI's settings (``ctx.obj.data_dir``), else ``COLDCHECK_DATA``, else
``./coldcheck-data``; the witness keeps its files in ``<data>/witness/``.

Exit codes: 0 ok, 1 failure, 2 usage error.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import typer

__all__ = ["witness_cli"]

EXIT_FAILURE = 1
EXIT_USAGE = 2
DEFAULT_PORT = 8001

witness_cli = typer.Typer(
    name="witness",
    help="An independent witness of other servers' logs (c2sp.org/tlog-witness).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@dataclass(frozen=True)
class _Options:
    data_dir: Path


def _fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@witness_cli.callback()
def _witness_root(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Data folder (default: coldcheck's --data, env COLDCHECK_DATA, ./coldcheck-data).",
        ),
    ] = None,
) -> None:
    """An independent witness: remembers each log's newest checkpoint, cosigns only extensions."""
    if data is None:
        inherited = getattr(ctx.obj, "data_dir", None)
        if isinstance(inherited, Path):
            data = inherited
        else:
            data = Path(os.environ.get("COLDCHECK_DATA") or "coldcheck-data")
    ctx.obj = _Options(data)


@witness_cli.command("init")
def init(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Option(
            "--name", help="The witness's name, a schema-less URL, e.g. witness.studio.example/w1."
        ),
    ],
) -> None:
    """Make the witness's Ed25519 key (mode 0600) and state in <data>/witness/ (mode 0700)."""
    from coldcheck.witness.setup import WitnessSetupError, init_witness

    options: _Options = ctx.obj
    try:
        report = init_witness(options.data_dir, name)
    except WitnessSetupError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"could not make the witness in {options.data_dir}: {exc}")
    if report.created:
        typer.echo(f"Created witness {report.name} in {report.folder} (key mode 0600).")
    else:
        typer.echo(f"Witness {report.name} already exists in {report.folder}; nothing changed.")
    typer.echo("Its vkey (give it to the logs it witnesses and to whoever checks their proofs):")
    typer.echo(report.vkey)


@witness_cli.command("serve")
def serve(
    ctx: typer.Context,
    log: Annotated[
        list[str],
        typer.Option(
            "--log",
            help="The vkey of a log to witness (its name is the log's origin). Repeat for more.",
        ),
    ],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = DEFAULT_PORT,
) -> None:
    """Serve POST /add-checkpoint for the logs given with --log."""
    from coldcheck.ledger.c2sp_errors import C2spFormatError
    from coldcheck.ledger.cosignature import CosignatureSigner
    from coldcheck.ledger.note import Ed25519Verifier, parse_vkey
    from coldcheck.witness.app import create_app
    from coldcheck.witness.core import Witness, origin_warnings
    from coldcheck.witness.setup import WitnessSetupError, open_witness_files

    options: _Options = ctx.obj
    if not 1 <= port <= 65535:
        _fail(f"--port must be between 1 and 65535, got {port}", EXIT_USAGE)
    if not log:
        _fail("give at least one --log VKEY: the logs this witness agrees to witness", EXIT_USAGE)
    logs: list[Ed25519Verifier] = []
    for vkey in log:
        try:
            if parse_vkey(vkey).sig_type == 0x04:
                _fail(f"--log {vkey} is a witness's key (type 0x04), not a log's", EXIT_USAGE)
            logs.append(Ed25519Verifier.from_vkey(vkey))
        except C2spFormatError as exc:
            _fail(f"--log {vkey!r}: {exc}", EXIT_USAGE)
    try:
        files = open_witness_files(options.data_dir)
        witness = Witness(CosignatureSigner(files.name, files.key), logs, files.store)
    except WitnessSetupError as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc), EXIT_USAGE)
    for note in origin_warnings(logs):
        typer.echo(f"note: {note}", err=True)
    import uvicorn

    typer.echo(f"Witness {files.name} on http://{host}:{port}/add-checkpoint")
    typer.echo(f"vkey {witness.vkey}")
    for origin in witness.origins:
        typer.echo(f"witnessing {origin}")
    sys.stdout.flush()
    uvicorn.run(create_app(witness), host=host, port=port, log_level="warning")
