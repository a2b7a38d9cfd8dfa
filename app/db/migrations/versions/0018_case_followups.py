"""case_followups: 容缺 lapse consequences and complaint deadlines (issue 5)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-23 22:30:00
"""

from __future__ import annotations

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
