"""spaces: proactive benefit offers and data exports (issue 7)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 20:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table('benefit_offer',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('benefit_code', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('person_id', sa.GUID(length=16), nullable=False),
    sa.Column('enterprise_id', sa.GUID(length=16), nullable=True),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('record_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('offered_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('dispute_note', sa.String(length=500), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_benefit_offer_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_benefit_offer_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_offer')),
    sa.UniqueConstraint('benefit_code', 'subject', name='uq_benefit_offer_subject')
    )
    with op.batch_alter_table('benefit_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_offer_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_benefit_offer_person', ['person_id', 'offered_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('benefit_offer', schema=None) as batch_op:
        batch_op.drop_index('ix_benefit_offer_person')
        batch_op.drop_index(batch_op.f('ix_benefit_offer_enterprise_id'))

    op.drop_table('benefit_offer')
