"""sealed_uploads: uploaded materials sealed at rest — no schema change

A sealed file is told apart from a legacy clear one by its first bytes (``v1.``; see
``app/sealed_files.py``), so no marker column is needed; the revision stays, empty, to keep
the chain.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-24 01:45:00
"""

from __future__ import annotations

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
