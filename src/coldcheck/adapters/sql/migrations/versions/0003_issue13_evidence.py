"""issue 13 evidence: the log's origin, subject index, witnesses, security log positions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00

Existing databases keep every entry and head: the chain of commit records starts with
the first commit after this upgrade (the heads before it are a legacy prefix, checked
as before), ``coldcheck init`` sets the origin and writes the security log's baseline
(every existing account and session, and a digest of the older ``auth_events`` rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_meta",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ledger_meta")),
    )
    op.create_table(
        "subject_index",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("first", sa.BigInteger(), nullable=False),
        sa.Column("through", sa.BigInteger(), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_subject_index")),
    )
    with op.batch_alter_table("subject_index", schema=None) as batch_op:
        batch_op.create_index("ix_subject_index_production_seq", ["production", "seq"], unique=True)
    op.create_table(
        "witness_status",
        sa.Column("vkey", sa.String(length=600), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("cosigned_size", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_try_ms", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_try_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("fork", sa.Text(), nullable=True),
        sa.Column("fork_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("vkey", name=op.f("pk_witness_status")),
    )
    op.create_table(
        "witness_cosignatures",
        sa.Column("vkey", sa.String(length=600), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("vkey", "tree_size", name=op.f("pk_witness_cosignatures")),
    )
    with op.batch_alter_table("witness_cosignatures", schema=None) as batch_op:
        batch_op.create_index("ix_witness_cosignatures_tree_size", ["tree_size"], unique=False)
    with op.batch_alter_table("auth_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_auth_events_seq", ["seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("auth_events", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_events_seq")
        batch_op.drop_column("seq")
    with op.batch_alter_table("witness_cosignatures", schema=None) as batch_op:
        batch_op.drop_index("ix_witness_cosignatures_tree_size")
    op.drop_table("witness_cosignatures")
    op.drop_table("witness_status")
    with op.batch_alter_table("subject_index", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_index_production_seq")
    op.drop_table("subject_index")
    op.drop_table("ledger_meta")
