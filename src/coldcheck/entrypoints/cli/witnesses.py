"""``coldcheck key`` and ``coldcheck witnesses add/list/remove``: the log's vkey, its witnesses.

(``coldcheck witness ...``, singular, is the other side: running a witness of other logs.)
"""

from __future__ import annotations

from typing import Annotated

import typer

from coldcheck.entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, JsonOpt, fail, open_app, say

witnesses_cli = typer.Typer(
    name="witnesses",
    help="The witnesses this log sends its checkpoints to (c2sp.org/tlog-witness).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def key(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print the log's verifier key (vkey): the line a witness operator pastes into --log."""
    with open_app(ctx, as_json) as app:
        identity = app.identity
    import base64

    say(
        as_json,
        {
            "vkey": identity.vkey,
            "origin": identity.origin,
            "log_id": base64.b64encode(identity.log_id).decode(),
            "public_key": base64.b64encode(identity.public_key).decode(),
        },
        [identity.vkey],
    )


@witnesses_cli.command("add")
def add(
    ctx: typer.Context,
    vkey: Annotated[
        str, typer.Argument(help="The witness's vkey (from `coldcheck witness init`).")
    ],
    url: Annotated[str, typer.Argument(help="Its submission prefix, e.g. https://w.example.")],
    as_json: JsonOpt = False,
) -> None:
    """Add a witness to the data folder's list (the server uses it from its next start)."""
    from coldcheck.bootstrap import listed_witnesses, save_witnesses
    from coldcheck.service.witnessing import WitnessConfigError, parse_witness

    settings = ctx.obj
    if not settings.data_dir.is_dir():
        fail(
            f"no data folder {settings.data_dir}; run `coldcheck init` first", EXIT_FAILURE, as_json
        )
    try:
        witness = parse_witness(f"{vkey}@{url}")
        current = listed_witnesses(settings)
        kept = [w for w in current if w.vkey != witness.vkey]
        save_witnesses(settings, [*kept, witness])
    except WitnessConfigError as exc:
        fail(str(exc), EXIT_USAGE, as_json)
    verb = "Updated" if len(kept) != len(current) else "Added"
    say(
        as_json,
        {"witness": witness.name, "url": witness.url, "vkey": witness.vkey},
        [
            f"{verb} witness {witness.name} at {witness.url}.",
            "Restart `coldcheck serve` to start submitting to it; give the witness this log's"
            " vkey (`coldcheck key`).",
        ],
    )


@witnesses_cli.command("list")
def list_witnesses(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every witness (from COLDCHECK_WITNESSES and the data folder) and how it stands."""
    from coldcheck.bootstrap import listed_witnesses

    with open_app(ctx, as_json) as app:
        listed = {w.vkey for w in listed_witnesses(app.settings)}
        rows = app.witnessing.statuses()
        fresh = app.witnessing.freshness()
    items = [
        {
            "witness": w.name,
            "url": w.url,
            "vkey": w.vkey,
            "from": "data folder" if w.vkey in listed else "COLDCHECK_WITNESSES",
            "cosigned_size": s.cosigned_size,
            "last_status": s.last_status,
            "last_error": s.last_error,
            "fork": s.fork,
        }
        for w, s in rows
    ]
    lines = [
        f"{i['witness']} {i['url']} ({i['from']}): cosigned up to tree size {i['cosigned_size']}"
        + (f"; FORK: {i['fork']}" if i["fork"] else "")
        + (f"; last: {i['last_error']}" if i["last_error"] and not i["fork"] else "")
        for i in items
    ] or ["No witnesses: add one with `coldcheck witnesses add VKEY URL`."]
    if fresh is not None:
        lines.append(fresh.words)
    say(as_json, {"witnesses": items, "freshness": fresh.words if fresh else None}, lines)


@witnesses_cli.command("remove")
def remove(
    ctx: typer.Context,
    witness: Annotated[str, typer.Argument(help="The witness's name or vkey.")],
    as_json: JsonOpt = False,
) -> None:
    """Remove a witness from the data folder's list (its cosignatures and any fork are kept)."""
    from coldcheck.bootstrap import listed_witnesses, save_witnesses
    from coldcheck.service.witnessing import WitnessConfigError

    settings = ctx.obj
    try:
        current = listed_witnesses(settings)
    except WitnessConfigError as exc:
        fail(str(exc), EXIT_FAILURE, as_json)
    kept = [w for w in current if witness not in (w.vkey, w.name)]
    if len(kept) == len(current):
        names = ", ".join(w.name for w in current) or "none"
        fail(
            f"no witness {witness!r} in the data folder's list (listed: {names}); witnesses set"
            " by COLDCHECK_WITNESSES are removed by changing that variable",
            EXIT_FAILURE,
            as_json,
        )
    save_witnesses(settings, kept)
    say(
        as_json,
        {"removed": witness, "left": [w.name for w in kept]},
        [f"Removed {witness}; restart `coldcheck serve` to stop submitting to it."],
    )


def register(cli: typer.Typer) -> None:
    """Add ``key`` and ``witnesses`` to the root CLI."""
    cli.command("key")(key)
    cli.add_typer(witnesses_cli)
