"""initial schema: ledger, event index, read tables, accounts

Revision ID: 0001
Revises:
Create Date: 2026-11-25 13:19:38.244568
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("login", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_events")),
    )
    with op.batch_alter_table("auth_events", schema=None) as batch_op:
        batch_op.create_index("ix_auth_events_user_id", ["user_id"], unique=False)

    op.create_table(
        "event_refs",
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("production", "ref", "seq", name=op.f("pk_event_refs")),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_production_seq", ["production", "seq"], unique=True)

    op.create_table(
        "ledger_entries",
        sa.Column(
            "idx",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_ledger_entries")),
    )
    op.create_table(
        "ledger_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("log_id", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_ledger_heads")),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_nodes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "lot_view",
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("round_class", sa.String(length=16), nullable=False),
        sa.Column("calibre", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("in_store", sa.Integer(), nullable=False),
        sa.Column("in_weapons", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("destroyed", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("production", "tag", name=op.f("pk_lot_view")),
    )
    op.create_table(
        "memberships",
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("production", "person", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index("ix_memberships_person", ["person"], unique=False)

    op.create_table(
        "productions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_productions")),
    )
    op.create_table(
        "snapshots",
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("production", name=op.f("pk_snapshots")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("login", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=True),
        sa.Column("pin_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pin_locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
        sa.UniqueConstraint("person_id", name=op.f("uq_users_person_id")),
    )
    op.create_table(
        "weapon_view",
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("custody", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("last_inspected_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("production", "tag", name=op.f("pk_weapon_view")),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sessions_expires_at", ["expires_at"], unique=False)
        batch_op.create_index("ix_sessions_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_user_id")
        batch_op.drop_index("ix_sessions_expires_at")

    op.drop_table("sessions")
    op.drop_table("weapon_view")
    op.drop_table("users")
    op.drop_table("snapshots")
    op.drop_table("productions")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_person")

    op.drop_table("memberships")
    op.drop_table("lot_view")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_heads")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_production_seq")

    op.drop_table("events")
    op.drop_table("event_refs")
    with op.batch_alter_table("auth_events", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_events_user_id")

    op.drop_table("auth_events")
