"""Declarative bases. Every model module is imported by ``app.composition.models`` for Alembic."""

from __future__ import annotations

from advanced_alchemy.base import BigIntAuditBase, UUIDv7AuditBase

__all__ = ["BigIntAuditBase", "UUIDv7AuditBase"]
