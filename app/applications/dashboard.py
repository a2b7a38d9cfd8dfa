"""The supervisors' figures (电子监察 dashboard): volumes, handling time, on-time rate, 好差评.

Counts are SQL aggregates (they run the same on SQLite and PostgreSQL: plain ``SUM(CASE …)``
and ``GROUP BY``, no date functions, whose names differ). Handling time and punctuality are
measured in working days, which only the calendar knows, so those two read the two dates of
each row they count and do the arithmetic here. Every share and average is ``None`` when
nothing was counted: an empty period is shown as "no data", never as a division by zero.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import msgspec
from sqlalchemy import and_, case, func, select

from app.applications.calendar import CHINA, china_today
from app.applications.case_models import Application, Rating, SubCase
from app.applications.context import CaseContext
from app.applications.states import ApplicationState, SubCaseState

PERIODS = (4, 12, 26)  # weeks a supervisor may look back over
DEFAULT_PERIOD = 12


class WeekVolume(msgspec.Struct, frozen=True, kw_only=True):
    """Applications submitted in one week (Monday to Sunday, China time), by bundle."""

    start: date
    by_bundle: dict[str, int]
    total: int


class Average(msgspec.Struct, frozen=True, kw_only=True):
    """An average over ``count`` items (``None`` when there are none)."""

    key: str
    count: int
    value: float | None


class Share(msgspec.Struct, frozen=True, kw_only=True):
    """``part`` of ``count`` items, as a share (``None`` when there are none)."""

    key: str
    count: int
    part: int
    rate: float | None


class Figures(msgspec.Struct, frozen=True, kw_only=True):
    """What the dashboard shows for one period."""

    weeks: int
    since: date  # the first Monday counted
    until: date  # today
    volumes: list[WeekVolume]
    bundles: list[str]  # bundles with at least one application in the period
    handling: list[Average]  # working days from acceptance to the end, by bundle
    handling_overall: Average
    on_time: list[Share]  # ended sub-cases ended by their due day, by department
    on_time_overall: Share
    stars: list[int]  # how many ratings gave 1, 2, 3, 4, 5 stars
    stars_average: float | None


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in China, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=CHINA)


def _ratio(part: float, whole: int) -> float | None:
    return part / whole if whole else None


async def figures(ctx: CaseContext, weeks: int = DEFAULT_PERIOD) -> Figures:
    """The figures of the last ``weeks`` weeks, this one included (``weeks`` in ``PERIODS``)."""
    weeks = weeks if weeks in PERIODS else DEFAULT_PERIOD
    today = china_today(ctx.clock.now())
    since = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    start, end = _start_of(since), _start_of(today + timedelta(days=1))
    volumes, bundles = await _volumes(ctx, since, weeks, end)
    handling, handling_overall = await _handling(ctx, start, end)
    on_time, on_time_overall = await _on_time(ctx, start, end)
    stars = await _stars(ctx, start, end)
    rated = sum(stars)
    return Figures(
        weeks=weeks, since=since, until=today, volumes=volumes, bundles=bundles,
        handling=handling, handling_overall=handling_overall,
        on_time=on_time, on_time_overall=on_time_overall, stars=stars,
        stars_average=_ratio(sum(n * (i + 1) for i, n in enumerate(stars)), rated),
    )  # fmt: skip


async def _volumes(
    ctx: CaseContext, since: date, weeks: int, end: datetime
) -> tuple[list[WeekVolume], list[str]]:
    mondays = [since + timedelta(weeks=i) for i in range(weeks)]
    submitted = Application.submitted_at
    columns = [
        func.sum(case((and_(submitted >= _start_of(m), submitted < _start_of(m + timedelta(7))),
                       1), else_=0))
        for m in mondays
    ]  # fmt: skip
    query = (
        select(Application.bundle_code, *columns)
        .where(submitted >= _start_of(since), submitted < end)
        .group_by(Application.bundle_code)
        .order_by(Application.bundle_code)
    )
    rows = [(row[0], [int(n or 0) for n in row[1:]]) for row in await ctx.db.execute(query)]
    volumes = [
        WeekVolume(
            start=monday,
            by_bundle={code: counts[i] for code, counts in rows},
            total=sum(counts[i] for _, counts in rows),
        )
        for i, monday in enumerate(mondays)
    ]
    return volumes, [code for code, _ in rows]


async def _handling(
    ctx: CaseContext, start: datetime, end: datetime
) -> tuple[list[Average], Average]:
    query = select(Application.bundle_code, Application.accepted_at, Application.finished_at).where(
        Application.state == ApplicationState.FINISHED,
        Application.accepted_at.is_not(None),
        Application.finished_at >= start,
        Application.finished_at < end,
    )
    days: dict[str, list[int]] = defaultdict(list)
    for bundle_code, accepted_at, finished_at in await ctx.db.execute(query):
        days[bundle_code].append(
            ctx.calendar.working_days_between(china_today(accepted_at), china_today(finished_at))
        )
    every = [d for values in days.values() for d in values]
    by_bundle = [
        Average(key=code, count=len(values), value=_ratio(sum(values), len(values)))
        for code, values in sorted(days.items())
    ]
    return by_bundle, Average(key="", count=len(every), value=_ratio(sum(every), len(every)))


async def _on_time(ctx: CaseContext, start: datetime, end: datetime) -> tuple[list[Share], Share]:
    # Cancelled items never ran to their end: only approvals and rejections are counted.
    query = select(SubCase.department_code, SubCase.due_on, SubCase.finished_at).where(
        SubCase.state.in_([SubCaseState.APPROVED, SubCaseState.REJECTED]),
        SubCase.due_on.is_not(None),
        SubCase.finished_at >= start,
        SubCase.finished_at < end,
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for department_code, due_on, finished_at in await ctx.db.execute(query):
        counts[department_code][0] += 1
        counts[department_code][1] += due_on is not None and china_today(finished_at) <= due_on
    by_department = [
        Share(key=code, count=n, part=ok, rate=_ratio(ok, n))
        for code, (n, ok) in sorted(counts.items())
    ]
    n = sum(c[0] for c in counts.values())
    ok = sum(c[1] for c in counts.values())
    return by_department, Share(key="", count=n, part=ok, rate=_ratio(ok, n))


async def _stars(ctx: CaseContext, start: datetime, end: datetime) -> list[int]:
    query = (
        select(Rating.stars, func.count())
        .where(Rating.created_at >= start, Rating.created_at < end)
        .group_by(Rating.stars)
    )
    found = {int(stars): int(n) for stars, n in await ctx.db.execute(query)}
    return [found.get(level, 0) for level in range(1, 6)]
