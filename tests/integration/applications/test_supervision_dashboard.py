"""The supervisors' figures, on a database of their own so every number is known."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from uuid import UUID

import msgspec
import pytest
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import select, update

from app.applications.case_models import Application, Rating, SubCase
from app.applications.context import Clock
from app.applications.dashboard import PERIODS, Average, Figures, Share, figures
from app.applications.ratings import Ratings
from app.applications.review import ReviewDesk
from app.applications.states import Actor
from app.composition.build import create_engine
from app.config import Settings
from app.i18n import set_locale
from app.protection import DataProtector, load_protection_keys
from app.web.templating import configure_jinja
from tests.conftest import make_settings, migrate
from tests.integration.application_support import (
    CATALOG,
    Desk,
    at,
    engine_sessionmaker,
    loaded_catalog,
)

REVIEWER = Actor.staff(UUID(int=2))
TODAY = date(2026, 10, 12)  # a Monday; the period of 4 weeks starts on 21 September


@pytest.fixture
def empty_database(fresh_database_url: object, tmp_path: Path) -> Settings:
    """A migrated database of this test's own (Alembic runs its own event loop: sync)."""
    settings = make_settings(tmp_path / "var", fresh_database_url("dashboard"))  # type: ignore[operator]
    migrate(settings)
    return settings


@pytest.fixture
async def desk(empty_database: Settings, tmp_path: Path) -> AsyncIterator[Desk]:
    settings = empty_database
    engine = create_engine(settings)
    protector = DataProtector(load_protection_keys(None, settings.var_dir, production=False))
    yield Desk(engine_sessionmaker(engine), protector, tmp_path / "files", Clock(at(TODAY)))
    await engine.dispose()


async def _approve(desk: Desk, application_id: UUID, matter: str, day: date) -> None:
    desk.clock.fixed = at(day)
    async with desk.context() as ctx:
        application = await ctx.db.get(Application, application_id)
        case = await ctx.db.scalar(
            select(SubCase).where(SubCase.application_id == application_id,
                                  SubCase.matter_code == matter)
        )  # fmt: skip
        assert application is not None
        assert case is not None
        await ReviewDesk(ctx).approve(case, application, REVIEWER)


async def _finished_and_rated(
    desk: Desk, submitted: date, approvals: list[tuple[str, date]], stars: int
) -> None:
    desk.clock.fixed = at(submitted)
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person, leave_out=("card",)))
    for matter, day in approvals:
        await _approve(desk, application.id, matter, day)
    async with desk.context() as ctx:
        finished = await ctx.db.get(Application, application.id)
        assert finished is not None
        await Ratings(ctx).rate(finished, person.id, stars, [], "")
        # A rating's time is the database's; put it inside the period like the rest.
        await ctx.db.execute(
            update(Rating).where(Rating.application_id == application.id)
            .values(created_at=at(approvals[-1][1]))
        )  # fmt: skip


async def test_an_empty_period_has_zero_counts_and_no_averages(desk: Desk) -> None:
    async with desk.context() as ctx:
        empty = await figures(ctx, 4)
    assert [v.total for v in empty.volumes] == [0, 0, 0, 0]
    assert empty.since == date(2026, 9, 21)
    assert empty.handling == []
    assert empty.on_time == []
    assert empty.handling_overall == Average(key="", count=0, value=None)
    assert empty.on_time_overall == Share(key="", count=0, part=0, rate=None)
    assert empty.stars == [0, 0, 0, 0, 0]
    assert empty.stars_average is None


async def test_the_figures_count_volumes_working_days_punctuality_and_stars(desk: Desk) -> None:
    # Submitted Monday 28 Sep, accepted at once. Certificate (due 30 Sep) approved on time;
    # household (due 9 Oct) and insurance (due 10 Oct) approved late on 12 Oct: 6 working
    # days from acceptance, across the National Day holiday.
    await _finished_and_rated(
        desk, date(2026, 9, 28),
        [("certificate", date(2026, 9, 29)), ("household", date(2026, 10, 12)),
         ("insurance", date(2026, 10, 12))],
        stars=1,
    )  # fmt: skip
    # Submitted Thursday 8 Oct, everything approved the next day: 1 working day, on time.
    await _finished_and_rated(
        desk, date(2026, 10, 8),
        [("certificate", date(2026, 10, 9)), ("household", date(2026, 10, 9)),
         ("insurance", date(2026, 10, 9))],
        stars=5,
    )  # fmt: skip
    desk.clock.fixed = at(TODAY, hour=18)
    async with desk.context() as ctx:
        shown = await figures(ctx, 4)
        older = await figures(ctx, 99)  # not a period offered: the default of 12 weeks

    assert [(v.start, v.total) for v in shown.volumes] == [
        (date(2026, 9, 21), 0), (date(2026, 9, 28), 1), (date(2026, 10, 5), 1),
        (date(2026, 10, 12), 0),
    ]  # fmt: skip
    assert shown.bundles == ["test-birth"]
    assert shown.volumes[1].by_bundle == {"test-birth": 1}
    assert shown.handling == [Average(key="test-birth", count=2, value=3.5)]
    assert shown.on_time == [
        Share(key="health", count=2, part=2, rate=1.0),
        Share(key="medical-insurance", count=2, part=1, rate=0.5),
        Share(key="public-security", count=2, part=1, rate=0.5),
    ]
    assert shown.on_time_overall == Share(key="", count=6, part=4, rate=4 / 6)
    assert shown.stars == [1, 0, 0, 0, 1]
    assert shown.stars_average == 3.0
    assert older.weeks == 12
    assert sum(v.total for v in older.volumes) == 2


def _render(shown: Figures, locale: str) -> str:
    """The dashboard's part of the page, as the app's Jinja environment draws it."""
    env = Environment(loader=FileSystemLoader("app/templates"), autoescape=True)
    configure_jinja(env, loaded_catalog())
    set_locale(locale)
    try:
        return env.get_template("staff/_dashboard.html").render(
            figures=shown, periods=PERIODS, catalog=CATALOG
        )
    finally:
        set_locale("zh_Hans")


async def test_the_charts_draw_an_empty_period_and_known_figures_in_both_languages(
    desk: Desk,
) -> None:
    async with desk.context() as ctx:
        empty = await figures(ctx, 4)
    for locale, no_rating in (("en", "No rating in the period."), ("zh_Hans", "期间内没有评价。")):
        page = _render(empty, locale)
        assert page.count('<svg class="chart" role="img"') == 2  # weeks and stars: no rows
        assert no_rating in page
        assert 'height="0.0"' in page  # every bar flat, none divided by zero

    shown = msgspec.structs.replace(
        empty,
        stars=[1, 0, 0, 0, 3],
        stars_average=4.0,
        on_time=[Share(key="health", count=4, part=3, rate=0.75)],
        on_time_overall=Share(key="", count=4, part=3, rate=0.75),
    )
    page = _render(shown, "en")
    assert page.count('<svg class="chart" role="img"') == 3
    assert '<desc id="chart-stars-desc">4 ratings, 4.0 stars on average.</desc>' in page
    assert "<td>3</td><td>75%</td>" in page
    assert "75% of 4 ended items ended within their time limit." in page
