"""issue 19: challenges and single-use confirmations, PIN lock-outs per production

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00.000000

Adds ``confirmation_challenges`` and ``command_confirmations`` (a confirmation
is bound to the one command it confirms and used once) and ``pin_lockouts``
(wrong PINs count per person and production). Nothing existing changes: every
event, head and account stays as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "confirmation_challenges",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("log_size", sa.BigInteger(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmation_challenges")),
    )
    with op.batch_alter_table("confirmation_challenges", schema=None) as batch_op:
        batch_op.create_index("ix_confirmation_challenges_expires_at", ["expires_at"], unique=False)

    op.create_table(
        "command_confirmations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("challenge", sa.String(length=32), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "consumed_seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["challenge"],
            ["confirmation_challenges.id"],
            name=op.f("fk_command_confirmations_challenge_confirmation_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_command_confirmations")),
    )
    with op.batch_alter_table("command_confirmations", schema=None) as batch_op:
        batch_op.create_index("ix_command_confirmations_challenge", ["challenge"], unique=False)

    op.create_table(
        "pin_lockouts",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("production", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pin_lockouts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "production", name=op.f("pk_pin_lockouts")),
    )


def downgrade() -> None:
    op.drop_table("pin_lockouts")
    with op.batch_alter_table("command_confirmations", schema=None) as batch_op:
        batch_op.drop_index("ix_command_confirmations_challenge")
    op.drop_table("command_confirmations")
    with op.batch_alter_table("confirmation_challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_confirmation_challenges_expires_at")
    op.drop_table("confirmation_challenges")
