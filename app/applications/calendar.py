"""Working days (工作日) for time limits: Chinese public holidays and make-up workdays (调休).

Four sources, in order, per year:

1. a year an administrator loaded from the State Council's notice (``python -m app holidays
   load``, stored in ``holiday_year``; ``app.applications.holidays``), handed to the calendar
   with ``use_loaded`` and refreshed while the app runs;
2. the holiday data file (``app/applications/holidays.toml``, or ``ONETHING_HOLIDAYS_FILE``):
   a year listed there replaces whatever the package knows about it (corrections, tests);
3. the ``chinese-calendar`` package (it knows 2004–2026 and raises for later years);
4. none of them: the year is **provisional**. Weekends and the public holidays whose dates
   the law fixes (《全国年节及纪念日放假办法》第二条: 1 January, 1–2 May, 1–3 October) are
   off; the lunar holidays and make-up workdays are not known yet. One warning per year and
   process; a deadline must never fail to compute, and it is marked provisional
   (``provisional_from``) until the year is loaded, then recounted (``settle``).

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

    LOADED = "loaded"  # from the State Council's notice, by an administrator
    FILE = "file"
    PACKAGE = "package"
    PROVISIONAL = "provisional"  # weekends and the fixed-date holidays only


# The public holidays whose dates the law fixes (《全国年节及纪念日放假办法》, as revised in
# 2024, 第二条): 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October. Off in every year,
# whatever the State Council's notice later adds around them.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))


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

    def __init__(
        self,
        overrides: Mapping[int, YearSchedule] | None = None,
        loaded: Mapping[int, YearSchedule] | None = None,
        *,
        known_until: int | None = None,
        warn: bool = True,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._loaded = dict(loaded or {})
        # Years after this one count as provisional whatever the package knows (the past
        # reckoning of ``with_provisional``); None: the package decides.
        self._known_until = known_until
        self._warn = warn
        self._warned: set[int] = set()

    def use_loaded(self, years: Mapping[int, YearSchedule]) -> None:
        """Take the years loaded from the State Council's notices (all of them, replacing)."""
        self._loaded = dict(years)

    def with_provisional(self, since: int) -> WorkingCalendar:
        """This calendar as it counted when every year from ``since`` on was provisional."""
        return WorkingCalendar(
            {y: s for y, s in self._overrides.items() if y < since},
            {y: s for y, s in self._loaded.items() if y < since},
            known_until=since - 1,
            warn=False,  # a reckoning of the past: nothing new to tell the operator
        )

    def source_of(self, year: int) -> Source:
        """Which source decides the days of ``year``."""
        if year in self._loaded:
            return Source.LOADED
        if year in self._overrides:
            return Source.FILE
        if self._known_until is not None and year > self._known_until:
            return Source.PROVISIONAL
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return Source.PROVISIONAL
        return Source.PACKAGE

    def is_provisional(self, year: int) -> bool:
        """Whether ``year``'s holidays are not known yet (no notice loaded, no other source)."""
        return self.source_of(year) is Source.PROVISIONAL

    def provisional_from(self, start: date, end: date) -> int | None:
        """The first provisional year from ``start`` to ``end`` (a deadline counted across it
        is provisional), or None when every year between is known."""
        return next((y for y in range(start.year, end.year + 1) if self.is_provisional(y)), None)

    def deadline(self, start: date, days: int) -> tuple[date, int | None]:
        """``add_working_days`` and, when it counted across a provisional year, that year."""
        due = self.add_working_days(start, days)
        return due, self.provisional_from(start, due)

    def settle(self, due: date, today: date, since: int) -> date:
        """A deadline counted while the years from ``since`` were provisional, counted again
        now: the working days it had left from ``today`` stay, and land where they now fall."""
        left = self.with_provisional(since).working_days_between(today, due)
        return self.add_working_days(today, left) if left >= 0 else due

    def is_working_day(self, day: date) -> bool:
        """True on weekdays that are no public holiday, and on make-up workdays."""
        schedule = self._loaded.get(day.year) or self._overrides.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True
            return day.weekday() < 5 and day not in schedule.holidays
        if self.source_of(day.year) is Source.PROVISIONAL:
            self._warn_once(day.year)
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS
        return bool(chinese_calendar.is_workday(day))

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
        if self._warn and year not in self._warned:
            self._warned.add(year)
            log.warning(
                "no holiday schedule for this year: counting weekends and the fixed-date "
                "holidays only, deadlines in it are provisional; load the State Council's "
                "notice with `python -m app holidays load`",
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
