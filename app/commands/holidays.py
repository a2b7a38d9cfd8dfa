"""``python -m app holidays load|list``: a year's holidays from the State Council's notice.

``load`` reads the notice's text (国务院办公厅关于 YYYY 年部分节假日安排的通知, saved from
www.gov.cn), checks it, stores the year, writes the audit log and counts open provisional deadlines
again; running servers and workers take the year at their next calendar refresh. A year
loaded already is replaced only with ``--replace`` (a corrected notice). ``list`` says which
source decides each year from this one on, and which are still provisional.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from app.applications.calendar import china_today
from app.applications.holiday_notice import NoticeError
from app.applications.holidays import LoadedYear, load_year, refresh_calendar
from app.composition.build import calendar_for, database
from app.config import Settings
from app.errors import Conflict

ACTOR = "operator:command-line"


def add_holidays_command(sub: Any) -> None:
    """Register ``holidays load`` and ``holidays list`` on the CLI's subparsers."""
    holidays = sub.add_parser("holidays", help="public holidays from the State Council's notice")
    actions = holidays.add_subparsers(dest="action", required=True)
    load = actions.add_parser("load", help="load a year from the notice's text (checked, audited)")
    load.add_argument("--year", type=int, required=True, help="the year the notice is for")
    load.add_argument(
        "--notice", type=Path, required=True, help="a UTF-8 text file with the notice's text"
    )
    load.add_argument("--source", required=True, help="where it was published (its gov.cn URL)")
    load.add_argument("--by", default="", help="who loads it (for the audit log)")
    load.add_argument("--replace", action="store_true", help="replace a year loaded already")
    actions.add_parser("list", help="which source decides each year, and which are provisional")


def run_holidays(settings: Settings, args: argparse.Namespace) -> int:
    """The ``holidays`` command; its exit code."""
    if args.action == "list":
        for line in asyncio.run(_years(settings)):
            print(line)  # noqa: T201
        return 0
    try:
        notice = args.notice.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read the notice: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    try:
        loaded = asyncio.run(load_notice(settings, args.year, notice, args.source, args.by,
                                         replace=args.replace))  # fmt: skip
    except NoticeError as exc:
        print(f"the notice was not loaded: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except Conflict:
        print(f"{args.year} is loaded already: add --replace to replace it", file=sys.stderr)  # noqa: T201
        return 1
    print(  # noqa: T201
        f"{loaded.year}: {loaded.days_off} days off and {loaded.workdays} make-up workdays "
        f"{'replaced' if loaded.replaced else 'loaded'}; {loaded.settled} open deadline(s) "
        "counted again"
    )
    return 0


async def load_notice(
    settings: Settings, year: int, notice: str, source: str, by: str = "", *,
    replace: bool = False,
) -> LoadedYear:  # fmt: skip
    """Load ``year`` from ``notice`` into the configured database, in one transaction."""
    calendar = calendar_for(settings)
    actor = f"operator:{by}" if by.strip() else ACTOR
    async with database(settings) as sessionmaker, sessionmaker() as db, db.begin():
        await refresh_calendar(db, calendar)
        return await load_year(
            db, calendar, year=year, notice=notice, source=source, actor=actor,
            today=china_today(), replace=replace,
        )  # fmt: skip


async def _years(settings: Settings) -> list[str]:
    calendar = calendar_for(settings)
    async with database(settings) as sessionmaker, sessionmaker() as db:
        await refresh_calendar(db, calendar)
    this_year = china_today().year
    return [f"{year}: {calendar.source_of(year)}" for year in range(this_year - 1, this_year + 3)]
