"""The holiday years an administrator loaded from the State Council's notices."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import AdvancedDeclarativeBase, CommonTableAttributes
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class HolidayYear(CommonTableAttributes, AdvancedDeclarativeBase):
    """One year's days off and make-up workdays, as its notice gives them (ISO dates).

    Loading a year again (a corrected notice) replaces the row; each load is in the audit log
    (``holidays_loaded``) with what it replaced.
    """

    __tablename__ = "holiday_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list[str]] = mapped_column(JSON)
    workdays: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(500))  # the notice's address or title
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the notice's text as loaded
    loaded_by: Mapped[str] = mapped_column(String(80))
    loaded_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
