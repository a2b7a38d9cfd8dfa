"""staff_lookups: a member of staff finding a person by phone is logged without a consent

``data_access.consent_id`` may be empty: a row of source ``account`` records a member of
staff finding the person by phone number (scheduling a visit, recording a visit request),
which is done in the course of a duty, not on the person's consent. Every other row still
names its consent.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]


def upgrade() -> None:
    with op.batch_alter_table('data_access', schema=None) as batch_op:
        batch_op.alter_column('consent_id', existing_type=sa.GUID(length=16), nullable=True)


def downgrade() -> None:
    # The lookups have no consent to name: they cannot stay in a column that requires one.
    op.execute("DELETE FROM data_access WHERE consent_id IS NULL")
    with op.batch_alter_table('data_access', schema=None) as batch_op:
        batch_op.alter_column('consent_id', existing_type=sa.GUID(length=16), nullable=False)
