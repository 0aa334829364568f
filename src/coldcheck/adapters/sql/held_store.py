"""``held_reports``: anonymous reports kept outside the custody log until staff decide."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Column, Index, String, Table, Text, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from coldcheck.adapters.sql.account_store import UtcDateTime
from coldcheck.adapters.sql.engine import WRITE, writer_lock
from coldcheck.adapters.sql.tables import metadata
from coldcheck.domain.ids import ProductionId
from coldcheck.service.held_reports import HeldReport

__all__ = ["SqlHeldReportStore", "SqlHeldReportTransactions", "held_reports"]

held_reports = Table(
    "held_reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("production", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("report", String(64), nullable=True),
    Index("ix_held_reports_production", "production"),
    Index("ix_held_reports_received_at", "received_at"),
)


def _held(row: RowMapping) -> HeldReport:
    return HeldReport(
        id=row["id"],
        production=ProductionId(row["production"]),
        text=row["text"],
        received_at=row["received_at"],
        status=row["status"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        report=row["report"],
    )


class SqlHeldReportStore:
    """``HeldReportStore`` on one connection; the caller owns the transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, report: HeldReport) -> None:
        """Insert a held report."""
        self._conn.execute(
            insert(held_reports).values(
                id=report.id,
                production=report.production,
                text=report.text,
                received_at=report.received_at,
                status=report.status,
            )
        )

    def get(self, report_id: str) -> HeldReport | None:
        """The held report with this id."""
        row = (
            self._conn.execute(select(held_reports).where(held_reports.c.id == report_id))
            .mappings()
            .first()
        )
        return _held(row) if row is not None else None

    def of_production(self, production: ProductionId, limit: int) -> list[HeldReport]:
        """The production's held reports, newest first."""
        stmt = (
            select(held_reports)
            .where(held_reports.c.production == production)
            .order_by(held_reports.c.received_at.desc())
            .limit(limit)
        )
        return [_held(r) for r in self._conn.execute(stmt).mappings()]

    def decide(
        self, report_id: str, status: str, at: datetime, by: str, report: str | None
    ) -> bool:
        """Mark a still-held report; False if another decision came first."""
        result = self._conn.execute(
            update(held_reports)
            .where(held_reports.c.id == report_id, held_reports.c.status == "held")
            .values(status=status, decided_at=at, decided_by=by, report=report)
        )
        return int(result.rowcount) == 1

    def count_since(self, since: datetime) -> int:
        """Reports received at or after ``since``, every production."""
        stmt = select(func.count()).select_from(held_reports)
        return int(self._conn.execute(stmt.where(held_reports.c.received_at >= since)).scalar_one())


class SqlHeldReportTransactions:
    """One transaction over ``held_reports`` (writes queue on the writer lock)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def __call__(self, *, write: bool = True) -> Iterator[SqlHeldReportStore]:
        if not write:
            with self._engine.begin() as conn:
                yield SqlHeldReportStore(conn)
            return
        with writer_lock(self._engine), self._engine.execution_options(**WRITE).begin() as conn:
            yield SqlHeldReportStore(conn)
