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
    # Reserved so that parallel work keeps one linear chain; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
