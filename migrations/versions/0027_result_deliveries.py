"""result_deliveries: how each matter's result comes, chosen once at submission (issue 20)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        # Applications made before keep one way for all (``delivery``) and no map.
        batch_op.add_column(
            sa.Column("deliveries", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("deliveries")
