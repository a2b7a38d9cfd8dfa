"""spaces: proactive benefit offers and data exports (issue 7)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 20:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    # Reserved so that parallel work keeps one linear chain; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
