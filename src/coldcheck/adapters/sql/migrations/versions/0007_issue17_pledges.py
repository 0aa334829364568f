"""issue 17: a confirmation request keeps what each confirmer ticks before confirming

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00.000000

Adds the nullable ``confirmation_challenges.pledges`` (JSON: person to the sentence they
tick, e.g. the performer receiving a weapon: "I was shown every chamber and the bore"), so
that the server refuses a passkey signature given without the tick, on the cart's screen
or the person's own phone. Challenges last minutes; older rows keep NULL (no tick asked).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("confirmation_challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pledges", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("confirmation_challenges", schema=None) as batch_op:
        batch_op.drop_column("pledges")
