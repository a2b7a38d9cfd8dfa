"""Working days (工作日) for time limits: Chinese public holidays and make-up workdays (调休).

Three sources, in order, per year:

1. the holiday data file (``app/applications/holidays.toml``, or ``ONETHING_HOLIDAYS_FILE``):
   a year listed there replaces whatever the package knows about it, so a new year's
   schedule (the State Council publishes it each winter) or a correction is a data change;
2. the ``chinese-calendar`` package (it knows 2004–2026 and raises for later years);
3. neither: weekends only, with one warning per year and process — a deadline must never
   fail to compute, and a late schedule is better than a refused application.

Days are calendar dates in China Standard Time (UTC+8 all year, no daylight saving).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from functools import cache
from pathlib import Path

import chinese_calendar
import msgspec
import structlog

log = structlog.get_logger(__name__)

CHINA = timezone(timedelta(hours=8), "CST")
HOLIDAYS_FILE = Path(__file__).resolve().with_name("holidays.toml")


def china_today(now: datetime | None = None) -> date:
    """The date in China for ``now`` (default: the current moment)."""
    return (now or datetime.now(UTC)).astimezone(CHINA).date()


class HolidayFileError(Exception):
    """The holiday data file is broken; the message names the file and the year."""


class Source(StrEnum):
    """Where a year's schedule came from."""

    FILE = "file"
    PACKAGE = "package"
    WEEKENDS = "weekends"


class YearSchedule(msgspec.Struct, frozen=True, kw_only=True):
    """One year's official days off that would be workdays, and weekend days worked."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""


class _YearEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    source: str
    holidays: list[date | list[date]]
    workdays: list[date] = msgspec.field(default_factory=list)


class _HolidayFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    years: dict[str, _YearEntry] = msgspec.field(default_factory=dict)


class WorkingCalendar:
    """Answers "is this a working day" and counts working days; never raises for a year."""

    def __init__(self, overrides: Mapping[int, YearSchedule] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._warned: set[int] = set()

    def source_of(self, year: int) -> Source:
        """Which source decides the days of ``year``."""
        if year in self._overrides:
            return Source.FILE
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return Source.WEEKENDS
        return Source.PACKAGE

    def is_working_day(self, day: date) -> bool:
        """True on weekdays that are no public holiday, and on make-up workdays."""
        schedule = self._overrides.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True
            return day.weekday() < 5 and day not in schedule.holidays
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self._warn_once(day.year)
            return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself is not counted).

        Zero gives ``start``. A time limit of 5 working days counted from an acceptance on a
        Friday before a holiday week therefore ends 5 working days after it.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        current, left = start, days
        while left:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when end < start.

        The inverse of ``add_working_days``: ``working_days_between(d, add_working_days(d, n))``
        is ``n``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def _warn_once(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            log.warning(
                "no holiday schedule for this year: counting weekends only; add the State "
                "Council's schedule to the holiday data file",
                year=year,
            )


def _days(items: Iterable[date | list[date]], where: str) -> set[date]:
    found: set[date] = set()
    for item in items:
        if isinstance(item, date):
            found.add(item)
            continue
        if len(item) != 2 or item[1] < item[0]:
            raise HolidayFileError(f"{where}: a range is [first, last] with first <= last")
        first, last = item
        found.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return found


def load_calendar(path: Path = HOLIDAYS_FILE) -> WorkingCalendar:
    """The calendar with the years of the holiday data file at ``path`` on top."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        parsed = msgspec.convert(raw, _HolidayFile)
    except (OSError, tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise HolidayFileError(f"{path}: {exc}") from None
    overrides: dict[int, YearSchedule] = {}
    for key, entry in parsed.years.items():
        where = f"{path}: years.{key}"
        if not key.isdigit():
            raise HolidayFileError(f"{where}: a year is four digits")
        year = int(key)
        holidays = _days(entry.holidays, where)
        workdays = set(entry.workdays)
        strays = sorted(d for d in holidays | workdays if d.year != year)
        if strays:
            raise HolidayFileError(f"{where}: {strays[0]} is not in {year}")
        if holidays & workdays:
            raise HolidayFileError(f"{where}: {min(holidays & workdays)} is both off and worked")
        overrides[year] = YearSchedule(
            holidays=frozenset(holidays), workdays=frozenset(workdays), source=entry.source
        )
    return WorkingCalendar(overrides)


@cache
def default_calendar() -> WorkingCalendar:
    """The repository's calendar, loaded once per process (read-only data)."""
    return load_calendar()
