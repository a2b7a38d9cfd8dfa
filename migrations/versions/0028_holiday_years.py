"""holiday_years: years loaded from the State Council's notices; provisional deadlines (issue 20)

``holiday_year`` holds each loaded year's days off and make-up workdays. A deadline counted
across a year not loaded yet remembers the first such year (``*_provisional_from``), so it is
shown as provisional and counted again once the year is loaded.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holiday_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("loaded_by", sa.String(length=80), nullable=False),
        sa.Column("loaded_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_holiday_year")),
    )
    with op.batch_alter_table("sub_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_provisional_from", sa.Integer(), nullable=True))
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("commitment_due_provisional_from", sa.Integer(), nullable=True)
        )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_provisional_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("due_provisional_from")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("commitment_due_provisional_from")
    with op.batch_alter_table("sub_case", schema=None) as batch_op:
        batch_op.drop_column("due_provisional_from")
    op.drop_table("holiday_year")
