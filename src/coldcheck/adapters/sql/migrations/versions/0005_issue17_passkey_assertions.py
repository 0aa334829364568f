"""issue 17: a confirmation given with a passkey keeps its assertion until the command uses it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:00:00.000000

Adds the nullable ``command_confirmations.assertion`` (JSON: authenticator data, client data
JSON, signature, credential id, and what was signed). Enrolments and the assertions of used
confirmations are in the ledger itself; nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("command_confirmations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assertion", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("command_confirmations", schema=None) as batch_op:
        batch_op.drop_column("assertion")
