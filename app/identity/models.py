"""Identity tables. Departments come first: staff, matters and sub-cases all point at one."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UUIDv7AuditBase


class Department(UUIDv7AuditBase):
    """A government department (部门) that handles matters and employs reviewers."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    hotline: Mapped[str | None] = mapped_column(String(32), default=None)
    sort_order: Mapped[int] = mapped_column(default=0)

    def name_in(self, locale: str) -> str:
        """The department's name in the reader's language (Chinese unless English is asked)."""
        return self.name_en if locale.startswith("en") else self.name_zh
