"""once_per_subject: one open application per subject for bundles that happen once (issue 20)

A keyed pseudonym of whom the application is for (``subject_key``) and a partial unique
index over the open states, so two racing submits for the same baby cannot both stand.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

OPEN = sa.text("subject_key IS NOT NULL AND state IN ('submitted', 'returned', 'accepted')")


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "uq_application_open_subject", ["bundle_code", "subject_key"], unique=True,
            sqlite_where=OPEN, postgresql_where=OPEN,
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("uq_application_open_subject", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_column("subject_key")
