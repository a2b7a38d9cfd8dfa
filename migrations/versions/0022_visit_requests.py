"""visit_requests: visit requests, their history, and field workers' areas (issue 8)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-24 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    op.create_table('assist_worker_area',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('staff_id', sa.GUID(length=16), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_assist_worker_area_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_worker_area')),
    sa.UniqueConstraint('staff_id', 'area', name='uq_assist_worker_area')
    )
    with op.batch_alter_table('assist_worker_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assist_worker_area_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_worker_area_staff_id'), ['staff_id'], unique=False)

    op.create_table('assist_visit_request',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('person_id', sa.GUID(length=16), nullable=True),
    sa.Column('requester_kind', sa.String(length=16), nullable=False),
    sa.Column('requester_person_id', sa.GUID(length=16), nullable=True),
    sa.Column('requester_staff_id', sa.GUID(length=16), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address_ciphertext', sa.String(length=1000), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('bundle', sa.String(length=64), nullable=False),
    sa.Column('preferred', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('needs_other', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('visit_id', sa.GUID(length=16), nullable=True),
    sa.Column('slot', sa.String(length=2), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_assist_visit_request_person_id_person')),
    sa.ForeignKeyConstraint(['requester_person_id'], ['person.id'], name=op.f('fk_assist_visit_request_requester_person_id_person')),
    sa.ForeignKeyConstraint(['requester_staff_id'], ['staff.id'], name=op.f('fk_assist_visit_request_requester_staff_id_staff')),
    sa.ForeignKeyConstraint(['visit_id'], ['assist_home_visit.id'], name=op.f('fk_assist_visit_request_visit_id_assist_home_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_visit_request'))
    )
    with op.batch_alter_table('assist_visit_request', schema=None) as batch_op:
        batch_op.create_index('ix_assist_visit_request_area_status', ['area', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_visit_request_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_visit_request_requester_person_id'), ['requester_person_id'], unique=False)

    op.create_table('assist_visit_request_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('request_id', sa.GUID(length=16), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.GUID(length=16), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['assist_visit_request.id'], name=op.f('fk_assist_visit_request_event_request_id_assist_visit_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assist_visit_request_event'))
    )
    with op.batch_alter_table('assist_visit_request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assist_visit_request_event_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assist_visit_request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assist_visit_request_event_request_id'))

    op.drop_table('assist_visit_request_event')
    with op.batch_alter_table('assist_visit_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assist_visit_request_requester_person_id'))
        batch_op.drop_index(batch_op.f('ix_assist_visit_request_person_id'))
        batch_op.drop_index('ix_assist_visit_request_area_status')

    op.drop_table('assist_visit_request')
    with op.batch_alter_table('assist_worker_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assist_worker_area_staff_id'))
        batch_op.drop_index(batch_op.f('ix_assist_worker_area_area'))

    op.drop_table('assist_worker_area')
