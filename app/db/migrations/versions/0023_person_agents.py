"""person_agents: relatives and guardians as agents (issue 8), if any

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-24 01:45:00
"""

from __future__ import annotations

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
