"""case_results: results of finished matters: e-licenses and documents (issue 5)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 20:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table('case_result',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('sub_case_id', sa.GUID(length=16), nullable=False),
    sa.Column('application_id', sa.GUID(length=16), nullable=False),
    sa.Column('matter_code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('license_id', sa.GUID(length=16), nullable=True),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('delivered_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_case_result_application_id_application')),
    sa.ForeignKeyConstraint(['license_id'], ['wallet_license.id'], name=op.f('fk_case_result_license_id_wallet_license')),
    sa.ForeignKeyConstraint(['sub_case_id'], ['sub_case.id'], name=op.f('fk_case_result_sub_case_id_sub_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_result')),
    sa.UniqueConstraint('sub_case_id', name=op.f('uq_case_result_sub_case_id'))
    )
    with op.batch_alter_table('case_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_result_application_id'), ['application_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_result_application_id'))

    op.drop_table('case_result')
