"""A realistic multi-production history, built quickly (issue 9: "history growth").

How it is built
---------------
1. One *template* production is run through the real domain in memory:
   ``rules.decide`` judges every command and ``state.apply`` folds the
   events, so the history is one the rules accept. It has a set-up (people,
   roles, permits, training, weapons) and then ``days`` shooting days: unlock,
   a scene plan, a safety meeting, every weapon taken out, inspected, handed
   over (performer + 1st AD confirm), taken back, inspected and returned,
   then reconcile, close the day and lock up (78 events a day for 12 weapons).
2. The template is replicated across ``productions`` productions that share
   the same calendar (a studio shooting several productions at once), and the
   global log interleaves them day by day, as a shared server would.
3. Every entry is the exact ledger bytes of ``encode_entry(seq, event)``. To
   avoid re-serialising a million envelopes, each template event is encoded
   once with a sentinel production and seq and split around them; replica
   bytes are spliced from those parts, and a sample of them is checked to be
   byte-identical to ``encode_entry`` (the build fails otherwise).
4. Leaf hashes use ``ledger.leaf_hash``; stored nodes come from the ledger's
   own append accumulator (``CompactRange.extend_collect``, what
   ``SqlLedger.append`` uses). A signed head is stored every ``HEAD_EVERY``
   entries (the service signs one per transaction; signing a million heads
   would dominate the build and only the newest is ever read on the hot path).
5. ``events`` and ``event_refs`` rows are bulk-inserted with the product's
   own ``refs()``; the read tables of the template are written by the
   product's ``write_views`` and copied for each replica; the template
   production gets a state snapshot like the service's.
"""

from __future__ import annotations

import dataclasses
import itertools
import pickle
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert, select

from bench import world
from coldcheck.adapters.sql import store as sql_store
from coldcheck.adapters.sql.tables import memberships, productions, snapshots, weapon_view
from coldcheck.domain import commands as c
from coldcheck.domain.errors import Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import MeetingId, ProductionId, SceneId
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply, empty_state
from coldcheck.ledger import leaf_hash, sign_head
from coldcheck.ledger.tree import CompactRange
from coldcheck.service.envelope import Channel, encode_entry, refs

#: every spliced entry came in by the API
CHANNEL = Channel.api()

HEAD_EVERY = 100
TEMPLATE = "studio-000"
_SENT_P = "zz-sentinel-production-zz"
_SENT_SEQ = 987654321987654


@dataclass(frozen=True)
class HistorySpec:
    productions: int = 100
    days: int = 128
    weapons: int = 12
    performers: int = 12


def _first_day(days: int) -> date:
    # the template's calendar ends a few days before today, so "now" follows it
    return datetime.now(UTC).date() - timedelta(days=days + 3)


def template_events(
    spec: HistorySpec, production: str = TEMPLATE
) -> tuple[list[Event], list[int], ProductionState]:
    """The template's events (judged by ``decide``), day boundaries, final state."""
    ws = world.Spec(
        production=production, weapons=spec.weapons, performers=spec.performers, armorers=2
    )
    state = empty_state(ProductionId(production))
    out: list[Event] = []
    boundaries: list[int] = []
    first = _first_day(spec.days)
    t0 = datetime.combine(first - timedelta(days=1), time(12), UTC)

    def run(command: c.Command, at: datetime) -> None:
        nonlocal state
        command = dataclasses.replace(command, at=at)
        decision = decide(state, command)
        if isinstance(decision, Refusal):
            raise RuntimeError(f"template refused {type(command).__name__}: {decision}")
        for e in decision:
            state = apply(state, e)
            out.append(e)

    for k, command in enumerate(world.setup_commands(ws)):
        run(command, t0 + timedelta(seconds=k))
    boundaries.append(len(out))
    arm, p = world.armorer(0), production
    for d in range(spec.days):
        day = first + timedelta(days=d)
        t = datetime.combine(day, time(13), UTC)

        def at() -> datetime:
            nonlocal t
            t += timedelta(minutes=1)
            return t

        if state.armory_locked:
            run(world.cmd(c.UnlockArmory, p, arm), at())
        scene = SceneId(f"{d + 1}A")
        run(
            world.cmd(
                c.PlanScene,
                p,
                world.AD,
                scene=scene,
                day=day,
                title=f"Scene {d + 1}",
                weapons=tuple(world.weapon(i) for i in range(spec.weapons)),
                performers=tuple(world.performer(i) for i in range(spec.performers)),
                confirmations=frozenset({arm}),
            ),
            at(),
        )
        run(
            world.cmd(
                c.HoldSafetyMeeting,
                p,
                world.AD,
                meeting=MeetingId(f"M-{d:04d}"),
                day=day,
                scenes=(scene,),
                attendees=(arm, world.AD, *(world.performer(i) for i in range(spec.performers))),
                notes="Walk-through, no firing.",
            ),
            at(),
        )
        for i in range(spec.weapons):
            for command in world.issue_commands(p, i, arm, world.performer(i % spec.performers)):
                run(command, at())
        for i in range(spec.weapons):
            for command in world.return_commands(p, i, arm, world.performer(i % spec.performers)):
                run(command, at())
        serials = tuple(f"SN-{i:06d}" for i in range(spec.weapons))
        run(world.cmd(c.ReconcileDay, p, arm, day=day, lot_counts=(), serials_seen=serials), at())
        run(
            world.cmd(c.CloseDay, p, arm, day=day, confirmations=frozenset({world.PRODUCER})),
            at(),
        )
        run(world.cmd(c.LockUp, p, arm, kind="wrap"), at())
        boundaries.append(len(out))
    return out, boundaries, state


