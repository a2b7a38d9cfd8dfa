"""Working days across the 2026 holidays, make-up Saturdays, a data-file year and an unknown one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from app.applications.calendar import (
    HolidayFileError,
    Source,
    WorkingCalendar,
    YearSchedule,
    default_calendar,
    load_calendar,
)


def test_the_spring_festival_week_is_not_counted() -> None:
    calendar = default_calendar()
    # Friday 13 February 2026; 15–23 February off; Saturday 14 and 28 February are worked.
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert calendar.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 27)) == 5


def test_a_make_up_saturday_is_a_working_day_and_an_ordinary_one_is_not() -> None:
    calendar = default_calendar()
    assert calendar.is_working_day(date(2026, 2, 28))  # 春节 调休上班
    assert calendar.is_working_day(date(2026, 10, 10))  # 国庆 调休上班
    assert not calendar.is_working_day(date(2026, 3, 7))


def test_national_day_holidays_push_a_deadline_into_the_next_week() -> None:
    calendar = default_calendar()
    # Wednesday 30 September; 1–7 October off; Saturday 10 October worked.
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_counting_is_the_inverse_of_adding() -> None:
    calendar = default_calendar()
    start = date(2026, 9, 18)
    for days in range(0, 30):
        end = calendar.add_working_days(start, days)
        assert calendar.working_days_between(start, end) == days
    assert calendar.working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == -4


def test_a_year_no_source_knows_is_provisional_and_warns_once() -> None:
    calendar = WorkingCalendar()
    assert calendar.source_of(2027) is Source.PROVISIONAL
    with capture_logs() as logs:
        # Friday 1 January 2027 + 1 working day: Monday 4 January.
        assert calendar.add_working_days(date(2027, 1, 1), 1) == date(2027, 1, 4)
        assert calendar.working_days_between(date(2027, 1, 1), date(2027, 1, 15)) == 10
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert len(warnings) == 1
    assert warnings[0]["year"] == 2027


def test_new_years_day_2027_is_no_working_day_though_no_notice_is_published() -> None:
    # Issue 20, item 9: the law fixes 1 January, 1–2 May and 1–3 October in every year.
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(date(2027, 1, 1))
    for day in (date(2027, 5, 3), date(2027, 10, 4)):  # 4 October 2027 is a Monday
        assert calendar.is_working_day(day) == (day.weekday() < 5)
    for day in (date(2027, 5, 1), date(2027, 5, 2), date(2027, 10, 1), date(2028, 10, 2)):
        assert not calendar.is_working_day(day)
    # A deadline counted over it: Monday 28 December 2026 + 5 → Tuesday 5 January 2027.
    assert calendar.deadline(date(2026, 12, 28), 5) == (date(2027, 1, 5), 2027)
    assert calendar.deadline(date(2026, 12, 21), 5) == (date(2026, 12, 28), None)


def test_a_provisional_deadline_is_counted_again_once_the_year_is_loaded() -> None:
    calendar = WorkingCalendar()
    today = date(2027, 2, 1)  # Monday, before the Spring Festival (made up for the test)
    due, since = calendar.deadline(today, 5)
    assert (due, since) == (date(2027, 2, 8), 2027)
    spring = {date(2027, 2, 5) + timedelta(days=n) for n in range(8)}  # 5–12 February off
    calendar.use_loaded(
        {2027: YearSchedule(holidays=frozenset(spring), workdays=frozenset({date(2027, 2, 20)}))}
    )
    assert not calendar.is_provisional(2027)
    assert calendar.source_of(2027) is Source.LOADED
    # The five working days it had from today now land after the holiday week.
    assert calendar.settle(due, today, since) == date(2027, 2, 16)
    # An overdue one stays where it was.
    assert calendar.settle(date(2027, 1, 29), today, since) == date(2027, 1, 29)
    # What a loaded year says beats the data file and the package.
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.is_working_day(date(2027, 2, 20))


def test_a_year_in_the_data_file_replaces_the_package(tmp_path: Path) -> None:
    # A made-up schedule for the test, not the official one.
    path = tmp_path / "holidays.toml"
    path.write_text(
        '[years.2027]\nsource = "test"\n'
        "holidays = [2027-01-01, [2027-02-08, 2027-02-12]]\nworkdays = [2027-02-06]\n"
        '[years.2026]\nsource = "a correction"\nholidays = [2026-03-02]\n',
        encoding="utf-8",
    )
    calendar = load_calendar(path)
    assert calendar.source_of(2027) is Source.FILE
    assert calendar.is_working_day(date(2027, 2, 6))  # a Saturday made a workday
    assert calendar.add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 15)
    assert not calendar.is_working_day(date(2026, 3, 2))
    # The file's 2026 replaces the package's: its Spring Festival is no longer known there.
    assert calendar.is_working_day(date(2026, 2, 16))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[years.2027]\nsource = "x"\nholidays = [2026-12-31]\n', "not in 2027"),
        ('[years.2027]\nsource = "x"\nholidays = [[2027-02-12, 2027-02-08]]\n', "first <= last"),
        (
            '[years.2027]\nsource = "x"\nholidays = [2027-02-06]\nworkdays = [2027-02-06]\n',
            "both off and worked",
        ),
        ("[years.2027]\nholidays = []\n", "source"),
    ],
)
def test_a_broken_data_file_is_refused_with_a_message(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(HolidayFileError, match=message):
        load_calendar(path)


def test_the_shipped_data_file_loads() -> None:
    assert default_calendar().source_of(2026) in (Source.PACKAGE, Source.FILE)
