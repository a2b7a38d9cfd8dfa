"""notices: notices, the outbox and deliveries (issue 6)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 20:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.GUID(length=16), nullable=False),
    sa.Column('enterprise_id', sa.GUID(length=16), nullable=True),
    sa.Column('application_id', sa.GUID(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title_id', sa.Text(), nullable=False),
    sa.Column('body_id', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('read_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_notice_application_id_application')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_notice_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['event_id'], ['application_event.id'], name=op.f('fk_notice_event_id_application_event')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notice_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('event_id', 'person_id', name='uq_notice_event_recipient')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_notice_inbox', ['person_id', 'created_at'], unique=False)

    op.create_table('notice_delivery',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('notice_id', sa.GUID(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('provider_message_id', sa.String(length=128), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('finished_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_delivery_notice_id_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_delivery')),
    sa.UniqueConstraint('notice_id', 'channel', name='uq_delivery_notice_channel')
    )
    with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_pending', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_pending')

    op.drop_table('notice_delivery')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_inbox')
        batch_op.drop_index(batch_op.f('ix_notice_application_id'))

    op.drop_table('notice')
