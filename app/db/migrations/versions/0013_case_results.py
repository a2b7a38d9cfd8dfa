"""case_results: results of finished matters: e-licenses and documents (issue 5)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 20:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]


def upgrade() -> None:
    # Reserved so that parallel work keeps one linear chain; filled in by its own commit.
    pass


def downgrade() -> None:
    pass
