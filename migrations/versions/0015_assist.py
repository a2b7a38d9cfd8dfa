"""assist: authorizations and home visits (issue 8)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 20:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table('assist_authorization',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('person_id', sa.GUID(length=16), nullable=False),
    sa.Column('agent_staff_id', sa.GUID(length=16), nullable=False),
    sa.Column('granted_by_staff_id', sa.GUID(length=16), nullable=True),
    sa.Column('bundles', sa.JSON(), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=16), nullable=True),
    sa.Column('revoked_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('expired_noted', sa.Boolean(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_staff_id'], ['staff.id'], name=op.f('fk_assist_authorization_agent_staff_id_staff')),
    sa.ForeignKeyConstraint(['granted_by_staff_id'], ['staff.id'], name=op.f('fk_assist_authorization_granted_by_staff_id_staff')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_assist_authorization_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_authorization'))
    )
    with op.batch_alter_table('assist_authorization', schema=None) as batch_op:
        batch_op.create_index('ix_assist_authorization_agent_person', ['agent_staff_id', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_authorization_person_id'), ['person_id'], unique=False)

    op.create_table('assist_home_visit',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('person_id', sa.GUID(length=16), nullable=False),
    sa.Column('field_worker_id', sa.GUID(length=16), nullable=False),
    sa.Column('scheduled_by_id', sa.GUID(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id_checked_by_id', sa.GUID(length=16), nullable=True),
    sa.Column('id_checked_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['field_worker_id'], ['staff.id'], name=op.f('fk_assist_home_visit_field_worker_id_staff')),
    sa.ForeignKeyConstraint(['id_checked_by_id'], ['staff.id'], name=op.f('fk_assist_home_visit_id_checked_by_id_staff')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_assist_home_visit_person_id_person')),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['staff.id'], name=op.f('fk_assist_home_visit_scheduled_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_home_visit'))
    )
    with op.batch_alter_table('assist_home_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assist_home_visit_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_assist_home_visit_worker_day', ['field_worker_id', 'day'], unique=False)

    op.create_table('assist_authorization_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('authorization_id', sa.GUID(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.GUID(length=16), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authorization_id'], ['assist_authorization.id'], name=op.f('fk_assist_authorization_event_authorization_id_assist_authorization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_authorization_event'))
    )
    with op.batch_alter_table('assist_authorization_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assist_authorization_event_authorization_id'), ['authorization_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assist_authorization_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assist_authorization_event_authorization_id'))

    op.drop_table('assist_authorization_event')
    with op.batch_alter_table('assist_home_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_assist_home_visit_worker_day')
        batch_op.drop_index(batch_op.f('ix_assist_home_visit_person_id'))

    op.drop_table('assist_home_visit')
    with op.batch_alter_table('assist_authorization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assist_authorization_person_id'))
        batch_op.drop_index('ix_assist_authorization_agent_person')

    op.drop_table('assist_authorization')
