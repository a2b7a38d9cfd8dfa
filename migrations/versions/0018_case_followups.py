"""case_followups: 容缺 lapse consequences and complaint deadlines (issue 5)

A lapse suspends items through existing columns; a complaint whose answer is late is marked
once, when the sweep finds it overdue.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-23 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue_at", DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("overdue_at")
