"""Weapon photos' bytes (issue 18, part 5), content-addressed beside the log.

``photo_blobs(sha256, media_type, byte_size, data)``
    one row per distinct photo: the primary key is the lowercase hex SHA-256 of ``data``,
    so the same photo taken twice (or on two productions) is one row. The ledger entry
    ``WeaponPhotographed`` names the hash; the row is written in the same transaction as
    that entry. It is in the database file, so ``coldcheck backup`` (SQLite) and
    ``pg_dump`` (PostgreSQL) carry it with the log; ``coldcheck verify`` hashes every
    row a ledger entry names (:func:`photo_problems`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Column, Integer, LargeBinary, String, Table, insert, select
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql.tables import metadata
from coldcheck.domain.state import ProductionState
from coldcheck.service.ports import PhotoBlob

__all__ = ["SqlPhotoStore", "photo_blobs", "photo_problems"]

photo_blobs = Table(
    "photo_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("media_type", String(40), nullable=False),
    Column("byte_size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)


class SqlPhotoStore:
    """The ``PhotoStore`` port on one connection (inside its transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put(self, blob: PhotoBlob) -> bool:
        """Insert unless the hash is held already; True when new."""
        held = self.conn.execute(
            select(photo_blobs.c.sha256).where(photo_blobs.c.sha256 == blob.sha256)
        ).first()
        if held is not None:
            return False
        self.conn.execute(
            insert(photo_blobs).values(
                sha256=blob.sha256,
                media_type=blob.media_type,
                byte_size=len(blob.data),
                data=blob.data,
            )
        )
        return True

    def get(self, sha256: str) -> PhotoBlob | None:
        """The stored row under ``sha256`` (None: not stored)."""
        row = self.conn.execute(
            select(photo_blobs.c.media_type, photo_blobs.c.data).where(
                photo_blobs.c.sha256 == sha256
            )
        ).first()
        return None if row is None else PhotoBlob(sha256, str(row[0]), bytes(row[1]))


def photo_problems(conn: Connection, states: Iterable[ProductionState]) -> list[str]:
    """Every photo the log names that is missing or altered, and every stored blob no
    entry names, in words (``coldcheck verify``)."""
    named: dict[str, tuple[str, int, str]] = {}
    for state in states:
        for ws in state.weapons.values():
            for p in ws.photos:
                where = f"{state.production} {ws.weapon.id}, taken {p.at.isoformat()}"
                named.setdefault(p.sha256, (where, p.byte_size, p.media_type))
    problems: list[str] = []
    seen: set[str] = set()
    rows = conn.execution_options(yield_per=16).execute(
        select(photo_blobs.c.sha256, photo_blobs.c.media_type, photo_blobs.c.data)
    )
    for sha, media_type, data in rows:
        seen.add(sha)
        want = named.get(sha)
        if want is None:
            problems.append(
                f"photo blob {sha[:12]}…: no ledger entry names it (written outside coldcheck)"
            )
            continue
        where, size, media = want
        actual = hashlib.sha256(bytes(data)).hexdigest()
        if actual != sha or len(data) != size or media_type != media:
            problems.append(
                f"photo {sha[:12]}… of {where}: ALTERED — its stored bytes hash to"
                f" {actual[:12]}… ({len(data)} bytes, {media_type}); the log recorded"
                f" {size} bytes, {media}. Restore it from a backup"
            )
    for sha in sorted(set(named) - seen):
        where, _, _ = named[sha]
        problems.append(
            f"photo {sha[:12]}… of {where}: MISSING from photo_blobs — restore it from a backup"
        )
    return problems
