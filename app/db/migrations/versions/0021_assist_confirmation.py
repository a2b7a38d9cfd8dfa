"""assist_confirmation: in-person and QR confirmation of authorizations (issue 8), if any

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-24 01:45:00
"""

from __future__ import annotations

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
