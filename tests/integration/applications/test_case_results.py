"""Results of approved matters: e-licenses into the holder's wallet, documents as delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.applications.case_models import Application, CaseResult, ResultKind, SubCase
from app.applications.context import Clock
from app.applications.results import produce, results_of
from app.applications.review import ReviewDesk
from app.applications.states import Actor
from app.composition.build import create_engine
from app.composition.runtime import Runtime
from app.config import Settings
from app.protection import DataProtector, load_protection_keys
from app.wallet.models import License
from app.wallet.service import Holder, WalletService
from tests.conftest import in_app, sign_in_as
from tests.integration.application_support import (
    Desk,
    at,
    engine_sessionmaker,
    new_phone,
)
from tests.integration.applications.test_application_lifecycle import MONDAY

REVIEWER = Actor.staff(UUID(int=2))


@pytest.fixture
async def desk(settings: Settings, tmp_path: Path) -> AsyncIterator[Desk]:
    engine = create_engine(settings)
    protector = DataProtector(load_protection_keys(None, settings.var_dir, production=False))
    yield Desk(engine_sessionmaker(engine), protector, tmp_path / "files", Clock(at(MONDAY)))
    await engine.dispose()


async def _approve(desk: Desk, application_id: UUID, matter: str) -> None:
    async with desk.context() as ctx:
        application = await ctx.db.get(Application, application_id)
        assert application is not None
        case = await ctx.db.scalar(
            select(SubCase).where(
                SubCase.application_id == application_id, SubCase.matter_code == matter
            )
        )
        assert case is not None
        await ReviewDesk(ctx).approve(case, application, REVIEWER)


async def _results(desk: Desk, application_id: UUID) -> dict[str, CaseResult]:
    async with desk.context() as ctx:
        application = await ctx.db.get(Application, application_id)
        assert application is not None
        return {r.matter_code: r for r in await results_of(ctx, application)}


async def test_approving_a_matter_whose_result_is_a_license_issues_it_to_the_applicant(
    desk: Desk,
) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    await _approve(desk, application.id, "certificate")

    result = (await _results(desk, application.id))["certificate"]
    assert result.kind == ResultKind.LICENSE
    async with desk.context() as ctx:
        wallet = WalletService(ctx.db, protector=desk.protector, license_types=ctx.license_types)
        held = await wallet.list_for(Holder.person(person.id))
        assert [h.id for h in held] == [result.license_id]
        license_ = held[0]
        assert license_.license_type == "birth-medical-certificate"
        assert license_.source_ref == str(result.sub_case_id)
        assert license_.fields == {"name": "张小宝"}  # the form's subset, no numbers
        assert license_.holder_name == "张小宝"
        assert license_.jws.count(".") == 2  # signed by the health department's key


async def test_producing_a_result_again_issues_nothing_new(desk: Desk) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person))
    await _approve(desk, application.id, "certificate")
    async with desk.context() as ctx:
        application_row = await ctx.db.get(Application, application.id)
        assert application_row is not None
        query = select(SubCase).where(SubCase.application_id == application.id)
        case = await ctx.db.scalar(query.where(SubCase.matter_code == "certificate"))
        assert case is not None
        first = (await _results(desk, application.id))["certificate"]
        again = await produce(ctx, application_row, case)
        assert again.id == first.id
        licenses = (await ctx.db.scalars(select(License).where(
            License.person_id == person.id))).all()  # fmt: skip
        assert len(licenses) == 1


async def test_other_results_are_documents_delivered_as_the_applicant_chose(desk: Desk) -> None:
    person = await desk.person()
    application = await desk.submit(person, await desk.draft(person), delivery="mail",
                                    address="示例市滨江路8号")  # fmt: skip
    await _approve(desk, application.id, "insurance")

    results = await _results(desk, application.id)
    assert set(results) == {"insurance"}  # delivered progressively, matter by matter
    assert results["insurance"].kind == ResultKind.DOCUMENT
    assert results["insurance"].license_id is None
    assert results["insurance"].delivery == "mail"
    assert results["insurance"].delivered_at == at(MONDAY)


async def test_a_finished_applications_license_is_in_the_holders_wallet_and_only_theirs(
    apps: AsyncTestClient[Litestar],
) -> None:
    runtime: Runtime = apps.app.state.runtime
    desk = Desk(
        runtime.sessionmaker, runtime.protector, runtime.settings.var_dir / "files", Clock()
    )
    phone = new_phone()
    await sign_in_as(apps, phone)
    person = await in_app(apps, desk.person, phone)

    async def finish() -> Application:
        application = await desk.submit(person, await desk.draft(person))
        for matter in ("certificate", "insurance", "household", "card"):
            await _approve(desk, application.id, matter)
        return application

    application = await in_app(apps, finish)
    results = await in_app(apps, _results, desk, application.id)
    license_id = results["certificate"].license_id
    assert license_id is not None

    page = await apps.get(f"/me/applications/{application.id}")
    assert page.status_code == 200
    assert f'href="/me/licenses/{license_id}"' in page.text
    wallet = await apps.get("/wallet")
    assert f"/me/licenses/{license_id}" in wallet.text
    assert (await apps.get(f"/me/licenses/{license_id}")).status_code == 200

    await sign_in_as(apps, new_phone())
    assert f"/me/licenses/{license_id}" not in (await apps.get("/wallet")).text
    assert (await apps.get(f"/me/licenses/{license_id}")).status_code == 404