def _split(event: Event) -> tuple[bytes, bytes, bytes]:
    raw = encode_entry(_SENT_SEQ, dataclasses.replace(event, production=_SENT_P), CHANNEL)
    p_tok = f'"production":"{_SENT_P}"'.encode()
    s_tok = f'"seq":{_SENT_SEQ}'.encode()
    if raw.count(p_tok) != 1 or raw.count(s_tok) != 1:
        raise RuntimeError("sentinel not unique in an entry; cannot splice")
    a, rest = raw.split(p_tok)
    b, c_ = rest.split(s_tok)
    return a + b'"production":"', b'"' + b + b'"seq":', c_


def build_sqlite(
    path: Path, engine: Engine, spec: HistorySpec, key: Ed25519PrivateKey
) -> dict[str, Any]:
    """Fill the (initialised, empty) database at ``path``; returns what was built."""
    events, boundaries, state = template_events(spec)
    parts = [_split(e) for e in events]
    ref_lists = [sorted(refs(e)) for e in events]
    event_rows = [(e.type_name, e.version, e.at.isoformat()) for e in events]
    names = [TEMPLATE] + [f"studio-{k:03d}" for k in range(1, spec.productions)]
    chunks = list(itertools.pairwise(boundaries))
    chunks.insert(0, (0, boundaries[0]))

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-200000")
    cr = CompactRange()
    seq = 0
    last_seq: dict[str, int] = {}
    sample: list[tuple[int, str, int, bytes]] = []
    rng = random.Random(9)
    db.execute("BEGIN")
    for lo, hi in chunks:
        for name in names:
            pb = name.encode()
            entries, ev_rows, ref_rows = [], [], []
            for j in range(lo, hi):
                a, b, tail = parts[j]
                entry = a + pb + b + str(seq).encode() + tail
                entries.append((seq, entry, leaf_hash(entry)))
                typ, ver, at = event_rows[j]
                ev_rows.append((seq, name, typ, ver, at))
                ref_rows.extend((name, r, seq) for r in ref_lists[j])
                if rng.random() < 0.0005:
                    sample.append((seq, name, j, entry))
                seq += 1
            db.executemany(
                "INSERT INTO ledger_entries(idx, entry, leaf_hash) VALUES (?,?,?)", entries
            )
            db.executemany(
                "INSERT INTO events(seq, production, type, version, at) VALUES (?,?,?,?,?)", ev_rows
            )
            db.executemany("INSERT INTO event_refs(production, ref, seq) VALUES (?,?,?)", ref_rows)
            nodes = [
                (lv, i, h) for (lv, i), h in cr.extend_collect(x[2] for x in entries) if lv > 0
            ]
            db.executemany("INSERT INTO ledger_nodes(level, idx, hash) VALUES (?,?,?)", nodes)
            if name == names[-1] or len(entries) >= HEAD_EVERY:
                _head(db, key, cr, events[hi - 1].at)
            last_seq[name] = seq - 1
            if seq % 200_000 < (hi - lo):
                db.execute("COMMIT")
                db.execute("BEGIN")
    db.execute("COMMIT")
    db.close()
    for s, name, j, entry in sample:
        want = encode_entry(
            s, dataclasses.replace(events[j], production=ProductionId(name)), CHANNEL
        )
        if want != entry:
            raise RuntimeError(f"spliced entry {s} differs from encode_entry")

    # read tables: the template's through the product's write_views, copied per replica
    with engine.begin() as conn:
        sql_store.write_views(conn, empty_state(state.production), state, last_seq[TEMPLATE])
        copies: list[tuple[Any, str]] = [
            (productions, "id"),
            (memberships, "production"),
            (weapon_view, "production"),
        ]
        for table, col in copies:
            rows = [
                dict(r._mapping)
                for r in conn.execute(select(table).where(table.c[col] == TEMPLATE))
            ]
            new = []
            for name in names[1:]:
                for r in rows:
                    row = {**r, col: name}
                    if "last_seq" in row:
                        row["last_seq"] = last_seq[name]
                    new.append(row)
            if new:
                conn.execute(insert(table), new)
        conn.execute(
            insert(snapshots).values(
                production=TEMPLATE,
                seq=last_seq[TEMPLATE],
                format=sql_store.SNAPSHOT_FORMAT,
                state=pickle.dumps(state, protocol=5),
            )
        )
    return {
        "events": seq,
        "productions": len(names),
        "per_production": len(events),
        "sampled": len(sample),
    }


def _head(db: sqlite3.Connection, key: Ed25519PrivateKey, cr: CompactRange, at: datetime) -> None:
    head = sign_head(key, cr.size, cr.root(), int(at.timestamp() * 1000))
    db.execute(
        "INSERT OR IGNORE INTO ledger_heads(tree_size, root_hash, timestamp_ms, signature, log_id)"
        " VALUES (?,?,?,?,?)",
        (head.tree_size, head.root_hash, head.timestamp, head.signature, head.log_id),
    )


def iter_sizes(spec: HistorySpec) -> Iterator[int]:  # pragma: no cover - doc helper
    yield spec.productions * spec.days
