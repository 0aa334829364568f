"""issue 15: anonymous reports held outside the custody log until staff decide

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:10:00.000000

Adds ``held_reports``: what the no-sign-in form receives is kept here (held, then
accepted into the log or refused and kept), never written straight into the log.
Adds ``readiness``: one row that ``/readyz`` rewrites, so the probe is a real write.
Nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_reports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("report", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_reports")),
    )
    with op.batch_alter_table("held_reports", schema=None) as batch_op:
        batch_op.create_index("ix_held_reports_production", ["production"], unique=False)
        batch_op.create_index("ix_held_reports_received_at", ["received_at"], unique=False)
    op.create_table(
        "readiness",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness")),
    )


def downgrade() -> None:
    op.drop_table("readiness")
    with op.batch_alter_table("held_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_held_reports_received_at")
        batch_op.drop_index("ix_held_reports_production")
    op.drop_table("held_reports")
