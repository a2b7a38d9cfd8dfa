"""notice_subjects: notices about a person or enterprise without an application (licence expiry reminders), staff handling of disputed benefit offers (issue 7)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('license_id', sa.GUID(length=16), nullable=True))
        batch_op.add_column(sa.Column('offer_id', sa.GUID(length=16), nullable=True))
        batch_op.alter_column('event_id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True)
        batch_op.alter_column('application_id', existing_type=sa.GUID(length=16), nullable=True)
        batch_op.create_index(batch_op.f('ix_notice_license_id'), ['license_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_offer_id'), ['offer_id'], unique=False)
        batch_op.create_unique_constraint('uq_notice_subject_recipient', ['subject_key', 'person_id'])
        batch_op.create_check_constraint(op.f('ck_notice_one_origin'), '(event_id IS NULL) <> (subject_key IS NULL)')
        batch_op.create_foreign_key(batch_op.f('fk_notice_license_id_wallet_license'), 'wallet_license', ['license_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notice_offer_id_benefit_offer'), 'benefit_offer', ['offer_id'], ['id'])

    with op.batch_alter_table('benefit_offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispute_outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('dispute_answer', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('dispute_answered_at', sa.DateTimeUTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dispute_answered_by_id', sa.GUID(length=16), nullable=True))
        batch_op.create_index('ix_benefit_offer_status', ['status', 'department_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_benefit_offer_dispute_answered_by_id_staff'), 'staff', ['dispute_answered_by_id'], ['id'])


def downgrade() -> None:
    # The older schema knows no answers to objections: a withdrawn offer reads as disputed.
    op.execute("UPDATE benefit_offer SET status = 'disputed' WHERE status = 'withdrawn'")
    with op.batch_alter_table('benefit_offer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_benefit_offer_dispute_answered_by_id_staff'), type_='foreignkey')
        batch_op.drop_index('ix_benefit_offer_status')
        batch_op.drop_column('dispute_answered_by_id')
        batch_op.drop_column('dispute_answered_at')
        batch_op.drop_column('dispute_answer')
        batch_op.drop_column('dispute_outcome')

    # Notices about no application cannot exist in the older schema: they go, deliveries first.
    op.execute(
        'DELETE FROM notice_delivery WHERE notice_id IN (SELECT id FROM notice WHERE event_id IS NULL)'
    )
    op.execute('DELETE FROM notice WHERE event_id IS NULL')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notice_offer_id_benefit_offer'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notice_license_id_wallet_license'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_notice_one_origin'), type_='check')
        batch_op.drop_constraint('uq_notice_subject_recipient', type_='unique')
        batch_op.drop_index(batch_op.f('ix_notice_offer_id'))
        batch_op.drop_index(batch_op.f('ix_notice_license_id'))
        batch_op.alter_column('application_id', existing_type=sa.GUID(length=16), nullable=False)
        batch_op.alter_column('event_id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False)
        batch_op.drop_column('offer_id')
        batch_op.drop_column('license_id')
        batch_op.drop_column('subject_key')
