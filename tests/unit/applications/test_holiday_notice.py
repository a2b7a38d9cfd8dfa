"""Reading a year's holidays from the State Council's notice, and refusing one that does not
hold together (issue 20, item 9).

``notices/2025.txt`` and ``notices/2026.txt`` are the holiday lines of the notices for 2025
and 2026 (abridged to what the parser reads). The ``chinese-calendar`` package knows both
years: what the parser reads must agree with it on every day of the year.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from app.applications.calendar import WorkingCalendar
from app.applications.holiday_notice import NoticeError, parse_notice

NOTICES = Path(__file__).resolve().parent / "notices"


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_published_notice_reads_as_the_year_the_package_knows(year: int) -> None:
    notice = parse_notice((NOTICES / f"{year}.txt").read_text("utf-8"), year)
    calendar = WorkingCalendar(loaded={year: notice.schedule("gov.cn")})
    day, disagree = date(year, 1, 1), []
    while day.year == year:
        if calendar.is_working_day(day) != chinese_calendar.is_workday(day):
            disagree.append(day)
        day += timedelta(days=1)
    assert disagree == []


def test_the_holidays_are_read_with_their_names_ranges_and_make_up_days() -> None:
    notice = parse_notice((NOTICES / "2026.txt").read_text("utf-8"), 2026)
    spring = next(h for h in notice.holidays if h.name == "春节")
    # 2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）: the month is the range's own.
    assert (spring.days_off[0], spring.days_off[-1], len(spring.days_off)) == (
        date(2026, 2, 15), date(2026, 2, 23), 9,
    )  # fmt: skip
    assert spring.workdays == (date(2026, 2, 14), date(2026, 2, 28))
    assert [h.name for h in notice.holidays] == [
        "元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("1月1日（周四）", "1月1日（周五）", "2026-01-01 is a 周四, the notice says 周五"),
        ("放假调休，共9天", "放假调休，共8天", "is 9 days, the notice says 8"),
        (
            "5月9日（周六）上班",
            "5月8日（周五）上班",
            "2026-05-08 is to be worked but is not a weekend",
        ),
        (
            "10月1日（周四）至7日（周三）放假调休，共7天",
            "10月2日（周五）至7日（周三）放假调休，共6天",
            "statutory holiday 2026-10-01",
        ),
        ("2026年部分节假日", "2027年部分节假日", "the notice is for 2027, not 2026"),
        ("1月4日（周日）上班", "2025年12月28日（周日）上班", "2025-12-28 is not in 2026"),
        ("6月19日（周五）至21日（周日）", "6月19日至21日", "no weekday beside"),
        ("至23日（农历正月初七、周一）", "至2月31日（周一）", "no such date"),
    ],
)
def test_a_notice_that_does_not_hold_together_is_refused_saying_why(
    old: str, new: str, reason: str
) -> None:
    text = (NOTICES / "2026.txt").read_text("utf-8")
    assert old in text, "update the test: the fixture no longer says this"
    with pytest.raises(NoticeError, match=reason):
        parse_notice(text.replace(old, new, 1), 2026)


def test_text_that_is_no_notice_is_refused() -> None:
    with pytest.raises(NoticeError, match="no holiday found"):
        parse_notice("国务院办公厅关于2027年部分节假日安排的通知（草稿，另行发布）", 2027)
