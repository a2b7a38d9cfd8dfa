"""Imports every model module so the metadata is complete (Alembic, tests)."""

from app.identity.models import Department

__all__ = ["Department"]
