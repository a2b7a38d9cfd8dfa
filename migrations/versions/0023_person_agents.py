"""person_agents: relatives and guardians as agents (issue 8)

An authorization's agent is a field worker or a person (exactly one); guardianships carry
their basis and proof; the data-access log names a person agent who read for the principal.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-24 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]


def upgrade() -> None:
    with op.batch_alter_table('assist_authorization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_person_id', sa.GUID(length=16), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('proof_note', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('proof_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('proof_upload_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('proof_checked_by_staff_id', sa.GUID(length=16), nullable=True))
        batch_op.alter_column('agent_staff_id', existing_type=sa.GUID(length=16), nullable=True)
        batch_op.create_index('ix_assist_authorization_person_agent', ['agent_person_id', 'person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assist_authorization_agent_person_id_person'), 'person', ['agent_person_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_assist_authorization_proof_checked_by_staff_id_staff'), 'staff', ['proof_checked_by_staff_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_assist_authorization_one_agent'), '(agent_staff_id IS NULL) <> (agent_person_id IS NULL)')

    with op.batch_alter_table('data_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_person_id', sa.GUID(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_data_access_agent_person_id_person'), 'person', ['agent_person_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('data_access', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_data_access_agent_person_id_person'), type_='foreignkey')
        batch_op.drop_column('agent_person_id')

    # Person agents' rows cannot survive without a staff agent.
    op.execute("DELETE FROM assist_authorization_event WHERE authorization_id IN "
               "(SELECT id FROM assist_authorization WHERE agent_person_id IS NOT NULL)")
    op.execute("DELETE FROM assist_authorization WHERE agent_person_id IS NOT NULL")
    with op.batch_alter_table('assist_authorization', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_assist_authorization_one_agent'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_assist_authorization_proof_checked_by_staff_id_staff'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_assist_authorization_agent_person_id_person'), type_='foreignkey')
        batch_op.drop_index('ix_assist_authorization_person_agent')
        batch_op.alter_column('agent_staff_id', existing_type=sa.GUID(length=16), nullable=False)
        batch_op.drop_column('proof_checked_by_staff_id')
        batch_op.drop_column('proof_upload_key')
        batch_op.drop_column('proof_on')
        batch_op.drop_column('proof_note')
        batch_op.drop_column('basis')
        batch_op.drop_column('agent_person_id')
