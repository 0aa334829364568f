"""issue 18 part 5: weapon photos' bytes, content-addressed beside the log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:00:00.000000

Adds ``photo_blobs`` (sha256 primary key, media type, byte size, the bytes): each row is
named by a ``WeaponPhotographed`` ledger entry written in the same transaction. Nothing
existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photo_blobs")),
    )


def downgrade() -> None:
    op.drop_table("photo_blobs")
