"""Reading a year's holidays from the State Council's notice (国务院办公厅关于部分节假日安排的通知).

The notice is published on www.gov.cn each November or December and reads, holiday by
holiday::

    一、元旦：1月1日（周五）放假1天，不调休。
    二、春节：2月6日（农历腊月三十、周六）至13日（农历正月初七、周六）放假调休，共8天。
        2月14日（周日）、2月20日（周六）上班。

``parse_notice`` reads every "放假" range and every "上班" day, and refuses the text — naming
what is wrong — unless it holds together: each date's weekday is the one written beside it,
each range has the "共N天" it states, a make-up workday falls on a weekend, no day is both
off and worked, every day is in the year, the year is the one the notice's title names, and
the fixed-date holidays of the law (1 January, 1–2 May, 1–3 October) are among the days off.
A notice that does not read so is not guessed at: the administrator checks the text.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import msgspec

from app.applications.calendar import FIXED_HOLIDAYS, YearSchedule

_WEEKDAYS = "一二三四五六日"
# A date as the notice writes it, with its note: 2月15日（农历腊月二十八、周日）. The year
# (2017年12月30日) and the month (至23日: the range's own month) may be left out.
_DAY = (
    r"(?:(?P<{p}y>\d{{4}})年)?(?:(?P<{p}m>\d{{1,2}})月)?"
    r"(?P<{p}d>\d{{1,2}})日(?:（(?P<{p}note>[^）]*)）)?"
)
_RANGE = re.compile(_DAY.format(p="a") + r"(?:至" + _DAY.format(p="b") + r")?")
_SINGLE = re.compile(_DAY.format(p="a"))
_TOTAL = re.compile(r"共(\d+)天")
_TITLE = re.compile(r"关于(\d{4})年部分节假日安排的通知")
_ITEM = re.compile(r"[一二三四五六七八九十]+、([^：:]{1,12})[：:]")


class NoticeError(ValueError):
    """The notice cannot be read as a year's schedule; the message says where and why."""


class NoticeHoliday(msgspec.Struct, frozen=True, kw_only=True):
    """One holiday of the notice as read: its name, the days off, the days worked for it."""

    name: str
    days_off: tuple[date, ...]
    workdays: tuple[date, ...]


class ParsedNotice(msgspec.Struct, frozen=True, kw_only=True):
    """A year's schedule as the notice gives it."""

    year: int
    holidays: tuple[NoticeHoliday, ...]

    def schedule(self, source: str) -> YearSchedule:
        """The calendar's form of it."""
        return YearSchedule(
            holidays=frozenset(d for h in self.holidays for d in h.days_off),
            workdays=frozenset(d for h in self.holidays for d in h.workdays),
            source=source,
        )


def parse_notice(text: str, year: int) -> ParsedNotice:
    """The holidays of ``year`` in the notice's ``text``; ``NoticeError`` if it does not hold."""
    title = _TITLE.search(text)
    if title is not None and int(title.group(1)) != year:
        raise NoticeError(f"the notice is for {title.group(1)}, not {year}")
    items = list(_ITEM.finditer(text))
    if not items:
        raise NoticeError("no holiday found: expected lines such as “一、元旦：1月1日（周五）放假”")
    holidays = []
    for index, item in enumerate(items):
        end = items[index + 1].start() if index + 1 < len(items) else len(text)
        holidays.append(_holiday(item.group(1).strip(), text[item.end() : end], year))
    _check_year(holidays, year)
    return ParsedNotice(year=year, holidays=tuple(holidays))


def _holiday(name: str, body: str, year: int) -> NoticeHoliday:
    off: list[date] = []
    worked: list[date] = []
    for sentence in re.split(r"[。；;]", body):
        # A clause naming days worked (…上班) may share a sentence with the days off.
        clauses = re.split(r"[，,]", sentence)
        for clause in (c for c in clauses if "上班" in c):
            worked.extend(_date(name, m, "a", year, None) for m in _SINGLE.finditer(clause))
        rest = "，".join(c for c in clauses if "上班" not in c)
        if "放假" in rest:
            off.extend(_days_off(name, rest, year))
    if not off:
        raise NoticeError(f"{name}: no days off found")
    for day in worked:
        if day.weekday() < 5:
            raise NoticeError(f"{name}: {day} is to be worked but is not a weekend day")
    return NoticeHoliday(name=name, days_off=tuple(off), workdays=tuple(worked))


def _days_off(name: str, sentence: str, year: int) -> list[date]:
    found = _RANGE.search(sentence)
    if found is None:
        raise NoticeError(f"{name}: cannot read the days off in “{sentence.strip()}”")
    first = _date(name, found, "a", year, None)
    last = _date(name, found, "b", year, first) if found.group("bd") else first
    if last < first:
        raise NoticeError(f"{name}: the range ends ({last}) before it starts ({first})")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    total = _TOTAL.search(sentence) or re.search(r"放假(\d+)天", sentence)
    if total is not None and int(total.group(1)) != len(days):
        raise NoticeError(
            f"{name}: {first} to {last} is {len(days)} days, the notice says {total.group(1)}"
        )
    return days


def _date(name: str, match: re.Match[str], p: str, year: int, after: date | None) -> date:
    """The date of group prefix ``p``: a missing month is the range start's (至23日)."""
    month = match.group(f"{p}m") or (str(after.month) if after else None)
    if month is None:
        raise NoticeError(f"{name}: a date without its month: “{match.group(0)}”")
    written_year = int(match.group(f"{p}y") or year)
    try:
        day = date(written_year, int(month), int(match.group(f"{p}d")))
    except ValueError:
        raise NoticeError(f"{name}: no such date: “{match.group(0)}”") from None
    weekday = re.search(r"(?:周|星期)([一二三四五六日天])", match.group(f"{p}note") or "")
    if weekday is None:
        raise NoticeError(f"{name}: no weekday beside “{match.group(0)}” to check it by")
    if _WEEKDAYS[day.weekday()] != weekday.group(1).replace("天", "日"):
        raise NoticeError(
            f"{name}: {day} is a 周{_WEEKDAYS[day.weekday()]}, the notice says "
            f"周{weekday.group(1)}: check the year and the text"
        )
    return day


def _check_year(holidays: list[NoticeHoliday], year: int) -> None:
    off = {d for h in holidays for d in h.days_off}
    worked = {d for h in holidays for d in h.workdays}
    strays = sorted(d for d in off | worked if d.year != year)
    if strays:
        raise NoticeError(
            f"{strays[0]} is not in {year}: a notice naming days of another year is loaded by "
            "hand into the holiday file (app/applications/holidays.toml)"
        )
    if off & worked:
        raise NoticeError(f"{min(off & worked)} is both a day off and a day worked")
    missing = [date(year, m, d) for m, d in FIXED_HOLIDAYS if date(year, m, d) not in off]
    if missing:
        raise NoticeError(
            f"the statutory holiday {missing[0]} is not among the days off: is this the whole "
            "notice?"
        )
