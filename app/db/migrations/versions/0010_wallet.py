"""wallet: e-licenses, signing keys, card verifications (issue 7)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    # Reserved so that parallel work keeps one linear chain; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
