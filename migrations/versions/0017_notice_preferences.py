"""notice_preferences: per-person notice channel preferences (issue 6)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-23 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    # Deliveries written from now on start on channel "push" (routed when sent): a plain
    # string column, so no change to notice_delivery. A person without a row here gets the
    # default order.
    op.create_table('notice_preference',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('person_id', sa.GUID(length=16), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notice_preference_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_preference')),
    sa.UniqueConstraint('person_id', name=op.f('uq_notice_preference_person_id'))
    )


def downgrade() -> None:
    op.drop_table('notice_preference')
