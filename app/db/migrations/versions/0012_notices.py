"""notices: notices, the outbox and deliveries (issue 6)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 20:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    # Reserved so that parallel work keeps one linear chain; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
