"""assist_more: assisted service additions (issue 8), if any

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-23 22:45:00
"""

from __future__ import annotations

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
