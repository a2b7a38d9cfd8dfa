"""audit_log: the hash-chained audit log (issue 9)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-23 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_subject'), ['subject'], unique=False)
    head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('anchor_id', sa.BigInteger(), nullable=False),
    sa.Column('anchor_hash', sa.String(length=64), nullable=False),
    sa.Column('anchored_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    # The head's one row, so the first append has a row to lock like every later one.
    op.bulk_insert(head, [{
        'id': 1, 'last_id': 0, 'last_hash': GENESIS_HASH, 'anchor_id': 0,
        'anchor_hash': GENESIS_HASH, 'anchored_at': None,
    }])


def downgrade() -> None:
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_subject'))
        batch_op.drop_index('ix_audit_event_at')
    op.drop_table('audit_event')
