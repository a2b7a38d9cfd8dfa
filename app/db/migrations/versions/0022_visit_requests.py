"""visit_requests: visit requests, assignment and appointments (issue 8), if any

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-24 01:45:00
"""

from __future__ import annotations

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
