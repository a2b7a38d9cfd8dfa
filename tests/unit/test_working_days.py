"""Working days across the 2026 holidays, make-up Saturdays, a data-file year and an unknown one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from app.applications.calendar import (
    HolidayFileError,
    Source,
    WorkingCalendar,
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


def test_a_year_no_source_knows_counts_weekends_only_and_warns_once() -> None:
    calendar = WorkingCalendar()
    assert calendar.source_of(2027) is Source.WEEKENDS
    with capture_logs() as logs:
        # Friday 1 January 2027 + 1 working day: Monday 4 January (weekends only).
        assert calendar.add_working_days(date(2027, 1, 1), 1) == date(2027, 1, 4)
        assert calendar.working_days_between(date(2027, 1, 1), date(2027, 1, 15)) == 10
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert len(warnings) == 1
    assert warnings[0]["year"] == 2027


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
